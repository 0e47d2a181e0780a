"""`configure` and `context`: the LM, retriever and run options Python code runs with.

Both work on the one run context (`dsplang.context.run`), as DSPy's `settings.configure`
and `settings.context` do:

- `configure(lm=..., **settings)` changes the process's default Run, which every thread
  and task sees unless it is inside a `context` block or a program's run;
- `with context(lm=..., **settings):` changes them for the block only, in this thread or
  asyncio task (a contextvar), and puts them back when it ends; threads started by the
  standard library's parallel helpers inherit them.

The settings: `lm` (an LM or a model string; None clears it), `retriever` (anything with
`search(query, k)`), and the run options of `dsplang.context.run.Options`
(`show_prompts`, `cache`, `recompile`, `limits`, ...).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dsplang.context import lm as run_lm
from dsplang.context import retriever as run_retriever
from dsplang.context.run import Options, Run, current, default, derived, replace_default
from dsplang.errors import DspArgumentError, DspTypeError, a_type, did_you_mean

__all__ = ["configure", "context", "settings"]

# Options the Python API does not set: they describe how `dsp` runs a file.
_NOT_SETTINGS = {"lm", "compile_only", "trace_path"}
OPTION_NAMES = tuple(f.name for f in dataclasses.fields(Options) if f.name not in _NOT_SETTINGS)
NAMES = ("lm", "retriever", *OPTION_NAMES)


def configure(**settings: Any) -> None:
    """Set the default LM, retriever and run options of this process (every thread sees them)."""
    replace_default(**_changes(default(), settings, "configure"))


@contextmanager
def context(**settings: Any) -> Iterator[None]:
    """Within the block, the given settings replace the current ones (this thread or task only)."""
    with derived(**_changes(current(), settings, "context")):
        yield


def _changes(run: Run, settings: dict[str, Any], what: str) -> dict[str, Any]:
    """The Run fields that `settings` change, each checked."""
    unknown = [name for name in settings if name not in NAMES]
    if unknown:
        raise DspArgumentError(f"{what}() has no setting {unknown[0]!r}",
                               hint=did_you_mean(unknown[0], NAMES) or "its settings are: " + ", ".join(NAMES))
    changes: dict[str, Any] = {}
    if "lm" in settings:
        lm = settings["lm"]
        changes["lm"] = None if lm is None else run_lm.as_lm(lm)
    if "retriever" in settings:
        retriever = settings["retriever"]
        if retriever is not None and not run_retriever.is_retriever(retriever):
            raise DspTypeError(f"{what}(retriever=...) needs an object with a search(query, k) method, "
                               f"not {a_type(retriever)}")
        changes["retriever"] = retriever
    options = {name: value for name, value in settings.items() if name in OPTION_NAMES}
    if options:
        changes["options"] = dataclasses.replace(run.options, **options)
    return changes


class Settings:
    """The settings in force here, read-only: `dsplang.settings.lm`, `.retriever`, `.cache`, ..."""

    def __getattr__(self, name: str) -> Any:
        run = current()
        if name == "lm":
            return run.lm or run.options.lm
        if name == "retriever":
            return run.retriever
        if name in OPTION_NAMES:
            return getattr(run.options, name)
        raise AttributeError(f"dsplang.settings has no setting {name!r}; they are: {', '.join(NAMES)}")

    def __dir__(self) -> list[str]:
        return list(NAMES)

    def __repr__(self) -> str:
        return "dsplang.settings(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in NAMES) + ")"


settings = Settings()
