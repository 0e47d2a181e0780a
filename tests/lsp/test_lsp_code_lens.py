"""Code lenses over stdio: "Run test" above each `def test_*` of a test file, and the
`dsplang.runTest` command they carry, executed by the server with `dsp test`."""

from __future__ import annotations

import pytest
from lsp_client import LspClient

TESTS = '''\
let prices = {"apple": 3, "pear": 4}

def test_apple():
    require prices["apple"] == 3, "apples cost 3"

def test_apple_and_pear():
    require prices["apple"] + prices["pear"] == 7, "together 7"

def test_pear():
    require prices["pear"] == 5, "pears cost 5"

def helper():
    pass
'''


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    root = tmp_path_factory.mktemp("lens")
    (root / "tests").mkdir()
    path = root / "tests" / "test_shop.dsp"
    path.write_text(TESTS)
    (root / "shop.dsp").write_text(TESTS)           # the same text, not a test file
    lsp = LspClient(cwd=root)
    lsp.initialize(root)
    lsp.open(path, TESTS)
    lsp.diagnostics(path)
    yield lsp, root, path
    assert lsp.close() == 0


def lenses(lsp, path) -> list[dict]:
    return lsp.request("textDocument/codeLens", {"textDocument": {"uri": path.as_uri()}}) or []


def run(lsp, *arguments):
    return lsp.request("workspace/executeCommand", {"command": "dsplang.runTest", "arguments": list(arguments)})


def test_initialize_advertises_lenses_and_the_command(session):
    lsp, root, _ = session
    other = LspClient(cwd=root)
    try:
        caps = other.initialize(root)["capabilities"]
        assert "codeLensProvider" in caps
        assert caps["executeCommandProvider"]["commands"] == ["dsplang.runTest"]
    finally:
        assert other.close() == 0


def test_a_lens_per_test_and_one_for_the_file(session):
    lsp, _, path = session
    found = lenses(lsp, path)
    shown = [(lens["range"]["start"]["line"], lens["range"]["start"]["character"], lens["command"]["title"],
              lens["command"]["command"], lens["command"]["arguments"]) for lens in found]
    assert shown == [
        (2, 4, "▶ Run all 3 tests of the file", "dsplang.runTest", [str(path)]),
        (2, 4, "▶ Run test", "dsplang.runTest", [str(path), "test_apple"]),
        (5, 4, "▶ Run test", "dsplang.runTest", [str(path), "test_apple_and_pear"]),
        (8, 4, "▶ Run test", "dsplang.runTest", [str(path), "test_pear"]),
    ]


def test_no_lenses_outside_test_files(session):
    lsp, root, _ = session
    other = root / "shop.dsp"
    lsp.open(other, TESTS)
    lsp.diagnostics(other)
    assert lenses(lsp, other) == []


def test_running_one_test_runs_only_it(session):
    lsp, _, path = session
    result = run(lsp, str(path), "test_apple")          # its name is part of another test's name
    assert result["passed"] and result["exitCode"] == 0
    assert "1 passed" in result["output"]
    assert result["command"][-4:] == ["test", "tests/test_shop.dsp", "-k", "test_apple and not test_apple_and_pear"]
    message = lsp.wait_for("window/showMessage")
    assert message == {"type": 3, "message": "dsp test: test_apple passed"}


def test_a_failing_test_and_the_whole_file(session):
    lsp, _, path = session
    result = run(lsp, path.as_uri(), "test_pear")       # a URI is accepted too
    assert not result["passed"] and result["exitCode"] == 1
    assert "pears cost 5" in result["output"] and "1 failed" in result["output"]
    log = lsp.wait_for("window/logMessage", lambda p: "pears cost 5" in p["message"])
    assert log["type"] == 4
    message = lsp.wait_for("window/showMessage")
    assert message["type"] == 1 and message["message"].startswith("dsp test: test_pear failed")
    result = run(lsp, str(path))
    assert "2 passed" in result["output"] and "1 failed" in result["output"]


def test_a_missing_file_is_reported(session):
    lsp, root, _ = session
    result = run(lsp, str(root / "nope.dsp"), "test_x")
    assert result["passed"] is False and "no such test file" in result["output"]
    assert lsp.wait_for("window/showMessage", lambda p: "no such test file" in p["message"])["type"] == 1
