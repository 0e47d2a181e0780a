"""Cassettes: the LM exchanges of a run recorded to a JSON file, and answered from it later.

A `Cassette` is a file of named sections (`dsp test` uses one per test function and one for a
file's top-level statements; `dsp run --record` one called "run"), each a list of exchanges:
the request as it matters for the reply (model, messages, the settings that are part of the
LM cache's key, `n`, `rollout_id`) and the reply (texts, tool calls, usage as seen then).

`playing(cassette, section)` makes it the current tape of this context (threads started with
`contextvars.copy_context()` see it too). `LM.request` then asks `current()`:

- recording: the request goes its usual way (the cache, else the provider) and the reply is
  added to the section;
- replaying: the reply comes from the section, before the cache is consulted, so nothing is
  sent and litellm is never imported. A request with no recorded twin raises
  `DspCassetteError` (the predictor that made it adds its call site), whose note is a unified
  diff of the closest recorded request and this one; the error is also kept in
  `Cassette.misses`, so a caller that swallows errors (`evaluate`) cannot hide it.

Matching is by content, not by order: a request is answered by the first unused exchange of
its section with the same model, messages and settings (threads may ask in any order); when
every such exchange has been used, the last one answers again (as the cache would).

Credentials never reach the file: settings named like secrets (`api_key`, headers, tokens,
`lm.secrets`) and endpoint addresses (`api_base`) are left out, and the values of the
credentials (and of secret-named environment variables) are replaced by `***` wherever they
occur in what is kept. The same is done to a request before it is matched, so the two agree.
"""

from __future__ import annotations

import contextvars
import difflib
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from dsplang.errors import DspFileError, DspLMError, Span
from dsplang.lm.cache import _jsonable, canonical_json, is_keyed_param  # the key's JSON stand-ins
from dsplang.lm.secrets import redact, secret_values, without_secrets

FORMAT = "dsplang-cassette"
VERSION = 1
DIFF_LINES = 80             # a longer diff is cut, saying how many lines were left out
_CANDIDATES = 24            # recorded exchanges compared with a missed request, at most


class DspCassetteError(DspLMError):
    """A request the cassette has no reply for (a changed prompt, a new call)."""

    kind = "cassette error"


