"""The parent reads the child's result as untrusted data: anything but the exact shape the
child writes is a clear error, never a crash, and never the reason for a warning."""

from __future__ import annotations

import json
import os
import warnings

import pytest

from dsplang.stdlib.sandbox import Limits, SandboxWarning, run_code, runner
from dsplang.stdlib.sandbox.result import InvalidResult, parse, size_limit

VALID = {"ok": True, "stdout": "hi\n", "value": "3", "error": None, "isolation": ["resource limits"]}


def raw(**changes) -> bytes:
    return json.dumps({**VALID, **changes}).encode()


def test_a_valid_result_is_read():
    result = parse(raw(), 100)
    assert (result.ok, result.stdout, result.value, result.isolation) == (True, "hi\n", "3", ["resource limits"])


@pytest.mark.parametrize("data, reason", [
    (raw(value=12345), "'value' is not a string"),
    (raw(isolation="forged"), "'isolation' is not a list"),
    (raw(isolation=["root access"]), "'isolation' is not a list of distinct layer names"),
    (raw(isolation=["audit hook", "audit hook"]), "distinct"),
    (raw(ok=1), "'ok' is not true or false"),
    (raw(error="boom"), "'ok' and 'error' disagree"),
    (raw(ok=False), "'ok' and 'error' disagree"),
    (raw(stdout=None), "'stdout' is not a string"),
    (raw(stdout="x" * 200), "'stdout' is longer than"),
    (json.dumps({**VALID, "extra": 1}).encode(), "exactly the fields"),
    (json.dumps([VALID]).encode(), "exactly the fields"),
    (b"[" * 50_000 + b"]" * 50_000, "not JSON"),
    (b"\xff\xfe\x00garbage", "not JSON"),
    (b"9" * 10_000, "not JSON"),
    (b" " * (size_limit(100) + 1), "larger than"),
], ids=lambda value: value[:30] if isinstance(value, str) else None)
def test_a_malformed_result_is_refused(data, reason):
    with pytest.raises(InvalidResult, match=reason):
        parse(data, 100)


def test_a_lone_surrogate_becomes_printable():
    assert parse(raw(stdout="\ud800!"), 100).stdout == "?!"


def run_forging(**fields):
    """Run code that writes `fields` over VALID to the result fd itself; (result, the
    SandboxWarnings it brought)."""
    forged = f"import os\nos.write(3, {json.dumps({**VALID, **fields})!r}.encode())\nos._exit(0)"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_code(forged, cpu_seconds=1)
    return result, [w for w in caught if issubclass(w.category, SandboxWarning)]


def test_a_forged_result_is_an_error_and_no_warning():
    result, warned = run_forging(value=12345, isolation="forged")
    assert not result.ok and "result is not valid: 'value' is not a string" in result.error
    assert not warned


def test_a_well_formed_forgery_claiming_no_layers_brings_no_warning():
    result, warned = run_forging(stdout="x", isolation=[])
    assert result.ok and result.output == "x\n3"    # the code may lie about its own output only
    assert not warned


def test_the_warning_comes_from_what_the_machine_allows(monkeypatch):
    monkeypatch.setattr(runner, "_machine", ["resource limits"])
    monkeypatch.setattr(runner, "_warned", False)
    with pytest.warns(SandboxWarning, match="cannot apply network namespace, pid namespace"):
        assert run_code("1", cpu_seconds=1).ok


def test_a_run_that_cannot_apply_a_layer_the_machine_allows_does_not_run_the_code():
    impossible = "user namespace" if os.geteuid() == 0 else "unprivileged user"
    result = runner._execute("print('ran')", Limits(cpu_seconds=1), [impossible], audit_hook=True)
    assert not result.ok and result.stdout == ""
    assert f"could not apply {impossible}" in result.error and "the code was not run" in result.error
