"""Rows per second of `dsp batch` on a local Ray cluster with 1, 2 and 4 workers, against a
100 ms LM, beside the same batch in this process.

Two fake LMs, each answering every request after 100 ms:

- `server`: a local OpenAI-compatible server in a process of its own
  (`tests/lm/openai_server.py --latency 0.1`), reached through the real litellm path with the
  cache off: each worker imports litellm and spends its CPU per call, as against a provider;
- `sleep`: a ScriptedLM with `delay=0.1` (no litellm): the engines alone.

Each worker runs `--threads` rows at once, so the ideal is workers x threads / 0.1 s rows/s.
A run's figures: `total` counts from the start of `run_batch` (loading the program, starting
the Ray workers, each unpickling the program and, for `server`, importing litellm) to the
last line written; `steady` counts the rows written after the first tenth, from when the
output held a tenth of them to the last line. Ray is started
once, with 4 logical CPUs (`ray.init(num_cpus=4)`), so 4 workers get one each; the machine
may have fewer cores.

Run: python benchmarks/batch_ray.py [--rows N] [--threads T] [--lm server|sleep|both]
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LATENCY = 0.1
REPLY = "[[ ## answer ## ]]\nParis\n\n[[ ## completed ## ]]"

PROGRAM = '''use {lm}

signature Answer:
    input question: str
    output answer: str

module QA:
    respond = Predict(Answer)
    def forward(question: str):
        return respond(question=question)

let qa = QA()
'''


def start_server() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests/lm/openai_server.py"), "--latency", str(LATENCY),
                             "--reply", REPLY], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


class Mark:
    """Notes when the output file first holds `lines` lines or more, and how many it held
    then (polled on a thread every 5 ms; a Ray worker's chunk of rows arrives at once)."""

    def __init__(self, path: Path, lines: int) -> None:
        self.path = path
        self.lines = lines
        self.at: tuple[float, int] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set() and self.at is None:
            count = self.path.read_bytes().count(b"\n") if self.path.exists() else 0
            if count >= self.lines:
                self.at = (time.perf_counter(), count)
            time.sleep(0.005)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def one_batch(folder: Path, rows: int, threads: int, workers: int | None) -> tuple[float, float]:
    """(total rows/s, steady rows/s) of one batch; workers None: in this process."""
    from dsplang.context.run import Options, Run
    from dsplang.driver.batch.runner import BatchOptions, run_batch

    out = folder / f"out-{workers}-{time.monotonic_ns()}.jsonl"
    options = BatchOptions(str(folder / "qa.dsp"), "qa", str(folder / "in.jsonl"), str(out), threads=threads,
                           ray=None if workers is None else "auto", workers=workers,
                           chunk_size=None if workers is None else 4 * threads)
    watch = Mark(out, rows // 10)
    started = time.perf_counter()
    summary = run_batch(options, Run(Options(cache=False, quiet=True)), None)
    ended = time.perf_counter()
    watch.stop()
    if summary.errors or summary.done != rows:
        raise SystemExit(f"the batch did not answer every row: {summary.line()}")
    marked, lines = watch.at or (started, 0)
    return rows / (ended - started), (rows - lines) / (ended - marked)


def run_lm(kind: str, url: str | None, rows: int, threads: int) -> list[tuple[str, float, float, float]]:
    lm = (f'LM("openai/gpt-4o-mini", api_base="{url}", api_key="sk-test", cache=false)' if kind == "server"
          else f'ScriptedLM({{"": {{"answer": "Paris"}}}}, delay={LATENCY})')
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "qa.dsp").write_text(PROGRAM.format(lm=lm))
        (folder / "in.jsonl").write_text("".join(f'{{"question": "question {i}?"}}\n' for i in range(rows)))
        for workers in (None, 1, 2, 4):
            total, steady = one_batch(folder, rows, threads, workers)
            ideal = (workers or 1) * threads / LATENCY
            name = "in this process" if workers is None else f"Ray, {workers} worker{'s' if workers > 1 else ''}"
            results.append((name, total, steady, ideal))
            print(f"  {kind:6} {name:16} total {total:7.1f} rows/s   steady {steady:7.1f} rows/s   "
                  f"(ideal {ideal:.0f})", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=600)
    parser.add_argument("--threads", type=int, default=4, help="rows at once per worker (default 4)")
    parser.add_argument("--lm", choices=("server", "sleep", "both"), default="both")
    args = parser.parse_args()
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import ray
    ray.init(num_cpus=4, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
    server = None
    try:
        print(f"{args.rows} rows, {args.threads} threads per worker, a {LATENCY * 1000:.0f} ms LM, "
              f"{os.cpu_count()} cores", flush=True)
        url = None
        if args.lm in ("server", "both"):
            server, url = start_server()
        table = {kind: run_lm(kind, url, args.rows, args.threads)
                 for kind in (("server", "sleep") if args.lm == "both" else (args.lm,))}
    finally:
        if server is not None:
            server.kill()
        ray.shutdown()
    print("\n| LM | engine | rows/s (total) | rows/s (steady) | ideal |\n|---|---|---|---|---|")
    for kind, results in table.items():
        for name, total, steady, ideal in results:
            print(f"| {kind} | {name} | {total:.1f} | {steady:.1f} | {ideal:.0f} |")


if __name__ == "__main__":
    main()
