"""Spans over OTLP: a real `dsp run --otel` in a child process sends its spans to a receiver
this test starts on 127.0.0.1 (collector.py); the tree, the GenAI attributes, cache hits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from loading import load_helper

import dsplang

pytest.importorskip("opentelemetry.sdk", reason='the otel extra is not installed (pip install -e ".[otel]")')
collector_module = load_helper("otel/collector.py")

REPO = Path(dsplang.__file__).resolve().parent.parent
ANSWER = "[[ ## answer ## ]]\n4\n\n[[ ## completed ## ]]"
PROGRAM = '''
use LM("openai/test-model", api_base="{url}", api_key="sk-test")

module Solver:
    solve = Predict("question -> answer")

    def forward(question):
        return solve(question=question)

let train = [
    Example(question="2 + 2?", answer="4").with_inputs("question"),
    Example(question="1 + 3?", answer="4").with_inputs("question"),
    Example(question="0 + 4?", answer="4").with_inputs("question"),
]

def exact(example, prediction):
    return example.answer == prediction.answer

let program = Solver()
print(program(question="2 + 2?").answer)
print(program(question="2 + 2?").answer)
compile tuned = program with BootstrapFewShot(metric=exact, max_bootstrapped_demos=1, verbose=false) on train
print(evaluate(tuned, train, exact, display_progress=false).score)
'''


@pytest.fixture(scope="module")
def collector():
    receiver = collector_module.Collector().start()
    try:
        yield receiver
    finally:
        receiver.stop()


def dsp(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    environ.update({"PYTHONPATH": str(REPO), "LITELLM_LOCAL_MODEL_COST_MAP": "True", **env})
    return subprocess.run([sys.executable, "-m", "dsplang.cli", *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.time_limit(150)
def test_a_run_sends_its_span_tree(collector, openai_server, tmp_path):
    openai_server.default = load_helper("lm/openai_server.py").Reply(ANSWER)
    (tmp_path / "prog.dsp").write_text(PROGRAM.format(url=openai_server.url))
    collector.clear()
    done = dsp(["run", "prog.dsp", "--trace", "trace.jsonl"], tmp_path,
               OTEL_EXPORTER_OTLP_ENDPOINT=collector.url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["4", "4", "100.0"]
    spans = collector.spans
    tree = collector_module.tree(spans)
    (tmp_path / "tree.txt").write_text(tree)
    if os.environ.get("DSP_TEST_ARTIFACTS"):
        Path(os.environ["DSP_TEST_ARTIFACTS"], "otel_tree.txt").write_text(tree)
    by_id = {s["span_id"]: s for s in spans}
    roots = [s for s in spans if s["parent_id"] is None]
    assert [r["name"] for r in roots] == ["dsplang run"]
    assert {s["trace_id"] for s in spans} == {roots[0]["trace_id"]}
    assert all(s["parent_id"] is None or s["parent_id"] in by_id for s in spans), tree

    def parents(span):
        chain = []
        while span["parent_id"] is not None:
            span = by_id[span["parent_id"]]
            chain.append(span["name"].split(" ")[0])
        return chain

    calls = [s for s in spans if s["name"] == "chat openai/test-model"]
    assert len(calls) == 2 + 1 + 3, tree            # the two first calls, the bootstrap's, the evaluation's
    chains = sorted(" < ".join(parents(c)) for c in calls)
    assert chains == sorted(["module < dsplang"] * 2 + ["module < phase < compile < dsplang"]
                            + ["module < evaluate < dsplang"] * 3), tree
    first = min(calls, key=lambda s: s["start"])
    attributes = first["attributes"]
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.request.model"] == "openai/test-model"
    assert attributes["gen_ai.provider.name"] == "openai"
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (11, 7)
    assert attributes["dsp.cache_hit"] is False and attributes["code.line.number"] == 8
    assert first["kind"] == 3                       # SPAN_KIND_CLIENT
    # The second call is the first one again: served from the cache, and still a span.
    hits = [c for c in calls if c["attributes"]["dsp.cache_hit"]]
    assert len(hits) == 1
    assert sorted(calls, key=lambda s: s["start"])[1]["attributes"]["dsp.cache_hit"] is True
    phase = next(s for s in spans if s["name"].startswith("phase "))
    assert all(by_id[c["parent_id"]]["parent_id"] == phase["span_id"] for c in calls
               if c["attributes"].get("dsp.phase") == phase["attributes"]["dsp.phase"])
    assert roots[0]["resource"]["service.name"] == "dsplang"
    assert len(openai_server.requests) < len(calls)  # the cache hits sent nothing


def test_the_jsonl_trace_holds_the_same_spans(collector, tmp_path):
    """The spans sent are the trace's records: same ids, same parents, the same root (the
    JSONL's last record, the run's `dsplang run` span)."""
    import json
    trace_file = next(Path(p) for p in sorted(tmp_path.parent.glob("test_a_run_sends*/trace.jsonl")))
    records = [json.loads(line) for line in trace_file.read_text().splitlines()]
    sent = {s["span_id"]: s for s in collector.spans}
    assert {r["span_id"] for r in records} == set(sent)
    root = records[-1]
    assert (root["kind"], root["type"], root["name"], root["parent_id"]) == ("span", "run", "dsplang run", None)
    assert sent[root["span_id"]]["name"] == "dsplang run"
    for rec in records:
        span = sent[rec["span_id"]]
        assert span["trace_id"] == rec["trace_id"] == rec["run_id"]
        assert span["parent_id"] == rec["parent_id"]
        assert abs(span["start"] / 1e9 - rec["start"]) < 1e-3 and rec["start"] <= rec["end"]


def test_otel_asked_for_without_the_packages_is_an_error_in_words(tmp_path):
    (tmp_path / "prog.dsp").write_text('print("hi")\n')
    (tmp_path / "opentelemetry").mkdir()          # shadows the real package: its modules are not there
    (tmp_path / "opentelemetry" / "__init__.py").write_text("")
    done = dsp(["run", "prog.dsp", "--otel"], tmp_path, PYTHONPATH=f"{tmp_path}{os.pathsep}{REPO}")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert 'pip install "dsplang[otel]"' in done.stderr, done.stderr
    done = dsp(["run", "prog.dsp"], tmp_path, PYTHONPATH=f"{tmp_path}{os.pathsep}{REPO}",
               OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9")
    assert done.returncode == 0 and done.stdout == "hi\n"
    assert "needs the OpenTelemetry SDK" in done.stderr and "Traceback" not in done.stderr
