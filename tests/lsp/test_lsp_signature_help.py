"""Signature help over stdio: a predictor's input fields while its call is typed, the
parameters of defs, methods, module constructors and instances, records and builtins, with
the argument being typed as the active parameter."""

from __future__ import annotations

import pytest
from lsp_client import LspClient

LIB = '''\
signature Lookup:
    """Find the page about a topic."""
    input topic: str "what to look up"
    output page: str
'''

PROGRAM = '''\
import "lib.dsp" as lib

signature QA:
    """Answer in one sentence."""
    input question: str "the user's question"
    input context: list[str] "passages to answer from"
    output answer: str

type Answer:
    text: str "the answer's text"
    score: float = 0.5

module RAG(hops: int = 2):
    """Retrieve, then answer."""
    respond = ChainOfThought(QA)
    def forward(self, question: str):
        let pred = self.respond(context=[], )
        return pred

def tally(limit, k: int = 3, *rest) -> int:
    """Count up to limit."""
    return k

let qa = Predict(QA)
let find = Predict(lib.Lookup)
let rag = RAG(hops=3)
let short = Predict("question -> answer")
let dynamic = Predict(Signature(f"{short} -> x"))
print(qa(question="Why?", ))
print(qa(ques))
print(tally(1, ))
print(tally(1, 2, 3, ))
print(RAG())
print(rag())
print(Answer(text="x", ))
print(find())
print(short())
print(sorted([], ))
print(range(1, 2, ))
print(len(undefined_thing(), ))
print(dynamic())
'''


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    root = tmp_path_factory.mktemp("sighelp")
    (root / "lib.dsp").write_text(LIB)
    path = root / "doc.dsp"
    path.write_text(PROGRAM)
    lsp = LspClient(cwd=root)
    lsp.initialize(root)
    lsp.open(path, PROGRAM)
    lsp.diagnostics(path)
    yield lsp, root, path
    assert lsp.close() == 0


def help_before(lsp, path, text: str, needle: str, back: int = 1) -> dict | None:
    """Signature help with the cursor `back` characters before the end of the line holding `needle`."""
    for number, line in enumerate(text.splitlines()):
        if needle in line:
            return lsp.request("textDocument/signatureHelp", {
                "textDocument": {"uri": path.as_uri()},
                "position": {"line": number, "character": len(line) - back},
                "context": {"triggerKind": 2, "triggerCharacter": ",", "isRetrigger": False}})
    raise AssertionError(needle)


def active(result: dict) -> tuple[str, str | None, list[str]]:
    """(label, the active parameter's text, every parameter's text) of the active signature."""
    signature = result["signatures"][result.get("activeSignature", 0)]
    label = signature["label"]
    params = [label[p["label"][0]:p["label"][1]] for p in signature["parameters"]]
    index = result.get("activeParameter", 0)
    return label, params[index] if index < len(params) else None, params


def test_initialize_advertises_signature_help(session):
    lsp, root, _ = session
    other = LspClient(cwd=root)
    try:
        provider = other.initialize(root)["capabilities"]["signatureHelpProvider"]
        assert provider["triggerCharacters"] == ["(", ","]
    finally:
        assert other.close() == 0


def test_a_predictor_shows_its_inputs_types_and_descriptions(session):
    lsp, _, path = session
    result = help_before(lsp, path, PROGRAM, 'qa(question="Why?", ', back=2)
    label, current, params = active(result)
    assert label == "qa(question: str, context: list[str]) -> answer: str"
    assert params == ["question: str", "context: list[str]"]
    assert current == "context: list[str]"             # question= is given: the next input
    signature = result["signatures"][0]
    docs = [p["documentation"]["value"] for p in signature["parameters"]]
    assert docs == ["the user's question", "passages to answer from"]
    assert "Answer in one sentence." in signature["documentation"]["value"]
    assert "Predict predictor on signature `QA`" in signature["documentation"]["value"]


