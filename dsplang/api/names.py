"""The standard library's names as the Python API offers them: every name a program sees
without an import (`driver.builtins.STDLIB`: `Predict`, `ChainOfThought`, `ReAct`,
`BootstrapFewShot`, `MIPROv2`, `GEPA`, `SIMBA`, `exact_match`, `BM25`, ...), imported only
when first used. Two are renamed, because the API has its own function of that name:
the data loader `load` is `load_data`, and `evaluate` is `dsplang.api.optimize.evaluate`
(the same function, also taking `num_threads`)."""

from __future__ import annotations

import importlib
from typing import Any

from dsplang.driver.builtins import STDLIB

RENAMED = {"load_data": "load"}
STDLIB_NAMES = tuple(sorted({*(n for n in STDLIB if n not in ("load", "evaluate")), *RENAMED}))


def stdlib_value(name: str) -> Any:
    """The value of a standard-library name (KeyError when it is not one)."""
    module, attr = STDLIB[RENAMED.get(name, name)]
    return getattr(importlib.import_module(module), attr)
