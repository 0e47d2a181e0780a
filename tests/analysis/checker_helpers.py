"""Helpers shared by the checker tests (test_checker_*.py): run `check_source` on a dedented
snippet and compare the problems as plain tuples."""

import os
import textwrap

from dsplang.analysis.checker import check_source

FIXTURES = os.path.join(os.path.dirname(__file__), "checker_fixtures")


def problems(src: str, filename: str = "t.dsp") -> list[tuple]:
    """(kind, line, col, message, hint) for each problem in `src`."""
    errs = check_source(textwrap.dedent(src).lstrip("\n"), filename)
    return [(e.kind, e.span.line, e.span.col, e.message, e.hint) for e in errs]


def one(src: str, filename: str = "t.dsp") -> tuple:
    found = problems(src, filename)
    assert len(found) == 1, found
    return found[0]


def ok(src: str, filename: str = "t.dsp") -> None:
    assert problems(src, filename) == []
