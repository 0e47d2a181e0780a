"""The LM reply cache: an in-memory LRU in front of a SQLite file shared by processes, or of a
Redis server shared by processes and machines.

Where: the Redis server at ``$DSP_CACHE_URL`` (``redis://host:6379/0``: :mod:`dsplang.lm.cache_redis`)
when it is set, else the file ``$DSP_CACHE_DIR/lm.sqlite``, else ``$XDG_CACHE_HOME/dsplang/lm.sqlite``,
else ``~/.cache/dsplang/lm.sqlite``. Off globally with ``DSP_NO_CACHE=1``; off for a run with
the CLI's ``--no-cache`` (the run's predictors pass ``LM.request(use_cache=False)``); off
per LM with ``LM(..., cache=False)``. The cache and its connections are process-wide: they
hold replies, not the state of any run.

The key (:func:`cache_key`) is the sha256 of canonical JSON of the model, the messages,
``n``, ``rollout_id`` and every request parameter except secrets (``api_key``, ``*_key``,
``*_token``, ``*secret*``, ``*password*``, headers: :mod:`dsplang.lm.secrets`, nested ones
too) and endpoint addresses (``api_base``, ``base_url``), and except settings that cannot change
a reply (``timeout``, retries).

SQLite runs in WAL mode with a busy timeout, one connection per thread, and retries
"database is locked". A cache file that cannot be opened or read (or a Redis server that
cannot be reached) is reported once per process with ``warnings.warn(..., DspCacheWarning)``
and then bypassed: the run goes on with the memory cache only. The file is never deleted or
rewritten by dsplang.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from dsplang.lm.cache_redis import RedisStore
from dsplang.lm.cache_warning import DspCacheWarning
from dsplang.lm.secrets import is_secret, without_secrets

FILENAME = "lm.sqlite"
MEMORY_SIZE = 4096
_LOCK_RETRIES = 8
_EXCLUDED = frozenset({
    "api_base", "base_url", "timeout", "num_retries", "max_retries",
    "retry_base_delay", "retry_max_delay", "cache", "caching", "drop_params",
    "router",       # a router LM's key names its deployments' models instead (`lm.router_config`)
})


__all__ = ["Cache", "DspCacheWarning", "RedisStore", "SQLiteStore", "cache_key", "get_cache", "is_enabled"]


class Store(Protocol):
    """Where the memory cache's misses go: a SQLite file or a Redis server."""

    def get(self, key: str) -> dict | None: ...
    def put(self, key: str, value: dict) -> None: ...


def is_enabled() -> bool:
    """False when env DSP_NO_CACHE is set to a true value (a run's `--no-cache` is passed to
    each request: `LM.request(use_cache=False)`)."""
    flag = os.environ.get("DSP_NO_CACHE", "").strip().lower()
    return flag in ("", "0", "false", "no", "off")


