"""Syntax errors: messages in words, spans on the culprit, recovery, and fuzzing."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutation import mutants

from dsplang.errors import DspSyntaxError, render
from dsplang.grammar.parser import parse, parse_recovering

# (source, message, line, col)
MISTAKES = [
    ("let x =\n", "expected an expression after '='", 1, 8),
    ("x = 1 +\n", "expected an expression after '+'", 1, 8),
    ("if x\n    y = 1\n", "expected ':' after the if condition", 1, 5),
    ("while x\n    y\n", "expected ':' after the while condition", 1, 8),
    ("for x in y\n    pass\n", "expected ':' after the for clause", 1, 11),
    ("def f(x)\n    return x\n", "expected ':' after the function header", 1, 9),
    ("if x:\ny = 1\n", "expected an indented block after 'if' statement on line 1", 2, 1),
    ("  x = 1\n", "unexpected indent", 1, 3),
    ("x = 1\n    y = 2\n", "unexpected indent", 2, 5),
    ("if x:\n        a = 1\n    b = 2\n",
     "unindent does not match any outer indentation level", 3, 5),
    ('x = "abc\n', "unterminated string", 1, 5),
    ('x = """abc\n', "unterminated triple-quoted string", 1, 5),
    ("x = foo(1, 2\ny = 3\n", "unclosed '(' opened at line 1", 1, 8),
    ("def f():\n    x = [1,\n    return x\n", "unclosed '[' opened at line 2", 2, 9),
    ("x = (1, 2]\n", "closing ']' does not match '(' opened at line 1", 1, 10),
    ("x = 1)\n", "unmatched ')'", 1, 6),
    ("let = 3\nlet x\n", "'let' needs a name and '= value'", 2, 6),
    ("else:\n    pass\n", "unexpected 'else'", 1, 1),
    ("print(x y)\n", "unexpected name 'y' (missing ',' or an operator before it?)", 1, 9),
    ("f(x) = 3\n", "cannot assign to a function call", 1, 1),
    ("x = $\n", "unexpected character '$'", 1, 5),
    ("f(a=1, 2)\n", "positional argument follows keyword argument", 1, 8),
    ("def f(a=1, b):\n    pass\n",
     "parameter 'b' without a default follows one with a default", 1, 12),
    ('x = f"{}"\n', "empty expression in f-string", 1, 7),
    ('x = f"{a!x}"\n', "f-string conversion must be '!r' or '!s'", 1, 9),
    ('x = f"{a +}"\n', "expected an expression after '+'", 1, 11),
    ("compile qa = P() with O()\n",
     "'compile' needs 'compile NAME = PROGRAM with OPTIMIZER on TRAINSET [valset VALSET]'",
     1, 26),
    ('save qa "x"\n', "'save' needs 'save NAME to PATH'", 1, 9),
    ("x = 1 if y\n", "unexpected end of line; expected 'else'", 1, 11),
    ("enum E: a, a\n", "duplicate enum member 'a'", 1, 12),
]


@pytest.mark.parametrize("source, message, line, col", MISTAKES)
def test_mistake_message_and_position(source, message, line, col):
    with pytest.raises(DspSyntaxError) as info:
        parse(source, "bad.dsp")
    err = info.value
    assert err.message == message
    assert (err.span.file, err.span.line, err.span.col) == ("bad.dsp", line, col)


def test_error_renders_with_caret():
    with pytest.raises(DspSyntaxError) as info:
        parse("let x = 1\nif x\n    pass\n", "r.dsp")
    text = render(info.value)
    assert text.splitlines()[0] == "r.dsp:2:5: syntax error: expected ':' after the if condition"
    assert text.splitlines()[-1].endswith("^")


def test_sigspec_error_points_inside_the_string():
    from dsplang.errors import Span
    from dsplang.grammar.parser import parse_sigspec
    with pytest.raises(DspSyntaxError) as info:
        parse_sigspec("question -> answer: list[", Span("s.dsp", 4, 10, 4, 36))
    assert info.value.span.line == 4 and info.value.span.col > 10
    with pytest.raises(DspSyntaxError, match="->"):
        parse_sigspec("question, answer", Span("s.dsp", 4, 10, 4, 28))


BROKEN = '''\
let a = 1
let b =
def f(x):
    return x +
module M:
    respond = Predict("q -> a")
signature S:
    input q str
print(a)
'''


def test_recovering_reports_every_broken_statement():
    program, errors = parse_recovering(BROKEN, "broken.dsp")
    assert [(e.span.line, e.message) for e in errors] == [
        (2, "expected an expression after '='"),
        (4, "expected an expression after '+'"),
        (8, "unexpected name 'str'; expected ':', a string or end of line"),
    ]
    kinds = [type(s).__name__ for s in program.body]
    assert kinds[0] == "Let" and "ModuleDecl" in kinds and kinds[-1] == "ExprStmt"


def test_recovering_finds_errors_inside_one_block():
    src = "def f():\n    a = \n    b = 2\n    c c\n    if x\n        pass\n"
    _, errors = parse_recovering(src, "f.dsp")
    assert [e.span.line for e in errors] == [2, 4, 5]


def test_recovering_clean_file_has_no_errors():
    program, errors = parse_recovering("x = 1\n", "ok.dsp")
    assert errors == [] and len(program.body) == 1


SAMPLE = '''\
signature Answer:
    """Answer the question."""
    input question: str "q"
    output answer: list[str]

module QA(k: int = 2):
    respond = ChainOfThought(Answer)
    def forward(question):
        let ctx = [p.text for p in search(question, k=k) if p]
        ensure len(ctx) > 0, f"no passages for {question!r}"
        return respond(question=question, context=ctx[:-1])

let data = load("d.jsonl", inputs=["question"])
compile qa = QA() with BootstrapFewShot(metric=lambda e, p, t=none: e.a == p.a) on data
print({"score": evaluate(qa, data)["x"] ** 2})
'''
WORDS_AND_MARKS = re.compile(r"\s+|\w+|[^\w\s]")
PIECES = ["(", ")", "[", "]", "{", "}", ":", "\n", "    ", "\t", '"', "'", '"""', "\\", "#",
          "f\"{", "=", ",", "->", "if", "else", "let", "def", "é", "\x00", "\r", "😀"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutants([SAMPLE], st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), token=WORDS_AND_MARKS))
def test_mutations_parse_or_raise_syntax_errors(mutant):
    _, source = mutant
    try:
        parse(source, "m.dsp")
    except DspSyntaxError as err:
        assert err.span is not None and err.span.file == "m.dsp"
        assert err.span.line >= 1 and err.span.col >= 1
        assert err.message and "_NEWLINE" not in err.message and "__ANON" not in err.message
    program, errors = parse_recovering(source, "m.dsp")
    assert all(isinstance(e, DspSyntaxError) and e.span is not None for e in errors)
    assert not any(e.message.startswith("internal") for e in errors)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_never_crashes(source):
    try:
        parse(source, "t.dsp")
    except DspSyntaxError as err:
        assert err.span is not None
