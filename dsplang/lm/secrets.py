"""Which LM settings are credentials, and settings with the credentials taken out.

Used wherever settings leave the process or are shown: saved programs (`save`, compile
artifacts), the reuse key of a compile, LM reprs and the LM cache's keys. A name is a secret
when one of its `_`/`-`-separated words is a credential word (`api_key`, `aws_access_key_id`,
`api_keys`, `auth_token`, `default_headers`, `password`, `client_secret`, ...; but not
`max_tokens`). Nested dicts and lists (`extra_body={"api_key": ...}`) are cleaned the same
way, and a `user:password@` part of a URL is removed.
"""

from __future__ import annotations

import re
from typing import Any

_WORDS = frozenset({"key", "keys", "token", "secret", "secrets", "password", "passwd", "credential",
                    "credentials", "auth", "authorization", "header", "headers", "cookie", "cookies"})
_ANYWHERE = ("secret", "password", "passwd", "credential")     # also inside a word: clientsecret
_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")


def is_secret(name: str) -> bool:
    """Whether a setting of this name holds a credential (see the module docstring)."""
    low = str(name).lower()
    return any(word in _WORDS for word in re.split(r"[_\-\s]+", low)) or any(s in low for s in _ANYWHERE)


def without_secrets(value: Any) -> Any:
    """`value` with secret-named entries of every dict left out, and URLs without user:password@."""
    if isinstance(value, dict):
        return {k: without_secrets(v) for k, v in value.items() if not is_secret(str(k))}
    if isinstance(value, (list, tuple)):
        return type(value)(without_secrets(v) for v in value)
    if isinstance(value, str) and "@" in value:
        return _USERINFO.sub(r"\1", value)
    return value
