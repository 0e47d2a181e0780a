"""The parse loop's two ways of lexing give the same tokens.

A token is first matched with the root scanner (every terminal) and kept when the parser's
state accepts its type; only otherwise, or once the state has been met often enough to be
worth compiling, is the state's own scanner used (lalr.parse). Lark's contextual lexer
always uses the state's. Lexing every program of the repository and a stream of fuzz
mutants both ways must give the same tokens, and the same tree or error.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any

import pytest

from dsplang.errors import DspSyntaxError
from dsplang.grammar import lalr, parser
from dsplang.grammar.nesting import deep_enough
from dsplang.grammar.postlex import ParseState
from dsplang.grammar.transform import DspTransformer

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from mutation import hostile_mutants  # noqa: E402

PROGRAMS = sorted(p for p in ROOT.glob("**/*.dsp") if ".dsp-build" not in p.parts and "build" not in p.parts)
FUZZ_SOURCES = sorted((ROOT / "examples").glob("*.dsp")) + sorted((ROOT / "tests" / "programs").glob("*.dsp"))
MUTANTS = 400


class RootFirst(lalr.Tables):
    """Tables that lex every token with the root scanner first, never keeping a state's."""

    def scanner(self, state: int) -> lalr.Scanner:
        return lalr._scanner(self.lexers[state])


@functools.cache
def both_tables() -> tuple[lalr.Tables, lalr.Tables]:
    lark = parser._grammar().lark
    root_first = RootFirst(lark, DspTransformer)
    root_first.compile_after = 10**9
    by_state = lalr.Tables(lark, DspTransformer)
    for state in by_state.lexers:
        by_state.scanner(state)
    return root_first, by_state


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
def test_root_first_lexing_gives_the_tokens_of_the_states_scanners():
    root_first, by_state = both_tables()
    differ = []
    for name, text in texts():
        text = parser._normalize(text)
        with deep_enough():         # (comparing deeply nested trees)
            if lexed(root_first, text) != lexed(by_state, text):
                differ.append(name)
    assert not differ, differ
    assert len(PROGRAMS) > 60


def test_a_word_the_state_does_not_take_from_the_root_is_lexed_again():
    """`input` is a NAME to the root scanner, INPUT in a signature body; `let` is LET to the
    root at a statement's start, a NAME after `=`."""
    root_first, _ = both_tables()
    tokens, outcome = lexed(root_first, "signature S:\n    input input: str\nlet let = 1\nx = let\n")
    kinds = [(kind, value) for kind, value, *_ in tokens if kind in ("INPUT", "NAME", "LET")]
    assert kinds == [("NAME", "S"), ("INPUT", "input"), ("NAME", "input"), ("NAME", "str"),
                     ("LET", "let"), ("NAME", "let"), ("NAME", "x"), ("NAME", "let")]
    assert [type(stmt).__name__ for stmt in outcome] == ["SignatureDecl", "Let", "Assign"]
