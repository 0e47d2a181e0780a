"""Growth through methods and builtins is held to `seq_len`, like the operators: padding and
replacing strings, joining and formatting them, extending and updating lists, dicts and sets,
`sum` of lists, `print`'s separator, `json_dumps`'s indentation. Each is refused with the
`seq_len` hint at the call; the ordinary uses give what Python gives.

Most programs run here with `seq_len=100`, so each refusal is of a small value. The few with
the default limit and sizes of gigabytes run in one child process whose address space is
capped: there a result made before the check would be a MemoryError, not the limit error.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import dsplang
from dsplang.interpreter.growth import expanded_length

# name -> (program, where the refusal is, what it says)
HOLES = {
    "ljust": ('let s = "x".ljust(500)', "1:9", "string too long: 500 characters"),
    "rjust": ('let s = "x".rjust(500, "-")', "1:9", "string too long: 500 characters"),
    "center": ('let s = "x".center(500)', "1:9", "string too long: 500 characters"),
    "zfill": ('let s = "7".zfill(500)', "1:9", "string too long: 500 characters"),
    "expandtabs": ('let s = "a\\tb".expandtabs(200)', "1:9", "string too long: 201 characters"),
    "replace, repeated": ('let s = "ab"\nfor i in range(10):\n    s = s.replace("", "xy")', "3:9",
                          "string too long: 242 characters"),
    "join": ('let s = "x" * 60\nlet t = ",".join([s, s])', "2:9", "string too long: 121 characters"),
    "format, nested width": ('let s = "{:>{w}}".format(1, w=500)', "1:9", "string too long: 500 characters"),
    "format, a field twice": ('let s = "x" * 60\nlet t = "{0}{0}".format(s)', "2:9",
                              "string too long: 120 characters"),
    "format of a list": ('let xs = [1] * 40\nlet t = "{}".format(xs)', "2:9", "string too long: at least 101 characters"),
    "format_map": ('let s = "x" * 60\nlet t = "{a}-{a}".format_map({"a": s})', "2:9",
                   "string too long: 120 characters"),
    "format builtin": ('let s = format(1, ">500")', "1:9", "string too long: 500 characters"),
    "percent width": ('let s = "%500s" % "x"', "1:9", "string too long: 500 characters"),
    "percent star width": ('let s = "%*d" % (500, 1)', "1:9", "string too long: 500 characters"),
    "percent, twice": ('let s = "x" * 60\nlet t = "%s%s" % (s, s)', "2:9", "string too long: 120 characters"),
    "percent of a list": ('let t = "%s" % ([1] * 40,)', "1:9", "string too long: at least 101 characters"),
    "extend, doubling": ('let a = [0]\nfor i in range(20):\n    a.extend(a)', "3:5", "list too long: 128 items"),
    "extend with a dict's keys": ('let a = [0] * 90\na.extend({i: i for i in range(20)}.keys())', "2:1",
                                  "list too long: 110 items"),
    "append in a loop": ('let a = []\nfor i in range(60):\n    a.append(i)\n    a.append(i)', "3:5",
                         "list too long: 101 items"),
    "insert in a loop": ('let a = []\nfor i in range(60):\n    a.insert(0, i)\n    a.insert(0, i)', "3:5",
                         "list too long: 101 items"),
    "slice assignment, doubling": ('let a = [0]\nfor i in range(20):\n    a[0:0] = a', "3:5",
                                   "list too long: 128 items"),
    "list += list": ('let a = [0]\nfor i in range(20):\n    a += a', "3:5", "list too long: 128 items"),
    "list *= n": ('let a = [0, 1]\na *= 60', "2:1", "list too long: 120 items"),
    "repetition in call args": ("print(len([0] * 500))", "1:11", "list too long: 500 items"),
    "dunder repetition": ("let a = [0].__mul__(500)", "1:9", "list too long: 500 items"),
    "dict update": ("let d = {i: i for i in range(60)}\nd.update({i: i for i in range(60, 120)})", "2:1",
                    "dict too long: 120 items"),
    "dict setdefault": ("let d = {}\nfor i in range(60):\n    d.setdefault(i, 0)\n    d.setdefault(-1 - i, 0)",
                        "3:5", "dict too long: 101 items"),
    "set update": ("let s = set(range(60))\ns.update(range(60, 120))", "2:1", "set too long: 120 items"),
    "bytes": ('let b = "x".encode().ljust(500)', "1:9", "bytes too long: 500 bytes"),
    "a method read, then called": ('let pad = "x".ljust\nlet s = pad(500)', "2:9", "string too long: 500"),
    "a method of the type": ('let s = str.ljust("x", 500)', "1:9", "string too long: 500 characters"),
    "getattr": ('let s = getattr("x", "center")(500)', "1:9", "string too long: 500 characters"),
    "map of a method": ('let xs = map("x".ljust, [5, 500])', "1:10", "string too long: 500 characters"),
    "sum of lists": ("let xs = sum([[0] * 60, [0] * 60], [])", "1:10", "list too long: 120 items"),
    "print's separator": ('print("a", "b", sep="x" * 99)', "1:1", "string too long: 101 characters"),
    "json indent": ("let s = json_dumps([[1, 2]] * 10, indent=50)", "1:9", "string too long"),
    "print of a list": ('let s = "x" * 30\nprint([s] * 3, "")', "2:1", "string too long"),
    "repr of a dict": ('let s = "x" * 30\nlet t = repr({1: [s, s], 2: s})', "2:9", "string too long"),
    "an f-string field of a list": ('let s = "x" * 30\nlet t = f"{[s, s, s]!r}"', "2:9", "string too long"),
    "json of a list": ('let s = "x" * 30\nlet t = json_dumps([s, s, s])', "2:9", "string too long"),
    "translate": ('let s = ("x" * 51).translate({120: "yz"})', "1:9", "string too long: 102 characters"),
}


def outcome(source: str) -> tuple[str, str | None] | None:
    """(message, hint) of the error the program stops with, or None when it runs to the end."""
    try:
        dsplang.run(source + "\n", "prog.dsp")
    except dsplang.DspError as err:
        return str(err), err.hint
    return None


@pytest.mark.parametrize("name", HOLES)
def test_growth_past_seq_len_is_refused_at_the_call(name, monkeypatch):
    monkeypatch.setenv("DSP_LIMITS", "seq_len=100")
    source, where, message = HOLES[name]
    result = outcome(source)
    assert result is not None, f"{name} ran to the end"
    text, hint = result
    assert text.startswith(f"prog.dsp:{where}: limit exceeded: ") and message in text, text
    assert "more than the limit of 100" in text
    assert hint is not None and "--limit seq_len=N" in hint and "DSP_LIMITS=seq_len=N" in hint


def test_within_the_limit_the_methods_give_what_python_gives(capsys, monkeypatch):
    monkeypatch.setenv("DSP_LIMITS", "seq_len=100")
    dsplang.run('''
let xs = [1, 2]
xs[1:1] = []
xs[2:] = [9]
xs[2:] = []
xs.extend([3])
xs.append(4)
xs.insert(0, 0)
let d = {"a": 1}
d.update({"b": 2}, c=3)
d.setdefault("a", 9)
let s = set([1])
s.update([2], [3])
print(xs, d, sorted(s), [0].__mul__(3))
print("x".ljust(4, "-"), "x".rjust(3), "x".center(3, "*"), "7".zfill(3), "a\\tb".expandtabs(4))
print("a-b".replace("-", "+"), "ab".replace("", "."), "ab".replace("", ".", 1), ", ".join(["a", "b"]))
print("{} {x:>3}".format(1, x=2), "{a}{b!r}".format_map({"a": 1, "b": "q"}), "{:{}}|".format("x", 3))
print("%s=%5.2f %%" % ("pi", 3.14159), "%(n)03d" % {"n": 7}, "%*d|" % (3, 1), "%-4s|" % [1])
print(format(3.5, ">6"), sum([[1], [2]], []), sum([1, 2]), str.ljust("x", 3) + "|", getattr("x", "upper")())
print(json_dumps({"a": [1]}, indent=1), "ab".translate({97: "xy"}), "x".encode().ljust(3))
print("a", "b", sep="--", end="!\\n")
''', "ok.dsp")
    assert capsys.readouterr().out == (
        "[0, 1, 2, 3, 4] {'a': 1, 'b': 2, 'c': 3} [1, 2, 3] [0, 0, 0]\n"
        "x--- " "  x *x* 007 a   b\n"
        "a+b .a.b. .ab a, b\n"
        "1   2 1'q' x  |\n"
        "pi= 3.14 % 007   1| [1] |\n"
        "   3.5 [1, 2] 3 x  | X\n"
        '{\n "a": [\n  1\n ]\n} xyb b\'x  \'\n'
        "a--b!\n")


def test_a_list_that_holds_itself_prints_as_in_python(capsys, monkeypatch):
    monkeypatch.setenv("DSP_LIMITS", "seq_len=100")
    dsplang.run('let a = [1]\na.append(a)\nprint(a, f"{a}", repr({"k": a}))\n', "cycle.dsp")
    assert capsys.readouterr().out == "[1, [...]] [1, [...]] {'k': [1, [...]]}\n"


def test_a_value_exactly_at_the_limit_is_allowed(capsys, monkeypatch):
    monkeypatch.setenv("DSP_LIMITS", "seq_len=100")
    dsplang.run('''
let s = "x" * 98
print(len(s.ljust(100)), len("%s%s" % (s, "ab")), len("{}{}".format(s, "ab")), len(",".join([s[:49], s[:50]])))
let xs = [0] * 99
xs.append(1)
print(len(xs), len(s.replace("x", "x")), len(("x" * 50).translate({120: "yz"})))
''', "edge.dsp")
    assert capsys.readouterr().out == "100 100 100 100\n100 98 100\n"


@pytest.mark.parametrize("text", ["a\tb", "\t\t", "ab\tc\n\td\re\t", "x" * 9 + "\t" + "y\t" * 5, "", "abc"])
@pytest.mark.parametrize("tabsize", [1, 3, 8])
def test_the_expanded_length_is_that_of_expandtabs(text, tabsize):
    assert expanded_length(text, tabsize) == len(text.expandtabs(tabsize))
    assert expanded_length(text.encode(), tabsize) == len(text.encode().expandtabs(tabsize))


# Programs with the default limit whose results would take gigabytes.
HUGE = {
    "ljust": 'let s = "x".ljust(10 ** 10)',
    "format width": 'let s = "{:>{w}}".format(1, w=10 ** 10)',
    "percent width": 'let s = "%*d" % (10 ** 10, 1)',
    "join": 'let s = "x" * 10 ** 7\nlet t = "".join([s] * 1000)',
    "replace": 'let s = ("ab" * 5000000).replace("", "x" * 1000)',
    "extend, doubling": "let a = [0]\nfor i in range(40):\n    a.extend(a)",
    "print of a list": 'let s = "x" * 10 ** 7\nprint([s] * 1000)',
}

CHILD = r'''
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
import dsplang
out = {}
for name, source in json.loads(sys.stdin.read()).items():
    try:
        dsplang.run(source, "prog.dsp")
        out[name] = None
    except dsplang.DspError as err:
        out[name] = [type(err).__name__, str(err)]
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def huge() -> dict:
    """What each program of HUGE raised, from one child with 3 GB of address space."""
    sources = {name: source + "\n" for name, source in HUGE.items()}
    env = {k: v for k, v in __import__("os").environ.items() if k != "DSP_LIMITS"}
    proc = subprocess.run([sys.executable, "-c", CHILD], input=json.dumps(sources), capture_output=True,
                          text=True, timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.mark.parametrize("name", HUGE)
def test_a_huge_result_is_refused_before_it_is_made(name, huge):
    assert huge[name] is not None, f"{name} ran to the end"
    kind, text = huge[name]
    assert kind == "DspLimitError" and "more than the limit of 10,000,000" in text, text
