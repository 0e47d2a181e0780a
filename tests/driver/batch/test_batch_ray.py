"""`dsp batch --ray` and `evaluate(..., backend="ray")` on a local Ray cluster started here
(2 CPUs, once for the module: Ray takes seconds to start)."""

from __future__ import annotations

import logging

import pytest
from loading import load_helper

import dsplang
from dsplang.cli import main

_rows = load_helper("driver/batch/batch_rows.py")
PROGRAM, read_output, rows, write_rows = _rows.PROGRAM, _rows.read_output, _rows.rows, _rows.write_rows

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


def by_row(path) -> dict[int, dict]:
    return {r["row"]: r for r in read_output(path)}


def test_a_batch_on_ray_writes_what_an_in_process_batch_writes_and_resumes(cluster, batch_files, capsys):
    program, data, out = batch_files
    assert main(["batch", str(program), "qa", "-i", str(data), "-o", str(out), "--threads", "2"]) == 1
    capsys.readouterr()
    on_ray = program.parent / "ray.jsonl"
    on_ray.write_text("".join(line + "\n" for line in out.read_text().splitlines()[:8]))   # an earlier, killed run
    assert main(["batch", str(program), "qa", "-i", str(data), "-o", str(on_ray), "--ray", "auto",
                 "--workers", "2", "--threads", "2", "--chunk-size", "3"]) == 1
    err = capsys.readouterr().err
    assert by_row(on_ray) == by_row(out) and len(read_output(on_ray)) == 21
    assert "13 skipped" not in err and "8 skipped (already in the output" in err
    assert "(Ray, 2 workers x 2 threads)" in err
    later = read_output(on_ray)[8:]                     # the workers' calls are counted here
    answered, failed = sum("outputs" in r for r in later), sum("lm error" in r.get("error", "") for r in later)
    assert f"LM: {answered} calls (0 cached), {failed} failed" in err and failed >= 2


def test_workers_get_the_cache_settings_and_share_the_reply_cache(cluster, tmp_path, capsys, monkeypatch):
    """DSP_CACHE_DIR (set by the test fixture after Ray started) reaches the workers: their
    replies are in the cache this process reads. It travels with the program, never in a
    runtime env (Ray shows those on its dashboard: DSP_CACHE_URL may hold a password). A Python
    module next to the .dsp file is found by the workers too."""
    actor_options: list[dict] = []
    remote = ray.remote

    def recording_remote(cls):
        made = remote(cls)
        options = made.options
        made.options = lambda **kw: actor_options.append(kw) or options(**kw)
        return made
    monkeypatch.setattr(ray, "remote", recording_remote)
    (tmp_path / "tools.py").write_text("def tidy(text):\n    return ' '.join(text.split())\n")
    (tmp_path / "qa.dsp").write_text("from tools import tidy\n" + PROGRAM.replace("})\n", "}, cache=true)\n", 1)
                                     .replace("respond(question=question)", "respond(question=tidy(question))"))
    write_rows(tmp_path / "in.jsonl", rows(6))
    args = ["batch", str(tmp_path / "qa.dsp"), "qa", "-i", str(tmp_path / "in.jsonl")]
    assert main([*args, "-o", str(tmp_path / "ray.jsonl"), "--ray", "local", "--workers", "2"]) == 1
    assert "LM: 5 calls" in capsys.readouterr().err               # row 3 asks about Narnia: an LM error
    assert actor_options and all("runtime_env" not in kw for kw in actor_options)
    assert main([*args, "-o", str(tmp_path / "here.jsonl")]) == 1
    assert by_row(tmp_path / "here.jsonl") == by_row(tmp_path / "ray.jsonl")
    assert "LM: 5 calls (5 cached)" in capsys.readouterr().err


METRIC_PROGRAM = PROGRAM + '''
def right(example, pred):
    return example.answer == pred.answer

def chatty(example, pred):
    return "yes"
'''


def test_evaluate_on_ray_scores_as_in_process(cluster):
    ns = dsplang.run(METRIC_PROGRAM, "eval.dsp")
    data = [dsplang.Example(question=r["question"], answer="Paris").with_inputs("question") for r in rows(9)]
    with dsplang.context(lm=dsplang.ScriptedLM({"France": {"answer": "Paris"}, "Italy": {"answer": "Rome"}})):
        local = dsplang.evaluate(ns.qa, data, metric=ns.right, threads=2, display_progress=False, max_errors=None)
        remote = dsplang.evaluate(ns.qa, data, metric=ns.right, threads=2, backend="ray", display_progress=False,
                                  max_errors=None)
    assert (remote.score, remote.indices) == (local.score, local.indices) == (round(100 * 2 / 9, 2), list(range(9)))
    assert [e.message for e in remote.errors] == [e.message for e in local.errors]
    assert [(p.answer if p else None, s) for _, p, s in remote.results] == \
        [(p.answer if p else None, s) for _, p, s in local.results]
    with pytest.raises(dsplang.DspError, match="chatty returned"), dsplang.context(lm=dsplang.ScriptedLM({"": {"answer": "x"}})):
        dsplang.evaluate(ns.qa, data, metric=ns.chatty, backend="ray", display_progress=False)
    with pytest.raises(dsplang.DspError, match="the program cannot be sent to Ray workers"):
        dsplang.evaluate(lambda question: dsplang.Prediction(answer="Paris"), data, metric=ns.right, backend="ray")
    with pytest.raises(dsplang.DspError, match="backend must be"):
        dsplang.evaluate(ns.qa, data, metric=ns.right, backend="spark")
