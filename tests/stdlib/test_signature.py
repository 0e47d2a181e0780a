"""Signatures: construction, derivation, input checks, saving."""

from __future__ import annotations

import copy
import dataclasses
import re
import sys
import types
from typing import Optional

import pytest

import dsplang
from dsplang.analysis.checker import check_source
from dsplang.errors import DspArgumentError, DspError, DspNameError, DspValueError, Span
from dsplang.grammar import ast
from dsplang.stdlib.signature import FieldSpec, Signature
from dsplang.stdlib.types import make_enum

Sentiment = make_enum("Sentiment", ["positive", "negative", "neutral"])


def lookup(name, span):
    return {"Sentiment": Sentiment}.get(name)


# ---------------------------------------------------------------- the parser (stub until it lands)

def _stub_parse_type(text: str, span: Span) -> ast.TypeExpr:
    """Enough of the type grammar for these tests: names, generics, literal[...], T?."""
    tokens = re.findall(r'"[^"]*"|[\w.]+|[\[\],?]', text)
    pos = 0

    def parse() -> ast.TypeExpr:
        nonlocal pos
        head = tokens[pos]
        pos += 1
        if head == "literal":
            values = []
            pos += 1
            while tokens[pos] != "]":
                if tokens[pos] != ",":
                    values.append(tokens[pos].strip('"'))
                pos += 1
            pos += 1
            node = ast.TypeLiteral(span, tuple(values))
        elif pos < len(tokens) and tokens[pos] == "[":
            pos += 1
            args = [parse()]
            while tokens[pos] == ",":
                pos += 1
                args.append(parse())
            pos += 1
            node = ast.TypeGeneric(span, head, tuple(args))
        else:
            node = ast.TypeName(span, head)
        if pos < len(tokens) and tokens[pos] == "?":
            pos += 1
            node = ast.TypeOptional(span, node)
        return node

    return parse()


def _stub_parse_sigspec(spec: str, span: Span) -> ast.SigSpec:
    left, right = spec.split("->")
    fields = []
    for direction, side in (("input", left), ("output", right)):
        for part in re.split(r",\s*(?![^\[]*\])", side.strip()):
            fname, _, ftype = part.partition(":")
            texpr = _stub_parse_type(ftype.strip(), span) if ftype.strip() else None
            fields.append(ast.SigField(span, direction, fname.strip(), texpr, None))
    return ast.SigSpec(span, tuple(fields))


@pytest.fixture
def parser(monkeypatch):
    """The real parser when it exists, else a stub module with the same two functions."""
    try:
        from dsplang.grammar import parser as real
        if hasattr(real, "parse_sigspec") and hasattr(real, "parse_type"):
            return real
    except ImportError:
        pass
    stub = types.ModuleType("dsplang.grammar.parser")
    stub.parse_sigspec = _stub_parse_sigspec
    stub.parse_type = _stub_parse_type
    monkeypatch.setitem(sys.modules, "dsplang.grammar.parser", stub)
    return stub


# ---------------------------------------------------------------- helpers

def qa() -> Signature:
    return Signature.from_fields("QA", None, [
        FieldSpec("context", list[str], "passages", "input"),
        FieldSpec("question", str, None, "input"),
        FieldSpec("answer", str, "short", "output"),
    ])


# ---------------------------------------------------------------- construction

def test_from_fields_orders_fields_and_derives_instructions():
    sig = qa()
    assert sig.input_names == ("context", "question")
    assert sig.output_names == ("answer",)
    assert sig.instructions == "Given the fields `context`, `question`, produce the fields `answer`."
    assert str(sig) == repr(sig) == "QA(context: list[str], question -> answer)"
    assert sig.typed() == "QA(context: list[str], question: str -> answer: str)"


def test_a_signature_made_from_a_string_prints_its_fields():
    assert str(Signature("question -> answer")) == "Signature(question -> answer)"
    assert repr(Signature("q, k: int -> hits: list[str]", "Search.")) == "Signature(q, k: int -> hits: list[str])"
    assert str(Signature("a -> b").with_name("Short")) == "Short(a -> b)"


