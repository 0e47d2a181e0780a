"""The tools a hostile program is tried on, in a worker process (see tests/time_limits.py):
`dsp check`, `dsp fmt --check` and `dsp run` through the CLI's own `main`, and the language
server's features called directly. Each answers None when the tool succeeded or failed
cleanly, else the Python traceback it should not have shown.

Clean means what a user sees as a proper error: the CLI did not print "internal error",
an error of `dsp run` is a DspError with a position, the language server raised nothing.
No LM provider is ever called: a program that names a real model gets the provider's
refusal (a DspLMError); ScriptedLM programs run as written.
"""

from __future__ import annotations

import io
import os
import sys
import traceback
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

TOOLS = ("check", "fmt", "run", "lsp")


@dataclass(frozen=True)
class Job:
    """Run `tool` on the file `path` (bytes on disk, maybe not UTF-8) from the folder `cwd`."""
    tool: str
    path: str
    cwd: str


class _Refused(Exception):
    status_code = 401


def _refuse(self, messages, n, params):
    raise _Refused(f"{self.model}: provider calls are off in the fuzz workers")


def try_tool(job: Job) -> str | None:
    """None when `job.tool` handled the file cleanly; else what went wrong, with a traceback."""
    os.chdir(job.cwd)
    os.environ.update(DSP_NO_LOCAL_LM="1", DSP_CACHE_DIR=job.path + ".cache", DSP_BUILD_DIR=job.path + ".build")
    os.environ.pop("DSP_LM", None)
    if job.tool == "lsp":
        return _language_server(job.path)
    return _cli(job.tool, job.path)


def _cli(tool: str, path: str) -> str | None:
    from dsplang import cli
    from dsplang.errors import DspError
    from dsplang.lm import LM
    LM._complete = _refuse                      # ScriptedLM and the like override it
    argv = {"check": ["check", path], "fmt": ["fmt", "--check", path],
            "run": ["run", path, "--quiet", "--no-cache"]}[tool]
    reported: list[BaseException] = []
    report = cli.report
    cli.report = lambda exc, debug: (reported.append(exc), report(exc, debug))[1]
    err = io.StringIO()
    try:
        with redirect_stdout(io.StringIO()), redirect_stderr(err):
            cli.main(argv)
    except SystemExit:                         # the program asked to exit: the CLI does too
        pass
    finally:
        cli.report = report
    for exc in reported:
        if not isinstance(exc, DspError):
            return _traceback(exc)
        if tool == "run" and exc.span is None:
            return f"a DspError without a position: {exc!r}\n{_traceback(exc)}"
    if "internal error" in err.getvalue():
        return err.getvalue()
    return None


def _language_server(path: str) -> str | None:
    """What an editor does with the file: diagnostics, analysis, symbols, formatting,
    hover and go-to-definition at a few places, completion at one."""
    from lsprotocol import types

    from dsplang.lsp.analysis import Project
    from dsplang.lsp.completion import completion
    from dsplang.lsp.definition import definition
    from dsplang.lsp.diagnostics import diagnostics
    from dsplang.lsp.formatting import formatting
    from dsplang.lsp.hover import hover
    from dsplang.lsp.symbols import symbols
    with open(path, "rb") as fh:
        text = fh.read().decode("utf-8", "replace")    # what an editor sends for bad bytes
    try:
        diagnostics(text, path)
        analysis = Project().analyse(path, text)
        symbols(analysis)
        formatting(analysis)
        places = [types.Position(line=line, character=character) for line, character in _places(text)]
        completion(analysis, places[0])    # in a broken file each one parses it again
        for position in places:
            hover(analysis, position)
            definition(analysis, position)
    except Exception as exc:  # noqa: BLE001 - the server would log it and answer nothing
        return _traceback(exc)
    return None


def _places(text: str) -> list[tuple[int, int]]:
    """A few cursor positions: the end of the longest line (where completion is asked), the
    middle of the middle line, the end of the last line, and past the end."""
    lines = text.split("\n")
    longest = max(range(len(lines)), key=lambda i: len(lines[i]))
    middle = len(lines) // 2
    return [(longest, len(lines[longest])), (middle, len(lines[middle]) // 2), (len(lines) - 1, len(lines[-1])),
            (len(lines) + 2, 0)]


def _traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


if __name__ == "__main__":        # replay one: python tests/fuzz_targets.py TOOL FILE CWD
    tool, path, cwd = sys.argv[1:4]
    print(try_tool(Job(tool, os.path.abspath(path), os.path.abspath(cwd))) or f"{tool}: clean")
