"""The interpreter is closed: it imports nothing from the layers above it (stdlib, lm, run, driver)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

INTERPRETER = Path(__file__).parents[2] / "dsplang" / "interpreter"
ABOVE = ("dsplang.stdlib", "dsplang.lm", "dsplang.context", "dsplang.driver")


def imported(path: Path) -> list[str]:
    """Every module `path` imports, at any depth (inside functions too)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            out += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return out


@pytest.mark.parametrize("path", sorted(INTERPRETER.glob("*.py")), ids=lambda p: p.name)
def test_the_interpreter_imports_no_layer_above_it(path):
    upward = [m for m in imported(path) if m.startswith(ABOVE) or m in ("dsplang.context",)]
    assert upward == []
