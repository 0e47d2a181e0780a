"""Where the machine allows no namespaces (here: a seccomp filter refuses `unshare` to the
whole process tree), the sandbox still runs the code, with the layers that remain, and
says once which ones are missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

DRIVER = '''
import errno, json, warnings
import pyseccomp
rules = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
rules.add_rule(pyseccomp.ERRNO(errno.EPERM), "unshare")
rules.load()
from dsplang.stdlib.sandbox import run_code
code = """
import os
print(os.getuid())
open("note", "w").write("written")
print(open("note").read())
try:
    os.fork()
except OSError as exc:
    print("fork", type(exc).__name__)
"""
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    result = run_code(code, cpu_seconds=1, audit_hook=False)
print(json.dumps({"ok": result.ok, "stdout": result.stdout, "error": result.error,
                  "isolation": result.isolation, "warnings": [str(w.message) for w in caught]}))
'''


def test_without_namespaces_the_code_runs_with_the_remaining_layers_and_a_warning(tmp_path):
    done = subprocess.run([sys.executable, "-c", DRIVER], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ok"], report["error"]
    root = os.geteuid() == 0
    assert report["stdout"] == f"{65534 if root else os.getuid()}\nwritten\nfork PermissionError\n"
    assert set(report["isolation"]) == {"seccomp filter", "resource limits"} | (
        {"unprivileged user", "no capabilities"} if root else set())
    assert len(report["warnings"]) == 1
    assert "cannot apply network namespace, pid namespace, private read-only root" in report["warnings"][0]
