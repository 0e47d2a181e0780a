"""Fixtures for the driver tests: the optimizer tests' program (`dsp`), fake LM and training set."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_NAME = "optimizer_fixtures"
if _NAME not in sys.modules:
    _spec = importlib.util.spec_from_file_location(_NAME, Path(__file__).parents[1] / "stdlib/optimizers/conftest.py")
    sys.modules[_NAME] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules[_NAME])

from optimizer_fixtures import dsp, fake, lm, train  # noqa: E402,F401
