"""Example: fields by name, copying, and the mistakes a user makes building one."""

from __future__ import annotations

import pytest

from dsplang.errors import DspTypeError
from dsplang.stdlib.example import Example


def test_fields_by_name_or_copied_from_a_dict_or_an_example():
    base = Example(question="2+2?", answer="4").with_inputs("question")
    assert Example({"question": "q"}, answer="a").to_dict() == {"question": "q", "answer": "a"}
    copy = Example(base, answer="four")
    assert copy.answer == "four" and copy.input_keys == ("question",) and base.answer == "4"


@pytest.mark.parametrize("args", [("What is 2+2?",), (["q", "a"],), ("q", "a"), (4,)])
def test_positional_values_are_refused_not_dropped(args):
    with pytest.raises(DspTypeError, match="takes its fields by name"):
        Example(*args)
