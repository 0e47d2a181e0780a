"""The retry policy and failure classification, with stand-in exceptions (no network)."""

from __future__ import annotations

import pytest

from dsplang.errors import DspLMError
from dsplang.lm.retry import RateLimitSignal, RetryPolicy, call_with_retries, classify


class RateLimitError(Exception):
    status_code = 429


class ServiceUnavailableError(Exception):
    status_code = 503


class BadRequestError(Exception):
    status_code = 400


def flaky(*failures: Exception, result: str = "done"):
    """A callable that raises each failure in turn, then returns `result`."""
    pending = list(failures)
    calls = []

    def fn() -> str:
        calls.append(1)
        if pending:
            raise pending.pop(0)
        return result
    return fn, calls


def test_classification():
    assert classify(RateLimitError("slow")).what == "rate limited (429)"
    assert classify(ServiceUnavailableError("x")).retryable
    assert classify(TimeoutError("t")).retryable
    assert classify(ConnectionError("c")).what == "could not connect"
    assert not classify(BadRequestError("b")).retryable
    assert not classify(ValueError("v")).retryable


class InternalServerError(Exception):
    status_code = 500


def test_a_missing_api_key_fails_at_once_although_litellm_calls_it_a_server_error():
    missing = InternalServerError("litellm.InternalServerError: OpenAIException - Missing credentials. "
                                  "Please pass an `api_key`, or set the `OPENAI_API_KEY` environment variable.")
    failure = classify(missing)
    assert not failure.retryable and failure.status == 401 and failure.what == "no API key"
    assert classify(InternalServerError("upstream crashed")).retryable


def test_litellm_prefixes_are_trimmed_from_messages():
    exc = RateLimitError("litellm.RateLimitError: RateLimitError: OpenAIException - "
                         '{"error": {"message": "Rate limit reached for gpt-x"}}')
    assert classify(exc).detail == "Rate limit reached for gpt-x"


def test_retries_then_succeeds_with_growing_delays():
    slept: list[float] = []
    fn, calls = flaky(RateLimitError("a"), ServiceUnavailableError("b"))
    policy = RetryPolicy(retries=5, base_delay=1.0, max_delay=30.0)
    assert call_with_retries(fn, policy=policy, model="p/m", sleep=slept.append) == "done"
    assert len(calls) == 3
    assert 0.5 <= slept[0] <= 1.0 and 1.0 <= slept[1] <= 2.0


def test_delays_are_capped_and_honour_retry_after():
    policy = RetryPolicy(retries=10, base_delay=1.0, max_delay=4.0)
    assert all(policy.delay(a) <= 4.0 for a in range(10))
    assert policy.delay(0, retry_after=3.0) >= 1.5


def test_gives_up_after_the_last_retry():
    fn, calls = flaky(*[ServiceUnavailableError("down")] * 4)
    with pytest.raises(DspLMError) as caught:
        call_with_retries(fn, policy=RetryPolicy(2), model="p/m", sleep=lambda s: None)
    assert caught.value.message == "p/m: server error (503) after 2 retries: down"
    assert len(calls) == 3


def test_client_errors_fail_at_once():
    fn, calls = flaky(BadRequestError("bad field"))
    with pytest.raises(DspLMError, match=r"p/m: bad request \(400\): bad field$"):
        call_with_retries(fn, policy=RetryPolicy(5), model="p/m", sleep=lambda s: None)
    assert len(calls) == 1


def test_rate_limit_signal_counts_and_notifies():
    signal = RateLimitSignal()
    seen: list[str] = []
    unsubscribe = signal.subscribe(seen.append)
    signal.notify("p/m")
    unsubscribe()
    signal.notify("p/m")
    assert signal.count == 2 and seen == ["p/m"] and signal.last_time is not None
