"""The LM reply cache's shared backend: a Redis server (``DSP_CACHE_URL=redis://host:port/db``).

Several processes and machines that point at the same server share their replies. Entries are
string values under ``dsplang:lm:<sha256 key>`` (the same keys as the SQLite file: no secret
and no endpoint address is part of them), holding the same canonical JSON. Entries do not
expire; a server that should bound its memory does it with its own ``maxmemory`` and
``maxmemory-policy allkeys-lru``.

The ``redis`` client package is imported when the first entry is read, not before
(``pip install "dsplang[redis]"``). ``redis://``, ``rediss://`` (TLS) and ``unix://`` URLs are
accepted, with a password in the URL if the server needs one (it is never shown). A server that
cannot be reached, answers with an error or times out (``CONNECT_TIMEOUT``/``TIMEOUT`` seconds),
a URL that is not a Redis URL and a missing ``redis`` package are reported once per process
with a ``DspCacheWarning`` and the store is then bypassed: the run goes on with the in-memory
cache only.
"""

from __future__ import annotations

import json
import re
import threading
import warnings
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from dsplang.lm.cache_warning import DspCacheWarning
from dsplang.lm.secrets import redact

PREFIX = "dsplang:lm:"
SCHEMES = ("redis", "rediss", "unix")
CONNECT_TIMEOUT = 2.0
TIMEOUT = 5.0


def shown_url(url: str) -> str:
    """`url` as it may be shown: scheme, host, port and database, never a user, a password or
    a query (which may hold one). A value that is not such a URL, or has an `@` anywhere but
    after its user:password, shows as its scheme only."""
    text = url.strip()
    match = _SHOWN.fullmatch(text)
    place = match.group("place") if match else ""
    if match is None or text.count("@") != (match.group("user") is not None) or \
            any(secret in place for secret in _secrets(text)):
        scheme, sep, _ = text.partition("://")
        return f"{scheme}://..." if sep and scheme.isalnum() else "(not a URL)"
    return match.group("scheme") + "://" + place


# userinfo has no / ? # before its @ (RFC 3986); a value where it seems to is not matched
_SHOWN = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<user>[^@/?#]*@)?"
                    r"(?P<place>(?:\[[0-9A-Fa-f:.]+\])?[^@/?#\[\]]*(?:/[^@?#]*)?)(?:\?[^#]*)?(?:#.*)?")


class RedisStore:
    """Key -> JSON value entries on one Redis server; one client (a thread-safe pool) per process."""

    def __init__(self, url: str, encode: Callable[[dict], str]) -> None:
        self.url = url
        self._encode = encode
        self.broken: str | None = None
        self._client: Any = None
        self._lock = threading.Lock()

    def get(self, key: str) -> dict | None:
        raw = self._run(lambda client: client.get(PREFIX + key))
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):
            return None  # an entry damaged outside dsplang reads as a miss and is rewritten
        return value if _is_entry(value) else None

    def put(self, key: str, value: dict) -> None:
        text = self._encode(value)
        self._run(lambda client: client.set(PREFIX + key, text))

    def _run(self, op: Callable[[Any], Any]) -> Any:
        """`op(client)`, or None (and the store bypassed from then on) when Redis fails."""
        if self.broken:
            return None
        try:
            return op(self._connected())
        except Exception as exc:  # noqa: BLE001 - any failure of the server or the client bypasses it
            self._fail(exc)
            return None

    def _connected(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = _client(self.url)
            return self._client

    def _fail(self, exc: BaseException) -> None:
        """Report the first failure once, then stop using the server."""
        with self._lock:
            if self.broken:
                return
            self.broken = _reason(exc, self.url)
        warnings.warn(
            f"the LM cache at DSP_CACHE_URL={shown_url(self.url)} cannot be used ({self.broken}); "
            f"continuing with the in-memory cache only", DspCacheWarning, stacklevel=5)

    def close(self) -> None:
        """Close the client's connections."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None


class _UnusableURL(ValueError):
    """DSP_CACHE_URL is not a Redis URL, or the redis package is missing."""


def _is_entry(value: Any) -> bool:
    """Whether a value read is a cache entry (`LMResponse.to_stored`): another program's value
    under our key, or a server answering garbage, reads as a miss."""
    texts = value.get("texts") if isinstance(value, dict) else None
    return isinstance(texts, list) and all(isinstance(t, str) for t in texts)


def _client(url: str) -> Any:
    try:
        parts = urlsplit(url)
        parts.port                    # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as err:
        raise _UnusableURL(f"not a valid URL ({err})") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise _UnusableURL(f"{scheme or 'no'} scheme; a Redis URL starts with redis://, rediss:// or unix://")
    db = parts.path.strip("/") if scheme != "unix" else dict(parse_qsl(parts.query)).get("db", "")
    if db and not db.isdigit():
        raise _UnusableURL(f"the database {unquote(db)[:40]!r} is not a number (redis://HOST:PORT/0)")
    try:
        import redis
    except ImportError:
        raise _UnusableURL('the redis package is not installed: pip install "dsplang[redis]"') from None
    return redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=TIMEOUT,
                                health_check_interval=30)


def _reason(exc: BaseException, url: str) -> str:
    """Why the store failed, in words, without the URL's user, password or query values."""
    text = str(exc) or type(exc).__name__
    text = text if isinstance(exc, _UnusableURL) else f"{type(exc).__name__}: {text}"
    return redact(text, sorted(_secrets(url), key=len, reverse=True))     # the longest first


def _secrets(url: str) -> set[str]:
    """The parts of `url` that may be secret: its userinfo's pieces and its query's values,
    as written and decoded."""
    userinfo = (url.partition("://")[2] or url).rpartition("@")[0]
    pieces = [userinfo, *re.split(r"[:/?#=&]", userinfo)]
    pieces += [value for _, value in parse_qsl(url.partition("?")[2])]
    return {p for piece in pieces for p in (piece, unquote(piece)) if len(p) >= 3}
