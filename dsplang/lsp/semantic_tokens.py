"""Semantic tokens: every name coloured by what it means, from the scope model, and the rest of
the text (keywords, strings, numbers, comments) from a quick scan of it (`scan.py`).

Each name is looked up in the model: the binding a use there resolved to, the binding declared
there (the `declaration` modifier), the member an attribute after `.` names (`self.respond`,
`pred.answer`, `Color.RED`, `lib.Answer`), a keyword argument's parameter, a keyword, or a
builtin (the `defaultLibrary` modifier). A name none of these explain gets no token, so the
editor's own grammar colours it. Docstrings and field descriptions are strings with the
`documentation` modifier.

The tokens of a document version are made once (kept in `Analysis.derived`); a range request
filters them.
"""

from __future__ import annotations

from bisect import bisect_right

from lsprotocol import types
from pygls.workspace import PositionCodec

from dsplang.analysis.infer import resolve_chain
from dsplang.analysis.model import Binding
from dsplang.errors import Span
from dsplang.grammar import ast, names
from dsplang.lsp.analysis import Analysis
from dsplang.lsp.positions import UTF16
from dsplang.lsp.scan import CLOSE, COLON, COMMENT, DOT, EQUALS, NAME, NUMBER, OPEN, STRING, Piece, scan
from dsplang.lsp.text import Pos, chain_before, find_word

TOKEN_TYPES = ["namespace", "type", "class", "enum", "interface", "struct", "parameter", "variable",
               "property", "enumMember", "function", "method", "keyword", "string", "number", "comment"]
TOKEN_MODIFIERS = ["declaration", "readonly", "defaultLibrary", "documentation"]
LEGEND = types.SemanticTokensLegend(token_types=TOKEN_TYPES, token_modifiers=TOKEN_MODIFIERS)

_TYPE = {name: i for i, name in enumerate(TOKEN_TYPES)}
DECLARATION, READONLY, DEFAULT_LIBRARY, DOCUMENTATION = (1 << i for i in range(len(TOKEN_MODIFIERS)))

_DECL_TYPES: dict[type, str] = {
    ast.SignatureDecl: "interface", ast.SignatureAlias: "interface", ast.TypeDecl: "struct",
    ast.EnumDecl: "enum", ast.ModuleDecl: "class", ast.FuncDef: "function",
}
_KIND_TYPES = {
    "method": "method", "attr": "property", "param": "parameter", "self": "parameter",
    "let": "variable", "compile": "variable", "for": "variable", "comp": "variable", "alias": "variable",
    "import": "namespace", "namespace": "namespace", "field": "property", "input": "property",
    "output": "property", "member": "enumMember",
}
_KEYWORDS = frozenset(names.KEYWORDS) | names.CONSTANTS
_CLASSES = frozenset({"str", "int", "float", "bool", "list", "dict", "tuple", "set"})
_LEXICAL = {COMMENT: (_TYPE["comment"], 0), STRING: (_TYPE["string"], 0), NUMBER: (_TYPE["number"], 0)}

# (line, start column, length in characters, type index, modifier bits); line and column 1-based
Token = tuple[int, int, int, int, int]


def semantic_tokens(analysis: Analysis, codec: PositionCodec = UTF16,
                    within: types.Range | None = None) -> types.SemanticTokens:
    """The semantic tokens of the document (of the lines `within` covers, when given)."""
    tokens = document_tokens(analysis)
    if within is not None:
        first, last = within.start.line + 1, within.end.line + 1
        tokens = [t for t in tokens if first <= t[0] <= last]
    return types.SemanticTokens(data=encode(tokens, analysis.lines, codec))


def document_tokens(analysis: Analysis) -> list[Token]:
    """Every token of the document, in order (made once per version)."""
    found = analysis.derived.get("semantic tokens")
    if not isinstance(found, list):
        found = _Classifier(analysis).tokens()
        analysis.derived["semantic tokens"] = found
    return found


def encode(tokens: list[Token], lines: list[str], codec: PositionCodec = UTF16) -> list[int]:
    """The LSP encoding: five integers per token, each position relative to the previous token,
    columns and lengths in `codec`'s code units."""
    data: list[int] = []
    last_line, last_start = 1, 0
    for line, col, length, kind, modifiers in tokens:
        text = lines[line - 1] if line <= len(lines) else ""
        if text.isascii():
            start, size = col - 1, length
        else:
            start = codec.client_num_units(text[:col - 1])
            size = codec.client_num_units(text[col - 1:col - 1 + length])
        delta = line - last_line
        data += [delta, start - last_start if delta == 0 else start, size, kind, modifiers]
        last_line, last_start = line, start
    return data


