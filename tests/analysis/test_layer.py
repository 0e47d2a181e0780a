"""Static analysis reads source only: analysis/ imports nothing of the project but errors and
grammar (not the interpreter, stdlib, lm or the language server)."""

from __future__ import annotations

import ast
from pathlib import Path

import dsplang.analysis

ALLOWED = ("dsplang.errors", "dsplang.grammar", "dsplang.analysis")


def test_analysis_imports_only_errors_and_grammar():
    folder = Path(dsplang.analysis.__file__).parent
    upward = []
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            upward += [f"{path.name}: {m}" for m in modules
                       if m.split(".")[0] == "dsplang" and not m.startswith(ALLOWED)]
    assert upward == []
