"""`LM(GROUP, router={...})` on two local OpenAI-compatible servers, one of which rate-limits: the
work moves to the other, and usage, cost, history and traces name the deployment that answered."""

from __future__ import annotations

import asyncio
import inspect
import json
import typing

import pytest
from loading import load_helper

from dsplang.cli import main
from dsplang.errors import DspLMError
from dsplang.lm import LM, usage
from dsplang.lm import router as lm_router
from dsplang.lm.retry import RATE_LIMITS
from dsplang.lm.router_config import SETTINGS, STRATEGIES
from dsplang.stdlib.program import lm_settings

fake = load_helper("lm/openai_server.py")
KEY_A, KEY_B = "sk-router-key-aaaa", "sk-router-key-bbbb"


@pytest.fixture(scope="module")
def servers():
    a, b = fake.OpenAIServer().start(), fake.OpenAIServer().start()
    yield a, b
    a.stop()
    b.stop()


@pytest.fixture
def limited(servers):
    """Server A answers every request with a 429, server B with "from b"; no router state is
    left from another test."""
    a, b = servers
    for server in servers:
        server.requests.clear()
        server._queue.clear()
    a.default = fake.Error(429, "Rate limit reached for requests")
    b.default = fake.Reply("from b")
    lm_router.forget()
    yield a, b
    lm_router.forget()


@pytest.fixture
def signalled():
    """The models the run's rate-limit signal (what thread and async pools slow down on) names."""
    seen: list[str] = []
    unsubscribe = RATE_LIMITS.subscribe(seen.append)
    yield seen
    unsubscribe()


def deployment(name: str, model: str, server, key: str, ident: str, **params) -> dict:
    return {"model_name": name, "model_info": {"id": ident},
            "litellm_params": {"model": model, "api_base": server.url, "api_key": key, **params}}


def a_first(a, b, **settings) -> dict:
    """`config`, with the router trying server A first (while it is not cooling down)."""
    return {"model_list": [deployment("fast", "openai/gpt-4o-mini", a, KEY_A, "a-mini", order=1),
                           deployment("fast", "openai/gpt-4o", b, KEY_B, "b-4o", order=2)],
            "cooldown_time": 120, **settings}


def config(a, b, **settings) -> dict:
    """Group "fast": gpt-4o-mini on `a`, gpt-4o on `b`; a deployment that fails cools down for
    longer than any test takes."""
    return {"model_list": [deployment("fast", "openai/gpt-4o-mini", a, KEY_A, "a-mini"),
                           deployment("fast", "openai/gpt-4o", b, KEY_B, "b-4o")],
            "cooldown_time": 120, **settings}


def fast_lm(a, b, **kwargs) -> LM:
    settings = {"num_retries": 1, "retry_base_delay": 0.01, "retry_max_delay": 0.02, **kwargs}
    return LM("fast", router=config(a, b), **settings)


def ask(question: str) -> list[dict]:
    return [{"role": "user", "content": question}]


def price_of(model: str, prompt: int, completion: int) -> float:
    from dsplang.lm.client import quiet_litellm
    with quiet_litellm() as litellm:
        prices = litellm.model_cost[model]
    return prices["input_cost_per_token"] * prompt + prices["output_cost_per_token"] * completion


def test_a_rate_limited_deployment_moves_the_work_to_the_other(limited):
    a, b = limited
    lm = fast_lm(a, b, cache=False)
    with usage.track() as spent:
        replies = [lm.request(ask(f"question {i}")) for i in range(6)]
    assert [r.text for r in replies] == ["from b"] * 6
    assert len(b.requests) == 6 and len(a.requests) <= 1     # cooled down after its first 429
    assert {(r.model, r.deployment) for r in replies} == {("openai/gpt-4o", "b-4o")}
    assert replies[0].usage.cost == pytest.approx(price_of("gpt-4o", 11, 7))
    assert spent.calls == 6 and spent.failed_calls == 0
    assert spent.cost == pytest.approx(6 * price_of("gpt-4o", 11, 7))
    assert {(e["model"], e["deployment"]) for e in lm.history} == {("openai/gpt-4o", "b-4o")}
    assert {r["model"] for r in b.requests} == {"gpt-4o"}


