"""Hostile programs: a fixed-seed stream of mutants of the examples and the test programs
(token and line edits, deep nesting, NUL bytes, huge literals and computations, bytes that
are not UTF-8; see tests/mutation.py) each go through `dsp check`, `dsp fmt`, `dsp run`
(ScriptedLM, or a provider that refuses) and the language server. Every tool must succeed
or fail with a proper error, and none may hang (tests/fuzz_targets.py says what counts).

The tools run in worker processes, each call under a real time limit (tests/time_limits.py).
The failing mutants are copied to a new folder under the temporary directory, named in the
failure with their tracebacks; `python tests/fuzz_targets.py TOOL FILE CWD` replays one.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from fuzz_targets import TOOLS, Job, try_tool
from mutation import hostile_mutants
from time_limits import WorkerPool

ROOT = Path(__file__).resolve().parent.parent
SEED = 14
COUNT = 2_000
CALL_SECONDS = 10.0
PROCESSES = max(2, min(4, os.cpu_count() or 2))
SOURCES = sorted((ROOT / "examples").glob("*.dsp")) + sorted((ROOT / "tests" / "programs").glob("*.dsp"))
SKIPPED = {"build", "__pycache__", ".dsp-build"}


def runs(source: Path) -> bool:
    """Whether `dsp run` is tried: not on a program with `while` or a recursive function, whose
    mutants may loop forever or take exponential time as written (`fib(1515)`), like the
    same program in Python (the other tools still read it)."""
    text = source.read_text(encoding="utf-8")
    return "while" not in text and not _recursive(text)


def _recursive(text: str) -> bool:
    """Whether a `def` calls itself inside its own (indented) body."""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        found = re.match(r"(\s*)def\s+(\w+)\s*\(", line)
        if not found:
            continue
        indent, name = len(found.group(1)), found.group(2)
        for body in lines[number + 1:]:
            if body.strip() and len(body) - len(body.lstrip()) <= indent:
                break
            if re.search(rf"\b{name}\s*\(", body):
                return True
    return False


def place(folder: Path, source: Path, data: bytes) -> tuple[str, str]:
    """Write a mutant of `source` into its own folder, beside links to the files its original
    has beside it, so that its imports, data and saved files work as in the original's test.
    Returns (path, the folder it runs from)."""
    if source.parent.name == "examples":       # run from the repository root
        cwd, beside = folder, folder / "examples"
    else:                                       # tests/programs: run from its own folder
        cwd = beside = folder
    beside.mkdir(parents=True)
    (cwd / "build").mkdir(exist_ok=True)
    for entry in source.parent.iterdir():
        if entry.name not in SKIPPED and entry.name != source.name and entry.suffix not in (".out", ".err"):
            (beside / entry.name).symlink_to(entry)
    path = beside / source.name
    path.write_bytes(data)
    return str(path), str(cwd)


@pytest.mark.time_limit(600)
def test_hostile_programs_fail_cleanly_and_never_hang(tmp_path):
    kinds: dict[str, str] = {}
    started, cpu_before = time.monotonic(), _children_cpu()
    failures = []
    with WorkerPool(PROCESSES, call_seconds=CALL_SECONDS) as pool:
        for job, outcome in pool.map(try_tool, jobs(tmp_path, kinds)):
            problem = outcome.value if outcome.ok else outcome.describe()
            if problem:
                failures.append((job, problem))
    elapsed = time.monotonic() - started
    print(f"\n{COUNT} mutants ({', '.join(f'{n} {k}' for k, n in Counter(kinds.values()).most_common())}): "
          f"{len(failures)} failures in {elapsed:.0f} s on {PROCESSES} processes "
          f"(the workers' CPU time: {_children_cpu() - cpu_before:.0f} s)")
    assert not failures, report(sorted(failures, key=lambda f: (f[0].path, f[0].tool)), kinds)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def jobs(folder: Path, kinds: dict[str, str]) -> Iterator[Job]:
    """The tool runs on each mutant, each mutant written to its folder as it is reached;
    `kinds` records each one's kind of mutation."""
    texts = [p.read_text(encoding="utf-8") for p in SOURCES]
    for number, mutant in enumerate(hostile_mutants(texts, COUNT, SEED)):
        source = SOURCES[mutant.index]
        path, cwd = place(folder / f"m{number:04d}", source, mutant.data)
        kinds[path] = mutant.kind
        yield from (Job(tool, path, cwd) for tool in TOOLS if tool != "run" or runs(source))


def report(failures: list[tuple[Job, str]], kinds: dict[str, str]) -> str:
    """One paragraph per distinct problem (its first mutant, its traceback, how many more).
    The failing mutants are copied to a new folder that outlives the test, with
    failures.txt holding every failure and its traceback."""
    keep = Path(tempfile.mkdtemp(prefix="dsplang-fuzz-"))
    groups: dict[str, list[tuple[Job, str]]] = {}
    for job, problem in failures:
        groups.setdefault(f"{job.tool}: {_signature(problem)}", []).append((job, problem))
        kept = keep / Path(job.cwd).name
        if not kept.exists():
            shutil.copytree(job.cwd, kept, symlinks=True)
    (keep / "failures.txt").write_text("\n\n".join(
        f"== {job.tool} {_kept(job.path, keep)} ({kinds[job.path]} mutant)\n{problem}" for job, problem in failures),
        encoding="utf-8")
    lines = [f"{len(failures)} tool runs failed, {len(groups)} distinct problems; the mutants and "
             f"every traceback: {keep}"]
    for signature, members in groups.items():
        job, problem = members[0]
        lines.append(f"\n== {signature}  [{len(members)}x, first: a {kinds[job.path]} mutant]\n"
                     f"   replay: python tests/fuzz_targets.py {job.tool} {_kept(job.path, keep)} "
                     f"{_kept(job.cwd, keep)}\n" + _tail(problem))
    return "\n".join(lines)


def _kept(path: str, keep: Path) -> str:
    """Where `path` (in a mutant's folder) was copied to under `keep`."""
    parts = Path(path).parts
    folder = next(i for i, part in enumerate(parts) if part.startswith("m") and part[1:].isdigit())
    return str(keep.joinpath(*parts[folder:]))


def _signature(problem: str) -> str:
    """The exception's type and the innermost dsplang frame of a traceback (or its first line)."""
    lines = [line.strip() for line in problem.strip().splitlines()]
    frames = [line for line in lines if line.startswith("File ") and "dsplang" in line]
    if "timed out" in lines[0]:
        kind = "timed out"
    else:
        kind = next((line.split(":")[0] for line in reversed(lines) if re.match(r"[\w.]+(Error|Exception|Limit)\b", line)),
                    lines[-1][:80])
    return f"{kind} at dsplang{frames[-1].split('dsplang', 1)[-1]}" if frames else kind


def _tail(problem: str, keep: int = 24) -> str:
    lines = problem.rstrip().splitlines()
    return "\n".join(["   ..."] * (len(lines) > keep) + lines[-keep:])


def test_the_mutants_are_the_same_every_run():
    texts = [p.read_text(encoding="utf-8") for p in SOURCES]
    first = [m.data for m in hostile_mutants(texts, 50, SEED)]
    assert first == [m.data for m in hostile_mutants(texts, 50, SEED)]
    assert len(set(first)) > 45


def test_there_are_enough_sources():
    assert len(SOURCES) >= 60
