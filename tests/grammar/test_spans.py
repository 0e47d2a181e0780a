"""Spans: 1-based line/col, end exclusive, the file name given — also inside f-strings."""

from __future__ import annotations

from dsplang.errors import Span
from dsplang.grammar import ast
from dsplang.grammar.parser import parse, parse_sigspec

SRC = '''\
module Hop(k: int = 3):
    respond = Predict("q -> a")

    def forward(question):
        for i in range(k):
            if i > 1:
                let note = f"step {i + 1}: {question!r}"
        return respond(question=question)

print(x.y[0])
'''


def where(node) -> tuple[int, int, int, int]:
    s = node.span
    return s.line, s.col, s.end_line, s.end_col


def test_file_name_and_program_span():
    program = parse(SRC, "hop.dsp")
    assert program.span == Span("hop.dsp", 1, 1, 11, 1)
    assert all(s.span.file == "hop.dsp" for s in program.body)


def test_nested_block_spans():
    module, printed = parse(SRC, "hop.dsp").body
    assert where(module) == (1, 1, 8, 42)
    attr = module.attrs[0]
    assert where(attr) == (2, 5, 2, 32)
    assert where(attr.value.args[0]) == (2, 23, 2, 31)
    forward = module.methods[0]
    assert where(forward) == (4, 5, 8, 42)
    loop = forward.body[0]
    assert where(loop) == (5, 9, 7, 57)
    assert where(loop.iter) == (5, 18, 5, 26)
    branch = loop.body[0]
    assert where(branch) == (6, 13, 7, 57)
    assert where(branch.test) == (6, 16, 6, 21)
    let = branch.body[0]
    assert where(let) == (7, 17, 7, 57)
    assert where(let.target) == (7, 21, 7, 25)
    ret = forward.body[1]
    assert where(ret) == (8, 9, 8, 42)
    assert where(ret.value.keywords[0]) == (8, 24, 8, 41)
    assert where(printed) == (10, 1, 10, 14)
    index = printed.expr.args[0]
    assert where(index) == (10, 7, 10, 13) and where(index.value) == (10, 7, 10, 10)


def test_fstring_field_spans_point_into_the_file():
    module = parse(SRC, "hop.dsp").body[0]
    fstring = module.methods[0].body[0].body[0].body[0].value
    assert where(fstring) == (7, 28, 7, 57)
    first, second = [p for p in fstring.parts if isinstance(p, ast.FormattedValue)]
    assert where(first) == (7, 35, 7, 42)
    assert where(first.expr) == (7, 36, 7, 41)
    assert where(first.expr.right) == (7, 40, 7, 41)
    assert where(second.expr) == (7, 45, 7, 53)


def test_multiline_fstring_field_spans():
    src = 'x = f"""\n  a {b}\n  {c.d}"""\n'
    parts = [p for p in parse(src).body[0].value.parts if isinstance(p, ast.FormattedValue)]
    assert where(parts[0].expr) == (2, 6, 2, 7)
    assert where(parts[1].expr) == (3, 4, 3, 7)


def test_operator_and_call_spans():
    e = parse("y = (a + b) * f(c, d=1)\n").body[0].value
    assert where(e) == (1, 5, 1, 24)
    assert where(e.left) == (1, 5, 1, 12)      # a parenthesised node includes its parentheses
    assert where(e.left.left) == (1, 6, 1, 7)
    assert where(e.right) == (1, 15, 1, 24)


def test_elif_span_starts_at_elif():
    s = parse("if a:\n    x\nelif b:\n    y\nelse:\n    z\n").body[0]
    assert where(s) == (1, 1, 6, 6)
    assert where(s.orelse[0]) == (3, 1, 6, 6)


def test_signature_and_type_spans():
    sig, rec = parse('signature S:\n    input q: str "d"\n    output a\n'
                     'type T:\n    f: list[int]\n').body
    assert where(sig.fields[0]) == (2, 5, 2, 21)
    assert where(sig.fields[0].type) == (2, 14, 2, 17)
    assert where(rec.fields[0].type) == (5, 8, 5, 17)


def test_sigspec_spans_are_inside_the_string():
    alias = parse('signature C = "sentence -> sentiment: Sentiment"\n', "c.dsp").body[0]
    assert where(alias) == (1, 1, 1, 49) and alias.spec_span.col == 15
    spec = parse_sigspec(alias.spec, alias.spec_span)
    assert spec.span == alias.spec_span
    assert where(spec.fields[0]) == (1, 16, 1, 24)
    assert where(spec.fields[1].type) == (1, 39, 1, 48)


def test_crlf_and_tab_positions():
    s = parse("x = 1\r\ny = zz\r\n").body[1]
    assert where(s.value) == (2, 5, 2, 7)
    s = parse("if a:\n\tb = 1\n").body[0].body[0]
    assert where(s) == (2, 2, 2, 7)
