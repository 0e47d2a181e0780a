"""The current LM of the run: use / with / --lm / DSP_LM, and the error when there is none."""

from __future__ import annotations

import pytest

from dsplang.context import lm as context
from dsplang.context.lm import current_lm, set_default, using
from dsplang.context.run import Options, derived
from dsplang.errors import DspLMError
from dsplang.lm import LM, ScriptedLM


@pytest.fixture(autouse=True)
def _no_env_lm(monkeypatch):
    monkeypatch.delenv("DSP_LM", raising=False)


def test_no_lm_tells_how_to_configure_one():
    with pytest.raises(DspLMError) as caught:
        current_lm()
    assert caught.value.message == "no language model is configured"
    assert "dsp run --lm" in caught.value.hint and "DSP_LM" in caught.value.hint


def test_lookup_order_use_then_cli_then_env(monkeypatch):
    monkeypatch.setenv("DSP_LM", "openai/from-env")
    assert current_lm().model == "openai/from-env"
    assert current_lm() is current_lm()
    with derived(options=Options(lm=LM("openai/from-cli"))):
        assert current_lm().model == "openai/from-cli"
        chosen = ScriptedLM(["x"])
        set_default(chosen)
        assert current_lm() is chosen


def test_using_restores_the_previous_lm_even_after_an_error():
    outer, inner = LM("openai/outer"), LM("openai/inner")
    set_default(outer)
    with pytest.raises(RuntimeError):
        with using(inner):
            assert current_lm() is inner
            raise RuntimeError("boom")
    assert current_lm() is outer
    with using("openai/by-name") as lm:
        assert current_lm() is lm and lm.model == "openai/by-name"
    assert current_lm() is outer


def test_a_non_lm_is_a_type_error():
    with pytest.raises(context.DspTypeError, match="expected an LM"):
        set_default(42)
