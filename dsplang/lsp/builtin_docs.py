"""The builtins' one-line descriptions, for the language server's modules: the table lives in
`dsplang.analysis.builtin_docs`, below the REPL (whose `help(x)` reads it too)."""

from dsplang.analysis.builtin_docs import DOCS, builtin_doc

__all__ = ["DOCS", "builtin_doc"]