def cache_dir() -> Path:
    """The directory of the cache file (DSP_CACHE_DIR wins)."""
    if os.environ.get("DSP_CACHE_DIR"):
        return Path(os.environ["DSP_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dsplang"


def is_keyed_param(name: str) -> bool:
    """Whether a request parameter is part of the cache key (secrets and endpoints are not)."""
    return name.lower() not in _EXCLUDED and not is_secret(name)


def _jsonable(value: Any) -> Any:
    """JSON stand-in for values json cannot encode (pydantic models and classes, sets...)."""
    if isinstance(value, type) and hasattr(value, "model_json_schema"):
        return {"$schema_of": value.__name__, "schema": value.model_json_schema()}
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, bytes):
        return value.hex()
    return repr(value)


def canonical_json(value: Any) -> str:
    """Key-sorted, whitespace-free JSON: equal requests give equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_jsonable)


def cache_key(model: str, messages: list[dict], params: dict, *, n: int = 1,
              rollout_id: Any = None) -> str:
    """sha256 hex of the request: model, messages, n, rollout_id and the keyed params."""
    keyed = without_secrets({k: v for k, v in params.items() if is_keyed_param(k)})
    payload = {"model": model, "messages": messages, "params": keyed, "n": n,
               "rollout_id": rollout_id}
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


class SQLiteStore:
    """Key -> JSON value rows in one SQLite file; a connection per thread."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self.broken: str | None = None

    def get(self, key: str) -> dict | None:
        row = self._run(lambda c: c.execute(
            "SELECT value FROM replies WHERE key = ?", (key,)).fetchone())
        if not row:
            return None
        try:
            return json.loads(row[0])
        except ValueError:
            return None  # a row damaged outside dsplang reads as a miss and is rewritten

    def put(self, key: str, value: dict) -> None:
        text = canonical_json(value)
        self._run(lambda c: c.execute(
            "INSERT OR REPLACE INTO replies (key, value, created) VALUES (?, ?, ?)",
            (key, text, time.time())))

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            try:
                _set_up(conn)
            except BaseException:
                conn.close()
                raise
            self._local.conn = conn
        return conn

    def _run(self, op: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run `op`; retry while the file is locked; on any other failure bypass the file."""
        for attempt in range(_LOCK_RETRIES):
            if self.broken:
                return None
            try:
                return op(self._connection())
            except sqlite3.OperationalError as exc:
                if not _is_lock_error(exc) or attempt == _LOCK_RETRIES - 1:
                    self._fail(exc)
                    return None
                time.sleep(0.01 * (attempt + 1))
            except (sqlite3.DatabaseError, OSError, ValueError) as exc:
                self._fail(exc)
                return None
        return None

    def _fail(self, exc: BaseException) -> None:
        """Report the first failure of this file once, then stop using it."""
        with self._lock:
            if self.broken:
                return
            self.broken = str(exc) or type(exc).__name__
        warnings.warn(
            f"the LM cache file {self.path} cannot be used ({self.broken}); continuing "
            f"with the in-memory cache only. The file was left as it is: delete it or set "
            f"DSP_CACHE_DIR to start a fresh cache.", DspCacheWarning, stacklevel=4)

    def close(self) -> None:
        """Close this thread's connection (others close when their thread ends)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def _is_lock_error(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _set_up(conn: sqlite3.Connection) -> None:
    """WAL for concurrent readers and writers across processes; wait, do not fail, on locks."""
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE IF NOT EXISTS replies "
                 "(key TEXT PRIMARY KEY, value TEXT NOT NULL, created REAL)")


class Cache:
    """The memory LRU (`memory_size` entries; 0 turns it off) in front of a store."""

    def __init__(self, store: Store | None, memory_size: int = MEMORY_SIZE) -> None:
        self.store = store
        self.memory_size = memory_size
        self._memory: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> dict | None:
        """The stored value for `key`, from memory or else from the store, or None."""
        with self._lock:
            value = self._memory.get(key)
            if value is not None:
                self._memory.move_to_end(key)
                return value
        value = self.store.get(key) if self.store is not None else None
        if value is not None:
            self._remember(key, value)
        return value

    def put(self, key: str, value: dict) -> None:
        """Store a successful reply in memory and in the store."""
        self._remember(key, value)
        if self.store is not None:
            self.store.put(key, value)

    def _remember(self, key: str, value: dict) -> None:
        if self.memory_size <= 0:
            return
        with self._lock:
            self._memory[key] = value
            self._memory.move_to_end(key)
            while len(self._memory) > self.memory_size:
                self._memory.popitem(last=False)

    def clear_memory(self) -> None:
        """Forget the in-memory entries (the store keeps its own)."""
        with self._lock:
            self._memory.clear()


_caches: dict[str, Cache] = {}
_caches_lock = threading.Lock()


def get_cache() -> Cache:
    """The process-wide cache for the current DSP_CACHE_URL, else for the current cache
    directory (one per server URL or directory)."""
    url = os.environ.get("DSP_CACHE_URL", "").strip()
    where = url or str((cache_dir() / FILENAME).absolute())
    with _caches_lock:
        cache = _caches.get(where)
        if cache is None:
            store: Store = RedisStore(url, canonical_json) if url else SQLiteStore(Path(where))
            cache = _caches[where] = Cache(store)
        return cache
