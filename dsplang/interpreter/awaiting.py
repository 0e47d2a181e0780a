"""How synchronous code awaits: the greenlet bridge behind `acall`, async `evaluate` and streaming.

The interpreter is synchronous: a `.dsp` module's `forward` is interpreted code that calls
predictors as plain functions. To run many such calls at once on one event loop, each runs
in a greenlet of its own (`greenlet`, the library SQLAlchemy's asyncio layer is built on):

    result = await run_sync(fn, *args)     # in a coroutine: fn(*args) in a new bridge greenlet

Inside `fn`, sync code reaches an await point with `await_(awaitable)`: the greenlet hands the
awaitable to the coroutine that called `run_sync` and is suspended; the coroutine awaits it
and resumes the greenlet with its result, or throws its exception into it.
`LM.request` does this when `active()`: its provider call goes out on `litellm.acompletion`
and no OS thread waits for the reply. Thousands of calls interleave on the loop's thread.

A bridge greenlet runs in the contextvars context of the task that called `run_sync` (the
same context, as a sync call would): what `fn` sets there (`use LM`) is seen by the
awaitables it hands over (they see its LM, traces and usage meters) and stays after it, and
asyncio gives each task a copy of its own, so calls gathered as tasks do not see each
other's. `local()` is a dict private to the current bridge greenlet (None outside one):
per-call state that would otherwise be per thread (the `ensure` feedback).
Code outside a bridge greenlet (the main program, a thread pool's worker) is unaffected:
`active()` is False there and LM requests stay synchronous.

greenlet is imported on the first `run_sync`, so a program that never awaits does not load it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")

_greenlet: Any = None       # the greenlet module, once a bridge has been made
_bridge_class: Any = None


def _bridge() -> Any:
    """The greenlet subclass of bridge greenlets (made on first use)."""
    global _greenlet, _bridge_class
    if _bridge_class is None:
        import greenlet  # type: ignore[import-untyped]

        class Bridge(greenlet.greenlet):  # type: ignore[misc]
            """A greenlet running sync code that may `await_`; `state` is its `local()`."""

            def __init__(self, fn: Callable[..., Any], parent: Any) -> None:
                super().__init__(fn, parent)
                self.state: dict[str, Any] = {}

        _greenlet, _bridge_class = greenlet, Bridge
    return _bridge_class


class _Await:
    """What a bridge greenlet hands to its coroutine: the awaitable."""

    __slots__ = ("awaitable",)

    def __init__(self, awaitable: Awaitable[Any]) -> None:
        self.awaitable = awaitable


def active() -> bool:
    """Whether this code runs in a bridge greenlet (so it may `await_`)."""
    return _greenlet is not None and isinstance(_greenlet.getcurrent(), _bridge_class)


def local() -> dict[str, Any] | None:
    """A dict private to the current bridge greenlet, or None outside one."""
    if _greenlet is None:
        return None
    current = _greenlet.getcurrent()
    return current.state if isinstance(current, _bridge_class) else None


def await_(awaitable: Awaitable[T]) -> T:
    """From sync code in a bridge greenlet: suspend until `awaitable` is done; its result.

    Outside a bridge greenlet this is a programming error (RuntimeError): check `active()`.
    """
    if not active():
        close = getattr(awaitable, "close", None)
        if close is not None:
            close()         # no "coroutine was never awaited" warning
        raise RuntimeError("await_() called outside a bridge greenlet (run the code with run_sync)")
    current = _greenlet.getcurrent()
    return current.parent.switch(_Await(awaitable))  # type: ignore[no-any-return]


async def run_sync(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)` run in a new bridge greenlet; see the module docstring.

    Must be called from a coroutine on a running event loop. An exception raised by `fn`
    propagates; cancelling the calling task cancels the awaitable in flight and raises
    CancelledError inside `fn` (at its `await_`).
    """
    here = _bridge() and _greenlet.getcurrent()
    child = _bridge_class(fn, here)
    child.gr_context = here.gr_context      # this task's context itself (see the module docstring)
    step = child.switch(*args, **kwargs)
    while not child.dead:
        if not isinstance(step, _Await):
            raise RuntimeError(f"a bridge greenlet switched to its parent with {step!r}, not an awaitable")
        try:
            value = await step.awaitable
        except BaseException as error:      # noqa: BLE001 - every outcome goes back into fn
            step = child.throw(error)
        else:
            step = child.switch(value)
    return step  # type: ignore[no-any-return]
