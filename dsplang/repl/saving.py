"""`:save FILE`: the session written back as a .dsp file that `dsp check` accepts and that
holds no credential.

The session keeps a transcript of what ran: each `:load`ed file (its whole text: the session
ran all of it), each input that ran without error, and each `:lm MODEL` (written as
`use LM("MODEL")`). Joined as they are, those texts are not yet a valid file, so they are
edited where they were parsed:

- a `let` of a top-level name already declared becomes an assignment (`let x = 2` -> `x = 2`);
- a declaration (`def`, `module`, `signature`, `type`, `enum`) given again replaces the earlier
  one, which is left out (declarations are hoisted: the file sees the last one everywhere);
- when a later input reads `_` (the last value), the inputs that printed a value bind it
  (`let _ = EXPR`, then `_ = EXPR`);
- a credential passed by keyword (`api_key="sk-..."`, any name `lm.secrets.is_secret` calls a
  secret) is left out of the call, so the provider reads it from the environment; a secret
  value that is still in the text (a `let key = "sk-..."` later passed as `api_key=key`, a
  secret-named environment variable's value, the key of an LM the session holds) becomes `***`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from dsplang.errors import Span
from dsplang.grammar import ast
from dsplang.grammar.parser import parse
from dsplang.lm.secrets import is_secret, redact

DECLARATIONS = (ast.FuncDef, ast.ModuleDecl, ast.SignatureDecl, ast.SignatureAlias, ast.TypeDecl,
                ast.EnumDecl)
LAST_VALUE = "_"
CREDENTIALS_NOTE = ("# Credentials are not saved: set them in the environment "
                    "(OPENAI_API_KEY, ANTHROPIC_API_KEY, ...).")


@dataclass
class Entry:
    """One thing the session ran. kind: "file" (a loaded file; label is its path), "code" (an
    input of statements), "value" (an input that is one expression) or "lm" (`:lm MODEL`)."""

    kind: str
    text: str
    label: str = ""


@dataclass
class _Piece:
    """An entry's text with the edits to make to it: (start, end, replacement) offsets."""

    entry: Entry
    text: str
    program: ast.Program | None
    lines: list[int] = field(default_factory=list)
    edits: list[tuple[int, int, str]] = field(default_factory=list)

    def offset(self, line: int, col: int) -> int:
        return self.lines[line - 1] + col - 1

    def span(self, span: Span) -> tuple[int, int]:
        return self.offset(span.line, span.col), self.offset(span.end_line, span.end_col)

    def edited(self) -> str:
        text = self.text
        for start, end, new in sorted(self.edits, reverse=True):
            text = text[:start] + new + text[end:]
        return text


def session_text(transcript: Iterable[Entry], secrets: Iterable[str] = ()) -> str:
    """The .dsp text of a session's transcript: edited as the module docstring says."""
    pieces = [_piece(entry) for entry in transcript]
    found_secrets = set(secrets)
    for piece in pieces:
        found_secrets.update(_drop_credentials(piece))
    _merge_declarations(pieces)
    out = ["# dsp repl session"]
    if found_secrets:
        out.append(CREDENTIALS_NOTE)
    for piece in pieces:
        out.append(_piece_text(piece))
    text = "\n".join(out).rstrip("\n") + "\n"
    return redact(text, sorted(found_secrets, key=len, reverse=True))


def _piece(entry: Entry) -> _Piece:
    if entry.kind == "lm":
        text = f"use LM({_quoted(entry.text)})"
    else:
        text = entry.text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").rstrip("\n") + "\n"
    program = parse(text, f"<save:{entry.kind}>") if entry.kind != "lm" else None
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    return _Piece(entry, text, program, starts)


def _piece_text(piece: _Piece) -> str:
    text = piece.edited()
    if piece.entry.kind == "file":
        return f"\n# ---- {piece.entry.label}\n{text.rstrip()}\n# ----\n"
    if "\n" in text.strip():   # a block: an empty line after it, as typed
        return text.rstrip("\n") + "\n"
    return text.rstrip("\n")


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ------------------------------------------------------------------ names declared twice

