"""Lexical scopes: declare, look up through parents, rebind the nearest holder."""

import pytest

from dsplang.errors import DspNameError
from dsplang.interpreter.scope import Scope


def chain():
    builtins = Scope(None, {"print": print})
    globals_ = Scope(builtins, {"x": 1})
    return builtins, globals_, Scope(globals_, {"y": 2})


def test_lookup_walks_outwards():
    _, _, inner = chain()
    assert inner.lookup("y") == 2 and inner.lookup("x") == 1 and inner.lookup("print") is print


def test_assign_rebinds_the_nearest_scope_that_holds_the_name():
    _, globals_, inner = chain()
    inner.assign("x", 5)
    assert globals_.vars["x"] == 5 and "x" not in inner.vars


def test_assign_to_an_undeclared_name_is_an_error_with_a_hint():
    _, _, inner = chain()
    with pytest.raises(DspNameError) as err:
        inner.assign("z", 1)
    assert "undeclared" in err.value.message and "let z" in err.value.hint


def test_builtins_are_read_only():
    _, _, inner = chain()
    with pytest.raises(DspNameError):
        inner.assign("print", 1)


def test_unknown_name_suggests_a_near_one():
    _, _, inner = chain()
    with pytest.raises(DspNameError) as err:
        inner.lookup("pritn")
    assert err.value.hint == "did you mean 'print'?"
