"""Mutations of programs, for the robustness tests.

Token edits as a hypothesis strategy (shrinks a failure to a small example):

    from mutation import mutants
    @given(mutants(sources, inserts=st.sampled_from(["(", ":", "\\n"])))
    def test_...(mutant):
        index, text = mutant

and `hostile_mutants(sources, count, seed)`, a fixed-seed stream of the inputs a careless
user or an attacker gives: token and line edits, deep nesting, NUL bytes, huge literals,
huge computations and bytes that are not UTF-8 (each mutant is bytes, to be written as a
file). Both draw their choices through `randint` and `choice` (a `random.Random`, or
hypothesis draws behind the same two methods), so the token edits are one piece of code.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from hypothesis import strategies as st

# A string literal, a word, one other character, a newline or a run of spaces.
TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|\w+|[^\w\s]|\n|[ ]+')


class _Draws:
    """hypothesis draws behind random.Random's `randint` and `choice`."""

    def __init__(self, draw):
        self._draw = draw

    def randint(self, low: int, high: int) -> int:
        return self._draw(st.integers(low, high))

    def choice(self, options: Sequence):
        return self._draw(st.sampled_from(options))


def edit_tokens(tokens: list[str], edits: int, rng, insert: Callable[[], str]) -> list[str]:
    """`tokens` with `edits` tokens deleted, duplicated, swapped, or `insert()` put in."""
    tokens = list(tokens)
    for _ in range(edits):
        if not tokens:
            break
        i = rng.randint(0, len(tokens) - 1)
        op = rng.choice(["delete", "duplicate", "swap", "insert"])
        if op == "delete":
            del tokens[i]
        elif op == "duplicate":
            tokens.insert(i, tokens[i])
        elif op == "swap":
            j = rng.randint(0, len(tokens) - 1)
            tokens[i], tokens[j] = tokens[j], tokens[i]
        else:
            tokens.insert(i, insert())
    return tokens


@st.composite
def mutants(draw, sources: list[str], inserts, *, edits: tuple[int, int] = (1, 4),
            token: re.Pattern = TOKEN) -> tuple[int, str]:
    """(index, text): `sources[index]` with `edits` tokens deleted, duplicated, swapped, or a
    draw of `inserts` put in, at random places."""
    index = draw(st.integers(0, len(sources) - 1))
    rng = _Draws(draw)
    tokens = edit_tokens(token.findall(sources[index]), rng.randint(*edits), rng, lambda: draw(inserts))
    return index, "".join(tokens)


# ---- hostile mutants: a fixed-seed stream --------------------------------------------------

INSERTS = ["(", ")", ":", "\n", "    ", "\t", "let", "=", ",", "[", "]", "{", "}", "\"", "'", '"""', "1", "x",
           ".", "-", "*", "**", "->", "def", "return", "module", "signature", "for", "in", "if", "else", "lambda",
           "#", "\\", "f\"{", "é", "😀", "\u200b", "\u2028", "\ufeff", "\r", "\x0c", "@", "$", "?"]
