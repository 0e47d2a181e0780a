"""Fixtures for the static analysis tests."""

import os
import shutil
import textwrap

import pytest

# The helpers assert; rewrite them so a failure shows the values, as in a test module.
pytest.register_assert_rewrite("checker_helpers")

from checker_helpers import FIXTURES  # noqa: E402


@pytest.fixture
def project(tmp_path):
    """A folder with the fixtures copied in; returns a writer of extra files."""
    for name in os.listdir(FIXTURES):
        shutil.copy(os.path.join(FIXTURES, name), tmp_path / name)

    def write(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return str(path)
    write.root = tmp_path
    return write
