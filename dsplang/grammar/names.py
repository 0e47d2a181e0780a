"""The one table of names: keywords, builtins and the callables that take a signature.

Read by the checker and the language server (`analysis/`, `lsp/`), the REPL's completer, the
Pygments highlighter and the builtins table of a run (which must bind exactly `BUILTINS`;
tests/grammar/test_names.py holds it, and the Lark grammar's keywords, to this table).
Imports nothing but `errors`, so tools that never run a program can read it cheaply.
"""

from __future__ import annotations

from collections.abc import Iterable

from dsplang.errors import did_you_mean

# ---------------------------------------------------------------- keywords

# Words that are never a name (dsp.lark's NAME excludes them).
OPERATOR_WORDS = ("and", "or", "not", "is", "in")
# Statements and clauses. `use`, `ensure`, `require`, `compile`, `save` and `load` are soft:
# a name wherever their statement cannot start (`load("x.json")` calls the builtin).
CONTROL_WORDS = (
    "if", "elif", "else", "for", "while", "break", "continue", "pass", "return", "try",
    "except", "finally", "raise", "lambda", "with", "use", "ensure", "require", "compile",
    "save", "load",
)
# Words that start a declaration (all soft but `def`).
DECLARATION_WORDS = ("let", "signature", "type", "enum", "module", "def")
IMPORT_WORDS = ("import", "from", "as")
# Soft words that are keywords only inside one statement: a signature's field lines,
# `compile NAME = p with o on data valset dev`, `save NAME to "path"`.
CLAUSE_WORDS = ("input", "output", "on", "valset", "to")

KEYWORDS = tuple(sorted({*OPERATOR_WORDS, *CONTROL_WORDS, *DECLARATION_WORDS, *IMPORT_WORDS,
                         *CLAUSE_WORDS}))

CONSTANTS = frozenset({"true", "false", "none", "True", "False", "None"})
# The spelling completion offers (the capitalised ones are accepted, not suggested).
COMPLETION_CONSTANTS = ("true", "false", "none")

# ---------------------------------------------------------------- builtins

PYTHON_BUILTINS = frozenset({
    "print", "len", "range", "str", "int", "float", "bool", "list", "dict", "tuple", "set",
    "sorted", "reversed", "min", "max", "sum", "abs", "round", "enumerate", "zip", "any", "all",
    "map", "filter", "repr", "isinstance", "hasattr", "getattr", "type_of", "json_dumps",
    "json_loads", "format",
})

# Builtins that make a predictor from the signature given first (or as `signature=`).
PREDICTORS = frozenset({"Predict", "ChainOfThought", "ProgramOfThought", "ReAct", "MultiChainComparison"})
# Builtins whose first argument (or `signature=`) may be a short-form signature string: its
# types are read in the caller's scope (`Predict("text -> label: Sentiment")`).
SIGNATURE_TAKERS = PREDICTORS | {"Signature"}

LANGUAGE_BUILTINS = SIGNATURE_TAKERS | frozenset({
    "LM", "ScriptedLM", "Error", "inspect_history", "batch",
    "Example", "Prediction", "load", "evaluate", "split", "bbc_news",
    "exact_match", "f1", "passage_match", "normalize", "semantic_f1",
    "BestOfN", "Refine", "Parallel", "Retrieve", "majority", "BM25", "Embeddings", "TfIdf",
    "LabeledFewShot", "BootstrapFewShot", "BootstrapFewShotWithRandomSearch", "KNNFewShot",
    "COPRO", "MIPROv2", "Ensemble", "SIMBA", "GEPA", "BootstrapFinetune", "BetterTogether", "Feedback",
    "ChatAdapter", "JSONAdapter", "History", "Image",
})
# Builtins that are also types (of input fields): `input history: History`, `input photo: Image`.
BUILTIN_CLASS_TYPES = frozenset({"History", "Image"})

# Names usable after `except` (each is a DspError class at run time; `Error` catches all).
ERROR_NAMES = frozenset({
    "Error", "LMError", "ParseError", "TypeError", "NameError", "ValueError", "ArgumentError",
    "ZeroDivisionError", "IndexError", "KeyError", "AttributeError", "RequireError",
    "PythonError", "FileError", "ImportError",
})

# Every name a program sees without an import (the constants aside).
BUILTINS = PYTHON_BUILTINS | LANGUAGE_BUILTINS | ERROR_NAMES
GLOBAL_NAMES = BUILTINS

# ---------------------------------------------------------------- types

TYPE_NAMES = frozenset({"str", "int", "float", "bool", "list", "dict", "optional", "literal", "any"})


def type_suggestion(name: str, declared: Iterable[str] = ()) -> str | None:
    """The "did you mean" hint for an unknown type `name`: the closest of the built-in type
    names and the records and enums `declared` in scope. `dsp check` and a run both ask this."""
    return did_you_mean(name, [*TYPE_NAMES, *declared])
