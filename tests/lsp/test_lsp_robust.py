"""The language server's features never raise, whatever the text: mutated programs
(tokens deleted, duplicated, swapped; random characters inserted) at random positions,
and random text."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types

from dsplang.lsp.analysis import Project
from dsplang.lsp.completion import completion
from dsplang.lsp.definition import definition
from dsplang.lsp.diagnostics import diagnostics
from dsplang.lsp.formatting import formatting
from dsplang.lsp.hover import hover
from dsplang.lsp.symbols import symbols

TESTS = Path(__file__).parent.parent
CORPUS = sorted(str(p) for p in [*TESTS.glob("programs/*.dsp"), *TESTS.glob("fixtures/editors/*.dsp"),
                                 *(TESTS / "lsp" / "workspace").glob("*.dsp")])
SOURCES = [Path(p).read_text(encoding="utf-8") for p in CORPUS]
_TOKEN = re.compile(r"\s+|\w+|\"[^\"\n]*\"|'[^'\n]*'|.", re.S)
NOISE = st.text(alphabet=st.one_of(st.sampled_from(list("()[]{}:=.,\"'#\\\n\t -+*/<>!?@$;\x00é𝄞\ufeff\r")),
                                   st.characters()), max_size=6)


@st.composite
def mutated_programs(draw) -> tuple[str, str]:
    """A corpus program with a few token-level edits; returns (path, text)."""
    index = draw(st.integers(0, len(SOURCES) - 1))
    tokens = _TOKEN.findall(SOURCES[index])
    for _ in range(draw(st.integers(1, 6))):
        if not tokens:
            break
        i = draw(st.integers(0, len(tokens) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert"]))
        if op == "delete":
            del tokens[i]
        elif op == "duplicate":
            tokens.insert(i, tokens[i])
        elif op == "swap":
            j = draw(st.integers(0, len(tokens) - 1))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        else:
            tokens.insert(i, draw(NOISE))
    return CORPUS[index], "".join(tokens)


positions = st.lists(st.tuples(st.integers(0, 80), st.integers(0, 120)), min_size=1, max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=mutated_programs(), where=positions)
def test_features_never_raise_on_mutated_programs(program, where):
    path, text = program
    diagnostics(text, path)
    analysis = Project().analyse(path, text)
    symbols(analysis)
    formatting(analysis)
    for line, character in where:
        position = types.Position(line=line, character=character)
        hover(analysis, position)
        completion(analysis, position)
        definition(analysis, position)


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=200))
def test_features_never_raise_on_random_text(text):
    path = str(TESTS / "lsp" / "workspace" / "random.dsp")
    diagnostics(text, path)
    analysis = Project().analyse(path, text)
    symbols(analysis)
    formatting(analysis)
    for line in range(0, text.count("\n") + 2):
        for character in (0, 1, 5, 40):
            position = types.Position(line=line, character=character)
            hover(analysis, position)
            completion(analysis, position)
            definition(analysis, position)
