"""What the escape attempts aim at, set up on the host for one user (the sandbox's user on the
host: `nobody` when dsplang runs as root, else the user itself), and what became of it.

A secret file of that user (mode 600), a folder that user may write, a secret in the
environment of another process of that user (the canary, also a target for signals), a
pid that exists nowhere, and TCP, Unix-path and abstract Unix sockets listening on the host.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class Targets:
    def __init__(self, owner: int) -> None:
        tag = secrets.token_hex(6)
        self.owner = owner
        self.base = Path(tempfile.mkdtemp(prefix="dsp-targets-", dir="/tmp"))
        self.base.chmod(0o755)
        self.secret_text, self.env_secret = f"TOPSECRET-{tag}", f"ENVSECRET-{tag}"
        self.secret = self._owned(self.base / "secret.txt", 0o600, self.secret_text)
        self.outside = self._owned(self.base / "outside", 0o700)
        self.tmp_target = Path(f"/tmp/dsp-planted-{tag}")
        self.canary = self._start_canary()
        self.listeners = self._listen()

    @property
    def data(self) -> dict:
        """The targets as the attacks' code reads them."""
        return {"secret_path": str(self.secret), "outside_dir": str(self.outside),
                "tmp_target": str(self.tmp_target), "env_secret": self.env_secret,
                "canary_pid": self.canary.pid, "free_pid": _free_pid(),
                "tcp_port": self.listeners["TCP"].getsockname()[1],
                "unix_path": str(self.base / "unix.sock"), "unix_abstract": f"dsp-abstract-{self.base.name}"}

    def damage(self) -> list[str]:
        """What the attacks changed on the host (nothing, if the sandbox held)."""
        found = [f"planted {p}" for p in [*self.outside.iterdir(), self.tmp_target, Path("/planted")]
                 if p.exists()]
        if self.canary.poll() is not None:
            found.append(f"the canary process died ({self.canary.returncode})")
        for kind, listener in self.listeners.items():
            try:
                listener.accept()[0].close()
                found.append(f"a {kind} connection reached the host")
            except BlockingIOError:
                pass
        return found

    def close(self) -> None:
        self.canary.kill()
        self.canary.wait()
        for listener in self.listeners.values():
            listener.close()
        shutil.rmtree(self.base, ignore_errors=True)
        self.tmp_target.unlink(missing_ok=True)

    def _owned(self, path: Path, mode: int, text: str | None = None) -> Path:
        if text is None:
            path.mkdir()
        else:
            path.write_text(text)
        if os.geteuid() == 0:
            os.chown(path, self.owner, self.owner)
        path.chmod(mode)
        return path

    def _start_canary(self) -> subprocess.Popen:
        as_owner = ({"user": self.owner, "group": self.owner, "extra_groups": []}
                    if os.geteuid() == 0 else {})
        return subprocess.Popen(["sleep", "600"], env={"DSP_CANARY_SECRET": self.env_secret},
                                start_new_session=True, **as_owner)

    def _listen(self) -> dict[str, socket.socket]:
        tcp = socket.socket()
        tcp.bind(("127.0.0.1", 0))
        unix = socket.socket(socket.AF_UNIX)
        unix.bind(str(self.base / "unix.sock"))
        (self.base / "unix.sock").chmod(0o777)
        abstract = socket.socket(socket.AF_UNIX)
        abstract.bind(f"\0dsp-abstract-{self.base.name}")
        for listener in (tcp, unix, abstract):
            listener.listen()
            listener.setblocking(False)
        return {"TCP": tcp, "Unix-path": unix, "abstract Unix": abstract}


def _free_pid() -> int:
    """A pid no process has (the highest free one, far from the ones being handed out)."""
    highest = int(Path("/proc/sys/kernel/pid_max").read_text()) - 1
    return next(pid for pid in range(highest, 1, -1) if not os.path.exists(f"/proc/{pid}"))
