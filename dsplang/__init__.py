"""dsplang: a programming language for language-model programs.

The public Python API (`docs/python-api.md`):

- `configure(lm=..., **settings)` and `with context(lm=..., **settings):` choose the LM,
  retriever and run options (process-wide, or for a block in this thread or task);
  `settings` reads them;
- `load(path, env=...)` and `run(source, env=...)` run a .dsp program and return a
  namespace of its names (`env`: Python values the program can use); `parse` gives its AST;
- `evaluate(program, data, metric=..., threads=...)` and
  `compile(program, optimizer, trainset=..., valset=...)`;
- the standard library by its language names: `LM`, `ScriptedLM`, `Example`, `Prediction`,
  `Signature`, `Predict`, `ChainOfThought`, `ReAct`, ..., `BootstrapFewShot`, `MIPROv2`,
  `GEPA`, `SIMBA`, ..., metrics and retrievers (`load_data` is the data loader);
- `DspError`, the base of every error a program can raise.

Importing dsplang is cheap and changes nothing outside it (no environment variable, no
litellm setting): the names above are imported on first use.
"""

from __future__ import annotations

import types
from typing import Any

import dsplang.context as _context_layer
from dsplang.errors import DspError as DspError
from dsplang.version import LANGUAGE_VERSION as LANGUAGE_VERSION
from dsplang.version import __version__ as __version__

_API = ("configure", "context", "settings", "parse", "load", "run", "evaluate", "compile", "aevaluate",
        "streamify")


class _ContextLayer(types.ModuleType):
    """`dsplang.context` is the package of the run context (`dsplang.context.run`, ...), and
    calling it is the API's `context(**settings)` (the import system binds the package to this
    name, so the package itself answers the call)."""

    def __call__(self, **settings: Any) -> Any:
        from dsplang.api.settings import context
        return context(**settings)


_context_layer.__class__ = _ContextLayer


def __getattr__(name: str) -> Any:
    if name == "__all__":           # `from dsplang import *`: computed, so importing stays cheap
        from dsplang.api.names import STDLIB_NAMES
        return ["DspError", "__version__", "LANGUAGE_VERSION", *_API, *STDLIB_NAMES]
    if name.startswith("__"):
        raise AttributeError(f"module 'dsplang' has no attribute {name!r}")
    if name in _API:
        import dsplang.api
        return getattr(dsplang.api, name)
    from dsplang.api.names import STDLIB_NAMES, stdlib_value
    if name in STDLIB_NAMES:
        value = stdlib_value(name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'dsplang' has no attribute {name!r}")


def __dir__() -> list[str]:
    from dsplang.api.names import STDLIB_NAMES
    return sorted({*globals(), *_API, *STDLIB_NAMES})

