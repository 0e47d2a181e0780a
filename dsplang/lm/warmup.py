"""litellm imported ahead of need, and the time LM calls spend waiting for that import.

Importing litellm takes seconds (4-10 s on a busy 2-core machine); a run's first uncached LM
call used to pay it and report it as the model's latency. Two things change that:

- **Warm-up.** When an LM that calls a provider through litellm is made (`use LM(...)`, a
  `with` block, `--lm`, `dsplang.configure`), `expect_litellm` starts one daemon thread per
  process that imports litellm after a grace period (`GRACE`), so the import overlaps with
  what the program does before its first call (loading data, building a retriever, a person
  typing in the REPL). A request that needs litellm earlier imports it itself, or waits for the
  warm-up's import to finish (the import lock of `lm.client`). The warm-up does not start when
  a request was answered without litellm before the grace ran out — a cache hit or a
  cassette's replay: such a run (a cached rerun, `dsp test`) most likely needs no provider and
  must stay as fast as without litellm — nor when litellm is already imported, or a cassette
  replays.
- **Accounting.** The time a request waited for the import is measured apart
  (`waiting`/`take_wait`, per thread): the LM reports it as `LMResponse.import_seconds`, not as
  latency, and the usage summary shows it on its own ("litellm import 4.2 s").
  `import_seconds()` is how long the import itself took, wherever it ran.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from dsplang.lm import cassette

__all__ = ["GRACE", "expect_litellm", "answered_offline", "waiting", "take_wait", "imported",
           "import_seconds", "warm_thread"]

GRACE = 0.5          # seconds between the LM being made and the background import

_lock = threading.Lock()
_offline = threading.Event()          # a request was answered without litellm
_thread: threading.Thread | None = None
_import_seconds: float | None = None
_local = threading.local()


def expect_litellm(importer: Callable[[], Any]) -> None:
    """Start the warm-up thread (once per process) that calls `importer` after `GRACE` seconds,
    unless a request has been answered without litellm by then."""
    global _thread
    if _thread is not None or _offline.is_set() or "litellm" in sys.modules:
        return
    tape = cassette.current()
    if tape is not None and tape.replaying:
        return
    with _lock:
        if _thread is not None:
            return
        _thread = threading.Thread(target=_warm, args=(importer,), name="dsplang-litellm-warmup", daemon=True)
        _thread.start()


def _warm(importer: Callable[[], Any]) -> None:
    if _offline.wait(GRACE):
        return
    try:
        importer()
    except Exception:  # noqa: BLE001 - litellm missing or broken: the request that needs it says so
        pass


def answered_offline() -> None:
    """A request was answered from the cache or a cassette: a warm-up not begun yet is called off."""
    _offline.set()


def warm_thread() -> threading.Thread | None:
    """The warm-up thread, if one was started in this process (for tests and benchmarks)."""
    return _thread


@contextmanager
def waiting() -> Iterator[None]:
    """Count the time spent inside the block as this thread's wait for the litellm import."""
    start = time.perf_counter()
    try:
        yield
    finally:
        _local.waited = getattr(_local, "waited", 0.0) + time.perf_counter() - start


def take_wait() -> float:
    """The seconds this thread waited for the import since the last call (then zero)."""
    waited = getattr(_local, "waited", 0.0)
    _local.waited = 0.0
    return waited


def imported(seconds: float) -> None:
    """Record how long the import of litellm took."""
    global _import_seconds
    _import_seconds = seconds


def import_seconds() -> float | None:
    """How long the import of litellm took in this process (None: not imported by dsplang)."""
    return _import_seconds
