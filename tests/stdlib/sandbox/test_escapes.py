"""Every escape technique of issue 14, with the audit hook removed, as root and as an
unprivileged user: the namespaces, the private root, the dropped capabilities, the seccomp
filter and the resource limits stop each one (see _attacks.py for the attacks)."""

from __future__ import annotations

import json
import os

import _attacks
import _unprivileged
import pytest
from _targets import Targets

NOBODY = 65534


@pytest.fixture(scope="module", params=["root", "unprivileged"])
def attacked(request):
    """(targets, {attack: result}, damage found on the host) for one kind of user."""
    if request.param == "root":
        if os.geteuid() != 0:
            pytest.skip("needs root")
        targets = Targets(NOBODY)
        run = lambda: _attacks.run_all(targets.data)  # noqa: E731
    elif os.geteuid() == 0:
        user = request.getfixturevalue("sandbox_user")
        targets = Targets(_unprivileged.UID)
        run = lambda: _run_as_user(user, targets)  # noqa: E731
    else:
        targets = Targets(os.getuid())
        run = lambda: _attacks.run_all(targets.data)  # noqa: E731
    try:
        results = run()
        yield targets, results, targets.damage()
    finally:
        targets.close()


def _run_as_user(user, targets: Targets) -> dict:
    done = user.run("_attacks.py", json.dumps(targets.data), {"DSP_PARENT_SECRET": targets.env_secret},
                    timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "SandboxWarning" not in done.stderr, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("name", list(_attacks.ATTACKS))
def test_the_attack_is_stopped(attacked, name):
    targets, results, _ = attacked
    attack, result = _attacks.ATTACKS[name], results[name]
    text = "\n".join(filter(None, (result["stdout"], result["value"], result["error"])))
    assert "ESCAPED" not in text, text
    assert targets.secret_text not in text and targets.env_secret not in text, text
    assert result["ok"] == attack.ok, text
    for expected in attack.expect:
        assert expected in text, text


def test_nothing_on_the_host_was_touched(attacked):
    assert attacked[2] == []


def test_every_layer_was_applied(attacked):
    targets, results, _ = attacked
    isolation = set(results["capabilities"]["isolation"])
    assert {"network namespace", "pid namespace", "private read-only root", "no capabilities",
            "seccomp filter", "resource limits"} <= isolation
    assert ("unprivileged user" in isolation) == (targets.owner == NOBODY)
    assert ("user namespace" in isolation) == (targets.owner != NOBODY)
    assert "audit hook" not in isolation
