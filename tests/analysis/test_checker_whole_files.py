"""The checker's entry points (checker.py: check_source, check_file, check_program) on whole files:
ordering, syntax errors, file errors, speed, and damaged programs that must never crash it."""

import os
import sys
import textwrap

from checker_helpers import FIXTURES, problems
from hypothesis import given, settings
from hypothesis import strategies as st

from dsplang.analysis.checker import check_file, check_program, check_source
from dsplang.errors import DspCheckError, DspError, DspFileError

# ---------------------------------------------------------------- whole files

def test_five_problems_reported_in_order():
    found = problems("""
        let x = 1
        y = 2
        print(lenn(x))
        for i in range(3):
            let i2 = i
            let i2 = 0
        def f(a):
            return a
        print(f(1, 2))
        type T:
            n: nt
    """)
    assert [(kind, line, col) for kind, line, col, _, _ in found] == [
        ("name error", 2, 1), ("name error", 3, 7), ("name error", 6, 9),
        ("argument error", 9, 12), ("name error", 11, 8)]


def test_syntax_errors_come_with_static_problems():
    found = check_source("let x = (1 +\n", "t.dsp")
    assert found and all(e.kind == "syntax error" for e in found)


def test_big_example_has_no_problems(capsys):
    before = set(sys.modules)
    assert check_file(os.path.join(FIXTURES, "multihop.dsp")) == []
    assert capsys.readouterr().out == ""
    assert "tools" not in set(sys.modules) - before
    assert "_dsp_checker_tools_marker" not in sys.modules


def test_missing_file_is_a_file_error(tmp_path):
    [err] = check_file(str(tmp_path / "nope.dsp"))
    assert isinstance(err, DspFileError)


def test_problems_are_check_errors():
    [err] = check_source("print(nope)\n", "t.dsp")
    assert isinstance(err, DspCheckError) and str(err) == "t.dsp:1:7: name error: name 'nope' is not defined"


def test_a_thousand_lines_of_correct_code_check_clean():
    from dsplang.grammar.parser import parse

    chunk = textwrap.dedent("""
        def f{i}(a, b=2):
            let total = 0
            for x in range(a):
                if x % 2 == 0:
                    total = total + x * b
            return total
        let v{i} = f{i}(3, b=4) + len([y for y in range(2)])
    """)
    source = "".join(chunk.format(i=i) for i in range(125))
    program = parse(source, "big.dsp")
    assert check_program(program, "big.dsp") == []     # its speed: benchmarks/parse_speed.py


EXAMPLE = open(os.path.join(FIXTURES, "multihop.dsp"), encoding="utf-8").read()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(EXAMPLE) - 1), st.sampled_from(list(' :()=,"\n\tax.[]#'))),
                min_size=1, max_size=4))
def test_damaged_programs_give_errors_never_crashes(edits):
    text = list(EXAMPLE)
    for index, char in edits:
        text[index] = char
    found = check_source("".join(text), os.path.join(FIXTURES, "multihop.dsp"))
    assert all(isinstance(e, DspError) and e.span is not None for e in found)
