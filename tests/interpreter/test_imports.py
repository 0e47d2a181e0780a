"""Imports of .dsp files (relative, once each, cycles named) and of Python modules."""

from __future__ import annotations

import pytest

import dsplang
from dsplang.errors import DspImportError, DspPythonError


def write(folder, name, text):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_import_is_relative_to_the_importing_file(tmp_path, monkeypatch, capsys):
    write(tmp_path, "lib/common.dsp", 'print("common runs")\ndef helper():\n    return "helped"\n')
    write(tmp_path, "lib/mid.dsp", 'import "common.dsp"\ndef via():\n    return helper()\n')
    main = write(tmp_path, "main.dsp", 'import "lib/mid.dsp"\nimport "lib/common.dsp" as c\nprint(via(), c.helper())\n')
    monkeypatch.chdir(tmp_path / "lib")  # the working directory does not matter
    dsplang.load(str(main))
    assert capsys.readouterr().out == "common runs\nhelped helped\n"  # common.dsp ran once


def test_only_declarations_come_in_without_as(tmp_path):
    write(tmp_path, "lib.dsp", "let secret = 1\ndef public():\n    return 2\n")
    main = write(tmp_path, "main.dsp", 'import "lib.dsp"\nprint(public())\nprint(secret)\n')
    with pytest.raises(dsplang.DspError) as err:
        dsplang.load(str(main))
    assert "secret" in err.value.message and err.value.span.line == 3


def test_cycle_is_named(tmp_path):
    write(tmp_path, "a.dsp", 'import "b.dsp"\n')
    write(tmp_path, "b.dsp", 'import "c.dsp"\n')
    write(tmp_path, "c.dsp", 'import "a.dsp"\n')
    with pytest.raises(DspImportError) as err:
        dsplang.load(str(tmp_path / "a.dsp"))
    assert "a.dsp -> b.dsp -> c.dsp -> a.dsp" in err.value.message


def test_python_module_next_to_the_file(tmp_path):
    write(tmp_path, "helpers_for_test_imports.py", "def shout(s):\n    return s.upper()\n")
    main = write(tmp_path, "main.dsp", "from helpers_for_test_imports import shout\nlet out = shout('hi')\n")
    assert dsplang.load(str(main)).out == "HI"


def test_missing_python_module_and_name(tmp_path):
    main = write(tmp_path, "main.dsp", "from no_such_module_here import x\n")
    with pytest.raises(DspImportError, match="no Python module named 'no_such_module_here'"):
        dsplang.load(str(main))
    main.write_text("from json import lods\n")
    with pytest.raises(dsplang.DspError) as err:
        dsplang.load(str(main))
    assert err.value.hint == "did you mean 'loads'?"


def test_python_exception_maps_to_the_calling_line(tmp_path):
    write(tmp_path, "broken_tool_for_imports.py", "def tool(x):\n    return {}[x]\n")
    main = write(tmp_path, "main.dsp", "from broken_tool_for_imports import tool\nlet a = 1\ntool('k')\n")
    with pytest.raises(DspPythonError) as err:
        dsplang.load(str(main))
    assert err.value.span.line == 3
    assert "KeyError in tool()" in err.value.message
    assert any("broken_tool_for_imports.py:2" in note for note in err.value.notes)


def test_a_file_that_is_not_utf8_is_reported_at_its_first_bad_byte(tmp_path, capsys):
    from dsplang.cli import main
    from dsplang.errors import DspFileError
    (tmp_path / "bad.dsp").write_bytes(b'let x = 1\r\nprint("a\xffb")\n')
    assert main(["run", str(tmp_path / "bad.dsp")]) == 1
    err = capsys.readouterr().err
    assert ":2:9: file error: " in err and "byte 0xff at line 2, column 9 (invalid start byte)" in err
    assert '    2 | print("a\ufffdb")' in err and "internal error" not in err
    importing = write(tmp_path, "main.dsp", 'let y = 2\nimport "bad.dsp"\n')
    with pytest.raises(DspFileError) as caught:
        dsplang.load(str(importing))
    assert caught.value.span.line == 2 and "line 2, column 9" in caught.value.message
