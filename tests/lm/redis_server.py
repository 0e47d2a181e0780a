"""A real `redis-server` (Debian's package) on 127.0.0.1 for the shared-cache tests.

    server = RedisServer(tmp_dir).start()     # a free port, no persistence, files in tmp_dir
    server.url(db=3)                            # redis://127.0.0.1:PORT/3 (a DSP_CACHE_URL)
    server.client(db=3)                         # a redis-py client on that database
    server.stop()                               # kills the process it started

`start()` waits (at most `STARTUP_SECONDS`) until the server answers PING, and retries on
another port when the one it picked was taken meanwhile.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

STARTUP_SECONDS = 10.0


def available() -> bool:
    """Whether redis-server and the redis package are installed."""
    try:
        import redis  # noqa: F401
    except ImportError:
        return False
    return shutil.which("redis-server") is not None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.port = 0
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0):
        import redis
        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_timeout=5)

    def start(self) -> RedisServer:
        for _ in range(3):
            self.port = free_port()
            self.process = subprocess.Popen(
                ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                 "--appendonly", "no", "--dir", str(self.directory), "--loglevel", "warning",
                 "--daemonize", "no"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if self._answers():
                return self
            self.stop()
        raise RuntimeError("redis-server did not start")

    def _answers(self) -> bool:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                if self.client().ping():
                    return True
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(0.02)
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
