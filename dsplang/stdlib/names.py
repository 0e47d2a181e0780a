"""The names every program sees without an import, as plain strings.

Kept apart from `builtins.py` so that the static checker, the REPL's completer and the
language server can know them without importing the runtime.
"""

from typing import Iterable

from dsplang.errors import did_you_mean

PYTHON_BUILTINS = frozenset({
    "print", "len", "range", "str", "int", "float", "bool", "list", "dict", "tuple", "set",
    "sorted", "reversed", "min", "max", "sum", "abs", "round", "enumerate", "zip", "any", "all",
    "map", "filter", "repr", "isinstance", "hasattr", "getattr", "type_of", "json_dumps",
    "json_loads", "format",
})

LANGUAGE_BUILTINS = frozenset({
    "LM", "ScriptedLM", "Error", "inspect_history", "batch",
    "Signature", "Example", "Prediction", "load", "evaluate", "split", "bbc_news",
    "exact_match", "f1", "passage_match", "normalize", "semantic_f1",
    "Predict", "ChainOfThought", "ProgramOfThought", "ReAct", "MultiChainComparison", "BestOfN",
    "Refine", "Parallel", "Retrieve", "majority", "BM25", "Embeddings", "TfIdf",
    "LabeledFewShot", "BootstrapFewShot", "BootstrapFewShotWithRandomSearch", "KNNFewShot",
    "COPRO", "MIPROv2", "Ensemble",
    "ChatAdapter", "JSONAdapter",
})

# Names usable after `except` (each maps to a DspError class at run time).
ERROR_NAMES = frozenset({
    "Error", "LMError", "ParseError", "TypeError", "NameError", "ValueError", "ArgumentError",
    "ZeroDivisionError", "IndexError", "KeyError", "AttributeError", "RequireError",
    "PythonError", "FileError", "ImportError",
})

CONSTANTS = frozenset({"true", "false", "none", "True", "False", "None"})

TYPE_NAMES = frozenset({"str", "int", "float", "bool", "list", "dict", "optional", "literal", "any"})

# Builtins that make a predictor from the signature given first (or as `signature=`).
PREDICTORS = frozenset({"Predict", "ChainOfThought", "ProgramOfThought", "ReAct", "MultiChainComparison"})
# Builtins whose first argument (or `signature=`) may be a short-form signature string: its
# types are read in the caller's scope (`Predict("text -> label: Sentiment")`).
SIGNATURE_TAKERS = PREDICTORS | {"Signature"}

GLOBAL_NAMES = PYTHON_BUILTINS | LANGUAGE_BUILTINS | ERROR_NAMES


def type_suggestion(name: str, declared: Iterable[str] = ()) -> str | None:
    """The "did you mean" hint for an unknown type `name`: the closest of the built-in type
    names and the records and enums `declared` in scope. `dsp check` and a run both ask this."""
    return did_you_mean(name, [*TYPE_NAMES, *declared])