# Invalid UTF-8: a stray continuation byte, a truncated sequence, an encoded surrogate, an
# overlong encoding, a code point past U+10FFFF, and bytes never used in UTF-8.
BAD_BYTES = [b"\x80", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xff", b"\xfe"]
HUGE_NUMBERS = ["9" * 4_301, "9" * 10_000, "1" + "0" * 100_000, "1e999999", "0." + "0" * 5_000 + "1", "1" * 400 + ".5",
                "0x" + "f" * 9_000]
HUGE_NUMBER_USES = ["print(N)", "let big = N * 2", "print(str(N))", "print([1, 2][N])", "print(N == N)",
                    "let d = {N: 1}", "print(f\"{N}\")", "print(-N // 7)", "print(\"ab\"[N:])"]
HUGE_COMPUTATIONS = ["2 ** 3 ** 22", "10 ** 100000000", "[x for x in range(10**9)]", "\"ab\" * 10**10",
                     "[0] * 10**10", "range(10**18)", "len(str(9 ** 99999))"]


@dataclass(frozen=True)
class Mutant:
    """`data` (the bytes of a file) made from `sources[index]` by `kind` of mutation."""
    index: int
    kind: str
    data: bytes


def hostile_mutants(sources: list[str], count: int, seed: int) -> Iterator[Mutant]:
    """`count` mutants of `sources`, the same ones for the same seed and sources."""
    rng = random.Random(seed)
    kinds = [kind for kind, weight in _WEIGHTS.items() for _ in range(weight)]
    for _ in range(count):
        index = rng.randint(0, len(sources) - 1)
        kind = rng.choice(kinds)
        yield Mutant(index, kind, _MUTATE[kind](sources[index], sources, rng))


def _tokens(source: str, edits: int, rng) -> str:
    return "".join(edit_tokens(TOKEN.findall(source), edits, rng, lambda: rng.choice(INSERTS)))


def _replace_token(source: str, rng, wanted: re.Pattern, replacement: str) -> str:
    """`source` with one token matching `wanted` (any token if none does) replaced."""
    tokens = TOKEN.findall(source)
    places = [i for i, t in enumerate(tokens) if wanted.fullmatch(t)] or list(range(len(tokens)))
    if not places:
        return replacement
    tokens[rng.choice(places)] = replacement
    return "".join(tokens)


def _lines(source: str, _sources, rng) -> str:
    lines = source.split("\n")
    for _ in range(rng.randint(1, 3)):
        i, j = rng.randint(0, len(lines) - 1), rng.randint(0, len(lines) - 1)
        op = rng.choice(["swap", "duplicate", "delete", "indent", "dedent", "tab"])
        if op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "duplicate":
            lines.insert(j, lines[i])
        elif op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "indent":
            lines[i] = " " * rng.choice([1, 2, 4, 8]) + lines[i]
        elif op == "dedent":
            lines[i] = lines[i][rng.choice([1, 2, 4]):] if lines[i].startswith(" ") else lines[i]
        else:
            lines[i] = lines[i].replace("    ", "\t", 1)
    return "\n".join(lines)


def _splice(source: str, sources: list[str], rng) -> str:
    """A line of another program put in, at any indentation; or the file cut short."""
    lines = source.split("\n")
    if rng.randint(0, 3) == 0:
        return source[:rng.randint(0, len(source))]
    other = rng.choice(sources).split("\n")
    lines.insert(rng.randint(0, len(lines)), rng.choice(other))
    return "\n".join(lines)


def _nesting(source: str, _sources, rng) -> str:
    """An operand replaced by a deeply nested expression (or block), closed or not."""
    depth = rng.choice([60, 300, 1000, 3000])
    shapes = ["(" * depth + "1" + ")" * depth, "[" * depth + "]" * depth, '{"a": ' * depth + "1" + "}" * depth,
              "-" * depth + "1", "not " * depth + "true", "str(" * depth + ")" * depth, "x" + ".a" * depth,
              "x" + "[0]" * depth, "lambda: " * depth + "1", " + ".join(["1"] * depth), "1 if true else " * depth + "1",
              "(" * depth, "[" * depth + "1", "f\"{" * min(depth, 300) + "1" + "}\"" * min(depth, 300)]
    shape = rng.choice(shapes)
    if rng.randint(0, 4) == 0:
        levels = min(depth, 300)
        shape = "\n" + "".join("    " * i + "if true:\n" for i in range(levels)) + "    " * levels + "print(1)\n"
    return _replace_token(source, rng, re.compile(r"\w+"), shape)


def _nul(source: str, _sources, rng) -> str:
    """A NUL byte in the text, or one in a string (a path, a field name, a prompt)."""
    nul = rng.choice(["\x00", "\\x00", "\\u0000", "\\0"])
    if rng.randint(0, 2) == 0:
        at = rng.randint(0, len(source))
        return source[:at] + "\x00" + source[at:]
    strings = re.compile(r'"(?:[^"\\\n]|\\.)*"')
    tokens = TOKEN.findall(source)
    places = [i for i, t in enumerate(tokens) if strings.fullmatch(t)]
    if not places:
        return source + "\x00"
    i = rng.choice(places)
    text = tokens[i][1:-1]
    at = rng.randint(0, len(text))
    tokens[i] = '"' + text[:at] + nul + text[at:] + '"'
    return "".join(tokens)


def _huge(source: str, _sources, rng) -> str:
    """A huge literal, a long file or list (long enough to show a quadratic step, short
    enough for 2,000 mutants: benchmarks/ time big files), or a computation with a huge
    result. Huge numbers go in new statements, not in place of the program's own numbers:
    a loop count made huge would only make a slow program, not a wrong one."""
    choice = rng.randint(0, 4)
    if choice == 0:
        size = rng.choice([100_000, 1_000_000])
        return _replace_token(source, rng, re.compile(r'".*"', re.S), '"' + "ab" * (size // 2) + '"')
    if choice == 1:
        number = rng.choice(HUGE_NUMBERS)
        return source + "\n" + rng.choice(HUGE_NUMBER_USES).replace("N", number) + "\n"
    if choice == 2:
        return source + "\n" + "".join(f"let v{i} = {i}\n" for i in range(1_000))
    if choice == 3:
        return source + "\nlet w = [" + ", ".join(str(i) for i in range(2_000)) + "]\nprint(len(w))\n"
    computation = rng.choice(HUGE_COMPUTATIONS)
    if rng.randint(0, 1):
        return source + f"\nprint({computation})\n"
    return _replace_token(source, rng, re.compile(r"\d+"), computation)


def _bad_bytes(source: str, _sources, rng) -> bytes:
    """Bytes that are not UTF-8 (or unusual UTF-8: a BOM, UTF-16, lone CRs) in the file."""
    data = source.encode("utf-8")
    choice = rng.randint(0, 4)
    if choice == 0:
        return b"\xef\xbb\xbf" + data
    if choice == 1:
        return source.encode("utf-16")
    if choice == 2:
        return data.replace(b"\n", rng.choice([b"\r", b"\r\n"]))
    for _ in range(rng.randint(1, 3)):
        at = rng.randint(0, len(data))
        data = data[:at] + rng.choice(BAD_BYTES) + data[at:]
    return data


def _combined(source: str, sources: list[str], rng) -> bytes:
    """Token edits, then one more mutation of another kind."""
    edited = _tokens(source, rng.randint(1, 3), rng)
    return _MUTATE[rng.choice(["lines", "nesting", "nul", "bad bytes"])](edited, sources, rng)


def _as_bytes(mutate):
    def wrapped(source: str, sources: list[str], rng) -> bytes:
        result = mutate(source, sources, rng)
        return result if isinstance(result, bytes) else result.encode("utf-8", "surrogatepass")
    return wrapped


_MUTATE = {name: _as_bytes(function) for name, function in {
    "tokens": lambda source, _sources, rng: _tokens(source, rng.randint(1, 4), rng),
    "lines": _lines, "splice": _splice, "nesting": _nesting, "nul": _nul, "huge": _huge,
    "bad bytes": _bad_bytes, "combined": _combined}.items()}
_WEIGHTS = {"tokens": 32, "lines": 12, "splice": 6, "nesting": 12, "nul": 10, "huge": 4, "bad bytes": 12,
            "combined": 12}
