"""Whether the `[finetune]` extra is installed: torch, transformers, peft and gguf.

They are located with `importlib.util.find_spec`, never imported here (torch alone takes
seconds to import); `require` refuses with the command that installs them.
"""

from __future__ import annotations

import importlib.util

from dsplang.errors import DspNotAvailableError

MODULES = ("torch", "transformers", "peft", "gguf")
INSTALL = 'pip install -e ".[finetune]"'
INSTALL_HINT = (f"install the fine-tuning extra with `{INSTALL}` (PyTorch, transformers, peft, gguf: "
                "about 3 GB with PyPI's Linux torch wheel; `pip install torch --index-url "
                "https://download.pytorch.org/whl/cpu` first keeps it under 1 GB)")


def missing() -> list[str]:
    """The extra's modules that cannot be imported here, in MODULES order."""
    absent = []
    for name in MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            absent.append(name)
    return absent


def require(who: str) -> None:
    """Refuse (DspNotAvailableError, with the install command) unless the extra is installed."""
    absent = missing()
    if absent:
        raise DspNotAvailableError(f"{who}: fine-tuning needs {', '.join(absent)}, which "
                                   f"{'is' if len(absent) == 1 else 'are'} not installed",
                                   hint=INSTALL_HINT)
