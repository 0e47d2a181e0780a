"""Indentation depths, blank lines and the text of each line.

Depths: a code line's depth comes from the original indentation (as the parser reads
it); an own-line comment takes the depth of the block it sits in — the next line's depth,
or a deeper one that was still open and that the comment was indented to.
Blank lines: at most 2 in a row at top level and 1 inside blocks, none at the start of a
file or block, and at least one around a block declaration (`def`, `module`, `signature`,
`type`, `enum` with a body) unless a comment sits directly above it.
"""

from __future__ import annotations

from dsplang.fmt.lines import Break, CodeLine, Comment, CommentLine
from dsplang.fmt.spacing import OPERANDS, Spacer
from dsplang.fmt.tokens import Tok

INDENT = "    "
DECLS = frozenset({"DEF", "MODULE", "SIGNATURE", "TYPE", "ENUM"})
ALIGNED = frozenset({"SIGNATURE", "TYPE"})


def assign_depths(items: list) -> None:
    """Set `depth` on every item (see the module docstring)."""
    stack, stacks = [0], {}
    for item in items:
        if isinstance(item, CodeLine):
            while item.indent < stack[-1] and len(stack) > 1:
                stack.pop()
            if item.indent > stack[-1]:
                stack.append(item.indent)
            item.depth = len(stack) - 1
            stacks[id(item)] = list(stack)
    following: list[CodeLine | None] = [None] * len(items)     # the next code line after each item
    nxt = None
    for i in range(len(items) - 1, -1, -1):
        following[i] = nxt
        if isinstance(items[i], CodeLine):
            nxt = items[i]
    prev = None
    for i, item in enumerate(items):
        if isinstance(item, CodeLine):
            prev = item
            continue
        nxt = following[i]
        low = nxt.depth if nxt is not None else 0
        high = prev.depth if prev is not None else 0
        item.depth = low
        if prev is not None and high >= low:
            widths = stacks[id(prev)]
            item.depth = next((d for d in range(high, low - 1, -1) if widths[d] <= item.indent), low)


def is_decl(item) -> bool:
    """A declaration with a block (or a `def`): blank lines go around it."""
    if not isinstance(item, CodeLine) or not item.parts:
        return False
    first = item.parts[0]       # (a line starts with a token)
    if first.kind == "DEF":
        return True
    return first.kind in DECLS and item.tokens[-1].text == ":"


def assign_blanks(items: list) -> None:
    """Normalise `blank_before` on every item (see the module docstring)."""
    owner: dict[int, CodeLine] = {}
    for i, item in enumerate(items):
        limit = 2 if item.depth == 0 else 1
        item.blank_before = min(item.blank_before, limit)
        prev = items[i - 1] if i else None
        if prev is None or (isinstance(prev, CodeLine) and prev.depth < item.depth):
            item.blank_before = 0
            continue
        closed = owner.get(item.depth)
        if prev.depth > item.depth and closed is not None and is_decl(closed):
            item.blank_before = max(item.blank_before, 1)
        if is_decl(item):
            _blank_above(items, i)
        if isinstance(item, CodeLine):
            owner[item.depth] = item
            for deeper in [d for d in owner if d > item.depth]:
                del owner[deeper]


def _blank_above(items: list, i: int) -> None:
    """At least one blank line above a declaration and the comments directly above it."""
    j = i
    while j > 0 and items[j].blank_before == 0 and isinstance(items[j - 1], CommentLine) \
            and items[j - 1].depth == items[i].depth:
        j -= 1
    above = items[j - 1] if j > 0 else None
    if above is None or (isinstance(above, CodeLine) and above.depth < items[i].depth):
        return
    items[j].blank_before = max(items[j].blank_before, 1)


def render(items: list, move_strings: bool = True) -> str:
    """The formatted text of the whole file. With `move_strings`, the inner lines of a
    triple-quoted string that starts a row move with it when its indentation changes."""
    out: list[str] = []
    opener: dict[int, CodeLine] = {}
    spacings: dict[tuple[str, ...], list[bool]] = {}
    for item in items:
        if item.blank_before:
            out.extend([""] * item.blank_before)
        if isinstance(item, CommentLine):
            out.append(INDENT * item.depth + item.text)
            continue
        parent = opener.get(item.depth - 1)
        aligned = parent is not None and parent.parts[0].kind in ALIGNED
        row = None if aligned or item.trailing is not None else _one_row(item, spacings)
        out.append(_CodeRenderer(item, aligned, move_strings).render() if row is None else row)
        opener[item.depth] = item
    return "\n".join(out).rstrip("\n") + "\n" if out else ""


