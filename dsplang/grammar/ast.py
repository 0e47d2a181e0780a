"""AST node dataclasses. Nodes are data: frozen, slotted, each with a `span`.

The transformer (`transform.py`) builds these from Lark's parse tree; the
evaluator, checker, formatter and language server read them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dsplang.errors import Span, quick_init


@dataclass(frozen=True, slots=True)
class Node:
    span: Span


# ---------------------------------------------------------------- types

@dataclass(frozen=True, slots=True)
class TypeName(Node):
    """`str`, `int`, `Passage`, `common.Answer` (dotted for imported names)."""
    name: str


@dataclass(frozen=True, slots=True)
class TypeGeneric(Node):
    """`list[T]`, `dict[K, V]`, `optional[T]`."""
    name: str
    args: tuple[TypeExpr, ...]


@dataclass(frozen=True, slots=True)
class TypeOptional(Node):
    """`T?`"""
    inner: TypeExpr


@dataclass(frozen=True, slots=True)
class TypeLiteral(Node):
    """`literal["a", "b"]` (values may also be numbers or booleans)."""
    values: tuple[object, ...]


TypeExpr = TypeName | TypeGeneric | TypeOptional | TypeLiteral


# ---------------------------------------------------------------- expressions

@dataclass(frozen=True, slots=True)
class Name(Node):
    id: str


@dataclass(frozen=True, slots=True)
class Const(Node):
    """str (already unescaped; triple-quoted strings already dedented), int, float, bool, None."""
    value: object


@dataclass(frozen=True, slots=True)
class FormattedValue(Node):
    """`{expr!r:spec}` inside an f-string. conversion is 'r', 's' or None."""
    expr: Expr
    conversion: str | None
    format_spec: str | None


@dataclass(frozen=True, slots=True)
class FString(Node):
    parts: tuple[str | FormattedValue, ...]


@dataclass(frozen=True, slots=True)
class ListExpr(Node):
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class TupleExpr(Node):
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class DictExpr(Node):
    """A dict display; a key None means `**value` (the mapping's items spread in)."""
    keys: tuple[Expr | None, ...]
    values: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Attribute(Node):
    value: Expr
    attr: str


@dataclass(frozen=True, slots=True)
class Index(Node):
    """`value[index]`; `index` may be a Slice."""
    value: Expr
    index: Expr


@dataclass(frozen=True, slots=True)
class Slice(Node):
    lower: Expr | None
    upper: Expr | None
    step: Expr | None


@dataclass(frozen=True, slots=True)
class Keyword(Node):
    """`name=value` in a call; name None means `**value`."""
    name: str | None
    value: Expr


@dataclass(frozen=True, slots=True)
class Starred(Node):
    """`*value` in a call's positional arguments or a list display."""
    value: Expr


@dataclass(frozen=True, slots=True)
class Call(Node):
    func: Expr
    args: tuple[Expr, ...]          # may contain Starred
    keywords: tuple[Keyword, ...]


@dataclass(frozen=True, slots=True)
class BinOp(Node):
    """op is one of + - * / // % ** & | ^"""
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class UnaryOp(Node):
    """op is one of 'not', '-', '+'"""
    op: str
    operand: Expr


@dataclass(frozen=True, slots=True)
class BoolOp(Node):
    """op is 'and' or 'or'; two or more values, flattened."""
    op: str
    values: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Compare(Node):
    """Chained comparison `a < b <= c`: ops is ('<', '<='), comparators (b, c).
    ops are < > <= >= == != in 'not in' is 'is not'."""
    left: Expr
    ops: tuple[str, ...]
    comparators: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class IfExp(Node):
    test: Expr
    body: Expr
    orelse: Expr


@dataclass(frozen=True, slots=True)
class Comprehension(Node):
    """`for target in iter if cond ...`; target is a Name or a TupleTarget."""
    target: Target
    iter: Expr
    ifs: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class ListComp(Node):
    elt: Expr
    generators: tuple[Comprehension, ...]


@dataclass(frozen=True, slots=True)
class DictComp(Node):
    key: Expr
    value: Expr
    generators: tuple[Comprehension, ...]


@dataclass(frozen=True, slots=True)
class Param(Node):
    """A parameter of a def, lambda or module. kind: 'normal', 'star' (*args), 'dstar' (**kwargs)."""
    name: str
    type: TypeExpr | None
    default: Expr | None
    kind: str = "normal"


@dataclass(frozen=True, slots=True)
class Lambda(Node):
    params: tuple[Param, ...]
    body: Expr


Expr = (Name | Const | FString | ListExpr | TupleExpr | DictExpr | Attribute | Index | Slice | Call | BinOp |
        UnaryOp | BoolOp | Compare | IfExp | ListComp | DictComp | Lambda | Starred)


@dataclass(frozen=True, slots=True)
class TupleTarget(Node):
    """`a, b` as the target of `for`, `let` or a comprehension."""
    names: tuple[Name, ...]


Target = Name | TupleTarget


# ---------------------------------------------------------------- statements

@dataclass(frozen=True, slots=True)
class ExprStmt(Node):
    expr: Expr


@dataclass(frozen=True, slots=True)
class Let(Node):
    """`let x = e`, `let a, b = e`. An optional annotation: `let x: int = e`."""
    target: Target
    type: TypeExpr | None
    value: Expr


@dataclass(frozen=True, slots=True)
class Assign(Node):
    """`x = e`, `x.attr = e`, `x[i] = e`, `a, b = e`."""
    target: Name | Attribute | Index | TupleTarget
    value: Expr


@dataclass(frozen=True, slots=True)
class AugAssign(Node):
    """`x += e` (op without the '=': '+', '-', '*', '/', '//', '%', '**')."""
    target: Name | Attribute | Index
    op: str
    value: Expr


@dataclass(frozen=True, slots=True)
class If(Node):
    """elif chains become nested If nodes in `orelse`."""
    test: Expr
    body: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class For(Node):
    target: Target
    iter: Expr
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class While(Node):
    test: Expr
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class Break(Node):
    pass


@dataclass(frozen=True, slots=True)
class Continue(Node):
    pass


@dataclass(frozen=True, slots=True)
class Pass(Node):
    pass


@dataclass(frozen=True, slots=True)
class Return(Node):
    value: Expr | None


@dataclass(frozen=True, slots=True)
class Raise(Node):
    """`raise e` — e is usually a string or `Error("...")`; a bare `raise` (value None)
    re-raises the error being handled."""
    value: Expr | None


@dataclass(frozen=True, slots=True)
class ExceptHandler(Node):
    """`except NAME as alias:` — type_name None means a bare `except:`."""
    type_name: str | None
    alias: str | None
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class Try(Node):
    body: tuple[Stmt, ...]
    handlers: tuple[ExceptHandler, ...]
    orelse: tuple[Stmt, ...]
    finalbody: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class Ensure(Node):
    test: Expr
    message: Expr | None


@dataclass(frozen=True, slots=True)
class Require(Node):
    test: Expr
    message: Expr | None


@dataclass(frozen=True, slots=True)
class Use(Node):
    value: Expr


@dataclass(frozen=True, slots=True)
class With(Node):
    """`with EXPR [as NAME]:` block."""
    value: Expr
    alias: str | None
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class CompileStmt(Node):
    """`compile NAME = PROGRAM with OPTIMIZER on TRAINSET [valset VALSET]`."""
    name: str
    program: Expr
    optimizer: Expr
    trainset: Expr
    valset: Expr | None


@dataclass(frozen=True, slots=True)
class SaveStmt(Node):
    """`save NAME to PATH`."""
    name: str
    path: Expr


@dataclass(frozen=True, slots=True)
class LoadStmt(Node):
    """`load NAME from PATH`."""
    name: str
    path: Expr


@dataclass(frozen=True, slots=True)
class ImportName(Node):
    name: str
    alias: str | None


@dataclass(frozen=True, slots=True)
class FromImport(Node):
    """`from tools import a as b, c` — module is a dotted Python module name."""
    module: str
    names: tuple[ImportName, ...]


@dataclass(frozen=True, slots=True)
class ImportPython(Node):
    """`import json` / `import os.path as p` — a Python module."""
    module: str
    alias: str | None


@dataclass(frozen=True, slots=True)
class ImportDsp(Node):
    """`import "common.dsp" [as common]`."""
    path: str
    alias: str | None


@dataclass(frozen=True, slots=True)
class FieldDecl(Node):
    """A field of a `type` record: `name: TYPE "description"`; default is optional (`= expr`)."""
    name: str
    type: TypeExpr | None
    desc: str | None
    default: Expr | None = None


@dataclass(frozen=True, slots=True)
class TypeDecl(Node):
    name: str
    doc: str | None
    fields: tuple[FieldDecl, ...]


@dataclass(frozen=True, slots=True)
class EnumDecl(Node):
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SigField(Node):
    """`input NAME: TYPE "desc"` / `output ...`; direction is 'input' or 'output'."""
    direction: str
    name: str
    type: TypeExpr | None
    desc: str | None


@dataclass(frozen=True, slots=True)
class SignatureDecl(Node):
    """Block form: docstring (instructions) and fields."""
    name: str
    doc: str | None
    fields: tuple[SigField, ...]


@dataclass(frozen=True, slots=True)
class SignatureAlias(Node):
    """Short form: `signature NAME = "a, b: int -> c: list[str]"`; spec_span points at the string."""
    name: str
    spec: str
    spec_span: Span


@dataclass(frozen=True, slots=True)
class FuncDef(Node):
    name: str
    params: tuple[Param, ...]
    returns: TypeExpr | None
    doc: str | None
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class AttrDecl(Node):
    """`name = EXPR` directly in a module body: evaluated per instance."""
    name: str
    value: Expr


@dataclass(frozen=True, slots=True)
class ModuleDecl(Node):
    name: str
    params: tuple[Param, ...]
    doc: str | None
    attrs: tuple[AttrDecl, ...]
    methods: tuple[FuncDef, ...]


Decl = TypeDecl | EnumDecl | SignatureDecl | SignatureAlias | FuncDef | ModuleDecl

Stmt = (ExprStmt | Let | Assign | AugAssign | If | For | While | Break | Continue | Pass | Return | Raise | Try |
        Ensure | Require | Use | With | CompileStmt | SaveStmt | LoadStmt | FromImport | ImportPython | ImportDsp |
        TypeDecl | EnumDecl | SignatureDecl | SignatureAlias | FuncDef | ModuleDecl)


@dataclass(frozen=True, slots=True)
class Program(Node):
    """A whole file. `doc` is a leading docstring, if any."""
    doc: str | None
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class SigSpec(Node):
    """The parsed short signature form "a, b: int -> c: list[str]" (start rule `sigspec`).
    Fields carry direction 'input'/'output'; desc is None."""
    fields: tuple[SigField, ...]


def method_params(params: tuple[Param, ...]) -> tuple[Param, ...]:
    """A module method's parameters less an explicit leading `self` (as a DSPy user writes
    `def forward(self, question)`): `self` is in every method's scope already, bound to the
    instance, so callers never pass it. Used by the interpreter and the checker alike."""
    if params and params[0].name == "self" and params[0].kind == "normal" and params[0].default is None:
        return params[1:]
    return params


def child_nodes(node: Node) -> Iterator[Node]:
    """The nodes directly inside `node`, in field order (also those held in tuples, such
    as a block's statements or an f-string's formatted values)."""
    for name in node.__dataclass_fields__:
        value = getattr(node, name)
        if isinstance(value, Node):
            yield value
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, Node):
                    yield item


for _node in list(globals().values()):      # every node class: see errors.quick_init
    if isinstance(_node, type) and issubclass(_node, Node):
        quick_init(_node)
del _node
