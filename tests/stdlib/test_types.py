"""Type forms -> annotations, records, enums and type_name."""

from __future__ import annotations

import json
from typing import Any, Literal, Optional

import pydantic
import pytest

from dsplang.errors import DspArgumentError, DspNameError, DspTypeError, DspValueError, Span
from dsplang.grammar import ast
from dsplang.stdlib.types import (
    MISSING,
    annotation_from_typeexpr,
    is_declared_type,
    make_enum,
    make_record,
    record_base,
    type_adapter,
    type_name,
)

SPAN = Span("t.dsp", 3, 5, 3, 12)


def name(n: str) -> ast.TypeName:
    return ast.TypeName(SPAN, n)


def generic(n: str, *args) -> ast.TypeGeneric:
    return ast.TypeGeneric(SPAN, n, tuple(args))


Passage = make_record("Passage", [("title", str, "the title", MISSING),
                                  ("text", str, "the passage body", "")], "A passage.")
Sentiment = make_enum("Sentiment", ["positive", "negative", "neutral"])
DECLARED = {"Passage": Passage, "Sentiment": Sentiment, "common.Answer": Passage, "helper": len}


def lookup(n: str, span: Span):
    return DECLARED.get(n)


def resolve(texpr):
    return annotation_from_typeexpr(texpr, lookup, candidates=DECLARED)


# ---------------------------------------------------------------- annotations

@pytest.mark.parametrize("texpr, expected", [
    (name("str"), str), (name("int"), int), (name("float"), float), (name("bool"), bool),
    (name("any"), Any),
    (generic("list", name("str")), list[str]),
    (generic("dict", name("str"), name("int")), dict[str, int]),
    (generic("optional", name("int")), Optional[int]),
    (ast.TypeOptional(SPAN, name("int")), Optional[int]),
    (ast.TypeLiteral(SPAN, ("a", "b")), Literal["a", "b"]),
    (ast.TypeLiteral(SPAN, (1, True)), Literal[1, True]),
    (name("Passage"), Passage), (name("Sentiment"), Sentiment), (name("common.Answer"), Passage),
    (generic("list", generic("optional", name("Passage"))), list[Passage | None]),
])
def test_each_type_form_becomes_its_annotation(texpr, expected):
    assert resolve(texpr) == expected


def test_unknown_type_name_is_a_name_error_at_the_span_with_a_hint():
    with pytest.raises(DspNameError) as info:
        resolve(name("Pasage"))
    assert info.value.span == SPAN
    assert "unknown type 'Pasage'" in info.value.message
    assert info.value.hint == "did you mean 'Passage'?"
    with pytest.raises(DspNameError) as info:
        resolve(generic("list", name("strr")))
    assert info.value.hint == "did you mean 'str'?"


def test_a_lookup_may_raise_its_own_name_error():
    def strict(n, span):
        raise DspNameError(f"no {n} here", span, hint="declared nowhere")

    with pytest.raises(DspNameError, match="no Thing here"):
        annotation_from_typeexpr(name("Thing"), strict)


def test_a_name_that_is_not_a_type_is_a_type_error():
    with pytest.raises(DspTypeError, match="'helper' is not a type"):
        resolve(name("helper"))


def test_generic_arity_and_unknown_generics():
    with pytest.raises(DspTypeError, match=r"dict\[...\] takes 2 type arguments, got 1"):
        resolve(generic("dict", name("str")))
    with pytest.raises(DspNameError) as info:
        resolve(generic("lst", name("str")))
    assert info.value.hint == "did you mean 'list'?"


# ---------------------------------------------------------------- records

def test_record_prints_readably_and_builds_from_keywords_or_positions():
    p = Passage(title="x", text="y")
    assert repr(p) == "Passage(title='x', text='y')"
    assert str(p) == "Passage(title='x', text='y')"
    assert Passage("x", "y") == p
    assert Passage(title="only").text == ""
    assert Passage.__doc__ == "A passage."


def test_record_field_descriptions_reach_the_json_schema():
    props = Passage.model_json_schema()["properties"]
    assert props["title"]["description"] == "the title"
    assert props["text"]["description"] == "the passage body"


def test_record_validation_errors_name_the_field():
    with pytest.raises(DspTypeError, match="field 'title'"):
        Passage(title=["not", "a", "string"])
    with pytest.raises(DspTypeError, match="field 'title': Field required"):
        Passage(text="t")
    with pytest.raises(DspTypeError) as info:
        Passage(titel="x")
    assert info.value.hint == "did you mean 'title'?"
    p = Passage(title="x")
    with pytest.raises(DspTypeError, match="field 'text'"):
        p.text = {"a": 1}
    with pytest.raises(DspArgumentError):
        Passage("a", "b", "c")


