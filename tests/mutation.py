"""Token-level mutations of programs, for the robustness tests (a hypothesis strategy).

    from mutation import mutants
    @given(mutants(sources, inserts=st.sampled_from(["(", ":", "\\n"])))
    def test_...(mutant):
        index, text = mutant
"""

from __future__ import annotations

import re

from hypothesis import strategies as st

# A string literal, a word, one other character, a newline or a run of spaces.
TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|\w+|[^\w\s]|\n|[ ]+')


@st.composite
def mutants(draw, sources: list[str], inserts, *, edits: tuple[int, int] = (1, 4),
            token: re.Pattern = TOKEN) -> tuple[int, str]:
    """(index, text): `sources[index]` with `edits` tokens deleted, duplicated, swapped, or a
    draw of `inserts` put in, at random places."""
    index = draw(st.integers(0, len(sources) - 1))
    tokens = token.findall(sources[index])
    for _ in range(draw(st.integers(*edits))):
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
            tokens.insert(i, draw(inserts))
    return index, "".join(tokens)
