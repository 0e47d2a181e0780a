"""Types, values and signatures the adapter tests share (imported by the test modules)."""

from __future__ import annotations

from typing import Literal, Optional

from hypothesis import strategies as st

from dsplang.stdlib.signature import FieldSpec, Signature
from dsplang.stdlib.types import MISSING, make_enum, make_record

Passage = make_record("Passage", [("title", str, "the title", MISSING),
                                  ("text", str, "the passage body", MISSING)])
Sentiment = make_enum("Sentiment", ["positive", "negative", "neutral"])

# (annotation, a value of it) for every type form, used by the round-trip tests
TYPED_VALUES = [
    (str, "Paris, France"),
    (int, -42),
    (float, 0.85),
    (bool, True),
    (bool, False),
    (list[str], ["a", "b, c"]),
    (dict[str, int], {"x": 1, "y": 2}),
    (Optional[int], None),
    (Optional[int], 7),
    (Literal["yes", "no"], "no"),
    (Sentiment, Sentiment.negative),
    (Passage, Passage(title="T", text="body")),
    (list[Passage], [Passage(title="a", text="b"), Passage(title="c", text="d")]),
]


# (annotation, value) pairs drawn by hypothesis for the round-trip properties
TYPED_VALUE_STRATEGY = st.one_of(
    st.tuples(st.just(int), st.integers()),
    st.tuples(st.just(float), st.floats(allow_nan=False, allow_infinity=False)),
    st.tuples(st.just(bool), st.booleans()),
    st.tuples(st.just(list[str]), st.lists(st.text())),
    st.tuples(st.just(dict[str, int]), st.dictionaries(st.text(), st.integers())),
    st.tuples(st.just(Optional[int]), st.none() | st.integers()),
    st.tuples(st.just(Sentiment), st.sampled_from(list(Sentiment))),
    st.tuples(st.just(Passage), st.builds(Passage, title=st.text(), text=st.text())),
)


def signature_with_output(annotation) -> Signature:
    """question -> value: annotation"""
    return Signature.from_fields("Typed", None, [FieldSpec("question", str, None, "input"),
                                                 FieldSpec("value", annotation, None, "output")])


def answer_signature() -> Signature:
    """Two inputs, two outputs: the shape used by the golden checks and the benchmark."""
    return Signature.from_fields("Answer", "Answer using only the given context.", [
        FieldSpec("context", list[str], "passages gathered so far", "input"),
        FieldSpec("question", str, None, "input"),
        FieldSpec("answer", str, "usually 1-5 words", "output"),
        FieldSpec("confidence", float, "0.0 to 1.0", "output"),
    ])
