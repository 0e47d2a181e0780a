"""Quick fixes: the "did you mean 'X'?" of a problem as an edit (code action `quickfix`).

A problem's hint names the replacement; its message quotes the mistaken word (`name 'qestion'
is not defined`, `signature QA has no input 'questoin'`, `'lib' has no declaration 'Answr'`,
`cannot find 'sub/lib.dsp'`) and its span covers where it is written. The fix replaces that
word, found inside the span, with the suggestion: of the words the message quotes (and their
dotted or path parts), the one most like the suggestion that the span holds as a whole word.

The diagnostic carries the fix in its `data` (`{"fix": {"range", "old", "new"}}`), so the
code action is exactly the edit computed when the problem was reported; the action checks
that the text at the range is still the mistaken word before offering it.
"""

from __future__ import annotations

import ast as pyast
import difflib
import re
from dataclasses import dataclass

from lsprotocol import types
from pygls.workspace import PositionCodec

from dsplang.errors import DspError, Span
from dsplang.lsp.positions import UTF16, to_pos, to_range
from dsplang.lsp.text import line_at

_QUOTED = r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*\""""
_SUGGESTION = re.compile(rf"did you mean ({_QUOTED})\?")
_IN_MESSAGE = re.compile(_QUOTED)


@dataclass(frozen=True)
class Fix:
    """Replace `old`, written at `span`, with `new`."""

    span: Span
    old: str
    new: str

    @property
    def title(self) -> str:
        return f"Change '{self.old}' to '{self.new}'"


def _unquote(text: str) -> str | None:
    try:
        value = pyast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def suggested_fix(err: DspError, lines: list[str]) -> Fix | None:
    """The edit a problem's "did you mean" hint suggests, or None."""
    if not err.hint or err.span is None:
        return None
    match = _SUGGESTION.search(err.hint)
    new = _unquote(match.group(1)) if match is not None else None
    if not new:
        return None
    words: list[str] = []
    for quoted in _IN_MESSAGE.findall(err.message):
        word = _unquote(quoted)
        if word:
            words += [word, *re.split(r"[/\\]", word), *word.split(".")]
    ranked = sorted({w for w in words if w and w != new},
                    key=lambda w: -difflib.SequenceMatcher(None, w, new).ratio())
    for word in ranked:
        span = _find_in(lines, err.span, word)
        if span is not None:
            return Fix(span, word, new)
    return None


def _find_in(lines: list[str], span: Span, word: str) -> Span | None:
    """Where `word` is written as a whole word inside `span`, or None."""
    pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)")
    for line in range(span.line, min(span.end_line, len(lines)) + 1):
        text = line_at(lines, line)
        start = span.col - 1 if line == span.line else 0
        end = span.end_col - 1 if line == span.end_line else len(text)
        found = pattern.search(text, start, max(end, start))
        if found is not None:
            return Span(span.file, line, found.start() + 1, line, found.end() + 1)
    return None


def fix_data(fix: Fix, lines: list[str], codec: PositionCodec = UTF16) -> dict:
    """The fix as a diagnostic's `data` (JSON), its range in `codec`'s code units."""
    where = to_range(lines, fix.span, codec)
    return {"fix": {"range": {"start": {"line": where.start.line, "character": where.start.character},
                              "end": {"line": where.end.line, "character": where.end.character}},
                    "old": fix.old, "new": fix.new}}


def _read_fix(data: object) -> tuple[types.Range, str, str] | None:
    """The (range, old, new) a diagnostic's `data` carries, or None."""
    fix = data.get("fix") if isinstance(data, dict) else None
    if not isinstance(fix, dict):
        return None
    try:
        where = fix["range"]
        start = types.Position(int(where["start"]["line"]), int(where["start"]["character"]))
        end = types.Position(int(where["end"]["line"]), int(where["end"]["character"]))
        old, new = fix["old"], fix["new"]
    except (KeyError, TypeError, ValueError):
        return None
    if not isinstance(old, str) or not isinstance(new, str):
        return None
    return types.Range(start, end), old, new


def code_actions(uri: str, lines: list[str], diagnostics: list[types.Diagnostic],
                 current: list[types.Diagnostic], only: list[str] | None = None,
                 codec: PositionCodec = UTF16) -> list[types.CodeAction]:
    """The quick fixes for `diagnostics` (those the client sends for the range asked about).

    A diagnostic without `data` (a client that does not keep it) is matched, by range and
    message, to one of the document's `current` diagnostics, whose data is used."""
    if only is not None and not any(types.CodeActionKind.QuickFix.value.startswith(kind) for kind in only):
        return []
    actions = []
    for diagnostic in diagnostics:
        data = diagnostic.data
        if data is None:
            twin = next((d for d in current if d.range == diagnostic.range and d.message == diagnostic.message), None)
            data = twin.data if twin is not None else None
        found = _read_fix(data)
        if found is None:
            continue
        where, old, new = found
        if not _still_there(lines, where, old, codec):
            continue
        edit = types.WorkspaceEdit(changes={uri: [types.TextEdit(range=where, new_text=new)]})
        actions.append(types.CodeAction(title=f"Change '{old}' to '{new}'", kind=types.CodeActionKind.QuickFix,
                                        diagnostics=[diagnostic], edit=edit, is_preferred=True))
    return actions


def _still_there(lines: list[str], where: types.Range, old: str, codec: PositionCodec) -> bool:
    """Whether the document still has `old` at `where` (the fix is not stale)."""
    if where.start.line != where.end.line:
        return False
    start = to_pos(lines, where.start, codec)
    end = to_pos(lines, where.end, codec)
    return line_at(lines, start[0])[start[1] - 1:end[1] - 1] == old
