"""Start-up time of the `dsp` command: `dsp --help`, `dsp --version`, `dsp check` of one example
and of all of them, and a fully cached `dsp run` (its one LM call answered from the cache: the
cache is filled first by a run against a local OpenAI-compatible server, which is then stopped).

Each command runs as a fresh process (as a user types it), best and median of 7 runs after
one warm-up. Bytecode is written and reused (into a temporary PYTHONPYCACHEPREFIX) as on a
user's machine, even where the environment sets PYTHONDONTWRITEBYTECODE.

With --importtime N, it then prints the N imports of the cached run that take longest
(cumulative, with their own time), each the least over 7 runs of `python -X importtime`:
where a run's start-up goes. Modules imported through importlib.import_module (the
builtins table's standard library) are not listed by -X importtime, only what they import.
Run: python benchmarks/startup.py [--importtime 15]
"""

from __future__ import annotations

import argparse
import collections
import glob
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7


def timed(argv: list[str]) -> tuple[float, float]:
    times = []
    subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


CACHED_PROGRAM = """\
use LM("openai/bench-model", api_base="{url}", api_key="sk-bench")
signature QA = "question -> answer"
print(Predict(QA)(question="What is the capital of France?").answer)
"""


def cached_run(dsp: list[str], workdir: Path) -> list[str]:
    """A program whose LM reply is in the cache (DSP_CACHE_DIR in `workdir`): the argv to time."""
    sys.path.insert(0, str(ROOT / "tests" / "lm"))
    from openai_server import OpenAIServer, Reply

    server = OpenAIServer().start()
    server.default = Reply("[[ ## answer ## ]]\nParis\n\n[[ ## completed ## ]]")
    program = workdir / "cached.dsp"
    program.write_text(CACHED_PROGRAM.format(url=server.url))
    try:
        subprocess.run(dsp + ["run", "--quiet", str(program)], check=True, stdout=subprocess.DEVNULL)
    finally:
        server.stop()
    return dsp + ["run", "--quiet", str(program)]


def slowest_imports(argv: list[str], count: int) -> list[tuple[int, int, str]]:
    """(cumulative µs, own µs, module) of the `count` slowest imports of `argv` under
    -X importtime, each the least of its RUNS runs, longest first."""
    own: dict[str, list[int]] = collections.defaultdict(list)
    total: dict[str, list[int]] = collections.defaultdict(list)
    line = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (.+)$")
    for _ in range(RUNS):
        done = subprocess.run([argv[0], "-X", "importtime", *argv[1:]], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, check=False)
        for found in filter(None, map(line.match, done.stderr.splitlines())):
            own[found[3]].append(int(found[1]))
            total[found[3]].append(int(found[2]))
    rows = [(min(total[name]), min(own[name]), name) for name in total]
    return sorted(rows, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description="start-up time of the dsp command")
    parser.add_argument("--importtime", type=int, default=0, metavar="N",
                        help="also print the N slowest imports of the cached run")
    args = parser.parse_args()
    dsp = [sys.executable, "-m", "dsplang.cli"]
    workdir = Path(tempfile.mkdtemp(prefix="dsp-startup-"))
    os.environ["DSP_CACHE_DIR"] = str(workdir / "cache")
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    examples = sorted(glob.glob(str(ROOT / "examples" / "*.dsp")))
    commands = {
        "python -c pass (the floor)": [sys.executable, "-c", "pass"],
        "dsp --help": dsp + ["--help"],
        "dsp --version": dsp + ["--version"],
        "dsp check examples/hello.dsp": dsp + ["check", str(ROOT / "examples" / "hello.dsp")],
        f"dsp check examples/*.dsp ({len(examples)} files)": dsp + ["check", *examples],
        "dsp run, its LM call cached": cached_run(dsp, workdir),
    }
    print(f"start-up, seconds (best / median of {RUNS} fresh processes)")
    for name, argv in commands.items():
        best, median = timed(argv)
        print(f"  {name:40} {best:6.3f} / {median:6.3f}")
    print("targets: dsp --help, dsp check of one example and a cached dsp run under 0.3 s (idle machine)")
    if args.importtime:
        print(f"\nslowest imports of the cached run, ms (least of {RUNS}; cumulative, own)")
        for total, own, name in slowest_imports(commands["dsp run, its LM call cached"], args.importtime):
            print(f"  {total / 1000:7.1f} {own / 1000:7.1f}  {name}")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
