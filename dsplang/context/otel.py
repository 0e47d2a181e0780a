"""Exporting a run's spans over OTLP (OpenTelemetry), when asked for.

Filled in below.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def exporter_for_run(asked: bool, environ: Mapping[str, str]) -> Any:
    """The exporter a run entered now sends its spans to, or None."""
    return None
