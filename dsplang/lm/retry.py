"""Our retry policy for provider calls, and the rate-limit signal thread pools read.

Retried, with exponential backoff and jitter: rate limits (429), timeouts (408 and client
timeouts), connection errors, replies cut off on the way, and server errors (5xx). Not
retried: every other failure (400, 401, 403, 404, 422, ..., and a reply that arrived whole but
cannot be read: not JSON, not UTF-8, a completion without a message). When retrying stops, the failure becomes a
:class:`~dsplang.errors.DspLMError` naming the model and what happened, e.g.
``openai/gpt-x: rate limited (429) after 5 retries: Rate limit reached``.

Exceptions are classified by their class names and ``status_code`` attribute, so this module
works on litellm's exceptions without importing litellm.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from dsplang.errors import DspError, DspLMError

T = TypeVar("T")
_DETAIL_LIMIT = 240
_WORDS = {400: "bad request", 401: "authentication failed", 403: "permission denied",
          404: "not found", 413: "request too large", 422: "unprocessable request"}
_HINTS = {
    401: "check the API key (e.g. OPENAI_API_KEY, or `api_key=` in LM(...))",
    403: "the key is not allowed to use this model",
    404: "check the model name and, for a local server, `api_base`",
}


@dataclass(frozen=True, slots=True)
class Failure:
    """What went wrong in one provider call, in words."""

    retryable: bool
    status: int | None
    what: str
    detail: str


class RateLimitSignal:
    """Counts provider rate limits (429) in this process.

    A thread pool slows down by reading :attr:`count` (it only grows) between batches, or by
    registering ``subscribe(callback)``; the callback gets the model string and runs on the
    thread that was rate limited, so it must be quick and thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0
        self.last_time: float | None = None
        self._listeners: list[Callable[[str], None]] = []

    def notify(self, model: str) -> None:
        """Record one 429 from `model` and tell the listeners."""
        with self._lock:
            self.count += 1
            self.last_time = time.monotonic()
            listeners = list(self._listeners)
        for listener in listeners:
            listener(model)

    def subscribe(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Call `listener(model)` on every 429; returns a function that unsubscribes it."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)
        return unsubscribe


RATE_LIMITS = RateLimitSignal()


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """`retries` extra attempts; the n-th waits about base * 2**n seconds, at most max."""

    retries: int = 5
    base_delay: float = 1.0
    max_delay: float = 30.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number `attempt` (0-based): half fixed, half jitter."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** attempt))
        if retry_after is not None:
            ceiling = min(self.max_delay, max(ceiling, retry_after))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


def call_with_retries(fn: Callable[[], T], *, policy: RetryPolicy, model: str,
                      sleep: Callable[[float], None] = time.sleep) -> T:
    """Return `fn()`, retrying retryable failures; raise DspLMError when that stops."""
    for attempt in range(policy.retries + 1):
        try:
            return fn()
        except DspError:
            raise
        except Exception as exc:  # noqa: BLE001 - every provider failure is classified
            sleep(retry_delay(exc, attempt, policy, model))
    raise AssertionError("unreachable")


def retry_delay(exc: Exception, attempt: int, policy: RetryPolicy, model: str) -> float:
    """After attempt number `attempt` (0-based) failed with `exc`: the seconds to wait before
    the next one, or DspLMError (raised from `exc`) when there is none. A 429 is signalled.
    `call_with_retries` and the async path (`LM.arequest`) share it."""
    failure = classify(exc)
    if failure.status == 429:
        RATE_LIMITS.notify(model)
    if not failure.retryable:
        raise _lm_error(model, exc, failure, "") from exc
    if attempt == policy.retries:
        tries = f" after {policy.retries} retr{'y' if policy.retries == 1 else 'ies'}"
        raise _lm_error(model, exc, failure, tries) from exc
    return policy.delay(attempt, _retry_after(exc))


def classify(exc: BaseException) -> Failure:
    """Whether `exc` is worth retrying, its HTTP status if any, and a short description."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    detail = short_message(exc)
    malformed = _malformed_reply(exc)
    if malformed is not None:
        return malformed
    bad_json = _json_decode_error(exc)
    if bad_json is not None:
        return Failure(False, status, "the reply is not valid JSON", str(bad_json))
    if _missing_credentials(exc):
        return Failure(False, 401, "no API key", detail)
    if "RateLimitError" in names or status == 429:
        return Failure(True, 429, "rate limited (429)", detail)
    if names & {"Timeout", "APITimeoutError", "TimeoutError", "ReadTimeout"} or status == 408:
        return Failure(True, status, "timed out", detail)
    if _chain_names(exc) & {"APIConnectionError", "ConnectionError", "ConnectError"}:
        return Failure(True, None, "could not connect", detail)
    if status is not None and status >= 500:
        return Failure(True, status, f"server error ({status})", detail)
    if status is not None:
        return Failure(False, status, f"{_WORDS.get(status, 'request failed')} ({status})",
                       detail)
    return Failure(False, None, f"request failed ({type(exc).__name__})", detail)


_NO_KEY = re.compile(r"missing credentials|api_key client option must be set|no api key|"
                     r"api key (is )?(not set|missing|required)", re.I)


def _missing_credentials(exc: BaseException) -> bool:
    """The client found no key before sending anything. litellm reports this as a server
    error (500), but retrying cannot help: the key is missing."""
    return any(_NO_KEY.search(str(link)) for link in _chain(exc))


def _chain_names(exc: BaseException) -> set[str]:
    """Class names of `exc` and of the exceptions behind it (litellm re-wraps them)."""
    names: set[str] = set()
    for link in _chain(exc):
        names.update(cls.__name__ for cls in type(link).__mro__)
    return names


def _chain(exc: BaseException | None, limit: int = 10) -> list[BaseException]:
    """`exc`, its cause or context, that one's, ... (at most `limit`)."""
    links: list[BaseException] = []
    while exc is not None and len(links) < limit and exc not in links:
        links.append(exc)
        exc = exc.__cause__ or exc.__context__
    return links


def _malformed_reply(exc: BaseException) -> Failure | None:
    """A reply that arrived but cannot be read, in words: cut off before its end (retried: the
    next one may arrive whole), not UTF-8 text, or a completion missing a part litellm needs
    (it reports these as server errors, with its own traceback in the message)."""
    chain = _chain(exc)
    for link in chain:
        if type(link).__name__ == "RemoteProtocolError":
            cut = "complete message body" in str(link)
            return Failure(True, None, "the reply was cut off" if cut else "the server closed the connection",
                           " ".join(str(link).split()))
    for link in chain:
        if isinstance(link, UnicodeDecodeError):
            return Failure(False, None, "the reply is not valid UTF-8 text",
                           f"byte {link.object[link.start]:#04x} at position {link.start}")
    if any("Invalid response object" in str(link) for link in chain):
        missing = next((link.args[0] for link in chain if isinstance(link, KeyError) and link.args), None)
        return Failure(False, None, "the reply is not a valid completion",
                       f"a choice has no {missing!r} entry" if isinstance(missing, str)
                       else "litellm could not read it")
    return None


def _json_decode_error(exc: BaseException) -> json.JSONDecodeError | None:
    """The JSONDecodeError behind `exc` (a provider reply that is not JSON), if any."""
    return next((e for e in _chain(exc) if isinstance(e, json.JSONDecodeError)), None)


def short_message(exc: BaseException) -> str:
    """The provider's message without litellm's prefixes, on one line, shortened."""
    text = str(getattr(exc, "message", None) or exc) or type(exc).__name__
    text = re.sub(r"^(litellm\.\w+:\s*)+", "", text)
    text = re.sub(r"^(\w+Error:\s*)+", "", text)
    text = re.sub(r"^\w+Exception\s*-\s*", "", text)
    text = re.sub(r"^\w+Error\s*-\s*", "", text)
    text = re.sub(r"\s*Error_str:.*$", "", text, flags=re.S)
    text = re.sub(r"\s*Traceback \(most recent call last\):.*$", "", text, flags=re.S)
    text = _json_error_message(text) or text
    text = re.sub(r"^Error code: \d+ - ", "", text)
    text = " ".join(text.split())
    return text if len(text) <= _DETAIL_LIMIT else text[:_DETAIL_LIMIT - 3] + "..."


def _json_error_message(text: str) -> str | None:
    """`error.message` from an OpenAI-style JSON error body, when the text is one."""
    start = text.find("{")
    if start < 0:
        return None
    try:
        body = json.loads(text[start:])
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return error["message"]
    if isinstance(error, str):
        return error
    return None


def _retry_after(exc: BaseException) -> float | None:
    """Seconds from a Retry-After header on the failed response, if the provider sent one."""
    headers = getattr(exc, "headers", None)
    response = getattr(exc, "response", None)
    if not headers and response is not None:
        headers = getattr(response, "headers", None)
    try:
        value = headers.get("retry-after") if headers else None
        return float(value) if value is not None else None
    except (TypeError, ValueError, AttributeError):
        return None


def _lm_error(model: str, exc: BaseException, failure: Failure, tries: str) -> DspLMError:
    provider = getattr(exc, "llm_provider", None)
    who = model if "/" in model or not provider else f"{provider}/{model}"
    hint = _HINTS.get(failure.status or 0)
    if failure.what == "could not connect":
        hint = "is the server running, and is `api_base` right?"
    elif failure.what in ("the reply is not valid JSON", "the reply is not valid UTF-8 text",
                          "the reply is not a valid completion"):
        hint = "is `api_base` an OpenAI-compatible endpoint (usually ending in /v1)?"
    return DspLMError(f"{who}: {failure.what}{tries}: {failure.detail}", hint=hint)
