"""Node and npm for the editor tests: find them, and install a folder's pinned packages once."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EDITORS = ROOT / "editors"


def node() -> str:
    """The node executable; skips the test (with the reason) when node is not installed."""
    found = shutil.which("node")
    if found is None:
        pytest.skip("node is not installed (.ci/run installs Debian's nodejs): the editor tests run on Node")
    return found


def npm_ci(folder: Path, marker: str) -> None:
    """`npm ci` in `folder` unless node_modules/`marker` is there (.ci/run installs them first)."""
    node()
    if (folder / "node_modules" / marker).exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed (.ci/run installs Debian's npm)")
    result = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=folder,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"npm ci failed in {folder}:\n{result.stderr[-3000:]}"


TREE_SITTER_SUITE = "trixie"          # Debian 13: tree-sitter-cli 0.22.6
TOOL_CACHE = EDITORS / ".cache"


def debian_tool(program: str, package: str, suite: str = TREE_SITTER_SUITE) -> str:
    """A program from a newer Debian release, unpacked by editors/tools/debian-tool.sh.

    .ci/run unpacks it first; a developer's first run of the tests does (seconds, from Debian's
    archive). Debian unstable ("sid") changes daily and is sometimes uninstallable for a while:
    a program from it that cannot be unpacked skips the test that needs it; any other suite
    failing is an error.
    """
    dest = TOOL_CACHE / suite
    wrapper = dest / "bin" / program
    if not wrapper.exists():
        result = subprocess.run(["bash", str(EDITORS / "tools" / "debian-tool.sh"), suite, str(dest), package],
                                capture_output=True, text=True, timeout=600)
        message = f"could not unpack {package} from Debian {suite}:\n{result.stderr[-3000:]}"
        if result.returncode != 0 and suite == "sid":
            pytest.skip(message)
        assert result.returncode == 0 and wrapper.exists(), message
    return str(wrapper)
