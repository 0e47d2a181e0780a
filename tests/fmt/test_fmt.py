"""`dsp fmt`: idempotent, meaning-preserving, comment-keeping, and careful with bad files."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from dsplang.cli import main
from dsplang.errors import DspSyntaxError, Span
from dsplang.fmt import format_source
from dsplang.fmt.lines import Break, CodeLine, CommentLine, build_lines
from dsplang.fmt.tokens import lex, normalize
from dsplang.grammar.parser import parse

TESTS = Path(__file__).parent.parent
ROOT = TESTS.parent
GOLDEN = Path(__file__).parent / "golden"
FILES = sorted([*TESTS.glob("programs/*.dsp"), *TESTS.glob("fixtures/editors/*.dsp"),
                *ROOT.glob("examples/*.dsp"), GOLDEN / "messy.dsp"])


def _parses(path: Path) -> bool:
    try:
        parse(path.read_text(encoding="utf-8"), str(path))
        return True
    except DspSyntaxError:
        return False


VALID = [p for p in FILES if _parses(p)]
INVALID = [p for p in FILES if p not in VALID]


def without_spans(node):
    """`node` with every Span field replaced by None, recursively."""
    if isinstance(node, Span):
        return None
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        changes = {f.name: without_spans(getattr(node, f.name)) for f in dataclasses.fields(node)}
        return dataclasses.replace(node, **changes)
    if isinstance(node, tuple):
        return tuple(without_spans(item) for item in node)
    return node


def comments(text: str) -> list[str]:
    """Every comment of a file, in order, as the lexer finds them."""
    found = []
    for item in build_lines(lex(normalize(text))):
        if isinstance(item, CommentLine):
            found.append(item.text)
            continue
        for part in item.parts:
            if isinstance(part, Break):
                found += ([part.trailing.text] if part.trailing else []) + part.comments
        if isinstance(item, CodeLine) and item.trailing:
            found.append(item.trailing.text)
    return [c.rstrip() for c in found]


def test_the_corpus_is_large_enough():
    assert len(VALID) >= 60 and INVALID


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_formatting_is_idempotent_and_keeps_the_meaning(path):
    source = path.read_text(encoding="utf-8")
    once = format_source(source, str(path))
    assert format_source(once, str(path)) == once
    assert without_spans(parse(once, str(path))) == without_spans(parse(source, str(path)))
    assert comments(once) == comments(source)
    assert once.endswith("\n") and not once.endswith("\n\n")
    assert all(line == line.rstrip() for line in once.splitlines())
    assert "\n\n\n\n" not in once


def test_messy_input_becomes_the_golden_output():
    source = (GOLDEN / "messy.dsp").read_text(encoding="utf-8")
    expected = (GOLDEN / "messy.expected.dsp").read_text(encoding="utf-8")
    assert format_source(source) == expected


def test_comments_keep_their_lines_and_aligned_columns():
    source = "let a = 1        # one\nlet bcd=2        # two\nif a:\n# inside\n    print(a)  # three\n"
    assert format_source(source) == (
        "let a = 1        # one\nlet bcd = 2      # two\nif a:\n    # inside\n    print(a)  # three\n")


def test_crlf_tabs_and_missing_final_newline():
    source = "def f(x):\r\n\tif x:\r\n\t\treturn 1\r\n\treturn 2"
    assert format_source(source) == "def f(x):\n    if x:\n        return 1\n    return 2\n"


def test_syntax_error_is_refused_and_the_file_left_alone(tmp_path, capsys):
    path = tmp_path / "bad.dsp"
    path.write_text("let x = = 1\n")
    assert main(["fmt", str(path)]) == 1
    assert path.read_text() == "let x = = 1\n"
    err = capsys.readouterr().err
    assert "bad.dsp:1:9: syntax error: expected an expression after '='" in err
    assert "let x = = 1" in err and "^" in err


def test_fmt_rewrites_files_in_place(tmp_path, capsys):
    path = tmp_path / "a.dsp"
    path.write_text("let x=1\n")
    assert main(["fmt", str(path)]) == 0
    assert path.read_text() == "let x = 1\n"
    assert "reformatted" in capsys.readouterr().out


def test_check_lists_files_that_would_change_and_writes_nothing(tmp_path):
    messy, tidy = tmp_path / "messy.dsp", tmp_path / "tidy.dsp"
    messy.write_text("print( 1 )\n")
    tidy.write_text("print(1)\n")
    command = [sys.executable, "-m", "dsplang.cli", "fmt", "--check", str(messy), str(tidy)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert f"would reformat {messy}" in run.stdout and str(tidy) not in run.stdout
    assert messy.read_text() == "print( 1 )\n"
    clean = subprocess.run(command[:-2] + [str(tidy)], capture_output=True, text=True, timeout=60)
    assert clean.returncode == 0 and clean.stdout == ""


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_files_with_syntax_errors_are_refused(path):
    with pytest.raises(DspSyntaxError):
        format_source(path.read_text(encoding="utf-8"), str(path))


def test_backslash_continuations():
    source = "if true:\n    let n = 1 + \\\n  2\n    print(n)\n"
    assert format_source(source) == "if true:\n    let n = 1 + \\\n        2\n    print(n)\n"
    assert format_source("if true:\n     \\\n print(1)\n") == "if true:\n    print(1)\n"


def test_block_strings_move_with_their_statement():
    source = 'def f(x):\n  """\n  Doc.\n    more\n  """\n  return x\n'
    assert format_source(source) == 'def f(x):\n    """\n    Doc.\n      more\n    """\n    return x\n'


def test_dash_formats_stdin_to_stdout():
    command = [sys.executable, "-m", "dsplang.cli", "fmt", "-"]
    run = subprocess.run(command, input="let x=1\n", capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stdout) == (0, "let x = 1\n")
    bad = subprocess.run(command, input="let x==1\n", capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "syntax error" in bad.stderr
