"""Run untrusted Python code in a confined child process and report what happened.

    result = run_code("print(6 * 7)")
    result.ok, result.output, result.error     # True, "42", None

The child is `sys.executable -I -S -B child.py` in its own session, with a throwaway
directory as its only writable place; see confine.py for the confinement and
docs/sandbox.md for what it does and does not protect against. Nothing the code does
raises in the caller: every failure (an exception, a refused action, a limit, a forged
result) comes back as `SandboxResult.error`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

from dsplang.stdlib.sandbox.protocol import AUDIT_HOOK, ESSENTIAL
from dsplang.stdlib.sandbox.result import InvalidResult, SandboxResult, invalid, parse, size_limit

CHILD = Path(__file__).with_name("child.py")
_machine: list[str] | None = None
_machine_lock = threading.Lock()
_warned = False


class SandboxWarning(UserWarning):
    """The machine does not allow some of the sandbox's layers; a weaker confinement is used."""


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


def run_code(code: str, limits: Limits | None = None, *, audit_hook: bool = True,
             **overrides) -> SandboxResult:
    """Run `code` confined; `overrides` change single Limits fields (e.g. cpu_seconds=1).

    `audit_hook=False` leaves out the audit hook, for tests that check the other layers
    hold alone; ProgramOfThought always has it.
    """
    limits = replace(limits or Limits(), **overrides)
    if os.name != "posix":
        return SandboxResult(False, error="RuntimeError: the code sandbox needs Linux or macOS; "
                                          "see docs/sandbox.md")
    machine = machine_layers()
    _warn_if_weak(machine)
    return _execute(code, limits, machine, audit_hook)


def machine_layers() -> list[str]:
    """The layers this machine allows, learned once per process by running empty code:
    no untrusted code runs there, so its report can be believed. Every later run must
    apply them all, or the child refuses to run the code."""
    global _machine
    with _machine_lock:
        if _machine is None:
            probe = _execute("", Limits(), [], audit_hook=False)
            _machine = [layer for layer in probe.isolation if layer != AUDIT_HOOK] if probe.ok else []
        return list(_machine)


def _warn_if_weak(machine: list[str]) -> None:
    """Say once per process which essential layers this machine does not allow."""
    global _warned
    missing = [layer for layer in ESSENTIAL if layer not in machine]
    if missing and not _warned:
        _warned = True
        warnings.warn(f"the sandbox cannot apply {', '.join(missing)} on this machine: generated "
                      f"code runs with weaker confinement (see docs/sandbox.md)",
                      SandboxWarning, stacklevel=3)


def _execute(code: str, limits: Limits, require: list[str], audit_hook: bool) -> SandboxResult:
    base = Path(tempfile.mkdtemp(prefix="dsp-sandbox-"))
    started = time.monotonic()
    try:
        request = _prepare(base, code, limits, require, audit_hook)
        # Read back through this descriptor, not the path: without namespaces the code could
        # put something else (a FIFO, a link) at that path.
        with open(request["result"], "rb") as result_file:
            returncode, timed_out = _spawn(request, limits)
            result = _collect(result_file, returncode, timed_out, limits)
        result.duration = time.monotonic() - started
        return result
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _prepare(base: Path, code: str, limits: Limits, require: list[str], audit_hook: bool) -> dict:
    (base / "work").mkdir()
    (base / "root").mkdir()
    (base / "result.json").write_bytes(b"")
    return {"code": code, "workdir": str(base / "work"), "newroot": str(base / "root"),
            "result": str(base / "result.json"), "cpu_seconds": limits.cpu_seconds,
            "memory_mb": limits.memory_mb, "file_size_mb": limits.file_size_mb,
            "disk_mb": limits.disk_mb, "open_files": limits.open_files,
            "output_limit": limits.output_chars, "require": require, "audit_hook": audit_hook,
            "seccomp": _seccomp_module()}


def _seccomp_module() -> str | None:
    """The file of the installed pyseccomp module: the child (run with -I -S) loads it by path."""
    spec = importlib.util.find_spec("pyseccomp")
    return spec.origin if spec is not None and spec.origin else None


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
        _kill(proc)
        return proc.returncode, True
    except BaseException:
        _kill(proc)
        raise


def _kill(proc: subprocess.Popen) -> None:
    """Kill the child's process group, and the child itself in case it left the group."""
    for kill in (lambda: os.killpg(proc.pid, signal.SIGKILL), proc.kill):
        try:
            kill()
        except ProcessLookupError:
            pass
    proc.wait()


def _collect(result_file, returncode: int, timed_out: bool, limits: Limits) -> SandboxResult:
    """The run's result: the child's report if it ended normally with a valid one."""
    if timed_out or returncode != 0:
        return SandboxResult(False, error=_death(returncode, timed_out, limits))
    raw = result_file.read(size_limit(limits.output_chars) + 1)
    if not raw:
        return SandboxResult(False, error=_death(returncode, False, limits))
    try:
        return parse(raw, limits.output_chars)
    except InvalidResult as exc:
        return SandboxResult(False, error=invalid(str(exc)))


def _death(returncode: int, timed_out: bool, limits: Limits) -> str:
    """Why the child ended without a result, in words."""
    if timed_out:
        return (f"TimeoutError: the code ran longer than the wall-clock limit of "
                f"{limits.wall_seconds:g} s and was stopped")
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return (f"TimeoutError: the code used more than its CPU time limit of "
                f"{limits.cpu_seconds:g} s and was stopped")
    if returncode < 0:
        name = _signal_name(-returncode)
        if -returncode in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT):
            return (f"MemoryError: the code was killed by {name} (likely the memory limit of "
                    f"{limits.memory_mb} MB)")
        return f"RuntimeError: the code was killed by {name}"
    return f"RuntimeError: the code ended the sandbox process (exit code {returncode}) without a result"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
