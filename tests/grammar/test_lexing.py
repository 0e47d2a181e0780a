"""The parse loop lexes as Lark's contextual lexer does.

Lark matches a token with the alternation of every terminal the parser's state accepts;
the parse loop with the alternation of only those that can start with the character at
hand (lalr.Tables.pattern, grammar/firsts.py). Lexing every program of the repository and
a stream of fuzz mutants both ways must give the same tokens, and the same tree or error.
"""

from __future__ import annotations

import functools
import string
import sys
from pathlib import Path
from typing import Any

import pytest

from dsplang.errors import DspSyntaxError
from dsplang.grammar import firsts, lalr, parser
from dsplang.grammar.nesting import deep_enough
from dsplang.grammar.postlex import ParseState
from dsplang.grammar.transform import DspTransformer

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from mutation import hostile_mutants  # noqa: E402

PROGRAMS = sorted(p for p in ROOT.glob("**/*.dsp") if ".dsp-build" not in p.parts and "build" not in p.parts)
FUZZ_SOURCES = sorted((ROOT / "examples").glob("*.dsp")) + sorted((ROOT / "tests" / "programs").glob("*.dsp"))
MUTANTS = 400


class WholeStates(lalr.Tables):
    """Tables that match every token with all the terminals of the state, as Lark does."""

    def pattern(self, state: int, ch: str) -> lalr.Matcher:
        return lalr._alternation(self.terminals[state], self.flags)


@functools.cache
def both_tables() -> tuple[lalr.Tables, lalr.Tables]:
    lark = parser._grammar().lark
    return lalr.Tables(lark, DspTransformer), WholeStates(lark, DspTransformer)


def lexed(tables: lalr.Tables, text: str) -> tuple[list[tuple[Any, ...]], Any]:
    """The tokens the lexer made and the outcome (the tree, or the error) of a parse."""
    st, seen = ParseState("x.dsp"), []
    transformer = DspTransformer(st, functools.partial(parser._parse_field, "x.dsp"))
    outcome: Any
    try:
        outcome = lalr.parse(tables, text, "start", st, transformer, seen)
    except parser.UnexpectedInput as exc:
        err = parser.convert(exc, st, text, parser._grammar().words)
        outcome = f"{err} at {err.span}"
    except DspSyntaxError as err:
        outcome = f"{err} at {err.span}"
    tokens = [(t.type, str(t), t.line, t.column, t.end_line, t.end_column, t.end_pos) for t in seen]
    return tokens, outcome


def texts() -> list[tuple[str, str]]:
    found = [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")) for p in PROGRAMS]
    sources = [p.read_text(encoding="utf-8") for p in FUZZ_SOURCES]
    for number, mutant in enumerate(hostile_mutants(sources, MUTANTS, 14)):
        data = mutant.data if isinstance(mutant.data, bytes) else mutant.data.encode("utf-8")
        text = data.decode("utf-8", errors="replace")
        if len(text) < 1_000_000:
            found.append((f"mutant {number} ({mutant.kind})", text))
    return found


@pytest.mark.time_limit(300)
def test_lexing_by_first_character_gives_the_tokens_of_the_states_scanners():
    by_first, whole = both_tables()
    differ = []
    for name, text in texts():
        text = parser._normalize(text)
        with deep_enough():         # (comparing deeply nested trees)
            if lexed(by_first, text) != lexed(whole, text):
                differ.append(name)
    assert not differ, differ
    assert len(PROGRAMS) > 60


def test_a_word_is_lexed_as_the_state_takes_it():
    """`input` is INPUT in a signature body, a NAME after it; `let` is LET at a statement's
    start, a NAME after `=`."""
    by_first, _ = both_tables()
    tokens, outcome = lexed(by_first, "signature S:\n    input input: str\nlet let = 1\nx = let\n")
    kinds = [(kind, value) for kind, value, *_ in tokens if kind in ("INPUT", "NAME", "LET")]
    assert kinds == [("NAME", "S"), ("INPUT", "input"), ("NAME", "input"), ("NAME", "str"),
                     ("LET", "let"), ("NAME", "let"), ("NAME", "x"), ("NAME", "let")]
    assert [type(stmt).__name__ for stmt in outcome] == ["SignatureDecl", "Let", "Assign"]


@pytest.mark.parametrize(("regexp", "chars"), [
    (r"abc", "a"), (r"[a-c]x|d", "abcd"), (r"(?:x?y)+", "xy"), (r"(?=q)r", "r"),
    (r"\d\w*", "0123456789"), (r"(?!let\b)[^\W\d]\w*", "".join(sorted(set(string.ascii_letters + "_")))),
    (r"#?\n", "#\n"), (r"[^a]", None), (r".", None), (r"x*", None), (r"(?i:k)", None), (r"\u00e9|z", "z"),
])
def test_first_characters(regexp, chars):
    found = firsts.first_chars(regexp, 0)
    expected = None if chars is None else frozenset(chars)
    if chars is None:
        assert found is None or len(found) >= 127
    else:
        assert found == expected


def test_every_terminal_of_the_grammar_has_its_first_characters_worked_out():
    """Only terminals that cannot be read fall back to every character: none in dsp.lark."""
    tables = both_tables()[0]
    lark = parser._grammar().lark
    for terminal in lark.terminals:
        assert firsts.first_chars(terminal.pattern.to_regexp(), tables.flags) is not None, terminal.name


def test_a_token_starting_with_another_character_is_matched_with_every_terminal():
    by_first, whole = both_tables()
    for text in ("let é = 1\nprint(é)\n", "x = 'ü' + \"€\"\n", "let 名前 = 2\n", "x = ¤\n"):
        assert lexed(by_first, text) == lexed(whole, text)
