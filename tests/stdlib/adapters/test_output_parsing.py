"""Lenient typed parsing of one output field (adapters/parsing.py)."""

from __future__ import annotations

from typing import Any, Literal, Optional

import pytest
from adapter_cases import Passage, Sentiment

from dsplang.errors import DspOutputParseError
from dsplang.stdlib.adapters.parsing import FieldParseError, load_json, parse_value, strip_fences


@pytest.mark.parametrize("annotation, raw, expected", [
    (str, "  keep spacing ", "  keep spacing "),
    (str, 42, "42"),
    (str, ["a", 1], '["a", 1]'),
    (int, "42", 42),
    (int, "42.0", 42),
    (int, "1,200", 1200),
    (int, "The answer is 7.", 7),
    (int, 3.0, 3),
    (float, "0.85", 0.85),
    (float, "85%", 0.85),
    (float, "$3.50", 3.5),
    (float, "1e-3", 0.001),
    (float, 2, 2.0),
    (bool, "true", True),
    (bool, "True", True),
    (bool, "yes", True),
    (bool, "No.", False),
    (bool, "Yes, because the text says so", True),
    (bool, False, False),
    (list[str], '["a", "b"]', ["a", "b"]),
    (list[str], "- a\n- b", ["a", "b"]),
    (list[str], "1. first\n2. second", ["first", "second"]),
    (list[str], "[1] «x»\n[2] «y»", ["x", "y"]),
    (list[str], "red, green, blue", ["red", "green", "blue"]),
    (list[str], "just one", ["just one"]),
    (list[int], "1, 2, 3", [1, 2, 3]),
    (list[int], "[1, 2, 3,]", [1, 2, 3]),
    (dict[str, int], '{"a": 1, "b": 2}', {"a": 1, "b": 2}),
    (Optional[int], "None", None),
    (Optional[int], "", None),
    (Optional[int], "null", None),
    (Optional[int], "5", 5),
    (Optional[str], "hello", "hello"),
    (Literal["yes", "no"], "no", "no"),
    (Literal["yes", "no"], '"Yes"', "yes"),
    (Literal["yes", "no"], "Literal['no']", "no"),
    (Literal[1, 2], "2", 2),
    (Sentiment, "positive", Sentiment.positive),
    (Sentiment, "NEGATIVE", Sentiment.negative),
    (Sentiment, "**Neutral**.", Sentiment.neutral),
    (Sentiment, "`positive`", Sentiment.positive),
    (Sentiment, "negative\n\nThe review complains about the food.", Sentiment.negative),
    (Sentiment, "Positives", Sentiment.positive),
    (Sentiment, "The review is mostly negative, I think.", Sentiment.negative),
    (Literal["sport", "tech"], "sports", "sport"),
    (Literal["sport", "tech"], "It's about Tech.", "tech"),
    (Passage, '{"title": "t", "text": "x"}', Passage(title="t", text="x")),
    (list[Passage], '[{"title": "a", "text": "b"}]', [Passage(title="a", text="b")]),
    (Any, '{"a": [1]}', {"a": [1]}),
    (Any, "plain words", "plain words"),
])
def test_each_type_parses(annotation, raw, expected):
    assert parse_value(raw, annotation, "f") == expected


@pytest.mark.parametrize("raw", [
    '```json\n{"title": "t", "text": "x"}\n```',
    'Here is the passage:\n```\n{"title": "t", "text": "x"}\n```\nHope that helps.',
    'Sure! {"title": "t", "text": "x"} is the answer.',
    "{'title': 't', 'text': 'x'}",
    '{"title": "t", "text": "x",}',
    '{title: "t", text: "x"}',
    '{"title": "t", "text": "x"',
])
def test_records_forgive_fences_prose_and_small_json_mistakes(raw):
    assert parse_value(raw, Passage, "passage") == Passage(title="t", text="x")


def test_python_literals_in_json_are_repaired():
    assert parse_value("{'a': True, 'b': None}", dict[str, bool | None]) == {"a": True, "b": None}


@pytest.mark.parametrize("annotation, raw, reason", [
    (int, "many", "expected one number, found no number"),
    (int, "4.5", "expected a whole number"),
    (int, "3 or 4", "found 2 numbers"),
    (int, "85%", "expected a whole number"),
    (bool, "perhaps", "expected true or false"),
    (Sentiment, "happy", "expected one of positive; negative; neutral (Sentiment)"),
    (Literal["yes", "no"], "maybe", 'expected one of yes; no (literal["yes", "no"])'),
    (Sentiment, "positive or negative", "expected one of positive; negative; neutral"),
    (Sentiment, "positively", "expected one of positive; negative; neutral"),
    (Literal["sport", "tech"], "sportsman", 'expected one of sport; tech'),
    (Passage, '{"title": "t"}', "not a valid Passage: field 'text': Field required"),
    (Passage, "no json here", "expected a JSON value"),
    (list[int], "1, two", "item 2 of the list"),
    (dict[str, int], '{"a": "x"}', "field 'a'"),
])
def test_values_that_cannot_be_coerced_raise_field_parse_errors(annotation, raw, reason):
    with pytest.raises(FieldParseError) as info:
        parse_value(raw, annotation, "value")
    err = info.value
    assert isinstance(err, DspOutputParseError)
    assert err.field == "value" and err.raw == raw
    assert reason in err.reason
    assert err.message.startswith("cannot parse output field 'value': ")
    assert any(raw in note for note in err.notes)


def test_strip_fences_and_load_json():
    assert strip_fences("```python\nx = 1\n```") == "x = 1"
    assert strip_fences("no fences") == "no fences"
    assert load_json('prefix [1, 2] suffix') == [1, 2]
    with pytest.raises(ValueError):
        load_json("nothing structured")
