"""`dsp check` after a syntax error: the names the broken statement would have declared are
not reported again as undefined wherever they are used (analysis/echoes.py); other
undefined names still are."""

from __future__ import annotations

from checker_helpers import problems

from dsplang.analysis.echoes import declared_on_broken_lines
from dsplang.grammar.parser import parse_recovering


def kinds(src: str) -> list[tuple[str, int]]:
    return [(kind, line) for kind, line, *_ in problems(src)]


def test_a_broken_let_does_not_cascade():
    assert kinds("""
        let q = "x"
        let outputs = {"a": 1}
        let merged = {"q": q, **outputs, "k" 3}
        print(merged)
        print(merged["q"])
    """) == [("syntax error", 3)]


def test_a_broken_def_body_does_not_cascade_to_its_callers():
    assert kinds("""
        def f(x):
            let y = (x +
            return y
        print(f(1))
    """) == [("syntax error", 2)]


def test_other_forms_of_declaration_in_the_broken_statement():
    assert kinds("""
        let a, b = 1, 2 +
        c: int = )
        for item in 1 2:
            print(item)
        import json as js 3
        from os import path as p, sep (
        print(a, b, c, js, p, sep)
    """) == [("syntax error", 1), ("syntax error", 2), ("syntax error", 3), ("syntax error", 5),
             ("syntax error", 6)]


def test_a_name_the_broken_statement_does_not_declare_is_still_reported():
    found = problems("""
        let x = 1 +
        print(x, y)
    """)
    assert [(kind, line) for kind, line, *_ in found] == [("syntax error", 1), ("name error", 2)]
    assert "'y'" in found[1][3]


def test_without_a_syntax_error_every_undefined_name_is_reported():
    assert kinds("print(merged)\n") == [("name error", 1)]


def test_the_scan_reads_only_the_broken_statements():
    source = "let ok = 1\nlet broken = (\nlet later = 2\n"
    _, errors = parse_recovering(source, "t.dsp")
    names = declared_on_broken_lines(source, errors)
    assert "broken" in names and "ok" not in names
