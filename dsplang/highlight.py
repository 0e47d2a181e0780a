"""Pygments lexer for .dsp programs (`pygmentize -l dsp file.dsp`).

Registered through the `pygments.lexers` entry point as `dsp`. Token types:

- declarations: `signature`/`module`/`type`/`enum`/`def`/`let` are `Keyword.Declaration`;
  the declared name is `Name.Class` (`Name.Function` after `def`, `Name.Variable` after `let`);
- type positions (field lines, annotated parameters, `signature X = "a -> b: int"` strings):
  `Keyword.Type`;
- docstrings: `String.Doc`; field descriptions: `String.Doc.Field`;
- f-strings: `String.Affix` prefix, `String.Interpol` braces, the code inside lexed as code;
- builtins and the standard library (`print`, `Predict`, `evaluate`, ...): `Name.Builtin`.

Only Pygments and the table of names (`dsplang.grammar.names`) are imported here: the REPL and
`pygmentize` load this module on their own.
"""

from __future__ import annotations

import re

from pygments.lexer import RegexLexer, bygroups, default, include, words
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
)

from dsplang.grammar import names

__all__ = ["DspLexer"]

FieldDoc = String.Doc.Field

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"

# Every word list comes from the one table of names (dsplang.grammar.names).
BUILTINS = tuple(sorted(names.BUILTINS))
# Callables whose first argument may be a signature string ("question -> answer").
SIGNATURE_TAKERS = tuple(sorted(names.SIGNATURE_TAKERS))
TYPE_NAMES = tuple(sorted(names.TYPE_NAMES))
# A control word that is also a builtin (`load`) is a keyword only where its statement starts.
CONTROL = tuple(w for w in names.CONTROL_WORDS if w not in names.BUILTINS)
CONSTANTS = tuple(sorted(names.CONSTANTS))
QUOTES = (("tdq", '"""'), ("tsq", "'''"), ("dq", '"'), ("sq", "'"))


def _nothing(lexer, match):
    """Action for zero-width state changes: emits no token."""
    return iter(())


def _quote_token(quote: str):
    """The string token for text between `quote` marks."""
    return String.Double if quote[0] == '"' else String.Single


def _string_state(token, quote: str, *, interpolated: bool = False) -> list:
    """Rules for the inside of one kind of string, up to and including its closing quote."""
    q = re.escape(quote)
    triple = len(quote) == 3
    rules: list = [(r"\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|N\{[^}\n]*\}|.|\n)",
                    String.Escape)]
    if interpolated:
        line_state = "interpolation" if triple else "interpolation-line"
        rules += [(r"\{\{|\}\}", String.Escape), (r"\{", String.Interpol, line_state)]
    rules.append((q, token, "#pop"))
    if not triple:
        # An unterminated one-line string ends at the line end, so the next line lexes normally.
        rules.append((r"(?=\n)", _nothing, "#pop"))
    excluded = "\\\\" + re.escape(quote[0]) + (r"\{\}" if interpolated else "") + ("" if triple else r"\n")
    rules += [(rf"[^{excluded}]+", token), (re.escape(quote[0]), token)]
    if interpolated:
        rules.append((r"\}", token))
    return rules


def _string_states() -> dict:
    states = {}
    for suffix, quote in QUOTES:
        states[f"str-{suffix}"] = _string_state(_quote_token(quote), quote)
        states[f"doc-{suffix}"] = _string_state(String.Doc, quote)
        states[f"field-{suffix}"] = _string_state(FieldDoc, quote)
        states[f"fstr-{suffix}"] = _string_state(_quote_token(quote), quote, interpolated=True)
    return states


def _openers(prefix: str, token=None) -> list:
    """Opening quotes (triple first) pushing the `prefix-*` string states; `token` defaults by quote."""
    return [(re.escape(quote), token or _quote_token(quote), f"{prefix}-{suffix}") for suffix, quote in QUOTES]


