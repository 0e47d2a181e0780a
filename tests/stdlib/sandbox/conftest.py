"""Fixtures for the sandbox tests: the sandbox run as an unprivileged user."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).parent


@pytest.fixture(scope="session")
def sandbox_user():
    """A copy of the sandbox that uid 12345 can run (see _unprivileged.py); needs root."""
    if os.geteuid() != 0:
        pytest.skip("running as another user needs root")
    import _unprivileged

    copy = _unprivileged.UserCopy([HERE / "_attacks.py"])
    try:
        if copy.python is None:
            pytest.skip(f"no Python interpreter that uid {_unprivileged.UID} can read "
                        f"(tried {', '.join(_unprivileged.SYSTEM_PYTHONS)})")
        yield copy
    finally:
        copy.close()
