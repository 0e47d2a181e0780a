"""Text helpers for the language server: positions, words and call sites found in raw text.

Positions here are `(line, col)` tuples, 1-based like `Span` (col counts code points).
Everything works on raw lines so it keeps working while the file does not parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dsplang.analysis.source import (  # noqa: F401 (re-exported)
    IDENT,
    Pos,
    find_word,
    span_end,
    span_start,
    split_lines,
)
from dsplang.errors import Span

IDENT_CHAR = re.compile(r"\w")
_CHAIN_TAIL = re.compile(r"((?:[^\W\d]\w*\s*\.\s*)+)$")
_MAX_CALL_SCAN = 4000


def line_at(lines: list[str], line: int) -> str:
    """Line `line` (1-based), or '' when out of range."""
    return lines[line - 1] if 1 <= line <= len(lines) else ""


def contains(span: Span, pos: Pos) -> bool:
    """True when `pos` lies inside `span` (its end included, so a cursor after a word counts)."""
    return span_start(span) <= pos <= span_end(span)


def word_at(lines: list[str], pos: Pos) -> tuple[int, int, str] | None:
    """(start col, end col exclusive, word) of the identifier under or just before `pos`."""
    text = line_at(lines, pos[0])
    i = min(max(pos[1] - 1, 0), len(text))
    start, end = i, i
    while start > 0 and IDENT_CHAR.match(text[start - 1]):
        start -= 1
    while end < len(text) and IDENT_CHAR.match(text[end]):
        end += 1
    word = text[start:end]
    if not word or not IDENT.fullmatch(word):
        return None
    return start + 1, end + 1, word


def chain_before(text: str) -> tuple[list[str], bool]:
    """The dotted names just before the end of `text`, and whether `text` ends with '.'.

    `"x = self.respond."` gives (["self", "respond"], True); `"f()."` gives ([], True)
    (an attribute of something that cannot be named); `"print("` gives ([], False).
    """
    stripped = text.rstrip()
    if not stripped.endswith("."):
        return [], False
    match = _CHAIN_TAIL.search(stripped)
    if match is None:
        return [], True
    before = stripped[:match.start()].rstrip()
    if before.endswith((".", ")", "]", "}", '"', "'")) or (before and before[-1].isdigit()):
        return [], True
    return [part.strip() for part in match.group(1).split(".") if part.strip()], True


def prefix_at(lines: list[str], pos: Pos) -> str:
    """The identifier characters just before `pos` (what the user is typing)."""
    text = line_at(lines, pos[0])[:max(pos[1] - 1, 0)]
    start = len(text)
    while start and IDENT_CHAR.match(text, start - 1):  # backwards: `\w*$` is quadratic on a long word
        start -= 1
    return text[start:]


_QUOTING = re.compile(r"[#'\"\\]")


def in_comment_or_string(lines: list[str], pos: Pos) -> bool:
    """A quick look at the current line: is `pos` inside a comment or a one-line string?"""
    text = line_at(lines, pos[0])[:max(pos[1] - 1, 0)]
    quote = ""
    i = 0
    while i < len(text):
        found = _QUOTING.search(text, i)    # skip plain characters in C: lines can be megabytes
        if found is None:
            break
        i = found.start()
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif text.startswith(quote, i):
                i += len(quote) - 1
                quote = ""
        elif ch == "#":
            return True
        elif ch in "'\"":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            i += len(quote) - 1
        i += 1
    return bool(quote)


@dataclass
class CallSite:
    """The call whose parentheses enclose a position: the callee as dotted names, and the
    arguments written before the position, one text per argument (the last is the one the
    position is in, possibly empty)."""

    callee: list[str]
    args: list[str]

    @property
    def keywords(self) -> list[str | None]:
        """The keyword of each argument (`name=...`), None for a positional one."""
        return [keyword_of(arg) for arg in self.args]


_KEYWORD = re.compile(r"\s*([^\W\d]\w*)\s*=(?!=)")


def keyword_of(arg: str) -> str | None:
    """`name` of an argument written `name=...`, else None."""
    match = _KEYWORD.match(arg)
    return match.group(1) if match is not None else None


def call_site(lines: list[str], pos: Pos) -> CallSite | None:
    """The call whose parentheses enclose `pos`, or None when the cursor is not inside a
    call's parentheses.

    Scans backwards over at most a few thousand characters (and 30 lines), skipping balanced
    brackets and simple strings.
    """
    before = "\n".join(lines[max(0, pos[0] - 30):pos[0] - 1] + [line_at(lines, pos[0])[:pos[1] - 1]])
    before = before[-_MAX_CALL_SCAN:]
    depth, i, quote = 0, len(before) - 1, ""
    while i >= 0:
        ch = before[i]
        if quote:
            if ch == quote and (i == 0 or before[i - 1] != "\\"):
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in ")]}":
            depth += 1
        elif ch in "([{":
            if depth == 0:
                if ch != "(":
                    return None
                head = before[:i].rstrip()
                word = re.search(r"[^\W\d]\w*$", head)
                if word is None:
                    return None
                names, dotted = chain_before(head[:word.start()])
                if dotted and not names:
                    return None
                return CallSite(names + [word.group(0)], split_arguments(before[i + 1:]))
            depth -= 1
        i -= 1
    return None


def split_arguments(text: str) -> list[str]:
    """`text` (what follows a call's `(`) cut at its top-level commas: one piece per argument,
    brackets and strings kept whole."""
    pieces, start, depth, quote = [], 0, 0, ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(depth - 1, 0)
        elif ch == "," and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
        i += 1
    pieces.append(text[start:])
    return pieces


def open_call(lines: list[str], pos: Pos) -> tuple[list[str], set[str]] | None:
    """The call whose parentheses enclose `pos`: (callee as dotted names, keywords used)."""
    site = call_site(lines, pos)
    if site is None:
        return None
    return site.callee, {k for k in site.keywords if k is not None}


def span_text(lines: list[str], span: Span, limit: int = 80) -> str:
    """The source text of a span on its first line, cut to `limit` characters."""
    text = line_at(lines, span.line)
    end = span.end_col - 1 if span.end_line == span.line else len(text)
    piece = text[span.col - 1:end].strip()
    if span.end_line != span.line:
        piece += " ..."
    return piece if len(piece) <= limit else piece[:limit - 3] + "..."
