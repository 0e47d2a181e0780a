"""Which files are test files and which of their functions are tests (docs/testing.md).

A test file is a `.dsp` file named `test_*.dsp` or `*_test.dsp`, found under the folders
given (hidden folders, `node_modules` and `__pycache__` are skipped); a file given by name is
a test file whatever its name. A test is a top-level `def test_*()` of the file.
"""

from __future__ import annotations

import os

from dsplang.errors import DspArgumentError, checked_path
from dsplang.grammar import ast

SKIPPED_FOLDERS = frozenset({"node_modules", "__pycache__", "site-packages"})


def is_test_file(name: str) -> bool:
    """Whether a file name is a test file's: `test_*.dsp` or `*_test.dsp`."""
    return name.endswith(".dsp") and (name.startswith("test_") or name.endswith("_test.dsp"))


def find_test_files(paths: list[str]) -> list[str]:
    """The test files under `paths` (folders searched recursively, in name order; files as
    given), each once. A path that does not exist, or a file that is not a .dsp file, is a
    DspArgumentError (a usage error)."""
    found: list[str] = []
    for path in paths:
        checked_path(path, error=DspArgumentError)
        if os.path.isdir(path):
            found.extend(_under(path))
        elif os.path.isfile(path):
            if not path.endswith(".dsp"):
                raise DspArgumentError(f"{path} is not a .dsp file",
                                       hint="dsp test runs test_*.dsp and *_test.dsp files")
            found.append(path)
        else:
            raise DspArgumentError(f"no such file or folder: {path}")
    seen: set[str] = set()
    unique = []
    for path in found:
        key = os.path.normcase(os.path.abspath(path))
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def _under(folder: str) -> list[str]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_FOLDERS)
        found.extend(os.path.normpath(os.path.join(root, name)) for name in sorted(files) if is_test_file(name))
    return found


def find_tests(program: ast.Program) -> list[ast.FuncDef]:
    """The file's tests: its top-level `def test_*`, in source order (a name defined twice
    counts once, where it was defined last, as the name then holds that function)."""
    last: dict[str, ast.FuncDef] = {}
    for node in program.body:
        if isinstance(node, ast.FuncDef) and node.name.startswith("test_"):
            last.pop(node.name, None)
            last[node.name] = node
    return list(last.values())