def test_records_validate_from_data_leniently():
    value = Passage.model_validate({"title": "x", "text": "y", "extra": 1})
    assert value == Passage(title="x", text="y")
    with pytest.raises(pydantic.ValidationError):
        Passage.model_validate({"text": "y"})


def test_records_and_enums_are_declared_types_and_nothing_else_is():
    assert is_declared_type(Passage) and is_declared_type(Sentiment)
    assert issubclass(Passage, record_base()) and record_base().__name__ == "Record"
    assert not is_declared_type(Passage(title="x"))        # an instance, not a type
    for other in (int, str, dict, object, pydantic.BaseModel, None, "Passage"):
        assert not is_declared_type(other), other


def test_record_with_a_field_declared_twice():
    with pytest.raises(DspNameError, match="declared twice"):
        make_record("Bad", [("a", str, None, MISSING), ("a", int, None, MISSING)])


# ---------------------------------------------------------------- enums

def test_enum_members_are_their_strings():
    assert Sentiment.positive == "positive"
    assert str(Sentiment.negative) == "negative"
    assert f"{Sentiment.neutral}" == "neutral"
    assert json.dumps(Sentiment.positive) == '"positive"'
    assert [m.value for m in Sentiment] == ["positive", "negative", "neutral"]
    assert repr(Sentiment.positive) == "Sentiment.positive"


def test_enum_value_lookup_ignores_case_and_accepts_non_identifiers():
    assert Sentiment("POSITIVE ") is Sentiment.positive
    Rating = make_enum("Rating", ["very good", "so-so", "3"])
    assert Rating("Very Good") == "very good"
    assert Rating("3") == "3"
    assert repr(Rating("so-so")) == "Rating('so-so')"
    with pytest.raises(ValueError):
        Sentiment("happy")


def test_enum_errors():
    with pytest.raises(DspNameError, match="listed twice"):
        make_enum("E", ["a", "a"])
    with pytest.raises(DspValueError, match="at least one member"):
        make_enum("E", [])


# ---------------------------------------------------------------- type_name

@pytest.mark.parametrize("texpr, text", [
    (name("str"), "str"), (name("any"), "any"),
    (generic("list", name("str")), "list[str]"),
    (generic("dict", name("str"), generic("list", name("int"))), "dict[str, list[int]]"),
    (ast.TypeOptional(SPAN, name("int")), "optional[int]"),
    (generic("optional", name("Passage")), "optional[Passage]"),
    (ast.TypeLiteral(SPAN, ("a", "b")), 'literal["a", "b"]'),
    (ast.TypeLiteral(SPAN, (1, True, 'say "hi"')), 'literal[1, true, "say \\"hi\\""]'),
    (name("Sentiment"), "Sentiment"),
    (generic("list", name("Passage")), "list[Passage]"),
])
def test_type_name_renders_the_way_a_user_writes_it(texpr, text):
    assert type_name(resolve(texpr)) == text


@pytest.mark.parametrize("annotation, text", [
    (str | None, "optional[str]"), (int | str, "int | str"), (list, "list"), (type(None), "none"),
])
def test_type_name_of_python_annotations(annotation, text):
    assert type_name(annotation) == text


def test_type_adapters_are_cached_per_annotation():
    assert type_adapter(list[str]) is type_adapter(list[str])
    assert type_adapter(Optional[Passage]).validate_python(None) is None


@pytest.mark.parametrize("written, meant", [("itn", "int"), ("flaot", "float"), ("fliter", "literal"),
                                           ("Moood", "Mood"), ("strr", "str")])
@pytest.mark.parametrize("form", ['signature S:\n    input a: str\n    output b: {t}\n',
                                  'let p = Predict("a -> b: {t}")\n', 'let s = Signature("a -> b: {t}")\n'])
def test_an_unknown_type_gets_the_same_suggestion_from_a_run_and_from_dsp_check(form, written, meant):
    import dsplang
    from dsplang.analysis.checker import check_source
    from dsplang.errors import DspNameError
    source = "enum Mood: happy, sad\n" + form.format(t=written)
    with pytest.raises(DspNameError) as info:
        dsplang.run(source, "t.dsp")
    [checked] = check_source(source, "t.dsp")
    assert info.value.message == checked.message == f"unknown type {written!r}"
    assert info.value.hint == checked.hint == (f"did you mean {meant!r}?" if meant else None)
    assert info.value.span == checked.span
