"""Running untrusted (model-written) Python code out of the interpreter's process.

`run_code(code, limits=None, **overrides) -> SandboxResult`; see runner.py and docs/sandbox.md.
"""

from dsplang.stdlib.sandbox.result import SandboxResult
from dsplang.stdlib.sandbox.runner import Limits, SandboxWarning, run_code

__all__ = ["Limits", "SandboxResult", "SandboxWarning", "run_code"]
