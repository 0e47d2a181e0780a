"""The parts of an LM request that differ when it is awaited or streamed.

`LM.arequest` is `LM.request` on `litellm.acompletion`: the same cassette, cache, usage and
secret redaction (`lm.client`), under the same retry policy, whose waits are `asyncio.sleep`
here (`acall_with_retries`, sharing `retry.retry_delay` with the sync loop).

Streaming (`request(..., on_delta=f)`): the provider is asked for `stream=True` (with the
usage in the last chunk), `f(text)` gets each piece of the first choice's text as it
arrives, and the chunks are then joined (`litellm.stream_chunk_builder`) into the reply
that the cache keeps, so a streamed reply and a plain one are the same entry. A reply that
does not stream (a cache hit, a cassette's replay, a scripted or in-process model) reaches
`f` whole, once. A stream that breaks after its first piece is not retried (its text has
been delivered); one that fails before it is, like any request.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, TypeVar

from dsplang.errors import DspError, DspLMError
from dsplang.lm.retry import RetryPolicy, classify, retry_delay

T = TypeVar("T")
Delta = Callable[[str], None]
STREAM_OPTIONS = {"include_usage": True}


async def acall_with_retries(fn: Callable[[], Awaitable[T]], *, policy: RetryPolicy, model: str) -> T:
    """`await fn()`, retrying retryable failures like `retry.call_with_retries`."""
    for attempt in range(policy.retries + 1):
        try:
            return await fn()
        except DspError:
            raise
        except Exception as exc:  # noqa: BLE001 - every provider failure is classified
            await asyncio.sleep(retry_delay(exc, attempt, policy, model))
    raise AssertionError("unreachable")


class StreamBroken(DspLMError):
    """A stream failed after some of its text was delivered (not retried)."""


def stream_chunks(chunks: Iterable[Any], on_delta: Delta) -> list[Any]:
    """Read a litellm stream to its end, giving `on_delta` each text piece; the chunks."""
    seen: list[Any] = []
    iterator = iter(chunks)
    while True:
        try:
            chunk = next(iterator)
        except StopIteration:
            return seen
        except Exception as exc:
            if _delivered(seen):
                raise _broken(exc) from exc
            raise
        seen.append(chunk)
        _deliver(chunk, on_delta)


async def astream_chunks(chunks: AsyncIterator[Any], on_delta: Delta) -> list[Any]:
    """`stream_chunks` for litellm's async stream."""
    seen: list[Any] = []
    iterator = chunks.__aiter__()
    while True:
        try:
            chunk = await iterator.__anext__()
        except StopAsyncIteration:
            return seen
        except Exception as exc:
            if _delivered(seen):
                raise _broken(exc) from exc
            raise
        seen.append(chunk)
        _deliver(chunk, on_delta)


def _deliver(chunk: Any, on_delta: Delta) -> None:
    text = first_choice_text(chunk)
    if text:
        on_delta(text)


def first_choice_text(chunk: Any) -> str:
    """The text piece of choice 0 in one stream chunk ("" when it has none)."""
    for choice in getattr(chunk, "choices", None) or ():
        if getattr(choice, "index", 0) == 0:
            delta = getattr(choice, "delta", None)
            return (getattr(delta, "content", None) or "") if delta is not None else ""
    return ""


def _delivered(chunks: list[Any]) -> bool:
    return any(first_choice_text(chunk) for chunk in chunks)


def _broken(exc: Exception) -> StreamBroken:
    failure = classify(exc)
    return StreamBroken(f"the stream broke after part of the reply arrived: {failure.what}: {failure.detail}",
                        hint="the text delivered so far is incomplete; run the program again")
