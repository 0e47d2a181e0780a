"""The greenlet bridge: sync code awaiting on the event loop (`interpreter.awaiting`)."""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from dsplang.interpreter import awaiting

VAR: contextvars.ContextVar[str] = contextvars.ContextVar("awaiting_test", default="unset")


def test_sync_code_awaits_and_many_calls_interleave_on_one_thread():
    order: list[str] = []

    def work(name: str, delay: float) -> str:
        order.append(f"{name} start")
        awaiting.await_(asyncio.sleep(delay))
        order.append(f"{name} end")
        return name.upper()

    async def main():
        return await asyncio.gather(awaiting.run_sync(work, "a", 0.05), awaiting.run_sync(work, "b", 0.0))
    assert asyncio.run(main()) == ["A", "B"]
    assert order == ["a start", "b start", "b end", "a end"]


def test_errors_go_both_ways():
    async def fails():
        raise KeyError("inside")

    def work() -> str:
        try:
            awaiting.await_(fails())
        except KeyError as err:
            raise ValueError(f"caught {err}") from err
        return "no"

    with pytest.raises(ValueError, match="caught 'inside'"):
        asyncio.run(awaiting.run_sync(work))


def test_the_call_runs_in_the_callers_context_and_is_active_only_inside():
    seen: list = []

    def work() -> None:
        seen.append((awaiting.active(), VAR.get(), awaiting.local() is not None))
        VAR.set("set inside")

    async def main():
        VAR.set("caller")
        await awaiting.run_sync(work)
        return VAR.get()
    assert asyncio.run(main()) == "set inside"          # like a sync call
    assert seen == [(True, "caller", True)]
    assert not awaiting.active() and awaiting.local() is None


def test_await_outside_a_bridge_is_a_programming_error():
    with pytest.raises(RuntimeError, match="outside a bridge greenlet"):
        awaiting.await_(asyncio.sleep(0))


def test_cancelling_the_caller_cancels_the_awaitable_and_raises_inside():
    inside: list[str] = []

    def work() -> None:
        try:
            awaiting.await_(asyncio.sleep(30))
        except asyncio.CancelledError:
            inside.append("cancelled")
            raise

    async def main():
        task = asyncio.ensure_future(awaiting.run_sync(work))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    asyncio.run(main())
    assert inside == ["cancelled"]