class DspLexer(RegexLexer):
    """Lexer for dsplang `.dsp` programs."""

    name = "dsp"
    aliases = ["dsp", "dsplang"]
    filenames = ["*.dsp"]
    mimetypes = ["text/x-dsp"]

    def __init__(self, **options):
        # Keep leading and trailing blank lines: editors and the REPL need offsets to match.
        options.setdefault("stripnl", False)
        super().__init__(**options)

    def analyse_text(text):
        if re.search(r"^(signature|module)\s+[A-Za-z_]\w*\s*[:(=]", text, re.MULTILINE):
            return 0.4
        return 0.0

    tokens = {
        "root": [
            (rf"^([ \t]*)(signature)([ \t]+)({IDENT})([ \t]*)(:)",
             bygroups(Whitespace, Keyword.Declaration, Whitespace, Name.Class, Whitespace, Punctuation),
             "signature-block"),
            (rf"\b(signature)([ \t]+)({IDENT})([ \t]*)(=)",
             bygroups(Keyword.Declaration, Whitespace, Name.Class, Whitespace, Operator), "sigspec-next"),
            (rf"^([ \t]*)(type)([ \t]+)({IDENT})([ \t]*)(:)",
             bygroups(Whitespace, Keyword.Declaration, Whitespace, Name.Class, Whitespace, Punctuation),
             "record-block"),
            (rf"\b(enum)([ \t]+)({IDENT})([ \t]*)(:)",
             bygroups(Keyword.Declaration, Whitespace, Name.Class, Whitespace, Punctuation), "enum-members"),
            (rf"\b(module)([ \t]+)({IDENT})",
             bygroups(Keyword.Declaration, Whitespace, Name.Class), "header"),
            (rf"\b(def)([ \t]+)({IDENT})", bygroups(Keyword.Declaration, Whitespace, Name.Function), "header"),
            (r"^([ \t]*)(from)([ \t]+)([A-Za-z_][\w.]*)([ \t]+)(import)\b",
             bygroups(Whitespace, Keyword.Namespace, Whitespace, Name.Namespace, Whitespace, Keyword.Namespace)),
            (rf"^([ \t]*)(compile)([ \t]+)({IDENT})([ \t]*)(=)(?!=)",
             bygroups(Whitespace, Keyword, Whitespace, Name.Variable, Whitespace, Operator), "compile-line"),
            (r"^([ \t]*)(compile)\b", bygroups(Whitespace, Keyword), "compile-line"),
            (r"^([ \t]*)(save)\b", bygroups(Whitespace, Keyword), "save-line"),
            (rf"^([ \t]*)(load)([ \t]+)({IDENT})([ \t]+)(from)\b",
             bygroups(Whitespace, Keyword, Whitespace, Name, Whitespace, Keyword)),
            include("space"),
            (rf"\b(let)([ \t]+)({IDENT})", bygroups(Keyword.Declaration, Whitespace, Name.Variable)),
            include("expr"),
        ],
        "space": [
            (r"\n", Whitespace),
            (r"[ \t\f]+", Whitespace),
            (r"\\\n", Text),
            (r"#.*$", Comment.Single),
        ],
        # --- declarations ---------------------------------------------------------
        # A signature or record body: everything up to the next line starting at column 0.
        "signature-block": [
            (r"^(?=[^\s#])", _nothing, "#pop"),
            (rf"^([ \t]*)(input|output)([ \t]+)({IDENT})",
             bygroups(Whitespace, Keyword, Whitespace, Name.Attribute), "field-rest"),
            include("space"),
            *_openers("doc", String.Doc),
            include("expr"),
        ],
        "record-block": [
            (r"^(?=[^\s#])", _nothing, "#pop"),
            (rf"^([ \t]*)({IDENT})(?=[ \t]*:)", bygroups(Whitespace, Name.Attribute), "field-rest"),
            include("space"),
            *_openers("doc", String.Doc),
            include("expr"),
        ],
        # After a field's name: `: TYPE "description"  # comment`, to the line end.
        "field-rest": [
            (r"\n", Whitespace, "#pop"),
            (r"[ \t]+", Whitespace),
            (r"#.*$", Comment.Single),
            (r":", Punctuation),
            *_openers("field", FieldDoc),
            include("type"),
            include("expr"),
        ],
        "enum-members": [
            (r"\n", Whitespace, "#pop"),
            (r"[ \t]+", Whitespace),
            (r"#.*$", Comment.Single),
            (r",", Punctuation),
            (IDENT, Name.Constant),
            *_openers("str"),
            default("#pop"),
        ],
        # `def NAME` / `module NAME`: parameters, `-> TYPE`, `:`, then an optional docstring.
        "header": [
            (r"[ \t]+", Whitespace),
            (r"\(", Punctuation, "parameters"),
            (r"->", Operator, "return-type"),
            (r":", Punctuation, ("#pop", "docstring-next")),
            default("#pop"),
        ],
        "return-type": [
            (r"(?=:)", _nothing, "#pop"),
            (r"\n", Whitespace, "#pop"),
            include("type"),
            include("expr"),
        ],
        "docstring-next": [
            (r"([ \t]*)(#.*)?(\n)", bygroups(Whitespace, Comment.Single, Whitespace)),
            *[(rf"([ \t]*)({re.escape(quote)})", bygroups(Whitespace, String.Doc), ("#pop", f"doc-{suffix}"))
              for suffix, quote in QUOTES],
            default("#pop"),
        ],
        "parameters": [
            include("space"),
            (r"\)", Punctuation, "#pop"),
            (r",", Punctuation),
            (r"\*\*|\*", Operator),
            (r":", Punctuation, "parameter-type"),
            (r"=", Operator, "parameter-default"),
            (IDENT, Name),
            include("expr"),
        ],
        "parameter-type": [
            (r"(?=[,)=])", _nothing, "#pop"),
            include("space"),
            include("type"),
            include("expr"),
        ],
        "parameter-default": [
            (r"(?=[,)])", _nothing, "#pop"),
            include("expr"),
        ],
        # --- types -------------------------------------------------------------------
        "type": [
            (r"\[", Punctuation, "type-arguments"),
            include("type-names"),
        ],
        "type-names": [
            (r"[ \t]+", Whitespace),
            (words(TYPE_NAMES, prefix=r"\b", suffix=r"\b"), Keyword.Type),
            (r"\?", Operator),
            (r"[,.]", Punctuation),
            (IDENT, Keyword.Type),
        ],
        "type-arguments": [
            include("space"),
            (r"\]", Punctuation, "#pop"),
            *_openers("str"),
            include("number"),
            (words(CONSTANTS, prefix=r"\b", suffix=r"\b"), Keyword.Constant),
            include("type"),
        ],
        # The short signature form: "a, b: int -> c: list[str]".
        "sigspec-next": [
            (r"[ \t]+", Whitespace),
            (r'"(?!"")', String.Double, ("#pop", "sigspec-dq")),
            (r"'(?!'')", String.Single, ("#pop", "sigspec-sq")),
            default("#pop"),
        ],
        "sigspec-dq": [(r'"', String.Double, "#pop"), include("sigspec")],
        "sigspec-sq": [(r"'", String.Single, "#pop"), include("sigspec")],
        "sigspec": [
            (r"(?=\n)", _nothing, "#pop"),
            (r"->", Operator),
            (r"(:)([ \t]*)", bygroups(Punctuation, Whitespace), "sigspec-type"),
            (r"[ \t]+", Whitespace),
            (r",", Punctuation),
            (IDENT, Name.Attribute),
            (r"[^\s\"',:\-A-Za-z_]+|-", String),
        ],
        "sigspec-type": [
            (r"(?=,|->|[\"'\n])", _nothing, "#pop"),
            (r"\[", Punctuation, "sigspec-type-arguments"),
            include("type-names"),
            (r"[^\[\]\"'\s,?.A-Za-z_]", String),
        ],
        "sigspec-type-arguments": [
            (r"\]", Punctuation, "#pop"),
            (r"(?=[\"'\n])", _nothing, "#pop"),
            (r"\[", Punctuation, "#push"),
            include("type-names"),
            (r"[^\[\]\"'\s,?.A-Za-z_]", String),
        ],
        # --- statements whose soft keywords only count here ------------------------
        "compile-line": [
            (r"\n", Whitespace, "#pop"),
            (r"\b(with|on|valset)\b", Keyword),
            include("expr"),
        ],
        "save-line": [
            (r"\n", Whitespace, "#pop"),
            (r"\bto\b", Keyword),
            include("expr"),
        ],
        # --- expressions ----------------------------------------------------------------
        "expr": [
            include("space"),
            *[(rf"\b([fF])({re.escape(quote)})", bygroups(String.Affix, _quote_token(quote)), f"fstr-{suffix}")
              for suffix, quote in QUOTES],
            *_openers("str"),
            include("number"),
            (rf"(\.)([ \t]*)({IDENT})", bygroups(Punctuation, Whitespace, Name.Attribute)),
            (words(CONSTANTS, prefix=r"\b", suffix=r"\b"), Keyword.Constant),
            (words(names.OPERATOR_WORDS, prefix=r"\b", suffix=r"\b"), Operator.Word),
            (words(names.DECLARATION_WORDS, prefix=r"\b", suffix=r"\b"), Keyword.Declaration),
            (words(names.IMPORT_WORDS, prefix=r"\b", suffix=r"\b"), Keyword.Namespace),
            (words(CONTROL, prefix=r"\b", suffix=r"\b"), Keyword),
            (rf"\b({'|'.join(SIGNATURE_TAKERS)})([ \t]*)(\()(\s*)(\"(?!\"\"))",
             bygroups(Name.Builtin, Whitespace, Punctuation, Whitespace, String.Double), ("paren", "sigspec-dq")),
            (rf"\b({'|'.join(SIGNATURE_TAKERS)})([ \t]*)(\()(\s*)('(?!''))",
             bygroups(Name.Builtin, Whitespace, Punctuation, Whitespace, String.Single), ("paren", "sigspec-sq")),
            (words(BUILTINS, prefix=r"\b", suffix=r"\b"), Name.Builtin),
            (IDENT, Name),
            (r"->", Operator),
            (r"\*\*=?|//=?|[-+*/%&|^]=?|==|!=|<=|>=|[<>=?]", Operator),
            (r"[,:;.]", Punctuation),
            (r"\(", Punctuation, "paren"),
            (r"\[", Punctuation, "bracket"),
            (r"\{", Punctuation, "brace"),
            (r"[)\]}]", Punctuation),
        ],
        "number": [
            (r"(?<![\w.])(\d[\d_]*\.[\d_]*|\.\d[\d_]*)([eE][+-]?\d[\d_]*)?", Number.Float),
            (r"(?<![\w.])\d[\d_]*[eE][+-]?\d[\d_]*\b", Number.Float),
            (r"(?<![\w.])0[xX][0-9a-fA-F_]+\b", Number.Hex),
            (r"(?<![\w.])0[bB][01_]+\b", Number.Bin),
            (r"(?<![\w.])0[oO][0-7_]+\b", Number.Oct),
            (r"(?<![\w.])\d[\d_]*\b", Number.Integer),
        ],
        "paren": [(r"\)", Punctuation, "#pop"), include("expr")],
        "bracket": [(r"\]", Punctuation, "#pop"), include("expr")],
        "brace": [(r"\}", Punctuation, "#pop"), include("expr")],
        # --- strings ---------------------------------------------------------------------
        **_string_states(),
        # Code inside `{...}` of an f-string: `!r` conversions and `:spec` format specs end it.
        "interpolation": [
            (r"\}", String.Interpol, "#pop"),
            (r"(![rsa])?(:[^{}\"'\n]*)(?=\})", String.Interpol),
            (r"![rsa](?=\})", String.Interpol),
            include("expr"),
        ],
        "interpolation-line": [
            (r"(?=\n)", _nothing, "#pop"),
            include("interpolation"),
        ],
    }
