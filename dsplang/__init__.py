"""dsplang: a programming language for language-model programs.

The public Python API:

- `parse(source, filename)` -> the AST of a program;
- `load(path)` -> a namespace of the file's names (its modules, functions, signatures), after
  running the file like an import; `load(path, run=False)` only makes its declarations;
- `run(source, filename)` -> runs a program given as a string and returns its namespace;
- `DspError`, the base of every error a program can raise.

Each `load`/`run` is a run of its own (`dsplang.context.run.Run`): it sees the LM and
retriever the caller set (`with`/`use`), and nothing it sets (`use`, traces, compile
state) reaches the caller or the next run.
"""

from __future__ import annotations

import os as _os

# litellm fetches a price table from the network at import unless told not to.
_os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from dsplang.errors import DspError  # noqa: E402
from dsplang.version import LANGUAGE_VERSION, __version__  # noqa: E402

__all__ = ["DspError", "__version__", "LANGUAGE_VERSION", "parse", "load", "run"]


def parse(source: str, filename: str = "<string>"):
    """Parse a program into its AST (`dsplang.grammar.ast.Program`); raises DspSyntaxError."""
    from dsplang.grammar.parser import parse as _parse
    return _parse(source, filename)


def load(path: str, run: bool = True):
    """Load a .dsp file and return a namespace of its top-level names.

    With run=True (the default) the file's statements run, as a Python import runs a
    module; with run=False only its imports and declarations are made.
    """
    from dsplang.driver.host import new_interpreter
    from dsplang.driver.run import in_new_run
    interp = new_interpreter()
    if run:
        return in_new_run(interp.run_file, path)
    from dsplang.interpreter.values import Namespace
    return Namespace(path, interp.declare_file(path).vars)


def run(source: str, filename: str = "<string>"):
    """Run a program given as a string; returns a namespace of its top-level names."""
    from dsplang.driver.host import new_interpreter
    from dsplang.driver.run import in_new_run
    return in_new_run(new_interpreter().run_source, source, filename)
