"""The run context: one `Run` per run of a program (options, current LM and retriever,
traces, usage, assertion feedback, what a compile wrote), entered and restored as a unit.

`with entered(Run(Options(...))) as run:` runs code in a run; `current()` is the Run of
this context. See `dsplang.run.context`. The names below load `context` on first use, so
importing this package costs nothing (`dsplang/__init__.py` imports it to keep the name
`dsplang.run` for the API function).
"""

from __future__ import annotations

from typing import Any

__all__ = ["CompileLog", "Options", "Run", "current", "derived", "entered", "replace_current"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from dsplang.run import context
        return getattr(context, name)
    raise AttributeError(f"module 'dsplang.run' has no attribute {name!r}")