class Cassette:
    """The sections of one cassette file; `recording` says which way it is used."""

    def __init__(self, path: str, *, recording: bool, sections: dict[str, list[dict]] | None = None,
                 rerecord: str = "dsp test --record") -> None:
        self.path = path
        self.recording = recording
        self.sections: dict[str, list[dict]] = {k: list(v) for k, v in (sections or {}).items()}
        self.rerecord = rerecord         # the command that records it again (for hints)
        self.misses: list[DspCassetteError] = []
        self._used: dict[str, set[int]] = {}
        self._keys: dict[str, dict[str, list[int]]] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ files

    @classmethod
    def load(cls, path: str, *, rerecord: str = "dsp test --record") -> Cassette:
        """The cassette at `path`, for replaying; a DspFileError (at the bad spot) when it is
        not a cassette this version can read."""
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except FileNotFoundError:
            raise DspFileError(f"no such cassette: {path}",
                               hint=f"record it first: {rerecord}") from None
        except (OSError, UnicodeDecodeError, ValueError) as err:
            reason = getattr(err, "strerror", None) or str(err)
            raise DspFileError(f"cannot read the cassette {path}: {reason}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            where = Span(path, err.lineno, err.colno, err.lineno, err.colno + 1)
            raise DspFileError(f"the cassette is not valid JSON: {err.msg}", where,
                               hint=f"record it again: {rerecord}") from None
        return cls(path, recording=False, sections=_checked_sections(data, path, rerecord),
                   rerecord=rerecord)

    def save(self) -> None:
        """Write the file (atomically: a new file renamed over the old one)."""
        data = {"format": FORMAT, "version": VERSION,
                "note": "LM exchanges recorded by dsplang; replayed offline (docs/testing.md)",
                "sections": self.sections}
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
        folder = os.path.dirname(os.path.abspath(self.path))
        try:
            fd, tmp = tempfile.mkstemp(prefix=".cassette-", suffix=".tmp", dir=folder)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(text)
                os.replace(tmp, self.path)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
        except OSError as err:
            raise DspFileError(f"cannot write the cassette {self.path}: {err.strerror or err}") from None

    def start_section(self, name: str) -> None:
        """Recording: `name` starts empty (an earlier recording of it is replaced)."""
        with self._lock:
            self.sections[name] = []

    # ------------------------------------------------------------------ exchanges

    def record(self, section: str, model: str, messages: list, params: dict, n: int,
               rollout_id: Any, reply: dict) -> None:
        """Add one exchange (the reply as `LMResponse.to_stored()` gives it) to `section`."""
        secrets = secret_values(params)
        entry = _redacted(_request(model, messages, params, n, rollout_id), secrets)
        entry["reply"] = _redacted(_plain(reply), secrets)
        with self._lock:
            self.sections.setdefault(section, []).append(entry)

    def replay(self, section: str, model: str, messages: list, params: dict, n: int,
               rollout_id: Any) -> dict:
        """The recorded reply (as `LMResponse.to_stored()` gave it) to this request, or a
        DspCassetteError (also added to `misses`)."""
        request = _redacted(_request(model, messages, params, n, rollout_id), secret_values(params))
        key = _key(request)
        with self._lock:
            entries = self.sections.get(section, [])
            found = self._index(section).get(key, [])
            used = self._used.setdefault(section, set())
            fresh = [i for i in found if i not in used]
            if fresh:
                used.add(fresh[0])
                return entries[fresh[0]]["reply"]
            if found:
                return entries[found[-1]]["reply"]
            closest = self._closest(section, request)
        error = self._miss(section, request, closest)
        with self._lock:
            self.misses.append(error)
        raise error

    def _index(self, section: str) -> dict[str, list[int]]:
        index = self._keys.get(section)
        if index is None:
            index = {}
            for i, entry in enumerate(self.sections.get(section, [])):
                index.setdefault(_key(_request_of(entry)), []).append(i)
            self._keys[section] = index
        return index

    def _closest(self, section: str, request: dict) -> dict | None:
        """The recorded request most like `request`: among the unused ones (all when every one
        was used), those of the same signature first, then the most similar text."""
        entries = self.sections.get(section, [])
        if not entries:
            return None
        used = self._used.get(section, set())
        pool = [e for i, e in enumerate(entries) if i not in used] or list(entries)
        same = [e for e in pool if e.get("signature") == request.get("signature")]
        pool = (same or pool)[:_CANDIDATES]
        text = _shown(request)
        return max(pool, key=lambda e: difflib.SequenceMatcher(None, _shown(_request_of(e)), text).ratio())

    def _miss(self, section: str, request: dict, closest: dict | None) -> DspCassetteError:
        where = f"{self.path} [{section}]"
        if closest is None:
            if not self.sections and not os.path.exists(self.path):
                return DspCassetteError(f"there is no cassette {self.path} to answer this request from",
                                        hint=f"record one: {self.rerecord}")
            return DspCassetteError(
                f"the cassette holds no LM exchange for this request ({where} is empty)",
                hint=f"record the cassette again: {self.rerecord}")
        old, new = _request_of(closest), request
        what = "prompt" if old["messages"] != new["messages"] else "request (model or settings)"
        error = DspCassetteError(
            f"the {what} changed since the cassette was recorded: no recorded reply in {where}",
            hint=f"if the change is intended, record the cassette again: {self.rerecord}")
        error.notes.append("the closest recorded request (-) and this one (+):\n" + unified_diff(old, new))
        return error


# ---------------------------------------------------------------------- the current tape

@dataclass(frozen=True, slots=True)
class Tape:
    """A cassette and the section this context records into or replays from."""

    cassette: Cassette
    section: str

    @property
    def replaying(self) -> bool:
        return not self.cassette.recording

    def record(self, model: str, messages: list, params: dict, n: int, rollout_id: Any,
               reply: dict) -> None:
        self.cassette.record(self.section, model, messages, params, n, rollout_id, reply)

    def replay(self, model: str, messages: list, params: dict, n: int, rollout_id: Any) -> dict:
        return self.cassette.replay(self.section, model, messages, params, n, rollout_id)


_current: contextvars.ContextVar[Tape | None] = contextvars.ContextVar("dsplang_cassette", default=None)


def current() -> Tape | None:
    """The tape of this context, or None (requests go to the cache and the provider)."""
    return _current.get()


@contextmanager
def playing(cassette: Cassette, section: str) -> Iterator[Tape]:
    """Record into (or replay from) `section` of `cassette` inside the block; recording
    starts the section afresh."""
    if cassette.recording:
        cassette.start_section(section)
    token = _current.set(Tape(cassette, section))
    try:
        yield _current.get()  # type: ignore[misc]  # just set
    finally:
        _current.reset(token)


# ---------------------------------------------------------------------- requests as data

def _plain(value: Any) -> Any:
    """JSON data for `value` as the cache's key sees it (a Prompt is a list; pydantic values
    are dumped, others repr'd), keys in their order (a message reads role, then content)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=_jsonable))


def _request(model: str, messages: list, params: dict, n: int, rollout_id: Any) -> dict:
    """The parts of a request that decide its reply, as JSON data without credentials."""
    kept = without_secrets({k: v for k, v in params.items() if is_keyed_param(k)})
    request: dict[str, Any] = {"model": model, "messages": _plain(list(messages)),
                               "params": _plain(kept)}
    if n != 1:
        request["n"] = n
    if rollout_id is not None:
        request["rollout_id"] = _plain(rollout_id)
    signature = getattr(getattr(messages, "signature", None), "name", None)
    if isinstance(signature, str):
        request["signature"] = signature       # guides the diff only; not matched on
    return request


def _request_of(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if k != "reply"}


def _key(request: dict) -> str:
    matched = {"model": request.get("model"), "messages": request.get("messages"),
               "params": request.get("params") or {}, "n": request.get("n", 1),
               "rollout_id": request.get("rollout_id")}
    return hashlib.sha256(canonical_json(matched).encode("utf-8")).hexdigest()


def _redacted(value: Any, secrets: list[str]) -> Any:
    """`value` with every credential's value replaced by *** in its strings (keys too)."""
    if not secrets:
        return value
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {_redacted(k, secrets): _redacted(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v, secrets) for v in value]
    return value


def _shown(request: dict) -> str:
    """A request as the lines a person compares: model, settings, then each message."""
    lines = [f"model: {request.get('model')}"]
    if request.get("n", 1) != 1:
        lines.append(f"n: {request['n']}")
    if request.get("rollout_id") is not None:
        lines.append(f"rollout_id: {json.dumps(request['rollout_id'])}")
    for name, value in sorted((request.get("params") or {}).items()):
        lines.append(f"{name}: {json.dumps(value, ensure_ascii=False, sort_keys=True)}")
    for message in request.get("messages") or []:
        if isinstance(message, dict):
            lines.append(f"[{message.get('role', '?')}]")
            content = message.get("content")
            if isinstance(content, list):
                content = "\n".join(str(p.get("text", p)) if isinstance(p, dict) else str(p) for p in content)
            lines.extend(str(content if content is not None else "").split("\n"))
            extra = {k: v for k, v in message.items() if k not in ("role", "content")}
            if extra:
                lines.append(json.dumps(extra, ensure_ascii=False, sort_keys=True))
        else:
            lines.append(json.dumps(message, ensure_ascii=False))
    return "\n".join(lines)


def unified_diff(old: dict, new: dict) -> str:
    """A unified diff of two requests as `_shown` writes them (cut after DIFF_LINES lines)."""
    lines = list(difflib.unified_diff(_shown(old).split("\n"), _shown(new).split("\n"),
                                      "recorded", "now", n=2, lineterm=""))
    if len(lines) > DIFF_LINES:
        left = len(lines) - DIFF_LINES
        lines = lines[:DIFF_LINES] + [f"... ({left} more line{'s' if left != 1 else ''})"]
    return "\n".join(lines)


def _checked_sections(data: Any, path: str, rerecord: str) -> dict[str, list[dict]]:
    """The sections of a loaded cassette, or a DspFileError saying what is wrong."""
    def bad(what: str) -> DspFileError:
        return DspFileError(f"{path} is not a dsplang cassette: {what}",
                            hint=f"record it again: {rerecord}")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise bad(f'it has no "format": "{FORMAT}"')
    if data.get("version") != VERSION:
        raise bad(f"version {data.get('version')!r}; this dsplang reads version {VERSION}")
    sections = data.get("sections")
    if not isinstance(sections, dict):
        raise bad('"sections" is not an object')
    for name, entries in sections.items():
        if not isinstance(entries, list):
            raise bad(f"section {name!r} is not a list")
        for i, entry in enumerate(entries):
            if not (isinstance(entry, dict) and isinstance(entry.get("model"), str)
                    and isinstance(entry.get("messages"), list) and isinstance(entry.get("reply"), dict)
                    and isinstance(entry["reply"].get("texts"), list)):
                raise bad(f"exchange {i + 1} of section {name!r} needs a model, messages and "
                          f"a reply with texts")
    return sections
