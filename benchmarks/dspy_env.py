"""A throwaway virtual environment with DSPy installed, for the benchmarks that compare with it.

Made on first use (set DSP_BENCH_VENV to choose where; default
~/.cache/dsplang/bench/dspy-<version>), then reused.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DSPY_VERSION = "3.4.1"


def dspy_python() -> Path:
    """The python of a venv with DSPy installed, made on first use."""
    default = Path.home() / ".cache" / "dsplang" / "bench" / f"dspy-{DSPY_VERSION}"
    venv = Path(os.environ.get("DSP_BENCH_VENV", default))
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"installing DSPy {DSPY_VERSION} into {venv} (once) ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", f"dspy=={DSPY_VERSION}", "optuna"], check=True)
    return python


def child_env() -> dict:
    """The environment for a DSPy child process: litellm must not fetch its price table."""
    return {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
