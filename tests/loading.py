"""Importing the helper modules that live in tests/ by path (a test module's own
`from loading import load_helper`; fixtures use conftest's `helper_module`). Test modules must
not import `conftest`: every folder's conftest is a module named `conftest`, and which one that
name holds depends on what pytest collected before."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def load_helper(relative: str):
    """Import a helper module that lives in tests/ (e.g. "lm/openai_server.py") by path.

    It is registered under its file's stem, so a test module's own `import openai_server`
    gets the same module object.
    """
    path = TESTS / relative
    name = path.stem
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
