"""`threads=` and DSPy's `num_threads=`: one setting under two names, taken the same way by
`evaluate`, `batch`, `Parallel` and every optimizer."""

from __future__ import annotations

from typing import Any

from dsplang.errors import DspArgumentError, Span


def thread_count(threads: Any, num_threads: Any, who: str, default: Any = 1, span: Span | None = None) -> Any:
    """The thread count given as `threads=` or `num_threads=` (`default` when neither is).

    A value equal to `default` counts as not given (a signature's default cannot tell); two
    different counts are a DspArgumentError naming `who`. The value itself is checked by the
    caller."""
    ours = None if threads is None or threads == default else threads
    dspys = None if num_threads is None or num_threads == default else num_threads
    if ours is not None and dspys is not None and ours != dspys:
        raise DspArgumentError(f"{who}: give threads= or num_threads=, not both", span,
                               hint=f"they are one setting (num_threads is DSPy's name for threads); "
                                    f"got threads={threads!r} and num_threads={num_threads!r}")
    return ours if ours is not None else dspys if dspys is not None else default
