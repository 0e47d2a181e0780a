"""The VS Code extension: its manifest, the .vsix `vsce package` builds, and an LSP session
between the client library VS Code's language client is built on and `dsp lsp`, on Node.

`editors/vscode/scripts/lsp-session.js` starts the server with the extension's own
`serverCommand` (so the `dsplang.server.*` settings are exercised), opens a document with an
error, waits for the diagnostics and asks for a hover. No VS Code binary is needed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from loading import load_helper

node_tools = load_helper("editors/node_tools.py")

ROOT = node_tools.ROOT
EXTENSION = ROOT / "editors" / "vscode"
FOREIGN = Path(__file__).parent / "foreign"

PROGRAM = '''\
signature Answer:
    """Answer the question."""
    input question: str
    output answer: str

let qa = Predict(Answer)
let pred = qa(question="Why?")
print(pred.answer, qaa)
'''


@pytest.fixture(scope="module")
def modules() -> None:
    node_tools.npm_ci(EXTENSION, "vscode-languageclient/package.json")


def server_settings() -> dict:
    """dsplang.server.* settings that run this checkout's server with this Python."""
    return {"path": sys.executable, "args": ["-m", "dsplang.cli", "lsp"], "env": {"PYTHONPATH": str(ROOT)}}


def run_node(script: str, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([node_tools.node(), script, *args], cwd=EXTENSION, capture_output=True,
                          text=True, timeout=timeout)


def test_manifest_runs_the_language_client():
    manifest = json.loads((EXTENSION / "package.json").read_text())
    assert (EXTENSION / manifest["main"]).is_file()
    assert "onLanguage:dsp" in manifest["activationEvents"]
    assert manifest["repository"]["url"] and manifest["repository"]["directory"] == "editors/vscode"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert manifest["license"] == project["license"]["text"]
    assert (EXTENSION / "LICENSE").read_text().startswith(f"{project['license']['text']} License")
    settings = manifest["contributes"]["configuration"]["properties"]
    assert settings["dsplang.server.path"]["default"] == "dsp"
    assert settings["dsplang.server.args"]["default"] == ["lsp"]
    assert "dsplang.trace.server" in settings and "dsplang.detectContent" in settings
    # Runtime dependencies are pinned, and the lock file pins the whole tree for `npm ci`.
    assert all(version[0].isdigit() for version in manifest["dependencies"].values())
    lock = json.loads((EXTENSION / "package-lock.json").read_text())
    installed = lock["packages"]["node_modules/vscode-languageclient"]["version"]
    assert installed == manifest["dependencies"]["vscode-languageclient"]


def test_vsix_contents(modules, tmp_path):
    out = tmp_path / "dsplang.vsix"
    vsce = EXTENSION / "node_modules" / "@vscode" / "vsce" / "vsce"
    result = subprocess.run([node_tools.node(), str(vsce), "package", "--no-update-package-json", "--out", str(out)],
                            cwd=EXTENSION, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout + result.stderr
    with zipfile.ZipFile(out) as vsix:
        names = set(vsix.namelist())
        packaged = json.loads(vsix.read("extension/package.json"))
        manifest = vsix.read("extension.vsixmanifest").decode()
    for name in ("extension/src/extension.js", "extension/src/server.js", "extension/src/detect.js",
                 "extension/syntaxes/dsp.tmLanguage.json", "extension/language-configuration.json",
                 "extension/LICENSE.txt", "extension/readme.md",
                 "extension/node_modules/vscode-languageclient/lib/node/main.js",
                 "extension/node_modules/vscode-languageserver-protocol/package.json",
                 "extension/node_modules/vscode-jsonrpc/package.json"):
        assert name in names, name
    # Development tools and tests stay out of the package.
    assert not any(name.startswith(("extension/test/", "extension/scripts/", "extension/node_modules/@vscode/vsce"))
                   for name in names)
    assert packaged["main"] == "./src/extension.js"
    assert 'Id="dsplang"' in manifest and "Microsoft.VisualStudio.Services.Links.Source" in manifest
    assert len(names) < 1000


def test_client_session_diagnostics_and_hover(modules, tmp_path):
    program = tmp_path / "broken.dsp"
    program.write_text(PROGRAM)
    result = run_node("scripts/lsp-session.js", str(program), "--hover", "5:18",
                      "--settings", json.dumps(server_settings()), "--timeout", "30000", timeout=60)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["serverInfo"]["name"] == "dsp-lsp"
    capabilities = report["capabilities"]
    for capability in ("hoverProvider", "completionProvider", "definitionProvider", "documentSymbolProvider",
                       "documentFormattingProvider"):
        assert capabilities.get(capability), capability
    (diagnostic,) = report["diagnostics"]
    assert "'qaa' is not defined" in diagnostic["message"] and "did you mean 'qa'?" in diagnostic["message"]
    assert diagnostic["range"]["start"] == {"line": 7, "character": 19}
    assert diagnostic["severity"] == 1 and diagnostic["source"] == "dsp"
    (hover,) = report["hovers"]
    assert "input question: str" in hover["contents"]["value"]
    assert "Answer the question." in hover["contents"]["value"]
    assert report["exitCode"] == 0


def test_missing_server_is_a_clear_failure(modules, tmp_path):
    program = tmp_path / "ok.dsp"
    program.write_text("print(1)\n")
    settings = json.dumps({"path": str(tmp_path / "no-such-dsp")})
    result = run_node("scripts/lsp-session.js", str(program), "--settings", settings, "--timeout", "10000")
    assert result.returncode == 1
    assert "ENOENT" in result.stderr and "no-such-dsp" in result.stderr


SERVER_COMMAND_CASES = """
const { serverCommand } = require("./src/server");
const cases = [
  serverCommand({}, { env: {} }),
  serverCommand({ path: "  " }, { env: {} }),
  serverCommand({ path: "~/venv/bin/dsp", args: ["lsp", "--debug"] }, { env: {}, home: "/home/u" }),
  serverCommand({ path: ".venv/bin/dsp", env: { DSP_LM: "x" } }, { env: { A: "1" }, workspaceFolder: "/w" }),
  serverCommand({ path: "/opt/dsp", args: [] }, { env: {} }),
];
process.stdout.write(JSON.stringify(cases));
"""


def test_server_command_from_settings(modules):
    result = subprocess.run([node_tools.node(), "-e", SERVER_COMMAND_CASES], cwd=EXTENSION,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    default, blank, home, relative, empty_args = json.loads(result.stdout)
    assert (default["command"], default["args"]) == ("dsp", ["lsp"])
    assert blank["command"] == "dsp"
    assert (home["command"], home["args"]) == ("/home/u/venv/bin/dsp", ["lsp", "--debug"])
    assert relative["command"] == "/w/.venv/bin/dsp"
    assert relative["options"] == {"env": {"A": "1", "DSP_LM": "x"}, "cwd": "/w"}
    assert (empty_args["command"], empty_args["args"]) == ("/opt/dsp", ["lsp"])


def _detect(paths: list[Path]) -> list[str]:
    script = ("const { detectLanguage } = require('./src/detect'); const fs = require('fs');"
              "process.stdout.write(JSON.stringify(process.argv.slice(1).map("
              "(p) => detectLanguage(fs.readFileSync(p, 'utf8')))));")
    result = subprocess.run([node_tools.node(), "-e", script, *map(str, paths)], cwd=EXTENSION,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_content_detection_tells_dsplang_from_faust_and_developer_studio(modules):
    ours = sorted((ROOT / "examples").glob("*.dsp")) + sorted((ROOT / "tests" / "fixtures" / "editors").glob("*.dsp"))
    assert set(_detect(ours)) == {"dsplang"}
    foreign = sorted(FOREIGN.glob("*.dsp"))
    expected = ["faust" if path.name.startswith("faust") else "msdev" for path in foreign]
    assert _detect(foreign) == expected
