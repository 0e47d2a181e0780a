"""The Neovim recipes of docs/editors.md, run in real headless Neovims.

Each run starts `nvim --headless` with a recipe as its init.lua (editors/neovim/filetype.lua
plus one LSP recipe, as a user would paste them), opens a .dsp program with an error, waits for
the diagnostics from `dsp lsp` (found on PATH, as the recipes expect), and writes them out with
the filetypes Neovim gave a Faust and a Developer Studio `.dsp` file
(editors/neovim/test-harness.lua).

Neovims: Debian 12's 0.7.2 (`apt-get install neovim`, done by .ci/run), and Debian 13's 0.10.4
and unstable's 0.12 unpacked by editors/tools/debian-tool.sh, for the 0.8+ and 0.11+ recipes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from loading import load_helper

node_tools = load_helper("editors/node_tools.py")

ROOT = node_tools.ROOT
NEOVIM = ROOT / "editors" / "neovim"
FOREIGN = sorted((Path(__file__).parent / "foreign").glob("*.dsp"))
WAIT_MS = 30000

PROGRAM = '''\
signature Answer:
    input question: str
    output answer: str

let qa = Predict(Answer)
print(qa(question="Why?").answer, qaa)
'''


def debian_nvim() -> str:
    found = shutil.which("nvim")
    if found is None:
        pytest.skip("nvim is not installed (.ci/run installs Debian's neovim package)")
    return found


def unpacked_nvim(suite: str) -> tuple[str, dict]:
    wrapper = node_tools.debian_tool("nvim", "neovim", suite=suite)
    runtime = node_tools.TOOL_CACHE / suite / "root" / "usr" / "share" / "nvim" / "runtime"
    return wrapper, {"VIMRUNTIME": str(runtime)}


def install_tree_sitter_parser(data_home: Path) -> None:
    """What docs/editors.md tells a Neovim user to do: build parser/dsp.so, copy the queries."""
    site = data_home / "nvim" / "site"
    (site / "parser").mkdir(parents=True)
    (site / "queries" / "dsp").mkdir(parents=True)
    grammar = ROOT / "editors" / "tree-sitter-dsp"
    result = subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-I", "src", "src/parser.c", "src/scanner.c",
                             "-o", str(site / "parser" / "dsp.so")], cwd=grammar, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    for query in (grammar / "queries").glob("*.scm"):
        shutil.copy(query, site / "queries" / "dsp")


def run_recipe(nvim: str, env_extra: dict, recipes: list[str], tmp_path: Path, captures: str = "") -> dict:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    dsp = bin_dir / "dsp"   # the `dsp` the recipes start: this checkout's, with this Python
    dsp.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m dsplang.cli "$@"\n')
    dsp.chmod(0o755)
    init = tmp_path / "init.lua"
    init.write_text("\n".join((NEOVIM / name).read_text() for name in ["filetype.lua", *recipes]))
    program = tmp_path / "broken.dsp"
    program.write_text(PROGRAM)
    out = tmp_path / "report.json"
    home = tmp_path / "home"
    home.mkdir()
    if "treesitter.lua" in recipes:
        install_tree_sitter_parser(home / ".local" / "share")
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}", "HOME": str(home),
           "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local" / "share"),
           "XDG_STATE_HOME": str(home / ".local" / "state"), "DSP_TEST_OUT": str(out),
           "DSP_TEST_WAIT_MS": str(WAIT_MS), "DSP_TEST_OTHER_FILES": "\n".join(map(str, FOREIGN)), **env_extra}
    if captures:
        env["DSP_TEST_CAPTURES"] = captures
    result = subprocess.run([nvim, "--headless", "-n", "-i", "NONE", "-u", str(init),
                             "-c", f"luafile {NEOVIM / 'test-harness.lua'}", str(program)],
                            cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=WAIT_MS / 1000 + 30, stdin=subprocess.DEVNULL)
    assert out.exists(), f"nvim wrote no report (status {result.returncode}):\n{result.stdout}\n{result.stderr}"
    return json.loads(out.read_text())


def check(report: dict, version_prefix: str) -> None:
    assert report["version"].startswith(version_prefix), report
    assert report["filetype"] == "dsp"
    assert report["clients"] == ["dsp"], report
    assert report["waited"] is True, report
    (diagnostic,) = report["diagnostics"]
    assert "'qaa' is not defined" in diagnostic["message"] and "did you mean 'qa'?" in diagnostic["message"]
    assert (diagnostic["lnum"], diagnostic["col"]) == (5, 34)
    others = {Path(path).name: filetype for path, filetype in report["others"].items()}
    assert others == {"faust_filter.dsp": "faust", "faust_noise.dsp": "faust", "msdev_project.dsp": "make"}


def test_recipe_for_neovim_0_7_on_debian_12(tmp_path):
    check(run_recipe(debian_nvim(), {}, ["lsp-0.7.lua"], tmp_path), "0.7.")


def test_recipe_for_neovim_0_8_on_0_10(tmp_path):
    nvim, env = unpacked_nvim("trixie")
    check(run_recipe(nvim, env, ["lsp-0.8.lua"], tmp_path), "0.10.")


@pytest.mark.parametrize("recipe", ["lsp-0.11.lua", "lsp-0.8.lua"])
def test_recipes_for_neovim_0_11_and_0_8_on_0_12(tmp_path, recipe):
    nvim, env = unpacked_nvim("sid")
    check(run_recipe(nvim, env, [recipe], tmp_path), "0.1")


# (row, col) in PROGRAM: the highlight Neovim must find there with the tree-sitter grammar.
EXPECTED_CAPTURES = {
    (0, 0): "keyword.type", (0, 10): "type.definition", (1, 4): "keyword.modifier", (1, 20): "type.builtin",
    (4, 0): "keyword", (4, 9): "constructor", (5, 0): "function.builtin", (5, 9): "variable.parameter",
    (5, 18): "string",
}


@pytest.mark.parametrize("suite", ["trixie", "sid"])
def test_tree_sitter_highlighting_in_neovim(tmp_path, suite):
    nvim, env = unpacked_nvim(suite)
    positions = " ".join(f"{row}:{col}" for row, col in EXPECTED_CAPTURES)
    report = run_recipe(nvim, env, ["lsp-0.8.lua", "treesitter.lua"], tmp_path, captures=positions)
    check(report, "0.1")
    assert report["highlighter"] is True
    for (row, col), capture in EXPECTED_CAPTURES.items():
        assert capture in report["captures"][f"{row}:{col}"], (row, col, report["captures"])


def test_docs_show_the_tested_recipes():
    docs = (ROOT / "docs" / "editors.md").read_text()
    for name in ("filetype.lua", "lsp-0.7.lua", "lsp-0.8.lua", "lsp-0.11.lua", "treesitter.lua"):
        assert (NEOVIM / name).read_text().strip() in docs, f"docs/editors.md does not show editors/neovim/{name}"
