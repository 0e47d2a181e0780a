"""What the background import of litellm (dsplang/lm/warmup.py) saves a program's first LM call.

In a fresh Python each time: an LM on the local OpenAI-compatible server is made (as `use LM(...)`
does), the program then does `--setup` seconds of other work (`sleep`: waiting, as a person at
the REPL; `cpu`: Python computing, as loading data does), then makes its first, uncached
request. Printed, least of `--runs` runs, with the warm-up on and off (off: its grace period set
past the end of the run): the time from making the LM to the first reply, the part of it the
request spent waiting for the import (reported as "litellm import" apart from latency), and
how long the import itself took.

    python benchmarks/litellm_warmup.py [--setup sleep|cpu] [--seconds 3] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, time
from dsplang.lm import warmup
from dsplang.lm.client import LM
if {off}:
    warmup.GRACE = 1e9
t0 = time.perf_counter()
lm = LM("openai/test-model", api_base={url!r}, api_key="sk-test")
end = t0 + {seconds}
if {cpu}:
    while time.perf_counter() < end:
        sum(i * i for i in range(10_000))
else:
    time.sleep({seconds})
asked = time.perf_counter()
reply = lm.request([{{"role": "user", "content": "hi"}}])
done = time.perf_counter()
print(json.dumps({{"first_reply": done - asked, "waited": reply.import_seconds, "latency": reply.latency,
                  "import": warmup.import_seconds(), "total": done - t0}}))
"""


def run_once(url: str, seconds: float, cpu: bool, off: bool) -> dict:
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "DSP_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
        code = CHILD.format(url=url, seconds=seconds, cpu=cpu, off=off)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setup", choices=("sleep", "cpu"), default="sleep")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests" / "lm"))
    from openai_server import OpenAIServer, Reply

    server = OpenAIServer().start()
    server.default = Reply("hello")
    try:
        print(f"setup: {args.setup} for {args.seconds:.1f} s before the first request; least of {args.runs} runs")
        for label, off in (("warm-up off", True), ("warm-up on ", False)):
            runs = [run_once(server.url, args.seconds, args.setup == "cpu", off) for _ in range(args.runs)]
            best = min(runs, key=lambda r: r["total"])
            print(f"{label}: first reply {best['first_reply']:.2f} s (waited for the import {best['waited']:.2f} s, "
                  f"latency {best['latency']:.3f} s); import took {best['import']:.2f} s; "
                  f"LM made -> first reply {best['total']:.2f} s")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
