"""Fixtures for the LM-layer tests: a clean LM environment and LMs aimed at the local server."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _clean_lm_environment(monkeypatch):
    """No inherited DSP_LM / DSP_NO_CACHE."""
    monkeypatch.delenv("DSP_LM", raising=False)
    monkeypatch.delenv("DSP_NO_CACHE", raising=False)


@pytest.fixture
def server_lm(openai_server):
    """`server_lm(**kwargs)` -> an LM on the local server with millisecond retry delays."""
    from dsplang.lm import LM

    def make(**kwargs):
        settings = {"api_base": openai_server.url, "api_key": "sk-test",
                    "retry_base_delay": 0.001, "retry_max_delay": 0.01, **kwargs}
        return LM(settings.pop("model", "openai/test-model"), **settings)
    return make
