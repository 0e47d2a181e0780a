"""Start-up time of the `dsp` command: `dsp --help`, `dsp --version`, `dsp check examples/*.dsp`.

Each command runs as a fresh process (as a user types it), best and median of 7 runs.
Run: python benchmarks/startup.py
"""

from __future__ import annotations

import glob
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7


def timed(argv: list[str]) -> tuple[float, float]:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    dsp = [sys.executable, "-m", "dsplang.cli"]
    examples = sorted(glob.glob(str(ROOT / "examples" / "*.dsp")))
    commands = {
        "python -c pass (the floor)": [sys.executable, "-c", "pass"],
        "dsp --help": dsp + ["--help"],
        "dsp --version": dsp + ["--version"],
        f"dsp check examples/*.dsp ({len(examples)} files)": dsp + ["check", *examples],
    }
    print(f"start-up, seconds (best / median of {RUNS} fresh processes)")
    for name, argv in commands.items():
        best, median = timed(argv)
        print(f"  {name:40} {best:6.3f} / {median:6.3f}")
    print("target: dsp --help under 0.3 s")


if __name__ == "__main__":
    main()
