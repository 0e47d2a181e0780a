"""The public Python API (`docs/python-api.md`), re-exported by `dsplang` itself.

`dsplang.configure`/`context` choose the LM and settings; `load`/`run` bring .dsp programs
in (with Python values injected through `env=`); `evaluate` and `compile` score and
optimize them; the standard library's classes and functions are here by their language
names (`dsplang.Predict`, `dsplang.BootstrapFewShot`, ...: `dsplang.api.names`).
"""

from __future__ import annotations

from dsplang.api.names import STDLIB_NAMES, stdlib_value
from dsplang.api.optimize import compile, evaluate
from dsplang.api.programs import load, parse, run
from dsplang.api.settings import configure, context, settings
from dsplang.stdlib.evaluate import aevaluate
from dsplang.stdlib.streaming import streamify

__all__ = ["configure", "context", "settings", "parse", "load", "run", "evaluate", "compile",
           "STDLIB_NAMES", "stdlib_value", "aevaluate", "streamify"]
