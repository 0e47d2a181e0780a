"""What goes wrong with span export, as warnings: a run never fails or prints tracebacks
because of telemetry.

The OpenTelemetry SDK reports its own trouble through `logging` (an endpoint that refuses or
does not parse, a setting it cannot read, with tracebacks for some), a line per retry.
`send_logs_as_warnings` turns each kind of its messages into one `DspTelemetryWarning` per
process (the CLI shows `dsp: warning: ...`), its first line only, without any user:password
of a URL in it. An exporter that cannot be made at all (`OTEL_BSP_SCHEDULE_DELAY=-5`) is
`unusable`: one warning, and the run goes on without export. `Watched` keeps whether the last
export failed: while the collector is down, the end of a run does not wait for its spans
(the first run waits its bounded time; each later one would wait as long again).
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from typing import Any

_LOGGER = "opentelemetry"
_CREDENTIALS = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]*@")
_lock = threading.Lock()
_installed = False
_unusable: set[str] = set()


class DspTelemetryWarning(UserWarning):
    """Spans could not be exported as asked; the run itself is not affected."""


class _ToWarnings(logging.Handler):
    """Each message template of the SDK's loggers, once, as a warning."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: set[tuple[str, str]] = set()

    def emit(self, record: logging.LogRecord) -> None:
        key = (record.name, str(record.msg))
        with _lock:
            if key in self.seen:
                return
            self.seen.add(key)
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a message whose arguments do not format is shown as written
            text = str(record.msg)
        warn(text)


def warn(text: str) -> None:
    """`text` (its first line, no credentials) as the telemetry warning."""
    first = _CREDENTIALS.sub(r"\1", (text.strip().splitlines() or [""])[0])
    warnings.warn(f"OpenTelemetry: {first} (the run goes on; its spans may not all be sent)",
                  DspTelemetryWarning, stacklevel=3)


def send_logs_as_warnings() -> None:
    """Route the SDK's log records to warnings, once per process. A handler on the SDK's own
    logger: its records still reach the root logger's handlers when an application set some."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    logging.getLogger(_LOGGER).addHandler(_ToWarnings())


def unusable(err: Exception) -> None:
    """The exporter could not be made (a setting the SDK refuses): one warning per process
    for each reason, no export."""
    reason = f"{type(err).__name__}: {err}"
    with _lock:
        if reason in _unusable:
            return
        _unusable.add(reason)
    warn(f"spans are not exported: {reason}")


class Watched:
    """An exporter whose last export's outcome is kept (`failing`); the SDK's processor calls
    it as it calls the exporter it wraps."""

    def __init__(self, exporter: Any) -> None:
        self.exporter = exporter
        self.failing = False

    def export(self, spans: Any) -> Any:
        result = self.exporter.export(spans)
        self.failing = getattr(result, "name", "SUCCESS") != "SUCCESS"
        return result

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return bool(self.exporter.force_flush(timeout_millis))

    def shutdown(self) -> None:
        self.exporter.shutdown()
