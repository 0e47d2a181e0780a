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
