"""Run untrusted Python code in a confined child process and report what happened.

    result = run_code("print(6 * 7)")
    result.ok, result.output, result.error     # True, "42", None

The child is `sys.executable -I -S -B child.py` in its own session, with a throwaway
directory as its only writable place; see confine.py and guard.py for the confinement and
docs/sandbox.md for what it does and does not protect against. Nothing the code does
raises in the caller: every failure (an exception, a refused action, a limit) comes back
as `SandboxResult.error`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

CHILD = Path(__file__).with_name("child.py")
RESULT_LIMIT = 1_000_000
FULL = "network namespace"
_warned = False


class SandboxWarning(UserWarning):
    """The machine does not allow the sandbox's namespaces; a weaker confinement is used."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What one run may use. Times in seconds, sizes in MB."""

    cpu_seconds: float = 5.0
    wall_seconds: float = 10.0
    memory_mb: int = 512
    file_size_mb: int = 16
    disk_mb: int = 64
    open_files: int = 64
    output_chars: int = 20_000


@dataclass(slots=True)
class SandboxResult:
    """The outcome of one run. `error` is None exactly when `ok`."""

    ok: bool
    stdout: str = ""
    value: str | None = None
    error: str | None = None
    duration: float = 0.0
    isolation: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        """What the code printed, then the value of its final expression (if any)."""
        parts = [self.stdout.rstrip("\n")] if self.stdout.strip() else []
        if self.value is not None:
            parts.append(self.value)
        return "\n".join(parts)


def run_code(code: str, limits: Limits | None = None, **overrides) -> SandboxResult:
    """Run `code` confined; `overrides` change single Limits fields (e.g. cpu_seconds=1)."""
    limits = replace(limits or Limits(), **overrides)
    base = Path(tempfile.mkdtemp(prefix="dsp-sandbox-"))
    started = time.monotonic()
    try:
        request = _prepare(base, code, limits)
        returncode, timed_out = _spawn(request, limits)
        result = _read_result(base / "result.json")
        if result is None:
            result = SandboxResult(False, error=_death(returncode, timed_out, limits))
        elif timed_out:
            result.ok, result.error = False, _death(returncode, True, limits)
        else:
            _warn_if_weak(result.isolation)
        result.duration = time.monotonic() - started
        return result
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _warn_if_weak(isolation: list[str]) -> None:
    """Say once per process when the code ran without namespaces (see docs/sandbox.md)."""
    global _warned
    if FULL not in isolation and not _warned:
        _warned = True
        warnings.warn("the sandbox could not create namespaces on this machine: generated code "
                      "runs with resource limits and an audit hook only (see docs/sandbox.md)",
                      SandboxWarning, stacklevel=3)


def _prepare(base: Path, code: str, limits: Limits) -> dict:
    (base / "work").mkdir()
    (base / "root").mkdir()
    (base / "result.json").write_bytes(b"")
    return {"code": code, "workdir": str(base / "work"), "newroot": str(base / "root"),
            "result": str(base / "result.json"), "cpu_seconds": limits.cpu_seconds,
            "memory_mb": limits.memory_mb, "file_size_mb": limits.file_size_mb,
            "disk_mb": limits.disk_mb, "open_files": limits.open_files,
            "output_limit": limits.output_chars}


def _spawn(request: dict, limits: Limits) -> tuple[int, bool]:
    """Run the child to its end or the wall-clock limit; (return code, whether it timed out)."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": request["workdir"],
           "TMPDIR": request["workdir"]}
    proc = subprocess.Popen(
        [sys.executable, "-I", "-S", "-B", str(CHILD)], stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=request["workdir"], env=env,
        start_new_session=True, close_fds=True)
    try:
        proc.communicate(json.dumps(request).encode(), timeout=limits.wall_seconds)
        return proc.returncode, False
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        return proc.returncode, True
    except BaseException:
        _kill_group(proc)
        raise


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _read_result(path: Path) -> SandboxResult | None:
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read(RESULT_LIMIT))
        return SandboxResult(bool(data["ok"]), str(data.get("stdout") or ""),
                             data.get("value"), data.get("error"), 0.0,
                             list(data.get("isolation") or []))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _death(returncode: int, timed_out: bool, limits: Limits) -> str:
    """Why the child ended without a result, in words."""
    if timed_out:
        return (f"TimeoutError: the code ran longer than the wall-clock limit of "
                f"{limits.wall_seconds:g} s and was stopped")
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return (f"TimeoutError: the code used more than its CPU time limit of "
                f"{limits.cpu_seconds:g} s and was stopped")
    if returncode < 0:
        name = signal.Signals(-returncode).name
        if -returncode in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT):
            return (f"MemoryError: the code was killed by {name} (likely the memory limit of "
                    f"{limits.memory_mb} MB)")
        return f"RuntimeError: the code was killed by {name}"
    return f"RuntimeError: the code ended the sandbox process (exit code {returncode}) without a result"
