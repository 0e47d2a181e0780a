"""The standard library by its language names on `dsplang`, and what `import dsplang` costs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dsplang
from dsplang.driver.builtins import STDLIB
from dsplang.stdlib.data import load as load_data
from dsplang.stdlib.evaluate import evaluate as builtin_evaluate

ROOT = Path(dsplang.__file__).resolve().parents[1]


def test_every_builtin_of_the_standard_library_is_a_name_of_dsplang():
    for name in STDLIB:
        if name in ("load", "evaluate"):
            continue
        assert getattr(dsplang, name) is dsplang.api.stdlib_value(name), name
    for name in ("Predict", "ChainOfThought", "ReAct", "BootstrapFewShot", "MIPROv2", "GEPA", "SIMBA",
                 "LM", "ScriptedLM", "Example", "Prediction", "Signature"):
        assert name in dir(dsplang)


def test_the_two_renamed_names():
    assert dsplang.load_data is load_data
    assert dsplang.evaluate is not builtin_evaluate and callable(dsplang.evaluate)
    assert dsplang.load is dsplang.api.load


def test_star_import_gives_the_api():
    names: dict = {}
    exec("from dsplang import *", names)
    assert {"configure", "context", "Predict", "GEPA", "Example", "DspError", "load_data"} <= set(names)


def test_an_unknown_name_is_an_attribute_error():
    try:
        dsplang.Predictt  # noqa: B018
    except AttributeError as err:
        assert "Predictt" in str(err)
    else:
        raise AssertionError("no error")


def test_importing_dsplang_loads_neither_the_api_nor_the_runtime():
    code = "import sys, dsplang; print(sorted(m for m in sys.modules if m.startswith(('dsplang.', 'litellm'))))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(ROOT), timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['dsplang.context', 'dsplang.errors', 'dsplang.version']"
