"""Which LM settings are credentials, and settings with the credentials taken out.

Used wherever settings leave the process or are shown: saved programs (`save`, compile
artifacts), the reuse key of a compile, LM reprs and the LM cache's keys. A name is a secret
when one of its `_`/`-`-separated words is a credential word (`api_key`, `aws_access_key_id`,
`api_keys`, `auth_token`, `default_headers`, `password`, `client_secret`, ...; but not
`max_tokens` or `stop_token_ids`). Nested settings (`extra_body={"api_key": ...}`) are
cleaned the same way, except schemas and tools, and a `user:password@` part of a URL is
removed.
"""

from __future__ import annotations

import re
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
