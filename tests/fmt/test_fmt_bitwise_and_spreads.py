"""`dsp fmt` on the bitwise operators and the spreads of list and dict displays: spaced like
the other binary operators and prefix `*`/`**`, and formatting twice changes nothing."""

from __future__ import annotations

import pytest

from dsplang.fmt import format_source


@pytest.mark.parametrize(("messy", "tidy"), [
    ("let z = 1|2&3^4\n", "let z = 1 | 2 & 3 ^ 4\n"),
    ("z|=1\nz ^=2\nz&= 3\n", "z |= 1\nz ^= 2\nz &= 3\n"),
    ('let x = {**a,"k":1,** b}\n', 'let x = {**a, "k": 1, **b}\n'),
    ("let y = [*x,1,* x]\n", "let y = [*x, 1, *x]\n"),
    ("let y = [ *a|b ]\n", "let y = [*a | b]\n"),
    ("print(f(*y, **a), a^b==c)\n", "print(f(*y, **a), a ^ b == c)\n"),
])
def test_spacing(messy, tidy):
    assert format_source(messy) == tidy
    assert format_source(tidy) == tidy


def test_long_display_with_spreads_breaks_and_stays_stable():
    source = ('let merged = {"question": question, **outputs, "context": context, **more_fields, '
              '"answer": answer | extra}\n')
    once = format_source(source)
    assert format_source(once) == once
    assert "**outputs" in once and "answer | extra" in once
