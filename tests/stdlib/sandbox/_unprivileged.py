"""Running the sandbox as an unprivileged user from tests that run as root (CI does).

This project's Python may live where other users cannot read it (pyenv under /root, mode
700), so `UserCopy` lays out, in a world-readable folder, dsplang's sandbox package (with
empty parent packages), the installed pyseccomp module and the helper scripts a test
names, and finds a Python the user can run: the system's. (A copy of this one would not
do: its interpreter finds libpython through an absolute RUNPATH under /root.)
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import dsplang.stdlib.sandbox as sandbox

UID = GID = 12345
SYSTEM_PYTHONS = ("/usr/bin/python3", "/usr/local/bin/python3")


class UserCopy:
    """A world-readable folder from which uid UID can run the sandbox; `python` is None
    when no Python interpreter is readable by that user."""

    def __init__(self, helpers: list[Path]) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="dsp-sandbox-user-", dir="/tmp"))
        self.folder.chmod(0o755)
        package = self.folder / "dsplang" / "stdlib"
        package.mkdir(parents=True)
        for init in (self.folder / "dsplang", package):
            (init / "__init__.py").write_text("")
        shutil.copytree(Path(sandbox.__file__).parent, package / "sandbox",
                        ignore=shutil.ignore_patterns("__pycache__"))
        seccomp = importlib.util.find_spec("pyseccomp")
        if seccomp is not None and seccomp.origin:
            shutil.copy(seccomp.origin, self.folder)
        for helper in helpers:
            shutil.copy(helper, self.folder)
        self.python = self._find_python()
        _make_readable(self.folder)

    def run(self, script: str, stdin: str, env: dict, timeout: float) -> subprocess.CompletedProcess:
        """`python script` (a helper's file name) as uid UID, in the folder."""
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(self.folder),
               "PYTHONPATH": str(self.folder), **env}
        return subprocess.run([self.python, "-B", str(self.folder / script)], input=stdin,
                              capture_output=True, text=True, env=env, cwd=self.folder,
                              user=UID, group=GID, extra_groups=[], timeout=timeout)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def _find_python(self) -> str | None:
        return next((p for p in SYSTEM_PYTHONS if os.path.exists(p) and self._usable(p)), None)

    def _usable(self, python: str) -> bool:
        check = "import sys; assert sys.version_info >= (3, 10)"
        try:
            return subprocess.run([python, "-c", check], capture_output=True, user=UID, group=GID,
                                  extra_groups=[], timeout=30).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            return False


def _make_readable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
