"""Exporting a run's spans over OTLP/HTTP, with the OpenTelemetry GenAI semantic conventions.

On when the run's options say so (`dsp run --otel`) or the OpenTelemetry environment names an
endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), unless
`OTEL_SDK_DISABLED=true`. The OpenTelemetry SDK and exporter (the `otel` extra) are imported
only then, by `exporter_for_run`, so `import dsplang` and a run without export never load them.

Every trace record becomes one span as it is recorded (`trace.record` calls `export`): the
record's stamp gives its ids, parent and times, so the spans sent are the ones the JSONL trace
holds. A predictor call is a GenAI `chat` client span (a cache hit too, with
`dsp.cache_hit=true`), a ReAct tool step an `execute_tool` span, and a span record (module,
evaluation, compile, phase, candidate) an internal span. A run's top-level spans hang under
its root span, `dsplang run`, a span record like the others (`context/records.py`) sent when
the run ends, before `run_ended` flushes the batch.
The exporter itself (its HTTP session and batch thread) is one per process and endpoint
settings: runs come and go (each API call is one), the connection stays.

Prompts and replies are message content, which the conventions leave out unless asked for:
`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true` adds `gen_ai.input.messages` and
`gen_ai.output.messages`.
"""

from __future__ import annotations

import atexit
import json
import threading
import warnings
from collections.abc import Mapping
from typing import Any

from dsplang.context import otel_logs
from dsplang.context.ids import trace_hex
from dsplang.errors import DspNotAvailableError
from dsplang.version import __version__

ENDPOINT_VARS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
_SETTINGS_VARS = ENDPOINT_VARS + ("OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
                                  "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES",
                                  "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT")
INSTALL_HINT = ('install the OpenTelemetry packages: pip install "dsplang[otel]" '
                '(pip install -e ".[otel]" in a checkout)')
FLUSH_SECONDS = 10.0        # how long the end of a run waits for its spans to be sent

_exporters: dict[tuple[str | None, ...], OtlpExport] = {}
_lock = threading.Lock()
_warned = False


def wanted(asked: bool, environ: Mapping[str, str]) -> bool:
    """Whether a run exports: asked for (`--otel`) or an endpoint set, and the SDK not disabled."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return asked or any(environ.get(name) for name in ENDPOINT_VARS)


def exporter_for_run(asked: bool, environ: Mapping[str, str]) -> OtlpExport | None:
    """The export a run entered now sends its spans to, or None. Asked for (`--otel`) without
    the packages is an error saying what to install; set only by the environment, a warning
    (once), and the run goes on without export."""
    if not wanted(asked, environ):
        return None
    key = tuple(environ.get(name) for name in _SETTINGS_VARS)
    with _lock:
        found = _exporters.get(key)
        if found is None:
            try:
                found = _exporters[key] = OtlpExport(environ)
            except ImportError as err:
                return _missing(asked, err)
            except Exception as err:  # noqa: BLE001 - a setting the SDK refuses never stops a run
                otel_logs.unusable(err)
                return None
        return found


def _missing(asked: bool, err: ImportError) -> OtlpExport | None:
    global _warned
    what = f"exporting spans over OTLP needs the OpenTelemetry SDK ({err.name or err} is not installed)"
    if asked:
        raise DspNotAvailableError(what, hint=INSTALL_HINT) from None
    if not _warned:
        _warned = True
        warnings.warn(f"{what}; OTEL_EXPORTER_OTLP_ENDPOINT is set, but this run's spans are not sent "
                      f"({INSTALL_HINT})", stacklevel=4)
    return None


class OtlpExport:
    """Records to OTLP spans, batched and sent by the SDK's processor and OTLP/HTTP exporter."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import ReadableSpan
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.sdk.util.instrumentation import InstrumentationScope
        from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags

        otel_logs.send_logs_as_warnings()
        self._span_class = ReadableSpan
        self._context_class = SpanContext
        self._sampled = TraceFlags(TraceFlags.SAMPLED)
        self._kinds = {"client": SpanKind.CLIENT, "internal": SpanKind.INTERNAL}
        self._error: Any = lambda text: Status(StatusCode.ERROR, text)
        self._ok = Status(StatusCode.UNSET)
        attributes: dict[str, Any] = {"service.version": __version__}
        named = environ.get("OTEL_SERVICE_NAME") or "service.name=" in environ.get("OTEL_RESOURCE_ATTRIBUTES", "")
        if not named:
            attributes["service.name"] = "dsplang"
        self._resource = Resource.create(attributes)
        self._scope = InstrumentationScope("dsplang", __version__)
        self._content = environ.get("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "").lower() == "true"
        self._exporter = otel_logs.Watched(OTLPSpanExporter())
        self.processor = BatchSpanProcessor(self._exporter)  # type: ignore[arg-type]  # it calls the three methods
        atexit.register(self.processor.shutdown)

    # ------------------------------------------------------------ what the run calls

    def export(self, rec: Any, stamp: Any, run_ids: Any) -> None:
        """Send `rec` (stamped) as a span."""
        name, kind, attributes, error = describe(rec, self._content)
        attributes["dsp.run_id"] = trace_hex(stamp.run_id)
        if stamp.phase is not None:
            attributes["dsp.phase"] = stamp.phase
        if stamp.candidate is not None:
            attributes["dsp.candidate"] = stamp.candidate
        self._send(name, kind, stamp.trace_id, stamp.span_id, stamp.parent_id, stamp.start, stamp.end,
                   attributes, error)

    def run_ended(self, run_ids: Any, end: float) -> None:
        """The run ended (its root span was exported): wait (a bounded time) for the batch to go out."""
        self.flush()

    def flush(self) -> bool:
        if self._exporter.failing:      # the collector is down: the batch thread sends them if it comes back
            return False
        return bool(self.processor.force_flush(int(FLUSH_SECONDS * 1000)))

    def _send(self, name: str, kind: str, trace_id: int, span_id: int, parent_id: int | None, start: float,
              end: float, attributes: dict[str, Any], error: str | None) -> None:
        context = self._context_class(trace_id, span_id, is_remote=False, trace_flags=self._sampled)
        parent = None if parent_id is None else self._context_class(trace_id, parent_id, is_remote=False,
                                                                    trace_flags=self._sampled)
        span = self._span_class(
            name, context=context, parent=parent, resource=self._resource, attributes=attributes,
            kind=self._kinds[kind], status=self._ok if error is None else self._error(error),
            start_time=int(start * 1e9), end_time=int(end * 1e9), instrumentation_scope=self._scope)
        self.processor.on_end(span)


# ---------------------------------------------------------------- records as spans


def describe(rec: Any, content: bool = False) -> tuple[str, str, dict[str, Any], str | None]:
    """(span name, span kind, attributes, error text) of a trace record."""
    data = rec.to_json()
    kind = data.get("kind")
    if kind == "predictor_call":
        return _predictor_call(data, content)
    if kind == "span":
        attributes = {"dsp.span.type": data["type"], **_scalars(data.get("attributes") or {})}
        _source(attributes, data.get("span"))
        name = data["name"] if data["type"] == "run" else f"{data['type']} {data['name']}"
        return name, "internal", attributes, data.get("error")
    if kind == "tool_step":
        attributes = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": str(data.get("tool_name")),
                      "dsp.predictor": str(data.get("path")), "dsp.step": data.get("index", 0)}
        if content:
            attributes["gen_ai.tool.call.arguments"] = _text(data.get("tool_args"))
            attributes["gen_ai.tool.call.result"] = _text(data.get("observation"))
        _source(attributes, data.get("span"))
        return f"execute_tool {data.get('tool_name')}", "internal", attributes, None
    attributes = {f"dsp.{key}": value for key, value in _scalars(data).items() if key != "kind"}
    _source(attributes, data.get("span"))
    return str(kind or type(rec).__name__), "internal", attributes, None


