"""fmt's meaning check: two trees are the same program when they differ only in positions."""

from __future__ import annotations

from dsplang.fmt.equivalence import same_meaning, same_program
from dsplang.grammar.parser import parse

SOURCE = 'let x = f(1, "a", [2.5, none])\nif x > 1:\n    print(f"{x!r:>4}")\n'


def test_a_program_laid_out_anew_is_the_same_program():
    moved = 'let x=f( 1,"a",[2.5,none] )\n\n\nif x>1:\n        print(f"{x!r:>4}")\n'
    assert same_program(parse(SOURCE, "a.dsp"), parse(moved, "b.dsp"))


def test_any_other_change_is_another_program():
    before = parse(SOURCE, "a.dsp")
    for other in (SOURCE.replace("1,", "2,"), SOURCE.replace('"a"', '"b"'), SOURCE.replace("2.5", "2"),
                  SOURCE.replace(", none]", "]"), SOURCE.replace("x > 1", "x >= 1"), SOURCE.replace("!r", "!s"),
                  SOURCE.replace("f(", "g("), SOURCE + "pass\n", SOURCE.replace("let x", "let y")):
        assert not same_program(before, parse(other, "a.dsp")), other


def test_same_meaning_parses_the_new_text_when_most_statements_changed():
    old = "".join(f"let v{i} = {i}\n" for i in range(8))
    assert same_meaning(parse(old, "a.dsp"), old, old.replace(" = ", "="), "a.dsp")
    assert not same_meaning(parse(old, "a.dsp"), old, old.replace(" = 3", " = 4"), "a.dsp")
