"""`lm.history`: the recent calls of one LM, as DSPy's `lm.history` keeps them.

Every request an LM answers — from the provider, the cache or a cassette — adds one entry, a
dict: `model`, `messages`, `kwargs` (the request's parameters, secrets masked), `n`,
`outputs` (the texts), `reasoning` (a reasoning model's own, per output, or None),
`tool_calls`, `usage` (prompt and completion tokens), `cost`, `cache_hit`, `latency` and
`import_seconds` (seconds; the import of litellm apart from latency), `timestamp` (epoch
seconds), `deployment` (a router LM's: the id of the deployment that answered, whose litellm
model is then `model`; else None). The oldest entries are dropped past `HISTORY_SIZE`. A failed request adds nothing.

The log is kept beside the LM (a weak mapping), not in it: an LM pickles, copies and compares
as before, and `lm.copy()` starts a log of its own. Entries share the messages of the request
(not copied); they are plain data otherwise.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import deque
from typing import Any

from dsplang.lm.secrets import mask_secrets

__all__ = ["HISTORY_SIZE", "record", "entries", "clear"]

HISTORY_SIZE = 500

_logs: weakref.WeakKeyDictionary[Any, deque] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _log(lm: Any) -> deque:
    with _lock:
        log = _logs.get(lm)
        if log is None:
            log = _logs[lm] = deque(maxlen=HISTORY_SIZE)
        return log


def record(lm: Any, messages: list[dict], params: dict, n: int, reply: Any) -> None:
    """Add one answered request of `lm` (`reply` an `LMResponse`)."""
    usage = reply.usage
    _log(lm).append({
        "model": reply.model, "messages": messages, "kwargs": mask_secrets(dict(params)), "n": n,
        "outputs": list(reply.texts), "reasoning": getattr(reply, "reasoning", None),
        "tool_calls": reply.tool_calls,
        "usage": {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens},
        "cost": usage.cost, "cache_hit": reply.cache_hit, "latency": reply.latency,
        "import_seconds": getattr(reply, "import_seconds", 0.0), "timestamp": time.time(),
        "deployment": getattr(reply, "deployment", None),
    })


def entries(lm: Any) -> list[dict]:
    """The recorded calls of `lm`, oldest first (a new list)."""
    with _lock:
        log = _logs.get(lm)
    return list(log) if log is not None else []


def clear(lm: Any) -> None:
    """Forget the recorded calls of `lm`."""
    with _lock:
        _logs.pop(lm, None)