def test_signatures_are_immutable_and_compare_by_content():
    assert qa() == qa() and hash(qa()) == hash(qa())
    assert qa() != qa().with_instructions("Be terse.")
    with pytest.raises(dataclasses.FrozenInstanceError):
        qa().name = "Other"


def test_copies_share_the_immutable_signature():
    sig = qa()
    assert copy.deepcopy({"sig": sig})["sig"] is sig
    assert copy.copy(sig) is sig


def test_from_string(parser):
    sig = Signature.from_string("a, b: int -> c: list[str]")
    assert [(f.name, f.annotation, f.direction) for f in sig.fields] == [
        ("a", str, "input"), ("b", int, "input"), ("c", list[str], "output")]
    assert sig.name == "a, b: int -> c: list[str]"
    named = Signature.from_string("sentence -> sentiment: Sentiment", name="Classify", lookup=lookup)
    assert named.name == "Classify"
    assert named.outputs[0].annotation is Sentiment


def test_from_string_with_an_unknown_type_names_it(parser):
    with pytest.raises(DspNameError) as info:
        Signature.from_string("sentence -> sentiment: Sentimnt", lookup=lookup,
                              candidates=["Sentiment"])
    assert info.value.hint == "did you mean 'Sentiment'?"


def test_from_decl_takes_the_docstring_as_instructions():
    span = Span("t.dsp", 1, 1, 4, 1)
    decl = ast.SignatureDecl(span, "Answer", "Answer using only the given context.", (
        ast.SigField(span, "input", "question", None, None),
        ast.SigField(span, "output", "confidence", ast.TypeName(span, "float"), "0.0 to 1.0"),
    ))
    sig = Signature.from_decl(decl)
    assert sig.instructions == "Answer using only the given context."
    assert sig.outputs == (FieldSpec("confidence", float, "0.0 to 1.0", "output"),)


@pytest.mark.parametrize("fields, message", [
    ([FieldSpec("q", str, None, "input")], "has no output fields"),
    ([FieldSpec("q", str, None, "input"), FieldSpec("q", str, None, "output")], "appears twice"),
    ([FieldSpec("q", str, None, "sideways")], "direction"),
])
def test_bad_field_lists_are_rejected(fields, message):
    with pytest.raises((DspNameError, DspValueError), match=message):
        Signature.from_fields("Bad", None, fields)


# ---------------------------------------------------------------- derived signatures

def test_prepend_output_puts_reasoning_first_and_keeps_instructions():
    sig = qa().prepend_output("reasoning", str, "think step by step")
    assert sig.output_names == ("reasoning", "answer")
    assert sig.instructions == qa().instructions
    assert qa().output_names == ("answer",)


def test_other_derivations():
    sig = qa().append_input("hint", Optional[str]).append_output("score", float)
    assert sig.input_names == ("context", "question", "hint")
    assert sig.output_names == ("answer", "score")
    assert sig.with_name("Other").name == "Other"
    assert sig.with_field_desc("question", "what to answer").field("question").desc == "what to answer"
    with pytest.raises(DspNameError) as info:
        sig.with_field_desc("questoin", "x")
    assert info.value.hint == "did you mean 'question'?"
    with pytest.raises(DspNameError, match="appears twice"):
        qa().prepend_output("question")


# ---------------------------------------------------------------- validate_inputs

def test_validate_inputs_names_an_unknown_input_with_a_suggestion():
    span = Span("t.dsp", 9, 1, 9, 20)
    with pytest.raises(DspArgumentError) as info:
        qa().validate_inputs({"context": [], "questoin": "x"}, span)
    assert info.value.span == span
    assert info.value.message == "signature QA has no input 'questoin'"
    assert info.value.hint == "did you mean 'question'?"


def test_validate_inputs_names_a_missing_input_and_lists_the_inputs():
    with pytest.raises(DspArgumentError) as info:
        qa().validate_inputs({"context": []})
    assert info.value.message == "missing input 'question' for signature QA"
    assert info.value.hint == "its inputs are: context, question"


