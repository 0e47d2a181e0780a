"""How deeply a program may nest: at each limit every stage works (run, check, fmt, the
language server); one level past it, each one reports the same located syntax error,
never a RecursionError or an internal error.

The programs are tried in one child process (with a timeout), so that a stage that overflows
the C stack could not take the test run down with it.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dsplang.grammar.nesting import MAX_BRACKETS, MAX_DEPTH, MAX_INDENT


def brackets(n: int) -> str:
    """`n` brackets open at once (two of them are print's and len's)."""
    return "print(len(" + "[" * (n - 2) + "]" * (n - 2) + "))\n"


def dicts(n: int) -> str:
    return "let x = " + '{"a": ' * n + "1" + "}" * n + "\nprint(len(x))\n"


def indents(n: int) -> str:
    return "".join("    " * i + "if true:\n" for i in range(n)) + "    " * n + "print(1)\n"


def chain(step: str, last: str):
    """A `let` whose value is `step` repeated: the tree is n levels deep, `let` included."""
    return lambda n: "let x = " + step * (n - 2) + last + "\nprint(x)\n"


def joined(op: str, operand: str = "2"):
    return lambda n: "let x = " + op.join([operand] * (n - 1)) + "\nprint(x > 0)\n"


def methods(n: int) -> str:
    """`s.upper().upper()...`: each call adds two levels (the call and the attribute), so
    n levels for an even n, n + 1 for an odd one."""
    return 'let s = "x"\nlet y = s' + ".upper()" * ((n - 1) // 2) + "\nprint(y)\n"


def elifs(n: int) -> str:
    """An if with n - 3 elif branches: each elif is an `if` inside the one before."""
    branches = "".join(f"elif x == {i}:\n    pass\n" for i in range(1, n - 2))
    return f"let x = 5\nif x == 0:\n    pass\n{branches}print(x)\n"


def optionals(n: int) -> str:
    return "let x: str" + "?" * (n - 2) + ' = "a"\nprint(x)\n'


SHAPES = {
    "brackets": (brackets, MAX_BRACKETS, "nested brackets"),
    "dict literals": (dicts, MAX_BRACKETS, "nested brackets"),
    "indentation": (indents, MAX_INDENT, "levels of indentation"),
    "unary minus": (chain("-", "1"), MAX_DEPTH, "levels"),
    "not": (chain("not ", "true"), MAX_DEPTH, "levels"),
    "conditional expressions": (chain("1 if false else ", "2"), MAX_DEPTH, "levels"),
    "lambdas": (chain("lambda: ", "1"), MAX_DEPTH, "levels"),
    "a + b + ...": (joined(" + "), MAX_DEPTH, "levels"),
    "a ** b ** ...": (joined(" ** ", "1"), MAX_DEPTH, "levels"),
    "method calls": (methods, MAX_DEPTH, "levels"),
    "elif chains": (elifs, MAX_DEPTH, "levels"),
    "optional types": (optionals, MAX_DEPTH, "levels"),
}

DRIVER = r'''
import contextlib, io, json, sys
from lsprotocol import types
from dsplang.cli import main
from dsplang.fmt import format_source
from dsplang.grammar.nesting import deep_enough
from dsplang.lsp.analysis import Project
from dsplang.lsp.completion import completion
from dsplang.lsp.diagnostics import diagnostics
from dsplang.lsp.hover import hover
from dsplang.lsp.symbols import symbols


def stages(path):
    text = open(path).read()
    result = {}
    for command in ("run", "check"):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([command, path])
        result[command] = [code, out.getvalue()[-200:], err.getvalue()]
    try:
        format_source(text, path)
        result["fmt"] = "ok"
    except Exception as exc:
        result["fmt"] = f"{type(exc).__name__}: {exc}"
    result["lsp"] = [d.message for d in diagnostics(text, path)]
    with deep_enough():                      # as the server runs every handler
        analysis = Project().analyse(path, text)
        symbols(analysis)
        last = text.rstrip("\n").count("\n")
        for line in (0, last // 2, last):
            hover(analysis, types.Position(line=line, character=9))
            completion(analysis, types.Position(line=line, character=9))
    return result


print(json.dumps({path: stages(path) for path in sys.argv[1:]}))
'''


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    """Every stage's outcome for each shape at its limit and one past it, from one child."""
    folder = tmp_path_factory.mktemp("deep")
    paths = []
    for number, (make, limit, _) in enumerate(SHAPES.values()):
        for extra in (0, 1):
            path = folder / f"deep{number}_{extra}.dsp"
            path.write_text(make(limit + extra))
            paths.append(str(path))
    proc = subprocess.run([sys.executable, "-c", DRIVER, *paths], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout.splitlines()[-1])
    return {(shape, extra): found[str(folder / f"deep{number}_{extra}.dsp")]
            for number, shape in enumerate(SHAPES) for extra in (0, 1)}


@pytest.mark.parametrize("shape", SHAPES)
def test_every_stage_works_at_the_limit(shape, results):
    result = results[shape, 0]
    assert result["run"][0] == 0 and result["run"][2] == "", result["run"]
    assert result["check"][0] == 0, result["check"]
    assert result["fmt"] == "ok"
    assert result["lsp"] == []


@pytest.mark.parametrize("shape", SHAPES)
def test_one_level_more_is_a_located_syntax_error(shape, results):
    _, limit, what = SHAPES[shape]
    result = results[shape, 1]
    message = f"syntax error: nesting too deep: more than {limit} {what}"
    for command in ("run", "check"):
        code, _, err = result[command]
        assert code == 1 and ".dsp:" in err and message in err, err
        assert "internal error" not in err and "Recursion" not in err
    assert result["fmt"].startswith("DspSyntaxError: ") and message[len("syntax error: "):] in result["fmt"]
    assert any(message in m for m in result["lsp"]), result["lsp"]


def test_the_error_points_at_the_bracket_past_the_limit(tmp_path):
    path = tmp_path / "deep.dsp"
    path.write_text("let ok = 1\n" + brackets(MAX_BRACKETS + 1))
    proc = subprocess.run([sys.executable, "-m", "dsplang.cli", "check", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    column = len("print(len(") + MAX_BRACKETS - 1         # the 201st opening bracket
    assert f"deep.dsp:2:{column}: syntax error: nesting too deep" in proc.stderr


def test_a_signature_string_nested_too_deeply_is_located_at_run_time(tmp_path):
    path = tmp_path / "deep.dsp"
    path.write_text('let p = Predict("q -> a: ' + "list[" * (MAX_BRACKETS + 1) + "str" +
                    "]" * (MAX_BRACKETS + 1) + '")\n')
    proc = subprocess.run([sys.executable, "-m", "dsplang.cli", "run", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "deep.dsp:1:" in proc.stderr and "nesting too deep" in proc.stderr