def test_the_awaited_and_the_streamed_paths_go_through_the_router(limited):
    a, b = limited
    lm = fast_lm(a, b, cache=False)

    async def both():
        return await asyncio.gather(*(lm.arequest(ask(f"async {i}")) for i in range(4)))
    assert {(r.text, r.model, r.deployment) for r in asyncio.run(both())} == {("from b", "openai/gpt-4o", "b-4o")}
    pieces: list[str] = []
    streamed = lm.request(ask("streamed"), on_delta=pieces.append)
    assert streamed.text == "from b" and "".join(pieces) == "from b" and len(pieces) > 1
    assert streamed.model == "openai/gpt-4o" and streamed.deployment == "b-4o"
    assert streamed.usage.cost == pytest.approx(price_of("gpt-4o", 11, 7))


def test_when_every_deployment_is_limited_the_error_names_it_without_keys(limited):
    a, b = limited
    b.default = fake.Error(429, f"limited, key {KEY_B} is over its quota")
    lm = fast_lm(a, b, cache=False)
    with usage.track() as spent, pytest.raises(DspLMError) as failed:
        lm.request(ask("anyone?"))
    message = str(failed.value) + repr(failed.value.__cause__)
    assert "rate limited (429)" in message
    assert KEY_A not in message and KEY_B not in message
    assert spent.failed_calls == 1


def test_fallbacks_to_another_group(limited, signalled):
    a, b = limited
    routed = {"model_list": [deployment("fast", "openai/gpt-4o-mini", a, KEY_A, "a-mini"),
                             deployment("backup", "openai/gpt-4o", b, KEY_B, "b-4o")],
              "fallbacks": [{"fast": ["backup"]}], "num_retries": 0}
    reply = LM("fast", router=routed, num_retries=0, cache=False).request(ask("hi"))
    assert (reply.text, reply.model, reply.deployment) == ("from b", "openai/gpt-4o", "b-4o")
    assert len(a.requests) == 1 and signalled == []     # the fallback group had room


def test_a_429_the_router_moves_to_a_free_deployment_does_not_slow_the_run_down(limited, signalled):
    a, b = limited
    lm = LM("fast", router=a_first(a, b), num_retries=0, cache=False)
    assert lm.request(ask("first")).text == "from b"
    assert asyncio.run(lm.arequest(ask("second"))).text == "from b"
    assert len(a.requests) == 1 and len(b.requests) == 2     # A cooled down after its 429
    assert signalled == []


def test_a_429_with_nowhere_else_to_go_is_signalled(limited, signalled):
    a, b = limited
    b.default = fake.Error(429, "also limited")
    with pytest.raises(DspLMError, match="rate limited"):
        LM("fast", router=a_first(a, b, num_retries=1), num_retries=0, cache=False).request(ask("hi"))
    # A's 429 came while B was free: not signalled; B's, with A cooling down, is; then the LM's own
    assert signalled == ["openai/gpt-4o", "fast"]
    signalled.clear()
    a.requests.clear()
    a.queue(fake.Error(429, "Rate limit reached"))      # a group of one deployment: the router
    a.default = fake.Reply("from a")                    # retries on it (awaited here)
    alone = {"model_list": [deployment("fast", "openai/gpt-4o-mini", a, KEY_A, "a-mini")], "num_retries": 1}
    reply = asyncio.run(LM("fast", router=alone, num_retries=0, cache=False).arequest(ask("alone")))
    assert reply.text == "from a" and len(a.requests) == 2
    assert signalled == ["openai/gpt-4o-mini"]


def test_the_cache_key_names_the_models_not_the_keys_or_servers(limited):
    a, b = limited
    first = fast_lm(a, b).request(ask("cached?"))
    again = LM("fast", router=config(b, a)).request(ask("cached?"))   # servers and keys swapped
    assert not first.cache_hit and again.cache_hit and again.text == "from b"
    other = {"model_list": [deployment("fast", "openai/gpt-4o-mini", b, KEY_B, "only-mini")]}
    assert not LM("fast", router=other).request(ask("cached?")).cache_hit


def test_keys_stay_out_of_repr_saved_settings_and_history(limited):
    a, b = limited
    lm = fast_lm(a, b, cache=False)
    lm.request(ask("hello"))
    for shown in (repr(lm), json.dumps(lm_settings(lm)), json.dumps(lm.history, default=str)):
        assert KEY_A not in shown and KEY_B not in shown
    assert lm_settings(lm)["router"]["model_list"][1]["litellm_params"]["model"] == "openai/gpt-4o"
    copy = lm.copy(temperature=0.5)
    assert copy.kwargs["router"] == lm.kwargs["router"] and copy.request(ask("copy")).text == "from b"


