"""`dsp run` against a local OpenAI-compatible server, through litellm: replies, retries,
provider errors with the .dsp line, --lm, --trace, --show-prompts, the usage summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dsplang.cli import main

ROOT = Path(__file__).parent.parent

openai_server_module = None


def reply(**fields) -> str:
    body = "\n\n".join(f"[[ ## {k} ## ]]\n{v}" for k, v in fields.items())
    return body + "\n\n[[ ## completed ## ]]"


def program(tmp_path, server, body: str) -> str:
    path = tmp_path / "main.dsp"
    header = (f'use LM("openai/test-model", api_base="{server.url}", api_key="sk-test", '
              f"retry_base_delay=0.01, retry_max_delay=0.02, num_retries=2)\n")
    path.write_text(header + body)
    return str(path)


@pytest.fixture
def server(openai_server):
    import openai_server as mod  # registered by the fixture's load_helper
    global openai_server_module
    openai_server_module = mod
    return openai_server


QA = 'let qa = Predict("question -> answer")\nprint(qa(question="Capital of France?").answer)\n'


def test_a_normal_reply_is_parsed(server, tmp_path, capsys):
    server.queue(openai_server_module.Reply(reply(answer="Paris")))
    assert main(["run", program(tmp_path, server, QA)]) == 0
    out, err = capsys.readouterr()
    assert out == "Paris\n"
    assert "LM: 1 call (0 cached), 11 prompt + 7 completion tokens" in err
    sent = server.requests[0]
    assert sent["messages"][-1]["content"].startswith("[[ ## question ## ]]\nCapital of France?")
    assert "api_key" not in json.dumps(sent)


def test_rate_limit_then_success_is_retried(server, tmp_path, capsys):
    server.queue(openai_server_module.Error(429, "slow down"), openai_server_module.Reply(reply(answer="Paris")))
    assert main(["run", program(tmp_path, server, QA), "--quiet"]) == 0
    assert capsys.readouterr().out == "Paris\n"
    assert len(server.requests) == 2


def test_a_500_storm_names_model_and_line(server, tmp_path, capsys):
    server.queue(*[openai_server_module.Error(500, "upstream exploded")] * 5)
    assert main(["run", program(tmp_path, server, QA), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "main.dsp:3:7: lm error: openai/test-model: server error (500) after 2 retries" in err
    assert "print(qa(question=" in err and "^" in err


def test_malformed_json_from_the_provider(server, tmp_path, capsys):
    server.queue(openai_server_module.Raw(b"{not json"))
    assert main(["run", program(tmp_path, server, QA), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "main.dsp:3:7: lm error:" in err and "Traceback" not in err


def test_a_timeout_is_an_lm_error(server, tmp_path, capsys):
    server.default = openai_server_module.Sleep(3.0)
    body = ('let qa = Predict("question -> answer", timeout=0.3)\n'
            'print(qa(question="q").answer)\n')
    assert main(["run", program(tmp_path, server, body), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "lm error" in err and "main.dsp:3:7" in err


def test_a_reply_missing_a_field_is_a_parse_error_with_the_reply(server, tmp_path, capsys):
    server.default = openai_server_module.Reply(reply(reasoning="thinking only"))
    body = ('let qa = Predict("question -> answer, confidence: float")\n'
            'print(qa(question="q").answer)\n')
    assert main(["run", program(tmp_path, server, body), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "output parse error" in err and "thinking only" in err
    assert len(server.requests) == 2  # the ChatAdapter reply, then one JSON retry


def test_lm_flag_names_the_model(server, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OPENAI_API_BASE", server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    server.default = openai_server_module.Reply(reply(reasoning="Known fact.", answer="Paris"))
    status = main(["run", str(ROOT / "examples" / "qa.dsp"), "--lm", "openai/test-model", "--quiet"])
    out = capsys.readouterr().out
    assert status == 0
    assert "A: Paris" in out and out.count("A: ") == 2


def test_trace_and_show_prompts(server, tmp_path, capsys):
    server.queue(openai_server_module.Reply(reply(answer="Paris")))
    trace_file = tmp_path / "trace.jsonl"
    status = main(["run", program(tmp_path, server, QA), "--trace", str(trace_file), "--show-prompts"])
    assert status == 0
    err = capsys.readouterr().err
    assert "----- prompt of question -> answer -----" in err and "[system]" in err
    record, root = [json.loads(line) for line in trace_file.read_text().splitlines()]
    assert record["kind"] == "predictor_call" and (root["type"], root["parent_id"]) == ("run", None)
    assert record["parent_id"] == root["span_id"]
    assert record["inputs"] == {"question": "Capital of France?"}
    assert record["outputs"] == {"answer": "Paris"}
    assert record["model"] == "openai/test-model"
    assert record["prompt_tokens"] == 11 and record["completion_tokens"] == 7
    assert record["span"].endswith("main.dsp:3:7")
    assert record["messages"][0]["role"] == "system"
    assert not record["cache_hit"]


def test_no_cache_flag_sends_every_call(server, tmp_path, capsys):
    server.default = openai_server_module.Reply(reply(answer="Paris"))
    path = program(tmp_path, server, QA + QA.splitlines()[1] + "\n")
    assert main(["run", path, "--quiet"]) == 0
    assert len(server.requests) == 1  # the second identical call is a cache hit
    assert main(["run", path, "--quiet", "--no-cache"]) == 0
    assert len(server.requests) == 3
    main(["run", path, "--quiet"])  # leave the process-wide setting as it was
