"""Trace and span ids: random, cheap, never zero (W3C Trace Context and OpenTelemetry treat an
all-zero id as invalid).

They come from a generator of this module's own, so a program that seeds Python's `random`
does not make two runs' ids collide, reseeded in a forked child (a worker process) so parent
and child do not draw the same ids.
"""

from __future__ import annotations

import os
import random

_rng = random.Random()


def _reseed() -> None:
    _rng.seed(os.urandom(16))


_reseed()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reseed)


def new_trace_id() -> int:
    """A 128-bit trace id."""
    return _rng.getrandbits(128) or 1


def new_span_id() -> int:
    """A 64-bit span id."""
    return _rng.getrandbits(64) or 1


def trace_hex(value: int) -> str:
    """A trace id as written in traces and by OpenTelemetry: 32 lowercase hex digits."""
    return f"{value:032x}"


def span_hex(value: int) -> str:
    """A span id as 16 lowercase hex digits."""
    return f"{value:016x}"
