"""Running `&`, `|`, `^` (ints, sets, dicts, bools) and the `*`/`**` spreads of list and
dict displays: Python's results, and located errors for operands that do not fit."""

from __future__ import annotations

import pytest

from dsplang import errors
from dsplang.driver.host import new_interpreter
from dsplang.interpreter.limits import Limits


def value(expr: str, setup: str = "") -> object:
    return new_interpreter().run_source(f"{setup}let result = {expr}\n", "t.dsp").result


def error(source: str) -> errors.DspError:
    with pytest.raises(errors.DspError) as caught:
        new_interpreter().run_source(source, "t.dsp")
    return caught.value


@pytest.mark.parametrize("expr", [
    "1 | 2 & 3", "1 & 2 | 3", "6 ^ 3 == 5", "5 ^ 3 & 1", "12 & 10", "12 | 10", "12 ^ 10",
    "1 | 2 == 3", "2 + 3 & 6", "-5 & 0xff", "true | false", "true & false", "true ^ true",
])
def test_ints_and_bools_give_pythons_results(expr):
    assert value(expr) == eval(expr.replace("true", "True").replace("false", "False"))


def test_sets():
    setup = "let a = set([1, 2, 3])\nlet b = set([2, 3, 4])\n"
    assert value("a & b", setup) == {2, 3}
    assert value("a | b", setup) == {1, 2, 3, 4}
    assert value("a ^ b", setup) == {1, 4}
    assert value("a - b | b - a == a ^ b", setup) is True


def test_dict_merge():
    assert value('{"a": 1, "b": 2} | {"b": 3}') == {"a": 1, "b": 3}


def test_augmented_forms():
    ns = new_interpreter().run_source("let x = 5\nx &= 3\nx |= 8\nx ^= 1\nlet s = set([1])\ns |= set([2])\n",
                                      "t.dsp")
    assert ns.x == 8 and ns.s == {1, 2}


def test_list_spread():
    assert value('[*a, 1, *"bc", *range(2), *[]]', "let a = [9, 8]\n") == [9, 8, 1, "b", "c", 0, 1]
    assert value("[*set([3])]") == [3]


def test_dict_spread_later_keys_win():
    setup = 'let q = "?"\nlet outputs = {"answer": "a", "q": "old"}\n'
    assert value('{"q": q, **outputs}', setup) == {"q": "old", "answer": "a"}
    assert value('{**outputs, "q": q}', setup) == {"answer": "a", "q": "?"}
    assert value("{**{}, **{1: 2}}") == {1: 2}


def test_dict_spread_of_an_example_and_a_prediction():
    setup = 'let ex = Example(question="q", answer="a").with_inputs("question")\n'
    assert value('{**ex, "extra": 1}', setup) == {"question": "q", "answer": "a", "extra": 1}
    assert value("{**ex.inputs()}", setup) == {"question": "q"}


@pytest.mark.parametrize(("source", "kind", "where", "words"), [
    ('let x = "a" | 1\n', errors.DspTypeError, (1, 9), "unsupported operand types for |: 'str' and 'int'"),
    ("let x = 1.5 & 1\n", errors.DspTypeError, (1, 9), "unsupported operand types for &"),
    ("let x = [1] ^ [2]\n", errors.DspTypeError, (1, 9), "unsupported operand types for ^"),
    ("let n = 3\nlet x = {**n}\n", errors.DspTypeError, (2, 12), "'**' needs a mapping"),
    ('let x = {"a": 1, **[1, 2]}\n', errors.DspTypeError, (1, 20), "'**' needs a mapping"),
    ("let x = {**none}\n", errors.DspTypeError, (1, 12), "'**' needs a mapping"),
    ("let x = [1, *5]\n", errors.DspTypeError, (1, 13), "is not iterable"),
    ("let x = [*none]\n", errors.DspTypeError, (1, 10), "is not iterable"),
    ("let x = {**{[1]: 2}}\n", None, None, None),
])
def test_bad_operands_are_located_errors(source, kind, where, words):
    if kind is None:        # an unhashable key cannot be built in the first place
        err = error(source)
        assert err.span is not None
        return
    err = error(source)
    assert isinstance(err, kind), err
    assert (err.span.line, err.span.col) == where, err.span
    assert words in err.message, err.message


def test_spreads_and_unions_keep_the_size_limit():
    limits = Limits(seq_len=5)
    interp = new_interpreter()
    interp.limits = limits
    err = None
    with pytest.raises(errors.DspError) as caught:
        interp.run_source("let a = [1, 2, 3]\nlet b = [*a, *a]\n", "t.dsp")
    err = caught.value
    assert "too long" in err.message and (err.span.line, err.span.col) == (2, 10)
    with pytest.raises(errors.DspError) as caught:
        interp.run_source('let d = {1: 1, 2: 2, 3: 3}\nlet e = {**d, **{4: 4, 5: 5, 6: 6}}\n', "t.dsp")
    assert "too long" in caught.value.message
    with pytest.raises(errors.DspError) as caught:
        interp.run_source('let d = {1: 1, 2: 2, 3: 3}\nlet e = d | {4: 4, 5: 5, 6: 6}\n', "t.dsp")
    assert "too long" in caught.value.message and caught.value.span.line == 2
