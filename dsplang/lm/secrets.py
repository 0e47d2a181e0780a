"""Which LM settings are credentials, and settings with the credentials taken out.

Used wherever settings leave the process or are shown: saved programs (`save`, compile
artifacts), the reuse key of a compile, LM reprs and the LM cache's keys. `redact` takes the
credentials' values out of text (a provider's error message that echoes the key). A name is a secret
when one of its `_`/`-`-separated words is a credential word (`api_key`, `aws_access_key_id`,
`api_keys`, `auth_token`, `default_headers`, `password`, `client_secret`, ...; but not
`max_tokens` or `stop_token_ids`). Nested settings (`extra_body={"api_key": ...}`) are
cleaned the same way, except schemas and tools, and a `user:password@` part of a URL is
removed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any

_WORDS = frozenset({"key", "keys", "token", "secret", "secrets", "password", "passwd", "credential",
                    "credentials", "auth", "authorization", "header", "headers", "cookie", "cookies"})
_ANYWHERE = ("secret", "password", "passwd", "credential")     # also inside a word: clientsecret
_SCHEMAS = frozenset({"response_format", "tools", "tool_choice", "functions", "function_call"})
_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")


def is_secret(name: str) -> bool:
    """Whether a setting of this name holds a credential (see the module docstring). A list of
    ids is not one (`stop_token_ids`, `allowed_token_ids`)."""
    low = str(name).lower()
    words = re.split(r"[_\-\s]+", low)
    if words[-1] == "ids":
        return False
    return any(word in _WORDS for word in words) or any(s in low for s in _ANYWHERE)


def without_secrets(settings: dict) -> dict:
    """LM settings without credentials: secret-named settings are left out, and so are
    secret-named keys inside nested settings (`extra_body={"api_key": ...}`), except inside
    settings that hold schemas or tools (`response_format`, `tools`), whose property names are
    data; URLs lose their user:password@ part."""
    return {k: (v if k in _SCHEMAS else _cleaned(v)) for k, v in settings.items() if not is_secret(str(k))}


def mask_secrets(settings: dict) -> dict:
    """The same settings for display: credentials replaced by `***` instead of left out."""
    return {k: ("***" if is_secret(str(k)) and v else v if k in _SCHEMAS else _cleaned(v, "***"))
            for k, v in settings.items()}


def _cleaned(value: Any, mask: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: (mask if is_secret(str(k)) else _cleaned(v, mask)) for k, v in value.items()
                if mask is not None or not is_secret(str(k))}
    if isinstance(value, (list, tuple)):
        return type(value)(_cleaned(v, mask) for v in value)
    if isinstance(value, str) and "@" in value:
        return _USERINFO.sub(r"\1", value)
    return value


_SHORTEST = 4          # a shorter "secret" (api_key="x") would blank out ordinary words
_SHORTEST_ENV = 8      # environment variables hold more than keys (SSH_AUTH_SOCK=/tmp/...)


def secret_values(settings: dict, environ: dict | None = None) -> list[str]:
    """The values of the credentials among `settings` (nested ones too) and among the
    environment's secret-named variables (`OPENAI_API_KEY`), longest first: each value whole
    and each of its words (`Bearer sk-...` -> `sk-...`), as a provider could echo them."""
    found: set[str] = set()

    def collect(value: Any, secret: bool, shortest: int) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                collect(v, secret or is_secret(str(k)), shortest)
        elif isinstance(value, (list, tuple)):
            for v in value:
                collect(v, secret, shortest)
        elif secret and isinstance(value, str):
            found.update(part for part in (value, *value.split()) if len(part) >= shortest)

    collect({k: v for k, v in settings.items() if k not in _SCHEMAS}, False, _SHORTEST)
    collect(dict(os.environ if environ is None else environ), False, _SHORTEST_ENV)
    return sorted(found, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every one of `secrets` replaced by `***`."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "***")
    return text


def redact_error(error: BaseException, secrets: list[str]) -> None:
    """Take `secrets` out of an error's message, hint and notes, and out of the exceptions
    behind it (what `--debug` prints), in place."""
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        for name in ("message", "hint"):
            value = getattr(link, name, None)
            if isinstance(value, str):
                try:
                    setattr(link, name, redact(value, secrets))
                except AttributeError:
                    pass
        if isinstance(getattr(link, "notes", None), list):
            # (a DspError's notes)
            link.notes[:] = [redact(n, secrets) if isinstance(n, str) else n for n in link.notes]  # type: ignore[attr-defined]
        link.args = tuple(redact(a, secrets) if isinstance(a, str) else a for a in link.args)
        link = link.__cause__ or link.__context__
