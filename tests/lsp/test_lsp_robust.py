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
from dsplang.lsp.diagnostics import analysis_diagnostics, diagnostics
from dsplang.lsp.fixes import code_actions
from dsplang.lsp.formatting import formatting
from dsplang.lsp.hover import hover
from dsplang.lsp.lenses import file_lenses
from dsplang.lsp.references import prepare_rename, references
from dsplang.lsp.semantic_tokens import encode, semantic_tokens
from dsplang.lsp.signature_help import signature_help
from dsplang.lsp.symbols import symbols
from dsplang.lsp.workspace_symbols import declarations

TESTS = Path(__file__).parent.parent
CORPUS = sorted(str(p) for p in [*TESTS.glob("programs/*.dsp"), *TESTS.glob("fixtures/editors/*.dsp"),
                                 *(TESTS / "lsp" / "workspace").glob("*.dsp")])
SOURCES = [Path(p).read_text(encoding="utf-8") for p in CORPUS]
_TOKEN = re.compile(r"\s+|\w+|\"[^\"\n]*\"|'[^'\n]*'|.", re.S)
NOISE = st.text(alphabet=st.one_of(st.sampled_from(list("()[]{}:=.,\"'#\\\n\t -+*/<>!?@$;\x00é𝄞\ufeff\r")),
                                   st.characters()), max_size=6)


def whole_document(analysis) -> None:
    """The requests about a whole document; semantic tokens must encode to valid data."""
    symbols(analysis)
    formatting(analysis)
    file_lenses(analysis)
    declarations(analysis.lines)
    found = analysis_diagnostics(analysis)
    code_actions("file:///x.dsp", analysis.lines, found, found)
    data = semantic_tokens(analysis).data
    assert len(data) % 5 == 0 and all(n >= 0 for n in data)
    line = start = length = 0
    for i in range(0, len(data), 5):                  # in order, not overlapping, inside their line
        delta_line, delta_start, size, _, _ = data[i:i + 5]
        if delta_line == 0:
            assert i == 0 or delta_start >= length
            start += delta_start
        else:
            start = delta_start
        line += delta_line
        length = size
        assert length > 0 and start + length <= len(analysis.lines[line].encode("utf-16-le")) // 2
    assert encode([], analysis.lines) == []


def at_position(analysis, position: types.Position) -> None:
    hover(analysis, position)
    completion(analysis, position)
    definition(analysis, position)
    signature_help(analysis, position)
    references(analysis, position)
    prepare_rename(analysis, position)


positions = st.lists(st.tuples(st.integers(0, 80), st.integers(0, 120)), min_size=1, max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=mutants(SOURCES, NOISE, edits=(1, 6), token=_TOKEN), where=positions)
def test_features_never_raise_on_mutated_programs(program, where):
    index, text = program
    path = CORPUS[index]
    diagnostics(text, path)
    analysis = Project().analyse(path, text)
    whole_document(analysis)
    for line, character in where:
        at_position(analysis, types.Position(line=line, character=character))


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=200))
def test_features_never_raise_on_random_text(text):
    path = str(TESTS / "lsp" / "workspace" / "random.dsp")
    diagnostics(text, path)
    analysis = Project().analyse(path, text)
    whole_document(analysis)
    for line in range(0, text.count("\n") + 2):
        for character in (0, 1, 5, 40):
            at_position(analysis, types.Position(line=line, character=character))
