"""What a sandbox run gives back, read from the child as untrusted data.

The code in the child can write the result file itself, with anything in it; `parse`
accepts exactly the shape the child writes (types, known layer names, sizes) and raises
InvalidResult otherwise, so a forged or broken result becomes an error, never a crash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from dsplang.stdlib.sandbox.protocol import CUT_MARK, ERROR_CHARS, LAYERS, RESULT_FIELDS


@dataclass(slots=True)
class SandboxResult:
    """The outcome of one run. `error` is None exactly when `ok`."""

    ok: bool
    stdout: str = ""
    value: str | None = None
    error: str | None = None
    duration: float = 0.0
    isolation: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        """What the code printed, then the value of its final expression (if any)."""
        parts = [self.stdout.rstrip("\n")] if self.stdout.strip() else []
        if self.value is not None:
            parts.append(self.value)
        return "\n".join(parts)


class InvalidResult(ValueError):
    """The result file does not hold what the child writes."""


def size_limit(output_chars: int) -> int:
    """The most bytes an honest result can take: JSON escapes a character in up to 12."""
    return 12 * (2 * output_chars + len(CUT_MARK) + ERROR_CHARS) + 4096


def parse(raw: bytes, output_chars: int) -> SandboxResult:
    """The result in `raw`, checked field by field."""
    if len(raw) > size_limit(output_chars):
        raise InvalidResult(f"it is larger than {size_limit(output_chars)} bytes")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise InvalidResult(f"it is not JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict) or sorted(data) != sorted(RESULT_FIELDS):
        raise InvalidResult("it does not have exactly the fields " + ", ".join(RESULT_FIELDS))
    ok, isolation = data["ok"], data["isolation"]
    if type(ok) is not bool:
        raise InvalidResult("'ok' is not true or false")
    stdout = _text(data, "stdout", output_chars + len(CUT_MARK))
    value = _text(data, "value", output_chars, optional=True)
    error = _text(data, "error", ERROR_CHARS, optional=True)
    if ok != (error is None):
        raise InvalidResult("'ok' and 'error' disagree")
    if (not isinstance(isolation, list) or not all(isinstance(x, str) for x in isolation)
            or not set(isolation) <= set(LAYERS) or len(set(isolation)) != len(isolation)):
        raise InvalidResult("'isolation' is not a list of distinct layer names")
    return SandboxResult(ok, stdout, value, error, 0.0, list(isolation))


def _text(data: dict, name: str, limit: int, optional: bool = False) -> str | None:
    value = data[name]
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise InvalidResult(f"{name!r} is not a string")
    if len(value) > limit:
        raise InvalidResult(f"{name!r} is longer than {limit} characters")
    # A lone surrogate (JSON allows "\ud800") could not be printed or encoded later.
    return value.encode("utf-8", "replace").decode("utf-8")


def invalid(reason: str) -> str:
    """The error of a run whose result was not valid."""
    return (f"RuntimeError: the sandbox's result is not valid: {reason} (the code may have "
            f"written the result file itself)")
