"""The runtime values of the names every program sees without an import.

`grammar/names.py` lists the same names as strings for tools that must not import the runtime
(tests/grammar/test_names.py holds the two equal).
"""

from __future__ import annotations

import builtins as py
import importlib
import json

from dsplang import errors
from dsplang.errors import DspError, DspUserError
from dsplang.grammar import names
from dsplang.interpreter.limited_builtins import limited_builtins
from dsplang.interpreter.limits import limited_range

ERROR_CLASSES: dict[str, type[DspError]] = {
    "Error": DspError,
    "LMError": errors.DspLMError,
    "ParseError": errors.DspOutputParseError,
    "TypeError": errors.DspTypeError,
    "NameError": errors.DspNameError,
    "ValueError": errors.DspValueError,
    "ArgumentError": errors.DspArgumentError,
    "ZeroDivisionError": errors.DspZeroDivisionError,
    "IndexError": errors.DspIndexError,
    "KeyError": errors.DspKeyError,
    "AttributeError": errors.DspAttributeError,
    "RequireError": errors.DspRequireError,
    "PythonError": errors.DspPythonError,
    "FileError": errors.DspFileError,
    "ImportError": errors.DspImportError,
}

# Where each language builtin lives: name -> (module, attribute).
STDLIB: dict[str, tuple[str, str]] = {
    "LM": ("dsplang.lm.client", "LM"),
    "ScriptedLM": ("dsplang.lm.scripted", "ScriptedLM"),
    "Signature": ("dsplang.stdlib.signature", "Signature"),
    "Example": ("dsplang.stdlib.example", "Example"),
    "Prediction": ("dsplang.stdlib.prediction", "Prediction"),
    "ChatAdapter": ("dsplang.stdlib.adapters.chat", "ChatAdapter"),
    "JSONAdapter": ("dsplang.stdlib.adapters.json_adapter", "JSONAdapter"),
    "Predict": ("dsplang.stdlib.modules.predict", "Predict"),
    "ChainOfThought": ("dsplang.stdlib.modules.chain_of_thought", "ChainOfThought"),
    "ProgramOfThought": ("dsplang.stdlib.modules.program_of_thought", "ProgramOfThought"),
    "ReAct": ("dsplang.stdlib.modules.react", "ReAct"),
    "MultiChainComparison": ("dsplang.stdlib.modules.multi_chain_comparison", "MultiChainComparison"),
    "BestOfN": ("dsplang.stdlib.modules.best_of_n", "BestOfN"),
    "Refine": ("dsplang.stdlib.modules.refine", "Refine"),
    "Parallel": ("dsplang.stdlib.modules.parallel", "Parallel"),
    "batch": ("dsplang.stdlib.modules.parallel", "batch"),
    "Retrieve": ("dsplang.stdlib.modules.retrieve", "Retrieve"),
    "majority": ("dsplang.stdlib.modules.majority", "majority"),
    "BM25": ("dsplang.stdlib.retrievers.bm25", "BM25"),
    "Embeddings": ("dsplang.stdlib.retrievers.embeddings", "Embeddings"),
    "TfIdf": ("dsplang.stdlib.retrievers.tfidf", "TfIdf"),
    "inspect_history": ("dsplang.stdlib.inspect", "inspect_history"),
    "load": ("dsplang.stdlib.data", "load"),
    "split": ("dsplang.stdlib.data", "split"),
    "bbc_news": ("dsplang.stdlib.datasets", "bbc_news"),
    "evaluate": ("dsplang.stdlib.evaluate", "evaluate"),
    "exact_match": ("dsplang.stdlib.metrics", "exact_match"),
    "f1": ("dsplang.stdlib.metrics", "f1"),
    "passage_match": ("dsplang.stdlib.metrics", "passage_match"),
    "normalize": ("dsplang.stdlib.metrics", "normalize"),
    "semantic_f1": ("dsplang.stdlib.metrics", "semantic_f1"),
    "LabeledFewShot": ("dsplang.stdlib.optimizers.labeled_few_shot", "LabeledFewShot"),
    "BootstrapFewShot": ("dsplang.stdlib.optimizers.bootstrap", "BootstrapFewShot"),
    "BootstrapFewShotWithRandomSearch": ("dsplang.stdlib.optimizers.random_search",
                                         "BootstrapFewShotWithRandomSearch"),
    "KNNFewShot": ("dsplang.stdlib.optimizers.knn_few_shot", "KNNFewShot"),
    "COPRO": ("dsplang.stdlib.optimizers.copro", "COPRO"),
    "MIPROv2": ("dsplang.stdlib.optimizers.mipro", "MIPROv2"),
    "Ensemble": ("dsplang.stdlib.optimizers.ensemble", "Ensemble"),
    "SIMBA": ("dsplang.stdlib.optimizers.simba", "SIMBA"),
    "GEPA": ("dsplang.stdlib.optimizers.gepa", "GEPA"),
    "BootstrapFinetune": ("dsplang.stdlib.optimizers.finetune", "BootstrapFinetune"),
    "BetterTogether": ("dsplang.stdlib.optimizers.better_together", "BetterTogether"),
    "Feedback": ("dsplang.stdlib.feedback", "Feedback"),
    "History": ("dsplang.stdlib.history", "History"),
    "Image": ("dsplang.stdlib.image", "Image"),
}


def _error(message: str = "error") -> DspUserError:
    return DspUserError(str(message))


def _print(*args, sep: str = " ", end: str = "\n") -> None:
    import sys
    sys.stdout.write(sep.join(str(a) for a in args) + end)


def _type_of(value) -> str:
    return {type(None): "none"}.get(type(value), type(value).__name__)


PYTHON = {
    "print": _print, "len": py.len, "range": py.range, "str": py.str, "int": py.int, "float": py.float,
    "bool": py.bool, "list": py.list, "dict": py.dict, "tuple": py.tuple, "set": py.set,
    "sorted": py.sorted, "reversed": lambda x: py.list(py.reversed(x)), "min": py.min, "max": py.max,
    "sum": py.sum, "abs": py.abs, "round": py.round, "enumerate": lambda x, start=0: py.list(py.enumerate(x, start)),
    "zip": lambda *xs: py.list(py.zip(*xs)), "any": py.any, "all": py.all,
    "map": lambda f, xs: [f(x) for x in xs], "filter": lambda f, xs: [x for x in xs if f(x)],
    "repr": py.repr, "isinstance": py.isinstance, "hasattr": py.hasattr, "getattr": py.getattr,
    "type_of": _type_of, "json_dumps": json.dumps, "json_loads": json.loads, "format": py.format,
}


def _stdlib_value(name: str):
    module, attr = STDLIB[name]
    return getattr(importlib.import_module(module), attr)


def build(limits=None) -> dict:
    """A new dict of every builtin name -> value; `range`, `format`, `sum`, `print`, `getattr`
    and `json_dumps` refuse values longer than the `seq_len` of `limits` (an
    `interpreter.limits.Limits`). The interpreter given this table
    treats each callable in it as a builtin (errors inside are the user's mistakes)."""
    table = dict(PYTHON)
    if limits is not None:
        table["range"] = limited_range(limits)
        table.update(limited_builtins(limits))
    table["true"] = table["True"] = True
    table["false"] = table["False"] = False
    table["none"] = table["None"] = None
    for name in names.LANGUAGE_BUILTINS:
        table[name] = _stdlib_value(name) if name in STDLIB else table.get(name)
    for name, cls in ERROR_CLASSES.items():
        table.setdefault(name, cls)
    table["Error"] = _error
    return table