def _one_row(line: CodeLine, spacings: dict[tuple[str, ...], list[bool]]) -> str | None:
    """The text of a logical line on one row with no comment and no string across lines
    (most lines), as _CodeRenderer writes it; None for any other line.

    The spaces are the Spacer's, remembered per line shape: the token texts, with an
    operand's (a name, number, string or constant) replaced by its kind, since the Spacer
    reads only the kind of an operand (and no operand's text is a bracket, an operator or
    a keyword)."""
    parts = line.parts
    shape = []
    for part in parts:
        if part.__class__ is not Tok or "\n" in part.text:
            return None
        shape.append(part.kind if part.kind in OPERANDS else part.text)
    key = tuple(shape)
    spaces = spacings.get(key)
    if spaces is None:
        spacer = Spacer()
        spaces = spacings[key] = [spacer.space_before(part) for part in parts]
    text = "".join([" " + part.text if space else part.text for part, space in zip(parts, spaces)])
    return (" " * (line.depth * len(INDENT)) + text).rstrip()


class _CodeRenderer:
    """Writes one logical line, with its continuation lines and comments."""

    def __init__(self, line: CodeLine, aligned: bool, move_strings: bool):
        self.line = line
        self.aligned = aligned
        self.move_strings = move_strings
        self.base = line.depth * len(INDENT)
        self.shift = self.base - line.indent
        self.rows: list[str] = []
        self.cur = " " * self.base
        self.spacer = Spacer()
        self.open: list[int] = []        # original line of each open bracket
        self.prev: Tok | None = None

    def render(self) -> str:
        parts = self.line.parts
        pending: Break | None = None
        for i, part in enumerate(parts):
            if isinstance(part, Break):
                pending = part
                continue
            space = self.spacer.space_before(part)
            if pending is not None:
                self._break(pending, parts, i)
                pending = None
            elif space:
                self.cur += " " * self._gap(part)
            self.cur += self._text(part)
            self._track(part)
            self.prev = part
        self._comment(self.line.trailing)
        self.rows.append(self.cur.rstrip())
        return "\n".join(self.rows)

    def _text(self, tok: Tok) -> str:
        """A token's text; a multi-line string first on its row moves with the row."""
        if not (self.move_strings and tok.kind == "STRING" and "\n" in tok.text):
            return tok.text
        if self.cur.strip():
            return tok.text
        return shift_lines(tok.text, len(self.cur) - (tok.col - 1))

    def _gap(self, tok: Tok) -> int:
        """One space, or the original run of spaces in aligned signature/type fields."""
        prev = self.prev
        if self.aligned and not self.open and prev is not None and prev.end_line == tok.line:
            return max(1, tok.col - prev.end_col)
        return 1

    def _track(self, tok: Tok) -> None:
        if tok.text in ("(", "[", "{"):
            self.open.append(tok.line)
        elif tok.text in (")", "]", "}") and self.open:
            self.open.pop()

    def _break(self, brk: Break, parts: list, i: int) -> None:
        """End the current row (with its comment) and start a continuation row."""
        self._comment(brk.trailing)
        if brk.backslash:
            self.cur = self.cur.rstrip() + " \\"
        self.rows.append(self.cur.rstrip())
        indent = " " * self._continuation(parts, i, brk.backslash)
        if brk.blank:
            self.rows.append("")
        for text in brk.comments:
            self.rows.append(indent + text.rstrip())
        self.cur = indent

    def _continuation(self, parts: list, i: int, backslash: bool) -> int:
        """Indentation of a continuation row: one level per line that opened brackets still
        open, not counting lines whose brackets the row's leading closers close (and one
        level after a backslash)."""
        closers = 0
        for part in parts[i:]:
            if not isinstance(part, Tok) or part.text not in (")", "]", "}"):
                break
            closers += 1
        keep = len(self.open) - closers
        closed_rows = set(self.open[keep:])
        levels = len(set(self.open[:keep]) - closed_rows) + (1 if backslash else 0)
        return self.base + len(INDENT) * levels

    def _comment(self, comment: Comment | None) -> None:
        """Append a trailing comment: at its original column if the code leaves room."""
        if comment is None:
            return
        code = self.cur.rstrip()
        column = max(comment.col - 1 + self.shift, len(code) + 2)
        self.cur = code.ljust(column) + comment.text.rstrip()


def shift_lines(text: str, shift: int) -> str:
    """`text` with every line after the first indented `shift` more columns (fewer, when
    negative). Unchanged if some line cannot move that far or is joined by a backslash."""
    first, *rest = text.split("\n")
    if shift == 0 or "\\\n" in text or any("\t" in _leading(line) for line in rest):
        return text
    if shift > 0:
        moved = [" " * shift + line if line else line for line in rest]
    else:
        cut = -shift
        if any(line.strip() and not line.startswith(" " * cut) for line in rest):
            return text
        moved = [line[cut:] if line.strip() else line[:max(len(line) - cut, 0)] for line in rest]
    return "\n".join([first, *moved])


def _leading(line: str) -> str:
    return line[:len(line) - len(line.lstrip())]
