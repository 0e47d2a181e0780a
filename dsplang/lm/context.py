"""The current language model: what `use LM(...)` and `with LM(...):` set.

Lookup order in :func:`current_lm`: the LM set in this context (`use` -> `set_default`,
`with` -> `using`), then the CLI's `--lm` (`set_cli_default`), then env `DSP_LM`.
The first is a contextvar, so a thread pool that runs work with
``contextvars.copy_context().run`` sees the LM of the code that started it.
"""

from __future__ import annotations

import contextvars
import os
import threading
from contextlib import contextmanager
from typing import Iterator

from dsplang.errors import DspLMError, DspTypeError
from dsplang.lm.client import LM

_current: contextvars.ContextVar[LM | None] = contextvars.ContextVar(
    "dsplang_current_lm", default=None)
_cli_default: LM | None = None
_env_lms: dict[str, LM] = {}
_env_lock = threading.Lock()

NO_LM_HINT = ("add `use LM(\"openai/gpt-4o-mini\")` to the program, pass `dsp run --lm MODEL`, "
              "or set DSP_LM")


def _as_lm(value: LM | str) -> LM:
    if isinstance(value, LM):
        return value
    if isinstance(value, str):
        return LM(value)
    raise DspTypeError(f"expected an LM or a model name, got {type(value).__name__}")


def set_default(lm: LM | str | None) -> None:
    """`use LM(...)`: the LM for the rest of this context (None clears it)."""
    _current.set(None if lm is None else _as_lm(lm))


def set_cli_default(lm: LM | str | None) -> None:
    """The CLI's `--lm`: used when the program sets none (None clears it)."""
    global _cli_default
    _cli_default = None if lm is None else _as_lm(lm)


@contextmanager
def using(lm: LM | str) -> Iterator[LM]:
    """`with LM(...):` — `lm` is the current LM inside the block, restored after it."""
    value = _as_lm(lm)
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)


def current_lm() -> LM:
    """The LM to use now; DspLMError telling how to configure one when there is none."""
    lm = _current.get() or _cli_default or _env_lm()
    if lm is None:
        raise DspLMError("no language model is configured", hint=NO_LM_HINT)
    return lm


def _env_lm() -> LM | None:
    """An LM built from env DSP_LM (one per model string, so its settings persist)."""
    model = os.environ.get("DSP_LM", "").strip()
    if not model:
        return None
    with _env_lock:
        if model not in _env_lms:
            _env_lms[model] = LM(model)
        return _env_lms[model]