class _Classifier:
    """Scans a document and gives each piece its token type."""

    def __init__(self, analysis: Analysis):
        self.model = analysis.model
        self.lines = analysis.lines
        self.text = "\n".join(self.lines)
        self.starts = [0]
        for line in self.lines[:-1]:
            self.starts.append(self.starts[-1] + len(line) + 1)
        self.declared: dict[Pos, Binding] = {}
        self.bound: set[str] = set()     # every name bound somewhere: the others need no look-up
        for binding in self.model.bindings():
            self.bound.add(binding.name)
            if binding.anchor is not None and binding.kind not in ("imported", "self"):
                self.declared.setdefault(binding.pos, binding)
        self.fields, self.descriptions = _declared_fields(analysis)
        self.members: dict[tuple, Binding | None] = {}

    def tokens(self) -> list[Token]:
        out: list[Token] = []
        pieces = scan(self.text)
        depth = 0
        text, starts = self.text, self.starts
        for n, (kind, begin, end) in enumerate(pieces):
            if kind == OPEN:
                depth += 1
                continue
            if kind == CLOSE:
                depth -= depth > 0
                continue
            if kind not in _LEXICAL and kind != NAME:
                continue
            line = bisect_right(starts, begin)
            pos = (line, begin - starts[line - 1] + 1)
            if kind == NAME:
                found = self.name(text[begin:end], pos, pieces, n, depth)
                if found is not None:
                    out.append((line, pos[1], end - begin, *found))
                continue
            token_type, modifiers = _LEXICAL[kind]
            if kind == STRING and self.documentation(pieces, n, pos):
                modifiers |= DOCUMENTATION
            for piece in _per_line(line, pos[1], text[begin:end], token_type, modifiers):
                _append(out, piece)
        return out

    def documentation(self, pieces: list[Piece], n: int, pos: Pos) -> bool:
        """A docstring (the first thing on its line after a line ending in `:`, or the file's
        first piece) or a field's description."""
        if any(span.line == pos[0] and span.col <= pos[1] for span in self.descriptions.get(pos[0], ())):
            return True
        if self.lines[pos[0] - 1][:pos[1] - 1].strip():
            return False
        before = n - 1
        while before >= 0 and pieces[before][0] == COMMENT:
            before -= 1
        return before < 0 or pieces[before][0] == COLON

    def name(self, word: str, pos: Pos, pieces: list[Piece], n: int, depth: int) -> tuple[int, int] | None:
        """(type, modifiers) of the name `word` at `pos`, or None when it is not known."""
        used = self.model.binding_at(pos)
        if used is not None and word in (used.name, used.home.name):
            return _binding_type(used, 0)
        declared = self.declared.get(pos)
        if declared is not None and declared.name == word:
            return _binding_type(declared, DECLARATION)
        field = self.fields.get(pos)
        if field is not None:
            return field
        if n and pieces[n - 1][0] == DOT:
            return self.attribute(word, pos)
        after = pieces[n + 1][0] if n + 1 < len(pieces) else None
        if depth and after == EQUALS and pieces[n - 1][0] != COLON:   # `f(name=...)`, not `p: int = 2`
            return _TYPE["parameter"], 0
        if word in _KEYWORDS and not (word in names.GLOBAL_NAMES and after == OPEN):
            return _TYPE["keyword"], 0
        if word not in self.bound or self.model.lookup(word, pos) is None:
            return _builtin(word, after == OPEN)
        return None

    def attribute(self, word: str, pos: Pos) -> tuple[int, int] | None:
        """An attribute after `.`: what the dotted names before it resolve to."""
        chain, _ = chain_before(self.lines[pos[0] - 1][:pos[1] - 1])
        if not chain:
            return None
        head = self.model.lookup(chain[0], pos) if chain[0] in self.bound else None
        key = (id(head), *chain[1:], word)
        if key not in self.members:
            self.members[key] = resolve_chain(self.model, [*chain, word], pos) if head is not None else None
        member = self.members[key]
        return _binding_type(member, 0) if member is not None else None


def _append(out: list[Token], token: Token) -> None:
    """Add a token, joined to the one before when it continues it (an f-string's pieces)."""
    if out:
        line, col, length, kind, modifiers = out[-1]
        if line == token[0] and col + length == token[1] and (kind, modifiers) == token[3:]:
            out[-1] = (line, col, length + token[2], kind, modifiers)
            return
    out.append(token)


def _binding_type(binding: Binding, modifiers: int) -> tuple[int, int]:
    home = binding.home
    if home.kind == "decl":
        return _TYPE[_DECL_TYPES.get(type(home.node), "variable")], modifiers
    kind = _KIND_TYPES.get(home.kind, "variable")
    if home.kind == "member":
        modifiers |= READONLY
    return _TYPE[kind], modifiers


def _builtin(word: str, called: bool) -> tuple[int, int] | None:
    """A name no binding holds: a builtin or a type name (the `defaultLibrary`), else None."""
    if word in names.TYPE_NAMES and not called:
        return _TYPE["type"], DEFAULT_LIBRARY
    if word in names.GLOBAL_NAMES:
        kind = "class" if word[:1].isupper() or word in _CLASSES else "function"
        return _TYPE[kind], DEFAULT_LIBRARY
    return None


def _per_line(line: int, col: int, value: str, kind: int, modifiers: int) -> list[Token]:
    """A piece cut at its line breaks (clients need not support multi-line tokens)."""
    out = []
    for i, part in enumerate(value.split("\n")):
        if part:
            out.append((line + i, col if i == 0 else 1, len(part), kind, modifiers))
    return out


def _declared_fields(analysis: Analysis) -> tuple[dict[Pos, tuple[int, int]], dict[int, list[Span]]]:
    """The names of signature and record fields and of enum members where they are declared
    (they are not bindings of the model), and the spans of fields by line (their strings are
    descriptions)."""
    found: dict[Pos, tuple[int, int]] = {}
    described: dict[int, list[Span]] = {}
    program = analysis.program
    if program is None:
        return found, described
    lines = analysis.lines

    def mark(span: Span, word: str, kind: str, modifiers: int, skip_first: bool) -> None:
        at = find_word(lines, span, word, skip_first)
        found[(at.line, at.col)] = (_TYPE[kind], modifiers)

    for stmt in program.body:
        if isinstance(stmt, ast.SignatureDecl | ast.TypeDecl):
            for field in stmt.fields:
                mark(field.span, field.name, "property", DECLARATION, isinstance(field, ast.SigField))
                described.setdefault(field.span.line, []).append(field.span)
        elif isinstance(stmt, ast.EnumDecl):
            for member in stmt.members:
                mark(stmt.span, member, "enumMember", DECLARATION | READONLY, True)
    return found, described
