"""The REPL's completer, without a terminal: a live session scope, a Document, a CompleteEvent."""

from __future__ import annotations

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from dsplang.repl.commands import COMMANDS, REPL_WORDS
from dsplang.repl.completion import DspCompleter, scan
from dsplang.repl.session import Session

SETUP = '''
type Point:
    x: int
    y: int

enum Mood: happy, sad

signature Answer:
    input question: str
    output answer: str

module Pipeline():
    respond = ChainOfThought("question, context -> answer")

    def forward(question: str, hops: int = 1):
        return respond(question=question, context="")

def helper(alpha, beta=2):
    return alpha

let qa = Predict("question, context -> answer")
let cot = ChainOfThought("topic -> summary")
let pipeline = Pipeline()
let point = Point(x=1, y=2)
let example = Example(question="q", gold="a")
let prediction = Prediction(answer="yes", score=0.5)
'''


@pytest.fixture(scope="module")
def completer():
    with Session() as session:
        session.context.run(session.execute, SETUP)
        yield DspCompleter(lambda: session.scope, COMMANDS, lambda: session.static, REPL_WORDS)


def complete(completer: DspCompleter, text: str) -> list[str]:
    event = CompleteEvent(completion_requested=True)
    return [c.text for c in completer.get_completions(Document(text), event)]


def test_builtin_names_and_keywords(completer):
    assert complete(completer, "pri") == ["print"]
    assert "signature" in complete(completer, "sig")
    assert "while" in complete(completer, "wh")


def test_names_the_session_declared(completer):
    assert complete(completer, "pip") == ["pipeline"]
    assert complete(completer, "helpe") == ["helper"]


def test_module_instance_attributes(completer):
    found = complete(completer, "pipeline.")
    assert "respond" in found and "forward" in found
    assert "self" not in found
    assert complete(completer, "pipeline.res") == ["respond"]


def test_nested_attribute_path(completer):
    assert complete(completer, "pipeline.respond.pre") == ["predict"]
    assert "demos" in complete(completer, "pipeline.respond.predict.")


def test_prediction_example_and_record_fields_come_first(completer):
    assert complete(completer, "prediction.")[:2] == ["answer", "score"]
    assert complete(completer, "example.")[:2] == ["question", "gold"]
    assert complete(completer, "point.")[:2] == ["x", "y"]


def test_types_offer_their_fields_and_members_only(completer):
    assert complete(completer, "Point.") == ["x", "y"]
    assert complete(completer, "Mood.") == ["happy", "sad"]
    assert complete(completer, "point.") == ["x", "y"]


def test_a_signature_offers_its_parts_not_python_internals(completer):
    found = complete(completer, "Answer.")
    assert found[:4] == ["name", "instructions", "inputs", "outputs"]
    assert "with_instructions" in found
    assert not [n for n in found if n.startswith(("from_", "_", "model_")) or n in ("cached", "output_model")]
    assert complete(completer, "qa.signature.inst") == ["instructions"]


def test_repl_words_complete(completer):
    assert complete(completer, "qui") == ["quit"]
    assert complete(completer, "hel")[:2] == ["helper", "help"]


def test_python_object_public_attributes(completer):
    found = complete(completer, "qa.")
    assert "signature" in found and "demos" in found
    assert not any(name.startswith("_") for name in found)
    assert "set_path_hint" not in found and "takes_signature" not in found


def test_predictor_keyword_arguments(completer):
    assert complete(completer, "qa(") == ["question=", "context="]
    assert complete(completer, "qa(con")[0] == "context="
    assert complete(completer, 'qa(question="x", ') == ["context="]


def test_chain_of_thought_and_function_and_module_arguments(completer):
    assert complete(completer, "cot(") == ["topic="]
    assert complete(completer, "helper(1, b")[0] == "beta="
    assert "break" in complete(completer, "helper(1, b")  # names and keywords follow
    assert complete(completer, "pipeline(") == ["question=", "hops="]


def test_keyword_arguments_of_the_innermost_call(completer):
    assert complete(completer, 'print(qa(') == ["question=", "context="]
    assert complete(completer, 'qa(question=helper(') == ["alpha=", "beta="]


def test_no_keyword_arguments_inside_an_argument_value(completer):
    assert "question=" not in complete(completer, "qa(question=q")


def test_nothing_inside_strings_and_comments(completer):
    assert complete(completer, 'print("pri') == []
    assert complete(completer, "let x = 1  # pri") == []
    assert complete(completer, '"""doc\npri') == []


def test_nothing_after_a_call_or_unknown_name(completer):
    assert complete(completer, "helper(1).") == []
    assert complete(completer, "nosuchname.") == []
    assert complete(completer, '"text".') == []


def test_meta_commands(completer):
    assert complete(completer, ":lo") == [":load"]
    assert complete(completer, ":preview pipe") == ["pipeline"]
    assert "respond" in complete(completer, ":preview pipeline.")


def test_load_completes_paths(completer, tmp_path, monkeypatch):
    (tmp_path / "program.dsp").write_text("let x = 1\n")
    monkeypatch.chdir(tmp_path)
    assert complete(completer, ":load prog") == ["ram.dsp"]


def test_scan_tracks_strings_brackets_and_keywords():
    inside, brackets = scan('f(a=1, b="x)", g(')
    assert not inside
    assert [b.opener for b in brackets] == ["(", "("]
    assert brackets[0].keywords == {"a", "b"}
    assert scan('f("open')[0] is True
    assert scan("f(a == 1")[1][0].keywords == set()


def test_names_of_the_input_being_typed(completer):
    """The input being typed is analysed statically, on top of what the session ran."""
    assert complete(completer, "def f(alpha, beta):\n    let gamma = alpha\n    al")[:2] == ["alpha", "all"]
    assert complete(completer, "def f(alpha):\n    let gamma = 1\n    gam") == ["gamma"]
    assert "pipeline" in complete(completer, "def f(alpha):\n    pip")


def test_members_only_the_static_model_knows(completer):
    """A parameter annotated with a record type has its fields, though no value exists yet."""
    assert complete(completer, "def f(p: Point):\n    return p.") == ["x", "y"]
    assert complete(completer, "module M():\n    def forward(pipe: Pipeline):\n        return pipe.res") \
        == ["respond"]


def test_static_keyword_arguments_of_a_def_being_typed(completer):
    assert complete(completer, "def g(alpha, beta=1):\n    return 1\nprint(g(") == ["alpha=", "beta="]


def test_menu_labels_say_what_a_name_is(completer):
    event = CompleteEvent(completion_requested=True)
    labels = {c.text: c.display_meta_text
              for c in completer.get_completions(Document("def f(alpha):\n    a"), event)}
    assert labels["alpha"] == "param"
    labels = {c.text: c.display_meta_text for c in completer.get_completions(Document("hel"), event)}
    assert labels["helper"] == "Function"


def test_a_loaded_file_is_in_the_static_model(tmp_path):
    path = tmp_path / "prog.dsp"
    path.write_text("def shout(word):\n    return word\n")
    with Session() as session:
        session.context.run(session.load, str(path))
        completer = DspCompleter(lambda: session.scope, COMMANDS, lambda: session.static)
        assert complete(completer, "sho") == ["shout"]
        assert complete(completer, "shout(") == ["word="]
        path.write_text("def whisper(word):\n    return word\n")
        session.context.run(session.reload)
        assert complete(completer, "sho") == []
        assert complete(completer, "whi") == ["whisper", "while"]
