"""Every construct of the language parses into the expected AST nodes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dsplang.errors import SOURCES, Span
from dsplang.grammar import ast
from dsplang.grammar.parser import is_complete, parse, parse_sigspec, parse_type

LANGUAGE_MD = Path(__file__).resolve().parents[3] / "shared" / "LANGUAGE.md"


def stmts(src: str) -> tuple:
    return parse(src, "t.dsp").body


def stmt(src: str):
    return stmts(src)[0]


def expr(src: str):
    node = stmt(f"_ = {src}")          # an assignment, so a lone string is not a docstring
    assert isinstance(node, ast.Assign)
    return node.value


# ---------------------------------------------------------------- declarations

def test_imports():
    a, b, c, d, e = stmts('from tools import wiki_search as search, x\nimport json\n'
                          'import os.path as p\nimport "common.dsp"\nimport "c.dsp" as common\n')
    assert (a.module, [(n.name, n.alias) for n in a.names]) == (
        "tools", [("wiki_search", "search"), ("x", None)])
    assert (b.module, b.alias, c.module, c.alias) == ("json", None, "os.path", "p")
    assert isinstance(d, ast.ImportDsp) and (d.path, d.alias) == ("common.dsp", None)
    assert (e.path, e.alias) == ("c.dsp", "common")
    assert [n.name for n in stmt("from a.b import (c, d as e,)").names] == ["c", "d"]


def test_type_record_with_doc_desc_and_default():
    t = stmt('type Passage:\n    """A passage."""\n    title: str\n'
             '    text: str   "the passage body"\n    score: float "s" = 0.5\n')
    assert (t.name, t.doc) == ("Passage", "A passage.")
    title, text, score = t.fields
    assert (title.name, title.type.name, title.desc) == ("title", "str", None)
    assert text.desc == "the passage body"
    assert score.default == ast.Const(score.default.span, 0.5) and score.desc == "s"


def test_types():
    f = stmt('type T:\n    a: list[str]\n    b: dict[str, int]?\n    c: optional[Passage]\n'
             '    d: literal["x", 1, true]\n    e: common.Answer\n').fields
    assert isinstance(f[0].type, ast.TypeGeneric) and f[0].type.args[0].name == "str"
    assert isinstance(f[1].type, ast.TypeOptional) and f[1].type.inner.name == "dict"
    assert f[2].type.name == "optional"
    assert f[3].type.values == ("x", 1, True)
    assert f[4].type.name == "common.Answer"


def test_enum_inline_and_block():
    assert stmt("enum Sentiment: positive, negative, neutral").members == (
        "positive", "negative", "neutral")
    block = stmt("enum Color:\n    red, green,\n    blue\n    \"light blue\"\n")
    assert block.members == ("red", "green", "blue", "light blue")


def test_signature_block():
    s = stmt('signature Answer:\n    """Answer using only the given context."""\n'
             '    input  context: list[str]\n    input  question\n'
             '    output answer: str "usually 1-5 words"\n')
    assert s.doc == "Answer using only the given context."
    assert [(f.direction, f.name, f.desc) for f in s.fields] == [
        ("input", "context", None), ("input", "question", None),
        ("output", "answer", "usually 1-5 words")]
    assert s.fields[1].type is None


def test_signature_alias_and_sigspec():
    s = stmt('signature Classify = "sentence -> sentiment: Sentiment"')
    assert isinstance(s, ast.SignatureAlias) and s.spec == "sentence -> sentiment: Sentiment"
    spec = parse_sigspec(s.spec, s.spec_span)
    assert [(f.direction, f.name) for f in spec.fields] == [
        ("input", "sentence"), ("output", "sentiment")]
    spec = parse_sigspec("context: list[str], question -> answer: str, confidence: float",
                         Span("f", 1, 1, 1, 60))
    assert [f.name for f in spec.fields] == ["context", "question", "answer", "confidence"]
    assert spec.fields[0].type.name == "list" and spec.fields[1].type is None


def test_parse_type():
    t = parse_type("optional[list[Passage]]", Span("f", 2, 5, 2, 20))
    assert t.name == "optional" and t.args[0].args[0].name == "Passage"
    assert (t.span.line, t.span.col) == (2, 5)


def test_module():
    m = stmt('module MultiHop(hops: int = 2):\n    """Doc."""\n'
             '    make_query = ChainOfThought(GenerateQuery)\n    respond = Predict("q -> a")\n'
             '    def forward(question: str):\n        return respond(question=question)\n')
    assert (m.name, m.doc, [p.name for p in m.params]) == ("MultiHop", "Doc.", ["hops"])
    assert [a.name for a in m.attrs] == ["make_query", "respond"]
    assert [f.name for f in m.methods] == ["forward"]
    assert stmt("module Empty:\n    pass\n").params == ()


def test_def_params_returns_doc():
    f = stmt('def f(a, b: int = 1, *args, c, **kw) -> list[str]:\n    """Doc."""\n    return a\n')
    assert [(p.name, p.kind) for p in f.params] == [
        ("a", "normal"), ("b", "normal"), ("args", "star"), ("c", "normal"), ("kw", "dstar")]
    assert f.params[1].type.name == "int" and f.params[1].default.value == 1
    assert f.returns.name == "list" and f.doc == "Doc." and len(f.body) == 1


def test_program_docstring():
    p = parse('"""The program."""\nx = 1\n')
    assert p.doc == "The program." and len(p.body) == 1


# ---------------------------------------------------------------- statements

def test_let_forms():
    a, b, c = stmts("let x = 1\nlet y: int = 2\nlet a, b = f()\n")
    assert a.target.id == "x" and a.type is None
    assert b.type.name == "int"
    assert isinstance(c.target, ast.TupleTarget) and [n.id for n in c.target.names] == ["a", "b"]


def test_assignment_targets():
    a, b, c, d = stmts("x = 1\nx.y = 2\nx[0] = 3\na, b = b, a\n")
    assert isinstance(a.target, ast.Name) and isinstance(b.target, ast.Attribute)
    assert isinstance(c.target, ast.Index) and isinstance(d.target, ast.TupleTarget)
    assert isinstance(d.value, ast.TupleExpr)


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "//", "%", "**"])
def test_augmented_assignment(op):
    s = stmt(f"x {op}= 2")
    assert isinstance(s, ast.AugAssign) and s.op == op


def test_if_elif_else_nests():
    s = stmt("if a:\n    x\nelif b:\n    y\nelse:\n    z\n")
    inner = s.orelse[0]
    assert isinstance(inner, ast.If) and inner.test.id == "b"
    assert inner.orelse[0].expr.id == "z"


def test_loops_and_simple_statements():
    f, w = stmts("for a, b in pairs:\n    continue\nwhile x:\n    break\n    pass\n")
    assert isinstance(f.target, ast.TupleTarget) and isinstance(f.body[0], ast.Continue)
    assert [type(s) for s in w.body] == [ast.Break, ast.Pass]
    r, r2, rs = stmts("return\nreturn 1, 2\nraise Error('x')\n")
    assert r.value is None and isinstance(r2.value, ast.TupleExpr) and isinstance(rs, ast.Raise)


def test_try():
    t = stmt("try:\n    x\nexcept KeyError as e:\n    y\nexcept Error:\n    y\nexcept:\n    z\n"
             "else:\n    q\nfinally:\n    r\n")
    assert [(h.type_name, h.alias) for h in t.handlers] == [
        ("KeyError", "e"), ("Error", None), (None, None)]
    assert len(t.orelse) == 1 and len(t.finalbody) == 1
    assert stmt("try:\n    x\nfinally:\n    y\n").handlers == ()


def test_dsp_statements():
    e, r, u, w, c, s, ld = stmts(
        'ensure len(a) < 60, "short"\nrequire ok\nuse LM("m")\nwith LM("m") as lm:\n    pass\n'
        "compile qa = P() with O(metric=m) on train valset dev\n"
        'save qa to "b.json"\nload qa from "b.json"\n')
    assert isinstance(e, ast.Ensure) and e.message.value == "short"
    assert isinstance(r, ast.Require) and r.message is None
    assert isinstance(u, ast.Use) and w.alias == "lm"
    assert (c.name, c.trainset.id, c.valset.id) == ("qa", "train", "dev")
    assert stmt("compile qa = P() with O() on t").valset is None
    assert (s.name, s.path.value, ld.name, ld.path.value) == ("qa", "b.json", "qa", "b.json")


def test_soft_keywords_stay_names():
    src = ('load("data.jsonl", inputs=["question"])\nlet input = 3\nPredict(sig, type="x")\n'
           "let type = 1\nuse = 2\nenum = 3\nsave(x)\nensure(x)\ncompile(x)\n"
           "let output = f(input=1, on=2, to=3, valset=4, from=5)\nx.type = module\n"
           "signature = 1\nload = 2\n")
    body = stmts(src)
    assert isinstance(body[0].expr, ast.Call) and body[0].expr.func.id == "load"
    assert body[1].target.id == "input"
    assert body[2].expr.keywords[0].name == "type"
    assert all(isinstance(s, (ast.ExprStmt, ast.Let, ast.Assign)) for s in body)
    assert [k.name for k in body[9].value.keywords] == ["input", "on", "to", "valset", "from"]


# ---------------------------------------------------------------- expressions

def test_literals():
    assert expr("1").value == 1 and expr("1.5").value == 1.5 and expr("1e-3").value == 0.001
    assert expr("0x1F").value == 31 and expr("1_000").value == 1000
    assert [expr(w).value for w in ("true", "false", "none", "True", "False", "None")] == [
        True, False, None, True, False, None]
    assert expr("'s'").value == "s" and expr('"a\\tb"').value == "a\tb"
    assert expr('r"a\\nb"').value == "a\\nb" and expr('"a" "b"').value == "ab"
    assert expr('"\\u00e9\\N{BULLET}"').value == "é•"


def test_triple_quoted_strings_are_dedented():
    assert expr('"""\n    Hello\n      world\n    """').value == "Hello\n  world"
    assert expr("'''one line'''").value == "one line"


def test_collections():
    assert isinstance(expr("[1, 2,]"), ast.ListExpr) and len(expr("[1, 2,]").items) == 2
    d = expr('{"a": 1, "b": 2}')
    assert [k.value for k in d.keys] == ["a", "b"]
    assert expr("()").items == () and len(expr("(1,)").items) == 1
    assert len(expr("(a, b)").items) == 2 and isinstance(expr("(a)"), ast.Name)


def test_postfix_and_slices():
    a = expr("a.b(c)[0]")
    assert isinstance(a, ast.Index) and isinstance(a.value, ast.Call)
    assert isinstance(a.value.func, ast.Attribute) and a.value.func.attr == "b"
    s = expr("a[1:2]").index
    assert (s.lower.value, s.upper.value, s.step) == (1, 2, None)
    s = expr("a[::2]").index
    assert (s.lower, s.upper, s.step.value) == (None, None, 2)
    assert isinstance(expr("a[:-1]").index.upper, ast.UnaryOp)
    assert isinstance(expr("a[i, j]").index, ast.TupleExpr)


def test_call_arguments():
    c = expr("f(a, *rest, k=1, **opts)")
    assert isinstance(c.args[1], ast.Starred)
    assert [(k.name) for k in c.keywords] == ["k", None]


def test_precedence():
    e = expr("-2 ** 2")
    assert e.op == "-" and e.operand.op == "**"
    e = expr("2 ** 3 ** 2")
    assert e.right.op == "**"
    e = expr("1 + 2 * 3 - 4")
    assert e.op == "-" and e.left.op == "+" and e.left.right.op == "*"
    e = expr("not a or b and c")
    assert e.op == "or" and e.values[0].op == "not" and e.values[1].op == "and"
    e = expr("a if b else c if d else e")
    assert isinstance(e, ast.IfExp) and isinstance(e.orelse, ast.IfExp)


def test_comparisons_chain():
    e = expr("a < b <= c != d")
    assert e.ops == ("<", "<=", "!=") and len(e.comparators) == 3
    assert expr("a not in b").ops == ("not in",) and expr("a is not b").ops == ("is not",)
    assert expr("a in b").ops == ("in",) and expr("a is b").ops == ("is",)


def test_comprehensions_and_lambda():
    c = expr("[x * y for x in xs if x if y for y in ys]")
    assert len(c.generators) == 2 and len(c.generators[0].ifs) == 2
    d = expr("{k: v for k, v in d.items()}")
    assert isinstance(d, ast.DictComp) and isinstance(d.generators[0].target, ast.TupleTarget)
    lam = expr("lambda x, y=1: x + y")
    assert [p.name for p in lam.params] == ["x", "y"] and lam.params[1].default.value == 1
    assert expr("lambda: 0").params == ()
    assert isinstance(expr("sum(x for x in xs)").args[0], ast.ListComp)


def test_fstrings():
    f = expr('f"a {x!r:>10} b {d[\'k\']} {{lit}}"')
    assert isinstance(f, ast.FString)
    a, fv, b, fv2, c = f.parts
    assert (a, b, c) == ("a ", " b ", " {lit}")
    assert (fv.expr.id, fv.conversion, fv.format_spec) == ("x", "r", ">10")
    assert isinstance(fv2.expr, ast.Index) and fv2.conversion is None
    assert expr('f"{a + b!s}"').parts[0].expr.op == "+"
    assert expr('f"plain"').value == "plain"


def test_triple_quoted_fstring_dedent():
    f = expr('f"""\n    Hi {name}\n      more\n    """')
    assert f.parts[0] == "Hi " and f.parts[2] == "\n  more"


# ---------------------------------------------------------------- layout

def test_layout_variants():
    assert len(stmts("x = 1")) == 1                                   # no final newline
    assert len(stmts("x = 1\r\nif x:\r\n    y = 2\r\n")) == 2           # CRLF
    assert len(stmts("\n\n# c\nx = 1  # c\n\n\n   # c\ny = (1,\n  2)\n")) == 2
    assert len(stmt("if x:\n\ty = 1\n        z = 2\n").body) == 2     # tab = 8 columns
    assert len(stmts("x = 1 + \\\n    2\n")) == 1
    assert stmt("if x: y = 1").body[0].target.id == "y"


def test_parse_registers_source():
    parse("x = 1\ny = 2\n", "registered.dsp")
    assert SOURCES.line("registered.dsp", 2) == "y = 2"


def test_is_complete():
    assert not is_complete("if x:")
    assert not is_complete("if x:\n    y = 1\n")
    assert is_complete("if x:\n    y = 1\n\n")
    assert not is_complete("x = f(1,")
    assert not is_complete('x = """abc')
    assert not is_complete("x = 1 + \\")
    assert is_complete("x = 1")
    assert is_complete("x = 1 +")          # a real error: show it
    assert is_complete("")


def _language_md_blocks() -> list[str]:
    text = LANGUAGE_MD.read_text(encoding="utf-8")
    return re.findall(r"```\n(.*?)```", text, re.S)


@pytest.mark.skipif(not LANGUAGE_MD.exists(), reason="LANGUAGE.md not found")
def test_language_md_examples_parse():
    blocks = _language_md_blocks()
    assert blocks
    for block in blocks:
        program = parse(block, "LANGUAGE.md")
        assert program.body
    kinds = {type(s).__name__ for s in parse(blocks[0]).body}
    assert {"FromImport", "ImportDsp", "Use", "TypeDecl", "EnumDecl", "SignatureDecl",
            "SignatureAlias", "ModuleDecl", "FuncDef", "Let", "CompileStmt", "SaveStmt",
            "ExprStmt"} <= kinds
