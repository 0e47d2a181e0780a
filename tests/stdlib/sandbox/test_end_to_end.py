"""A real `dsp run` of a ProgramOfThought program whose model writes the issue's escape:
switch the audit hook off, chroot out, read the user's mode-600 file, write outside."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import _attacks
import pytest
from _targets import Targets

NOBODY = 65534
PROGRAM = '''
signature Task:
    """Do the task."""
    input task: str
    output answer: str

use ScriptedLM([
    {{"reasoning": "r", "generated_code": {code}}},
    {{"reasoning": "r", "answer": "done"}},
])
let solver = ProgramOfThought(Task, max_iters=1)
print(solver(task="escape").code_output)
'''


@pytest.fixture
def targets():
    # The sandbox's user on the host: nobody when dsp runs as root, else the user itself.
    targets = Targets(NOBODY if os.geteuid() == 0 else os.getuid())
    yield targets
    targets.close()


def dsp_run(tmp_path, code: str) -> subprocess.CompletedProcess:
    path = tmp_path / "escape.dsp"
    path.write_text(PROGRAM.format(code=json.dumps(code)))
    return subprocess.run([sys.executable, "-m", "dsplang.cli", "run", str(path)], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)


def test_the_escape_written_by_the_model_reads_and_writes_nothing(tmp_path, targets):
    code = (_attacks.PRELUDE.format(targets=json.dumps(targets.data)) + _attacks.DISABLE_HOOK_BY_GC
            + _attacks.ATTACKS["hook_via_sys_modules"].code)
    done = dsp_run(tmp_path, code)
    assert done.returncode == 0, done.stderr
    assert "hooks patched: 1" in done.stdout and "guard not reachable" in done.stdout
    assert "blocked chroot escape PermissionError" in done.stdout
    assert "blocked read secret FileNotFoundError" in done.stdout
    assert "ESCAPED" not in done.stdout and targets.secret_text not in done.stdout + done.stderr
    assert targets.damage() == []


def test_a_forged_result_is_a_clear_error_not_an_internal_one(tmp_path):
    done = dsp_run(tmp_path, _attacks.PRELUDE.format(targets="{}") + _attacks.ATTACKS["forged_result"].code)
    assert done.returncode == 1, done.stderr
    assert "result is not valid" in done.stderr and "'value' is not a string" in done.stderr
    assert "internal error" not in done.stderr and "SandboxWarning" not in done.stderr