def test_the_keyword_being_typed_is_the_active_parameter(session):
    lsp, _, path = session
    _, current, _ = active(help_before(lsp, path, PROGRAM, "print(qa(ques))", back=2))
    assert current == "question: str"
    typed = PROGRAM.replace('print(qa(question="Why?", ))', 'print(qa(context=[], question=))')
    lsp.change(path, typed, version=2)
    lsp.diagnostics(path, version=2)
    _, current, _ = active(help_before(lsp, path, typed, "question=))", back=2))
    assert current == "question: str"
    lsp.change(path, PROGRAM, version=3)
    lsp.diagnostics(path, version=3)


def test_a_module_predictor_and_an_imported_signature(session):
    lsp, _, path = session
    label, current, _ = active(help_before(lsp, path, PROGRAM, "self.respond(context=[], )"))
    assert label == "self.respond(question: str, context: list[str]) -> reasoning: str, answer: str"
    assert current == "question: str"
    label, current, _ = active(help_before(lsp, path, PROGRAM, "print(find())", back=2))
    assert label == "find(topic: str) -> page: str" and current == "topic: str"
    label, _, _ = active(help_before(lsp, path, PROGRAM, "print(short())", back=2))
    assert label == "short(question: str) -> answer: str"


def test_defs_by_position_then_star(session):
    lsp, _, path = session
    result = help_before(lsp, path, PROGRAM, "print(tally(1, ))", back=2)
    label, current, _ = active(result)
    assert label == "tally(limit, k: int = 3, *rest) -> int" and current == "k: int = 3"
    assert result["signatures"][0]["documentation"]["value"] == "Count up to limit."
    _, current, _ = active(help_before(lsp, path, PROGRAM, "print(tally(1, 2, 3, ))", back=2))
    assert current == "*rest"


def test_module_constructor_instance_and_record(session):
    lsp, _, path = session
    label, current, _ = active(help_before(lsp, path, PROGRAM, "print(RAG())", back=2))
    assert label == "RAG(hops: int = 2)" and current == "hops: int = 2"
    label, current, _ = active(help_before(lsp, path, PROGRAM, "print(rag())", back=2))
    assert label == "rag(question: str)" and current == "question: str"
    result = help_before(lsp, path, PROGRAM, 'print(Answer(text="x", ))', back=2)
    label, current, _ = active(result)
    assert label == "Answer(text: str, score: float = 0.5) -> Answer" and current == "score: float = 0.5"
    assert result["signatures"][0]["parameters"][0]["documentation"]["value"] == "the answer's text"


def test_builtins_from_their_descriptions(session):
    lsp, _, path = session
    label, current, _ = active(help_before(lsp, path, PROGRAM, "print(sorted([], ))", back=2))
    assert label == "sorted(iterable, key=none, reverse=false)" and current == "key=none"
    result = help_before(lsp, path, PROGRAM, "print(range(1, 2, ))", back=2)
    assert [s["label"] for s in result["signatures"]] == ["range(stop)", "range(start, stop, [step])"]
    assert result["activeSignature"] == 1
    assert active(result)[1] == "[step]"
    label, current, _ = active(help_before(lsp, path, PROGRAM, "print(qa(ques))", back=1))
    assert label.startswith("print(*values") and current == "*values"


def test_no_help_outside_a_call_or_for_an_unknown_callee(session):
    lsp, _, path = session
    assert help_before(lsp, path, PROGRAM, "undefined_thing(), ))", back=5) is None
    label, current, _ = active(help_before(lsp, path, PROGRAM, "undefined_thing(), ))", back=3))
    assert label == "len(x)" and current is None            # a second argument len does not take
    assert help_before(lsp, path, PROGRAM, "print(dynamic())", back=2) is None   # signature not known
    assert lsp.at("textDocument/signatureHelp", path, 0, 3) is None          # `import "lib.dsp" as lib`
    assert lsp.at("textDocument/signatureHelp", path, 21, 5) is None         # `return k`


def test_help_while_the_call_is_still_open(session):
    lsp, root, _ = session
    path = root / "typing.dsp"
    text = PROGRAM + "let typed = qa(question=\"x\", "
    lsp.open(path, text)
    lsp.diagnostics(path)
    label, current, _ = active(help_before(lsp, path, text, 'let typed = qa(question="x", ', back=0))
    assert label.startswith("qa(question: str") and current == "context: list[str]"
