"""Declarations that are wrong only once they run (the checker also reports them) still
give an error at the declaration, never one without a position."""

from __future__ import annotations

import pytest

import dsplang
from dsplang.errors import DspError


@pytest.mark.parametrize("body, message", [
    ("    input a: str\n    input a: str\n    output b: str\n", "field 'a' appears twice"),
    ("    input a: str\n", "has no output fields"),
])
def test_a_bad_signature_declaration_is_an_error_at_the_declaration(body, message):
    with pytest.raises(DspError, match=message) as caught:
        dsplang.run("let x = 1\nsignature S:\n" + body, "sig.dsp")
    span = caught.value.span
    assert span is not None and (span.file, span.line, span.col) == ("sig.dsp", 2, 1)