def _merge_declarations(pieces: list[_Piece]) -> None:
    """Repeated top-level `let`s become assignments, a repeated declaration drops the
    earlier one, and `_` is bound where a later input reads it."""
    last_decl: dict[str, tuple[_Piece, ast.Node]] = {}
    declared: set[str] = set()
    reads_last = _reads_last_value(pieces)
    for index, piece in enumerate(pieces):
        if piece.program is None:
            continue
        if piece.entry.kind == "value" and piece.program.body and any(reads_last[index + 1:]):
            stmt = piece.program.body[0]
            start = piece.offset(stmt.span.line, stmt.span.col)
            piece.edits.append((start, start, ("" if LAST_VALUE in declared else "let ") + f"{LAST_VALUE} = "))
            declared.add(LAST_VALUE)
        for stmt in piece.program.body:
            if isinstance(stmt, DECLARATIONS):
                earlier = last_decl.get(stmt.name)
                if earlier is not None:
                    _remove_statement(*earlier)
                last_decl[stmt.name] = (piece, stmt)
            elif isinstance(stmt, ast.Let):
                names = _target_names(stmt.target)
                if names and all(name in declared for name in names):
                    _let_to_assignment(piece, stmt)
                declared.update(names)


def _reads_last_value(pieces: list[_Piece]) -> list[bool]:
    """For each piece, whether its code reads the name `_`."""
    return [piece.program is not None and any(isinstance(node, ast.Name) and node.id == LAST_VALUE
                                              for node in _walk(piece.program))
            for piece in pieces]


def _target_names(target: ast.Target) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.TupleTarget):
        return [name.id for name in target.names]
    return []


def _let_to_assignment(piece: _Piece, stmt: ast.Let) -> None:
    """`let x: T = e` -> `x = e`: the keyword and the annotation are cut out."""
    start, _ = piece.span(stmt.span)
    target_start, target_end = piece.span(stmt.target.span)
    piece.edits.append((start, target_start, ""))
    if stmt.type is not None:
        piece.edits.append((target_end, piece.span(stmt.type.span)[1], ""))


def _remove_statement(piece: _Piece, stmt: ast.Node) -> None:
    """Cut a top-level statement's whole lines out of its piece."""
    start = piece.lines[stmt.span.line - 1]
    end_line = stmt.span.end_line
    end = piece.lines[end_line] if end_line < len(piece.lines) else len(piece.text)
    piece.edits.append((start, end, ""))


# ------------------------------------------------------------------ credentials

def _drop_credentials(piece: _Piece) -> set[str]:
    """Leave out every secret-named keyword argument given as a string (and blank a
    secret-named dict entry's string value); returns the values taken out."""
    found: set[str] = set()
    if piece.program is None:
        return found
    for node in _walk(piece.program):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.name and is_secret(keyword.name) and isinstance(given := _text_of(keyword.value), str):
                    found.add(given)
                    piece.edits.append(_without_argument(piece, keyword.span))
        elif isinstance(node, ast.DictExpr):
            for key, item in zip(node.keys, node.values):
                key_text, secret = _text_of(key), _text_of(item)
                if key_text is not None and is_secret(key_text) and secret is not None:
                    found.add(secret)
                    piece.edits.append((*piece.span(item.span), '"***"'))
    return {value for value in found if value}


def _text_of(node: ast.Node | None) -> str | None:
    """The string a string literal holds, else None."""
    return node.value if isinstance(node, ast.Const) and isinstance(node.value, str) else None


def _without_argument(piece: _Piece, span: Span) -> tuple[int, int, str]:
    """The edit that cuts an argument out of its call with the comma before (or after) it."""
    start, end = piece.span(span)
    text = piece.text
    before = len(text[:start].rstrip())
    if before and text[before - 1] == ",":
        return before - 1, end, ""
    after = re.compile(r"\s*,\s*").match(text, end)
    return start, after.end() if after else end, ""


def _walk(node: ast.Node) -> Iterator[ast.Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(ast.child_nodes(current))
