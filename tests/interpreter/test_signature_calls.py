"""A string literal as first argument: the callee's value decides whether it is a signature."""

from __future__ import annotations

import pytest

import dsplang
from dsplang.errors import DspSyntaxError
from dsplang.interpreter import signature_calls
from dsplang.stdlib.signature import Signature


def test_a_user_function_named_predict_receives_the_string():
    names = dsplang.run('def Predict(x):\n    return x\nlet got = Predict("q -> a")\n')
    assert names.got == "q -> a"


def test_a_predictor_class_under_another_name_reads_the_string_with_the_callers_types():
    names = dsplang.run('enum Mood:\n    happy\n    sad\n'
                        'let P = Predict\nlet p = P("text -> mood: Mood")\n')
    assert isinstance(p := names.p.signature, Signature)
    assert p.field("mood").annotation is names.Mood


def test_a_string_that_is_no_signature_is_an_error_only_for_a_signature_taker():
    assert dsplang.run('let s = str("a -> ")\n').s == "a -> "
    with pytest.raises(DspSyntaxError):
        dsplang.run('let p = Predict("a -> ")\n')


def test_the_literal_is_parsed_once_and_its_signature_made_once(monkeypatch):
    calls = []
    real = signature_calls.parse_sigspec

    def counting(text, span):
        calls.append(text)
        return real(text, span)
    monkeypatch.setattr(signature_calls, "parse_sigspec", counting)
    names = dsplang.run('type Passage:\n    text: str\n'
                        'let made = []\nfor i in range(5):\n'
                        '    made.append(Predict("q -> a: list[Passage]").signature)\n')
    assert calls == ["q -> a: list[Passage]"]
    assert all(s is names.made[0] for s in names.made)


def test_example_fields_hide_methods_unless_called():
    names = dsplang.run('let ex = Example(items="mine", question="q")\nlet got = ex.items\n')
    assert names.got == "mine"
