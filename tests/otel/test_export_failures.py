"""Span export that cannot work never fails a run nor prints the SDK's tracebacks: a setting the
SDK refuses, an endpoint that does not parse or answer — one warning each, no password."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid
import warnings

import pytest

from dsplang.context import otel, otel_logs

pytest.importorskip("opentelemetry.sdk", reason='the otel extra is not installed (pip install -e ".[otel]")')

PROGRAM = 'use ScriptedLM([{"answer": "Paris"}])\nprint(Predict("question -> answer")(question="France?").answer)\n'


def telemetry_warnings(caught) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, otel_logs.DspTelemetryWarning)]


def test_a_setting_the_sdk_refuses_is_one_warning_and_no_export(monkeypatch):
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "-5")
    environ = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9", "OTEL_SERVICE_NAME": uuid.uuid4().hex}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert otel.exporter_for_run(True, environ) is None
        assert otel.exporter_for_run(True, environ) is None
    [message] = telemetry_warnings(caught)
    assert "spans are not exported: ValueError: schedule_delay_millis must be positive" in message


def test_the_sdks_log_lines_are_one_warning_per_kind_without_credentials():
    otel_logs.send_logs_as_warnings()
    logger = logging.getLogger("opentelemetry.exporter.otlp.proto.http.trace_exporter")
    template = f"Transient error %s while exporting, retrying in %.2fs ({uuid.uuid4().hex})"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        logger.warning(template, "http://user:hunter2@h:4318/v1/traces", 1.0)
        logger.warning(template, "http://user:hunter2@h:4318/v1/traces", 2.3)
        try:
            raise ValueError("inner")
        except ValueError:
            logger.exception("Unable to parse %s\nwith a traceback", "X" + uuid.uuid4().hex)
    first, second = telemetry_warnings(caught)
    assert first.startswith("OpenTelemetry: Transient error http://h:4318/v1/traces while exporting, retrying in 1.00s")
    assert "hunter2" not in first and "the run goes on" in first
    assert second.startswith("OpenTelemetry: Unable to parse X") and "traceback" not in second


@pytest.mark.parametrize("setting", ["OTEL_EXPORTER_OTLP_ENDPOINT=http://user:hunter2@[::1",
                                     "OTEL_BSP_MAX_EXPORT_BATCH_SIZE=0"])
def test_dsp_run_with_an_endpoint_or_setting_that_cannot_work_finishes(tmp_path, setting):
    (tmp_path / "p.dsp").write_text(PROGRAM)
    name, _, value = setting.partition("=")
    env = {**os.environ, "OTEL_EXPORTER_OTLP_ENDPOINT": "http://user:hunter2@[::1", name: value,
           "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-m", "dsplang.cli", "run", str(tmp_path / "p.dsp")], env=env,
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "Paris\n")
    lines = [line for line in done.stderr.splitlines() if "OpenTelemetry" in line]
    assert len(lines) == 1 and lines[0].startswith("dsp: warning: OpenTelemetry: ")
    assert "Traceback" not in done.stderr and "hunter2" not in done.stderr


def test_while_exports_fail_the_end_of_a_run_does_not_wait_for_them(monkeypatch):
    from opentelemetry.sdk.trace.export import SpanExportResult

    class Down:
        """A collector that is down: each export fails (the real one retries for ~7 s first)."""
        calls = 0

        def export(self, spans):
            Down.calls += 1
            return SpanExportResult.FAILURE

        def force_flush(self, timeout_millis=30000):
            return True

        def shutdown(self):
            pass

    export = otel.OtlpExport({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"})
    monkeypatch.setattr(export._exporter, "exporter", Down())
    try:
        export._send("a", "internal", 1, 2, None, 1.0, 2.0, {}, None)
        assert export.flush() is True and Down.calls == 1          # the first run's end waits: it fails
        export._send("b", "internal", 1, 3, None, 1.0, 2.0, {}, None)
        assert export.flush() is False and Down.calls == 1         # later ones do not wait on a dead collector
    finally:
        export.processor.shutdown()
