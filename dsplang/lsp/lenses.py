"""Code lenses for `dsp test`: above each test of a test file (a top-level `def test_*()` in a
`test_*.dsp` or `*_test.dsp` file, as `dsp test` finds them), a lens that runs it, and one
above the first test that runs the whole file.

The lenses' command is `dsplang.runTest` with the file's path and the test's name (no name:
every test of the file). The server executes it (`workspace/executeCommand`, advertised at
`initialize`, so clients that forward unknown commands to the server run it without any
setup: VS Code's language client registers it, Neovim's `vim.lsp.codelens.run()` sends it):
`dsp test FILE -k EXPR` runs in a child process from the workspace folder holding the file,
its output goes to the client's log (`window/logMessage`) and the outcome to a message
(`window/showMessage`), and the request's result is `{passed, exitCode, output, command}`.

`-k` matches words in a test's name and in its file's name, so the expression that selects
exactly one test is worked out from the file's test names (`selector`).
"""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass

from lsprotocol import types
from pygls.workspace import PositionCodec

from dsplang.driver.testing.find import find_tests, is_test_file
from dsplang.grammar.parser import parse_recovering
from dsplang.lsp.analysis import Analysis
from dsplang.lsp.positions import UTF16, to_range
from dsplang.lsp.text import find_word

RUN_TEST = "dsplang.runTest"
TIMEOUT = 600.0
_OUTPUT_LIMIT = 200_000


def file_lenses(analysis: Analysis, codec: PositionCodec = UTF16) -> list[types.CodeLens]:
    """The lenses of a test file: one per test, and one for the whole file."""
    if analysis.program is None or not is_test_file(os.path.basename(analysis.path)):
        return []
    tests = find_tests(analysis.program)
    if not tests:
        return []
    tests.sort(key=lambda t: t.span.line)
    lenses = []
    for test in tests:
        where = to_range(analysis.lines, find_word(analysis.lines, test.span, test.name, True), codec)
        lenses.append(types.CodeLens(range=where, command=types.Command(
            title="▶ Run test", command=RUN_TEST, arguments=[analysis.path, test.name])))
    first = lenses[0].range
    lenses.insert(0, types.CodeLens(range=first, command=types.Command(
        title=f"▶ Run all {len(tests)} tests of the file" if len(tests) > 1 else "▶ Run the file's test",
        command=RUN_TEST, arguments=[analysis.path])))
    return lenses


def selector(name: str, names: list[str], paths: list[str]) -> str | None:
    """A `-k` expression that selects the test `name` among the file's tests `names`, when the
    file is given to `dsp test` as `paths` (its name, its path: a word either holds matches
    every test of the file). None when no expression tells it apart from another test."""
    lower_paths = [p.lower() for p in paths]

    def by_name_only(word: str) -> bool:
        return not any(word in p for p in lower_paths)

    target = name.lower()
    others = [n for n in dict.fromkeys(names) if n.lower() != target]
    terms: list[str] = []
    if by_name_only(target):
        terms.append(name)
        others = [o for o in others if target in o.lower()]   # those the name still selects
    for other in others:
        if other.lower() in target or not by_name_only(other.lower()):
            return None
        terms.append(f"not {other}")
    return " and ".join(terms) if terms else name


@dataclass
class Outcome:
    """What running a test command gave."""

    command: list[str]
    exit_code: int
    output: str

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def as_json(self) -> dict:
        return {"passed": self.passed, "exitCode": self.exit_code, "output": self.output,
                "command": self.command}


def dsp_test_command(path: str, name: str | None, folder: str | None) -> tuple[list[str], str]:
    """(argv, working folder) of `dsp test` for the test `name` of `path` (None: all of them),
    run from `folder` (the workspace folder holding the file) or else the file's folder."""
    cwd = folder if folder is not None else os.path.dirname(path) or "."
    shown = os.path.relpath(path, cwd)
    argv = [sys.executable, "-m", "dsplang.cli", "test", shown]
    if name is not None:
        names = _test_names(path)
        expr = selector(name, names or [name], [os.path.basename(shown), shown])
        argv += ["-k", expr if expr is not None else name]
    return argv, cwd


def _test_names(path: str) -> list[str]:
    """The names of the tests of the file at `path` ([] when it cannot be read)."""
    try:
        with open(path, encoding="utf-8") as fh:
            program, _ = parse_recovering(fh.read(), path)
    except (OSError, UnicodeDecodeError):
        return []
    return [t.name for t in find_tests(program)] if program is not None else []


async def run_test(argv: list[str], cwd: str, timeout: float = TIMEOUT) -> Outcome:
    """Run `dsp test` in a child process and collect its output (stdout and stderr)."""
    proc = await asyncio.create_subprocess_exec(*argv, cwd=cwd, stdin=asyncio.subprocess.DEVNULL,
                                                stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return Outcome(argv, -1, f"dsp test did not finish within {timeout:g} s and was stopped")
    text = out.decode("utf-8", "replace")
    if len(text) > _OUTPUT_LIMIT:
        text = text[:_OUTPUT_LIMIT] + "\n... (output cut)"
    return Outcome(argv, proc.returncode if proc.returncode is not None else -1, text)
