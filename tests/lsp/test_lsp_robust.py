"""The language server's features never raise, whatever the text: mutated programs
(tokens deleted, duplicated, swapped; random characters inserted) at random positions,
and random text."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from mutation import mutants

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


positions = st.lists(st.tuples(st.integers(0, 80), st.integers(0, 120)), min_size=1, max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=mutants(SOURCES, NOISE, edits=(1, 6), token=_TOKEN), where=positions)
def test_features_never_raise_on_mutated_programs(program, where):
    index, text = program
    path = CORPUS[index]
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
