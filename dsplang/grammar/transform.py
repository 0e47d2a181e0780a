"""Lark parse tree -> AST: one method per grammar rule, run inline while the LALR parser reduces.

The parser is built with `keep_all_tokens=True`, so each method receives every token of its
rule (keywords and brackets included) and computes its node's span from the first to the last
of them. Positions go through the running parse's `ParseState`, which shifts them when the
text parsed is a piece of a file (an f-string field, a signature string). The rules for
expressions and types live in `transform_expr.ExpressionRules`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from lark import Token

from dsplang.errors import DspSyntaxError, Span, checked_path
from dsplang.grammar import ast
from dsplang.grammar.helpers import (
    Clause,
    Doc,
    Dotted,
    check_params,
    doc_and_body,
    span_of,
    string_node,
    target,
)
from dsplang.grammar.postlex import ParseState
from dsplang.grammar.transform_expr import Children, ExpressionRules, items


def _names(c: Children) -> list[Token]:
    """The NAME tokens among the children."""
    return [x for x in c if isinstance(x, Token) and x.type == "NAME"]


class DspTransformer(ExpressionRules):
    """Builds `dsplang.grammar.ast` nodes for one parse, whose ParseState `st` places them;
    `parse_expr(text, line, col)` parses an f-string field of the same file. The parse loop
    calls its methods as `DspTransformer.rule(transformer, children)` (lalr.Reducer)."""

    def __init__(self, st: ParseState, parse_expr: Callable[[str, int, int], ast.Expr]):
        self.st = st
        self.parse_expr = parse_expr
        self.file = st.file
        self.whole = not st.line0 and not st.col0

    # ------------------------------------------------------------ start rules and suites

    def start(self, c: Children) -> tuple[ast.Node, ...]:
        return items(c)

    def expr_start(self, c: Children) -> Any:
        return c[0]

    def type_start(self, c: Children) -> Any:
        return c[0]

    def sigspec_start(self, c: Children) -> ast.SigSpec:
        inputs, outputs = c[0] or (), c[2]
        fields = [ast.SigField(sp, "input", n, t, None) for n, t, sp in inputs]
        fields += [ast.SigField(sp, "output", n, t, None) for n, t, sp in outputs]
        return ast.SigSpec(span_of(c, self.st), tuple(fields))

    def sig_params(self, c: Children) -> Any:
        return [x for x in c if isinstance(x, tuple)]

    def sig_param(self, c: Children) -> Any:
        return (c[0].value, c[2], span_of(c, self.st))

    def line(self, c: Children) -> Any:
        return c[0]

    def suite_line(self, c: Children) -> Any:
        return (c[0],)

    def suite_block(self, c: Children) -> tuple[ast.Node, ...]:
        return items(c)

    # ------------------------------------------------------------ simple statements

    def expr_stmt(self, c: Children) -> ast.ExprStmt:
        return ast.ExprStmt(c[0].span, c[0])

    def assign(self, c: Children) -> ast.Assign:
        a, b = c[0].span, c[2].span       # (both sides are nodes)
        return ast.Assign(Span(self.file, a.line, a.col, b.end_line, b.end_col), target(c[0], "assign to"), c[2])

    def aug_assign(self, c: Children) -> ast.AugAssign:
        tgt = target(c[0], "assign to", augmented=True)     # never a TupleTarget when augmented
        return ast.AugAssign(span_of(c, self.st), cast("ast.Name | ast.Attribute | ast.Index", tgt),
                             c[1].value[:-1], c[2])

    def let_stmt(self, c: Children) -> ast.Let:
        if self.whole:
            let, value = c[0], c[5].span
            return ast.Let(Span(self.file, let.line, let.column, value.end_line, value.end_col), c[1], c[3], c[5])
        return ast.Let(span_of(c, self.st), c[1], c[3], c[5])

    def target_names(self, c: Children) -> Any:
        if len(c) == 1 and self.whole:      # one name (the usual target)
            tok = c[0]
            return ast.Name(Span(self.file, tok.line, tok.column, tok.end_line, tok.end_column), tok.value)
        names = tuple(ast.Name(self.st.token_span(t), t.value) for t in _names(c))
        return names[0] if len(names) == 1 else ast.TupleTarget(span_of(c, self.st), names)

    def pass_stmt(self, c: Children) -> ast.Pass:
        return ast.Pass(span_of(c, self.st))

    def break_stmt(self, c: Children) -> ast.Break:
        return ast.Break(span_of(c, self.st))

    def continue_stmt(self, c: Children) -> ast.Continue:
        return ast.Continue(span_of(c, self.st))

    def return_stmt(self, c: Children) -> ast.Return:
        return ast.Return(span_of(c, self.st), c[1])

    def raise_stmt(self, c: Children) -> ast.Raise:
        return ast.Raise(span_of(c, self.st), c[1])

    def ensure_stmt(self, c: Children) -> ast.Ensure:
        return ast.Ensure(span_of(c, self.st), c[1], c[3])

    def require_stmt(self, c: Children) -> ast.Require:
        return ast.Require(span_of(c, self.st), c[1], c[3])

    def use_stmt(self, c: Children) -> ast.Use:
        return ast.Use(span_of(c, self.st), c[1])

    def compile_stmt(self, c: Children) -> ast.CompileStmt:
        return ast.CompileStmt(span_of(c, self.st), c[1].value, c[3], c[5], c[7], c[9])

    def save_stmt(self, c: Children) -> ast.SaveStmt:
        return ast.SaveStmt(span_of(c, self.st), c[1].value, c[3])

    def load_stmt(self, c: Children) -> ast.LoadStmt:
        return ast.LoadStmt(span_of(c, self.st), c[1].value, c[3])

    def import_py(self, c: Children) -> ast.ImportPython:
        return ast.ImportPython(span_of(c, self.st), c[1].name, c[3].value if c[3] else None)

    def import_dsp(self, c: Children) -> ast.ImportDsp:
        path = string_node((c[1],), self.st, self.parse_expr)
        if not isinstance(path, ast.Const):
            raise DspSyntaxError("the path of an import must be a plain string", path.span)
        text = cast(str, path.value)        # a plain string token gives a str
        checked_path(text, path.span, DspSyntaxError)
        return ast.ImportDsp(span_of(c, self.st), text, c[3].value if c[3] else None)

    def from_import(self, c: Children) -> ast.FromImport:
        return ast.FromImport(span_of(c, self.st), c[1].name, c[3])

    def import_list(self, c: Children) -> tuple[ast.Node, ...]:
        return items(c, ast.ImportName)

    def import_name(self, c: Children) -> ast.ImportName:
        return ast.ImportName(span_of(c, self.st), c[0].value, c[2].value if c[2] else None)

    def dotted_name(self, c: Children) -> Any:
        return Dotted(".".join(t.value for t in _names(c)), span_of(c, self.st))

    def sig_alias(self, c: Children) -> ast.SignatureAlias:
        spec = string_node((c[3],), self.st, self.parse_expr)
        if not isinstance(spec, ast.Const):
            raise DspSyntaxError("a signature string cannot be an f-string", spec.span)
        return ast.SignatureAlias(span_of(c, self.st), c[1].value, cast(str, spec.value), spec.span)

    # ------------------------------------------------------------ compound statements

    def if_stmt(self, c: Children) -> ast.If:
        elifs = [x for x in c[4:] if isinstance(x, ast.If)]
        tail = c[-1] if isinstance(c[-1], Clause) else None
        orelse = tail.body if tail else ()
        for clause in reversed(elifs):
            span = span_of((clause, orelse), self.st)
            orelse = (ast.If(span, clause.test, clause.body, orelse),)
        return ast.If(span_of(c, self.st), c[1], c[3], orelse)

    def elif_clause(self, c: Children) -> ast.If:
        return ast.If(span_of(c, self.st), c[1], c[3], ())

    def else_clause(self, c: Children) -> Any:
        return Clause("else", c[2], span_of(c, self.st))

    def finally_clause(self, c: Children) -> Any:
        return Clause("finally", c[2], span_of(c, self.st))

    def for_stmt(self, c: Children) -> ast.For:
        return ast.For(span_of(c, self.st), c[1], c[3], c[5])

    def while_stmt(self, c: Children) -> ast.While:
        return ast.While(span_of(c, self.st), c[1], c[3])

    def try_stmt(self, c: Children) -> ast.Try:
        handlers = items(c, ast.ExceptHandler)
        clauses = {x.kind: x.body for x in c if isinstance(x, Clause)}
        return ast.Try(span_of(c, self.st), c[2], handlers, clauses.get("else", ()),
                       clauses.get("finally", ()))

    def try_finally(self, c: Children) -> ast.Try:
        return ast.Try(span_of(c, self.st), c[2], (), (), c[3].body)

    def except_clause(self, c: Children) -> ast.ExceptHandler:
        names = _names(c)
        return ast.ExceptHandler(span_of(c, self.st), names[0].value if names else None,
                                 names[1].value if len(names) > 1 else None, c[-1])

    def with_stmt(self, c: Children) -> ast.With:
        return ast.With(span_of(c, self.st), c[1], c[3].value if c[3] else None, c[5])

    def funcdef(self, c: Children) -> ast.FuncDef:
        doc, body = doc_and_body(c[8])
        return ast.FuncDef(span_of(c, self.st), c[1].value, c[3] or (), c[6], doc, body)

    def params(self, c: Children) -> Any:
        return check_params(items(c, ast.Param))

    lambda_params = params

    def param(self, c: Children) -> ast.Param:
        return ast.Param(span_of(c, self.st), c[0].value, c[2], c[4])

    def lambda_param(self, c: Children) -> ast.Param:
        return ast.Param(span_of(c, self.st), c[0].value, None, c[2])

    def star_param(self, c: Children) -> ast.Param:
        return ast.Param(span_of(c, self.st), c[1].value, None, None, "star")

    def dstar_param(self, c: Children) -> ast.Param:
        return ast.Param(span_of(c, self.st), c[1].value, None, None, "dstar")

    # ------------------------------------------------------------ declarations

    def docline(self, c: Children) -> Doc:
        node = string_node(c[:-1], self.st, self.parse_expr)
        if not isinstance(node, ast.Const):
            raise DspSyntaxError("a docstring cannot be an f-string", node.span)
        return Doc(cast(str, node.value), node.span)

    module_doc = type_doc = sig_doc = docline

    def module_decl(self, c: Children) -> ast.ModuleDecl:
        params = next((x for x in c if isinstance(x, tuple)), ())
        doc = next((x.text for x in c if isinstance(x, Doc)), None)
        return ast.ModuleDecl(span_of(c, self.st), c[1].value, params, doc,
                              items(c, ast.AttrDecl), items(c, ast.FuncDef))

    def attr_decl(self, c: Children) -> ast.AttrDecl:
        return ast.AttrDecl(span_of(c, self.st), c[0].value, c[2])

    def pass_item(self, c: Children) -> Any:
        return None

    module_pass = type_pass = sig_pass = pass_item

    def type_decl(self, c: Children) -> ast.TypeDecl:
        doc = next((x.text for x in c if isinstance(x, Doc)), None)
        return ast.TypeDecl(span_of(c, self.st), c[1].value, doc, items(c, ast.FieldDecl))

    def field_decl(self, c: Children) -> ast.FieldDecl:
        return ast.FieldDecl(span_of(c, self.st), c[0].value, c[2], self._desc(c[3]), c[5])

    def sig_decl(self, c: Children) -> ast.SignatureDecl:
        doc = next((x.text for x in c if isinstance(x, Doc)), None)
        return ast.SignatureDecl(span_of(c, self.st), c[1].value, doc, items(c, ast.SigField))

    def sig_field(self, c: Children) -> ast.SigField:
        return ast.SigField(span_of(c, self.st), c[0].value, c[1].value, c[3], self._desc(c[4]))

    def enum_decl(self, c: Children) -> ast.EnumDecl:
        members: list[str] = []
        for group in c[3:]:
            for tok in group if isinstance(group, list) else ():
                member: str = tok.value if tok.type == "NAME" else cast(str, self._desc(tok))
                if member in members:
                    raise DspSyntaxError(f"duplicate enum member {member!r}", self.st.token_span(tok))
                members.append(member)
        return ast.EnumDecl(span_of(c, self.st), c[1].value, tuple(members))

    def enum_members(self, c: Children) -> Any:
        return [x for x in c if isinstance(x, Token) and x.type in ("NAME", "STRING")]
