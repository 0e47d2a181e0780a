"""Which cassette a run or a test file uses, and how: the rules of `dsp run --record/--replay`
and of `dsp test` (docs/testing.md). The cassette itself is `lm.cassette`.

`dsp test` modes: "auto" (replay a test file's cassette when it exists, else call the LM),
"record" (call the LM and write the cassette), "replay" (only the cassette: a missing one
answers nothing), "live" (call the LM, ignore any cassette).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from dsplang.errors import DspFileError, checked_path
from dsplang.lm import cassette
from dsplang.lm.cassette import Cassette

MODES = ("auto", "record", "replay", "live")
SUFFIX = ".cassette.json"
RUN_SECTION = "run"


def cassette_path(test_file: str) -> str:
    """The cassette of a test file: next to it, `test_qa.dsp` -> `test_qa.cassette.json`."""
    root, ext = os.path.splitext(test_file)
    return (root if ext == ".dsp" else test_file) + SUFFIX


def for_test_file(test_file: str, mode: str, keep: set[str]) -> Cassette | None:
    """The cassette `dsp test` uses for `test_file` in `mode` (None: the LM is called and
    nothing is recorded). Recording keeps the earlier recording of the sections in `keep`
    (the file's tests that are not run this time); the others are dropped or recorded again."""
    path = cassette_path(test_file)
    rerecord = f"dsp test --record {test_file}"
    exists = os.path.exists(path)
    if mode == "live" or (mode == "auto" and not exists):
        return None
    if mode == "record":
        writable(path)
        kept: dict[str, list[dict]] = {}
        if exists and keep:
            try:
                old = Cassette.load(path, rerecord=rerecord)
                kept = {k: v for k, v in old.sections.items() if k in keep}
            except DspFileError:
                kept = {}        # a damaged cassette is recorded afresh
        return Cassette(path, recording=True, sections=kept, rerecord=rerecord)
    if not exists:               # replay without a cassette: every request is a miss
        return Cassette(path, recording=False, rerecord=rerecord)
    return Cassette.load(path, rerecord=rerecord)


def finish(tape: Cassette) -> None:
    """After a test file ran: write a recording, unless nothing was recorded and there was
    no cassette before (a file whose tests call no LM gets none)."""
    if not tape.recording:
        return
    if any(tape.sections.values()) or os.path.exists(tape.path):
        tape.save()


@contextmanager
def run_cassette(record: str | None = None, replay: str | None = None) -> Iterator[Cassette | None]:
    """`dsp run --record FILE` / `--replay FILE`: the run's LM exchanges go to (or come from) the
    section "run" of FILE. A recording is written when the run ends, even when it failed (what
    was recorded is kept); a replay whose program swallowed a miss (`evaluate` scores a failed
    example) still fails with it."""
    if record is None and replay is None:
        yield None
        return
    if record is not None:
        tape = Cassette(writable(record), recording=True, rerecord=f"dsp run --record {record}")
        try:
            with cassette.playing(tape, RUN_SECTION):
                yield tape
        finally:
            tape.save()
        return
    assert replay is not None
    tape = Cassette.load(checked_path(replay), rerecord=f"dsp run --record {replay}")
    with cassette.playing(tape, RUN_SECTION):
        yield tape
    if tape.misses:
        raise tape.misses[0]


def writable(path: str) -> str:
    """`path`, or a DspFileError when a cassette cannot be written there (checked before the
    run, so no LM call is spent on a recording that cannot be kept)."""
    checked_path(path)
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.isdir(path):
        raise DspFileError(f"cannot write the cassette to {path}: it is a folder",
                           hint="the program was not run")
    if not os.path.isdir(folder):
        raise DspFileError(f"cannot write the cassette to {path}: no such folder {folder}",
                           hint="the program was not run")
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise DspFileError(f"cannot write the cassette to {path}: permission denied",
                           hint="the program was not run")
    return path