def test_optional_inputs_may_be_left_out():
    qa().append_input("hint", Optional[str]).validate_inputs({"context": [], "question": "q"})


# ---------------------------------------------------------------- caching and saving

def test_output_model_is_built_once_and_keeps_descriptions():
    sig = qa()
    assert sig.output_model() is sig.output_model()
    assert sig.output_model().model_json_schema()["properties"]["answer"]["description"] == "short"


def test_json_round_trip(parser):
    sig = Signature.from_fields("Classify", "Classify the sentence.", [
        FieldSpec("sentence", str, None, "input"),
        FieldSpec("tags", Optional[list[str]], "labels", "output"),
        FieldSpec("sentiment", Sentiment, None, "output"),
    ])
    data = sig.to_json()
    assert data["fields"][1] == {"name": "tags", "direction": "output",
                                 "type": "optional[list[str]]", "desc": "labels"}
    assert Signature.from_json(data, lookup) == sig


def test_from_json_rejects_malformed_data(parser):
    with pytest.raises(DspValueError, match="malformed saved signature"):
        Signature.from_json({"name": "X"})


def test_signature_is_called_as_in_dspy_with_a_spec_and_instructions():
    import dsplang
    names = dsplang.run('enum Mood: happy, sad\n'
                        'let s = Signature("text -> mood: Mood", "Name the mood.")\n'
                        'let t = Signature(s)\n', "sig.dsp")
    s = names.s
    assert isinstance(s, Signature) and s.instructions == "Name the mood."
    assert s.output_names == ("mood",) and s.outputs[0].type_name == "Mood" and names.t == s


@pytest.mark.parametrize("source, said", [
    ("Signature(3)", 'Signature() needs a signature string such as "question -> answer", not an int'),
    ('Signature("a -> b", 5)', "Signature(): the instructions must be text, not an int")])
def test_a_wrong_signature_call_is_a_located_type_error(source, said):
    import dsplang
    with pytest.raises(dsplang.DspError) as info:
        dsplang.run(f"let s = {source}\n", "sig.dsp")
    assert str(info.value) == f"sig.dsp:1:9: type error: {said}"


# ---------------------------------------------------------------- the run and `dsp check` agree

# (program, what `dsp check` reports, (line, hint) of the run's error where they differ: the
# interpreter builds a signature from its fields without their spans, so the run points at the
# declaration and cannot name the first field's line)
SAME_MISTAKES = [
    ("signature QA:\n    input q: str\n    output a: str\n    output q: str\n",
     ("name error", 4, 5, "field 'q' appears twice in signature QA", "it is first declared on line 2"), (1, None)),
    ("signature QA:\n    input q: str\n",
     ("value error", 1, 1, "signature QA has no output fields", "add a line `output NAME: TYPE`"), None),
    ('signature QA = "q -> a"\nuse ScriptedLM([])\nlet p = Predict(QA)(q="x", b="y")\n',
     ("argument error", 3, 28, "signature QA has no input 'b'", "its inputs are: q"), None),
    ('signature QA = "q, c -> a"\nuse ScriptedLM([])\nlet p = Predict(QA)(q="x")\n',
     ("argument error", 3, 9, "missing input 'c' for signature QA", "its inputs are: q, c"), None),
    ('signature QA = "q -> a"\nuse ScriptedLM([])\nlet p = Predict(QA)("x")\n',
     ("argument error", 3, 9, "QA: a predictor takes keyword arguments, not positional ones", "its inputs are: q"),
     None),
]


@pytest.mark.parametrize("src, static, run", SAME_MISTAKES)
def test_the_run_and_dsp_check_report_a_signature_mistake_alike(src, static, run):
    """One wording (analysis/messages.py) for `dsp check` and the run."""
    kind, line, _, message, hint = static
    assert [(e.kind, e.span.line, e.span.col, e.message, e.hint) for e in check_source(src, "t.dsp")] == [static]
    with pytest.raises(DspError) as info:
        dsplang.run(src, "t.dsp")
    line, hint = run or (line, hint)
    assert (info.value.kind, info.value.span.line, info.value.message, info.value.hint) == (kind, line, message, hint)