def test_a_program_traces_the_deployment_used(limited, tmp_path, capsys):
    a, b = limited
    b.default = fake.Reply("[[ ## answer ## ]]\nParis\n\n[[ ## completed ## ]]")
    path = tmp_path / "routed.dsp"
    path.write_text(
        f'use LM("fast", num_retries=1, retry_base_delay=0.01, router={{"model_list": [\n'
        f'    {{"model_name": "fast", "litellm_params": {{"model": "openai/gpt-4o-mini", '
        f'"api_base": "{a.url}", "api_key": "{KEY_A}"}}}},\n'
        f'    {{"model_name": "fast", "litellm_params": {{"model": "openai/gpt-4o", '
        f'"api_base": "{b.url}", "api_key": "{KEY_B}"}}}}]}})\n'
        'let qa = Predict("question -> answer")\n'
        'for q in ["Capital of France?", "And of Italy?"]:\n'
        '    print(qa(question=q).answer)\n')
    trace = tmp_path / "trace.jsonl"
    assert main(["run", str(path), "--trace", str(trace), "--no-cache"]) == 0
    assert capsys.readouterr().out == "Paris\nParis\n"
    calls = [r for r in map(json.loads, trace.read_text().splitlines()) if r.get("kind") == "predictor_call"]
    assert [c["model"] for c in calls] == ["openai/gpt-4o"] * 2
    assert calls[0]["cost"] == pytest.approx(price_of("gpt-4o", 11, 7))
    assert KEY_A not in trace.read_text() and KEY_B not in trace.read_text()


BAD = [
    ('router=5', "router= needs a dict of litellm Router settings"),
    ('router={"model_list": []}', "router= needs a model_list"),
    ('router={"model_list": [{"model_name": "fast"}]}', "model_list[0].litellm_params needs a 'model'"),
    ('router={"model_list": [{"model_name": "fast", "litellm_params": {"model": "openai/m"}, "rpm": 5}]}',
     "model_list[0] has 'rpm'"),
    ('router={"model_list": [{"model_name": "fats", "litellm_params": {"model": "openai/m"}}]}',
     "no deployment in model_list is named 'fast'"),
    ('router={"model_list": [{"model_name": "fast", "litellm_params": {"model": "openai/m"}}], "fallback": []}',
     "'fallback' is not a litellm Router setting"),
    ('router={"model_list": [{"model_name": "fast", "litellm_params": {"model": "openai/m"}}], '
     '"fallbacks": [{"fast": ["smart"]}]}', "names 'smart', a model group no deployment"),
    ('router={"model_list": [{"model_name": "fast", "litellm_params": {"model": "openai/m"}}], '
     '"routing_strategy": "fastest"}', "routing_strategy 'fastest' is not one of"),
    ('router={"model_list": [{"model_name": "fast", "litellm_params": {"model": "openai/m"}}], '
     '"num_retries": -1}', "num_retries must be a whole number"),
    ('router={"model_list": [{"model_name": "fast", "litellm_params": {"model": "openai/m"}}], '
     '"cache_responses": True}', "dsplang caches the replies itself"),
    ('model_type="text", router={"model_list": [{"model_name": "fast", "litellm_params": {"model": "openai/m"}}]}',
     "model_type='text' cannot go through a router"),
]


@pytest.mark.parametrize(("arguments", "words"), BAD)
def test_a_bad_configuration_is_an_error_at_its_line(arguments, words, tmp_path, capsys):
    path = tmp_path / "bad.dsp"
    path.write_text(f'let x = 1\nlet lm = LM("fast", {arguments})\n')
    assert main(["run", str(path)]) != 0
    err = capsys.readouterr().err
    assert f"{path}:2:10: lm error: LM router: " in err and words in err
    assert "Traceback" not in err


def test_the_tables_match_the_installed_litellm():
    from dsplang.lm.client import quiet_litellm
    with quiet_litellm() as litellm:
        accepted = set(inspect.signature(litellm.Router.__init__).parameters)
        from litellm.types.litellm_params import RoutingStrategyName
    assert SETTINGS <= accepted
    assert set(STRATEGIES) <= set(typing.get_args(RoutingStrategyName))