def _predictor_call(data: dict[str, Any], content: bool) -> tuple[str, str, dict[str, Any], str | None]:
    model = str(data.get("model") or "")
    provider, _, _ = model.partition("/")
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": model,
        "gen_ai.provider.name": provider if "/" in model else "unknown",
        "gen_ai.usage.input_tokens": int(data.get("prompt_tokens") or 0),
        "gen_ai.usage.output_tokens": int(data.get("completion_tokens") or 0),
        "dsp.predictor": str(data.get("path")),
        "dsp.signature": str(data.get("signature")),
        "dsp.adapter": str(data.get("adapter")),
        "dsp.cache_hit": bool(data.get("cache_hit")),
        "dsp.latency": float(data.get("latency") or 0.0),
    }
    if data.get("cost") is not None:
        attributes["dsp.cost"] = float(data["cost"])
    if content:
        attributes["gen_ai.input.messages"] = _text(data.get("messages"))
        replies = data.get("replies") or []
        attributes["gen_ai.output.messages"] = _text(
            [{"role": "assistant", "parts": [{"type": "text", "content": reply}]} for reply in replies])
    error = data.get("error")
    if error:
        attributes["error.type"] = "output_parse"
    _source(attributes, data.get("span"))
    return f"chat {model}", "client", attributes, error


def _source(attributes: dict[str, Any], span: str | None) -> None:
    """`file:line:col` of the .dsp code as the code.* attributes."""
    if not span:
        return
    path, line, col = _split_span(span)
    attributes["code.file.path"] = path
    if line is not None:
        attributes["code.line.number"] = line
    if col is not None:
        attributes["code.column.number"] = col


def _split_span(text: str) -> tuple[str, int | None, int | None]:
    parts = text.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return parts[0], int(parts[1]), int(parts[2])
    return text, None, None


def _scalars(data: Mapping[str, Any]) -> dict[str, Any]:
    """The entries OTLP can carry as they are (str, bool, int, float); others as JSON text."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        out[key] = value if isinstance(value, (str, bool, int, float)) else _text(value)
    return out


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)

