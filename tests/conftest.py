"""Fixtures shared by the whole test suite. Add yours below; keep each small and generic."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from loading import load_helper
from time_limits import time_limit

TESTS = Path(__file__).parent
TEST_SECONDS = 180

# Property tests draw the same examples on every run ("ci": derandomized, no example
# database, no timing deadline), so a failure in CI is a failure on every machine. The
# "dev" profile explores new random examples on each run and replays the failures it saw:
# `python -m pytest --hypothesis-profile=dev` (or HYPOTHESIS_PROFILE=dev).
settings.register_profile("ci", derandomize=True, database=None, deadline=None, max_examples=100,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config):
    """Ctrl-C tests need SIGINT to raise KeyboardInterrupt. A shell that starts the suite in
    the background (`cmd &` without job control) makes Python ignore SIGINT; undo that here
    (children started by the tests then get the default disposition too)."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Every test runs under a real time limit (SIGALRM: a loop or a wait in the test's own
    thread is stopped, and the test fails); `@pytest.mark.time_limit(seconds)` changes it.
    Code that may hold the GIL in one long C call runs in worker processes instead
    (tests/time_limits.py)."""
    marker = item.get_closest_marker("time_limit")
    with time_limit(marker.args[0] if marker else TEST_SECONDS):
        yield


@pytest.fixture
def helper_module():
    """`load_helper` for fixtures in sub-folders: `helper_module("programs/_fake_lm.py")`."""
    return load_helper


@pytest.fixture(autouse=True)
def _lm_cache_in_tmp(tmp_path_factory, monkeypatch):
    """No test reads or writes the user's ~/.cache/dsplang: the LM cache lives in a tmp dir."""
    monkeypatch.setenv("DSP_CACHE_DIR", str(tmp_path_factory.mktemp("dsp-cache")))


@pytest.fixture
def openai_server():
    """A local OpenAI-compatible server (tests/lm/openai_server.py); `.url` is its api_base."""
    server = load_helper("lm/openai_server.py").OpenAIServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _no_local_lm_fallback(monkeypatch):
    """No test falls back to the embedded local model unless it asks to (see
    tests/lm/test_local_model.py), so "no LM configured" stays an error in every other test."""
    monkeypatch.setenv("DSP_NO_LOCAL_LM", "1")


@pytest.fixture(autouse=True)
def _fresh_run():
    """Every test runs in a Run of its own (`dsplang.context.run`): no `use`, trace or
    history of an earlier test reaches it."""
    from dsplang.context.run import Run, entered
    with entered(Run()):
        yield


class _Unauthorized(Exception):
    status_code = 401


@pytest.fixture
def failing_lm():
    """An LM whose provider refuses every request (401): `failing_lm()` makes one."""
    from dsplang.lm.client import LM

    class Refused(LM):
        def _complete(self, messages, n, params):
            raise _Unauthorized("invalid api key")
    return lambda: Refused("fake/refused", cache=False, num_retries=0)
