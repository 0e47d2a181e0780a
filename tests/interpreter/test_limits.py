"""The interpreter's size limits: each runaway operation is refused at once, before it
computes, with a located error that names the limit and how to raise it; the limits are
raised with `--limit NAME=N` or DSP_LIMITS; and the defaults leave ordinary work alone.

The runaway programs run in one child process with a timeout: without the limits, one of
them holds the GIL for minutes (`2 ** 3 ** 22`) and a thread could not stop it.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dsplang.cli import main
from dsplang.errors import DspArgumentError
from dsplang.interpreter.limits import Limits

RUNAWAYS = {
    "power tower": ("let x = 2 ** 3 ** 22", "1:9", "integer too large: the result of '**'", "int_digits"),
    "power of ten": ("let x = 10 ** 100000000", "1:9", "integer too large: the result of '**'", "int_digits"),
    "product": ("let n = 10 ** 99999\nlet m = n * n", "2:9", "integer too large: the result of '*'",
                "int_digits"),
    "power assignment": ("let n = 7\nn **= 10 ** 9", "2:1", "integer too large", "int_digits"),
    "range": ("let xs = [x for x in range(10**9)]", "1:22", "range too long: 1,000,000,000 items",
              "seq_len"),
    "string repetition": ('let s = "a" * 10**10', "1:9", "string too long: 10,000,000,000 characters",
                          "seq_len"),
    "list repetition": ("let xs = [1, 2] * 10**9", "1:10", "list too long: 2,000,000,000 items", "seq_len"),
    "doubling a string": ('let s = "ab"\nfor i in range(40):\n    s = s + s', "3:9", "string too long",
                          "seq_len"),
    "doubling a list": ("let xs = [0]\nfor i in range(40):\n    xs *= 2", "3:5", "list too long", "seq_len"),
    "format width": ('print(f"{1:>100000000000}")', "1:7", "string too long", "seq_len"),
    "int from a string": ('let n = int("9" * 200000)', "1:9", "integer too large to convert", "int_digits"),
    "int to a string": ('let n = 10 ** 99999\nprint(str(n * 10)[:1])', "2:7", "integer too large to convert",
                        "int_digits"),
    "recursion": ("def f(n):\n    return f(n + 1)\nf(0)", "2:12", "maximum recursion depth exceeded in f()",
                  "depth"),
}

CHILD = r'''
import json, sys
import dsplang
out = {}
for name, source in json.loads(sys.stdin.read()).items():
    try:
        dsplang.run(source, "prog.dsp")
        out[name] = None
    except dsplang.DspError as err:
        out[name] = [str(err), err.hint]
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def refused() -> dict:
    """What each runaway program raised, from one child process given 60 s for all."""
    sources = {name: case[0] + "\n" for name, case in RUNAWAYS.items()}
    proc = subprocess.run([sys.executable, "-c", CHILD], input=json.dumps(sources), capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.mark.parametrize("name", RUNAWAYS)
def test_a_runaway_operation_is_refused_with_the_limit_and_how_to_raise_it(name, refused):
    _, where, message, limit = RUNAWAYS[name]
    assert refused[name] is not None, f"{name} ran to the end"
    text, hint = refused[name]
    assert text.startswith(f"prog.dsp:{where}: ") and message in text, text
    assert f"--limit {limit}=N" in hint and f"DSP_LIMITS={limit}=N" in hint


def test_the_limits_are_raised_with_the_command_line_or_the_environment(tmp_path, capsys, monkeypatch):
    path = tmp_path / "big.dsp"
    path.write_text("let n = 10 ** 99999\nprint(len(str(n * n)))\n")
    assert main(["run", str(path)]) == 1
    assert "limit exceeded: integer too large" in capsys.readouterr().err
    assert main(["run", str(path), "--limit", "int_digits=250_000"]) == 0
    assert capsys.readouterr().out == "199999\n"
    monkeypatch.setenv("DSP_LIMITS", "int_digits=250000, seq_len=5")
    path.write_text('print(len(str(10 ** 99999 * 10 ** 99999)))\nprint(len("abc" * 2))\n')
    assert main(["run", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == "199999\n" and "string too long: 6 characters, more than the limit of 5" in err
    assert main(["run", str(path), "--limit", "seq_len=6"]) == 0     # the flag wins


@pytest.mark.parametrize("setting", ["int_digit=5", "seq_len", "depth=0", "depth=many"])
def test_a_bad_limit_setting_is_an_argument_error(setting, tmp_path, capsys):
    path = tmp_path / "ok.dsp"
    path.write_text("print(1)\n")
    assert main(["run", str(path), "--limit", setting]) == 1
    err = capsys.readouterr().err
    assert err.startswith("argument error: --limit:") and "internal error" not in err
    with pytest.raises(DspArgumentError):
        Limits.from_settings([setting])


def test_raising_depth_allows_deeper_recursion(tmp_path, capsys):
    path = tmp_path / "deep.dsp"
    path.write_text("def f(n):\n    if n == 0:\n        return 0\n    return f(n - 1) + 1\nprint(f(3000))\n")
    assert main(["run", str(path)]) == 1
    assert "maximum recursion depth exceeded in f()" in capsys.readouterr().err
    assert main(["run", str(path), "--limit", "depth=5000"]) == 0
    assert capsys.readouterr().out == "3000\n"


def test_ordinary_work_stays_within_the_defaults(capsys):
    import dsplang
    dsplang.run('''
let big = 10 ** 5000
print(len(str(big)), len(f"{big}"), int("9" * 5001) > big)
let xs = [i * i for i in range(100000)]
let table = {i: str(i) for i in range(1000)}
print(len(xs), len(table), len("ab" * 1000000), len([0] * 1000000 + [1]))
print(1.5 ** 100.5 > 1, 3 * "x", [1] * 0)
''')
    assert capsys.readouterr().out == "5001 5001 True\n100000 1000 2000000 1000001\nTrue xxx []\n"


def test_a_long_integer_literal(tmp_path, capsys):
    path = tmp_path / "literal.dsp"
    path.write_text("let n = " + "7" * 5000 + "\nprint(len(str(n)))\n")
    assert main(["run", str(path)]) == 0 and capsys.readouterr().out == "5000\n"
    path.write_text("let n = " + "7" * 200_000 + "\n")
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "literal.dsp:1:9: syntax error: integer literal too long: 200,000 digits" in err
    assert len(err) < 1000
