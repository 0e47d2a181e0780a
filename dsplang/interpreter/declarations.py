"""Declarations (`def`, `module`, `type`, `enum`, `signature`), imports, and the statements
that hand over to the LM runtime (`use`, `with`, `compile`, `save`, `load`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dsplang.errors import DspError, DspNameError, DspTypeError, Span, did_you_mean
from dsplang.grammar import ast
from dsplang.grammar.names import type_suggestion
from dsplang.grammar.parser import parse_sigspec
from dsplang.interpreter.calls import call_value
from dsplang.interpreter.growth import GROWING
from dsplang.interpreter.host import TypeLookup
from dsplang.interpreter.portable import CodeSource
from dsplang.interpreter.scope import Code, Scope
from dsplang.interpreter.signature_calls import SignatureCall
from dsplang.interpreter.statements import StmtCompiler
from dsplang.interpreter.values import Function, ModuleClass

if TYPE_CHECKING:       # the interpreter makes a DeclCompiler per file (same layer)
    from dsplang.interpreter.evaluator import Interpreter


class DeclCompiler(StmtCompiler):
    """Adds declarations, imports and the LM statements (handed to the host) to the statement compiler."""

    def __init__(self, interpreter: Interpreter, filename: str) -> None:
        self.interp = interpreter
        self.host = interpreter.host
        self.filename = filename
        self.source = CodeSource(interpreter, filename)

    # ---------------------------------------------------------- functions and modules

    def visit_FuncDef(self, node: ast.FuncDef) -> Code:
        name, doc, params, source = node.name, node.doc, self.params(node.params), self.source
        body = self.block(node.body, new_scope=False)

        def define(scope: Scope) -> None:
            scope.vars[name] = Function(name, params(scope), body, scope, doc, node, source=source)
        return define

    def visit_ModuleDecl(self, node: ast.ModuleDecl) -> Code:
        params = self.params(node.params)
        attrs = [(a.name, self.expr(a.value)) for a in node.attrs]
        methods = [(m.name, self.params(ast.method_params(m.params)), self.block(m.body, new_scope=False), m.doc, m)
                   for m in node.methods]

        source = self.source

        def define(scope: Scope) -> None:
            made = [(n, p(scope), b, d, m) for n, p, b, d, m in methods]
            scope.vars[node.name] = ModuleClass(node.name, params(scope), attrs, made, scope, node.doc, node,
                                                source, self.host)
        return define

    # ---------------------------------------------------------- types and signatures

    def type_lookup(self, scope: Scope) -> TypeLookup:
        """The `lookup(name, span)` the type converter uses to find records and enums."""
        def lookup(name: str, span: Span) -> type:
            first, *rest = name.split(".")
            try:
                value = scope.lookup(first, span)
            except DspNameError:
                declared = [n for n in scope.visible_names() if self.host.is_declared_type(scope.lookup(n))]
                raise DspNameError(f"unknown type {name!r}", span,
                                   hint=type_suggestion(first, declared)) from None
            for part in rest:
                try:
                    value = getattr(value, part)
                except (AttributeError, DspError):
                    raise DspNameError(f"{name!r} is not defined", span) from None
            if not isinstance(value, type):
                raise DspTypeError(f"{name!r} is not a type", span)
            return value
        return lookup

    def annotation(self, texpr: ast.TypeExpr | None, scope: Scope) -> object:
        if texpr is None:
            return str
        return self.host.annotation(texpr, self.type_lookup(scope))

    def visit_TypeDecl(self, node: ast.TypeDecl) -> Code:
        defaults = {f.name: self.expr(f.default) for f in node.fields if f.default is not None}

        def define(scope: Scope) -> None:
            fields = [(f.name, self.annotation(f.type, scope), f.desc) for f in node.fields]
            values = {name: default(scope) for name, default in defaults.items()}
            scope.vars[node.name] = self.host.make_record(node.name, fields, values, node.doc)
        return define

    def visit_EnumDecl(self, node: ast.EnumDecl) -> Code:
        def define(scope: Scope) -> None:
            scope.vars[node.name] = self.host.make_enum(node.name, list(node.members))
        return define

    def visit_SignatureDecl(self, node: ast.SignatureDecl) -> Code:
        def define(scope: Scope) -> None:
            fields = [(f.name, self.annotation(f.type, scope), f.desc, f.direction) for f in node.fields]
            scope.vars[node.name] = self.host.make_signature(node.name, node.doc, fields, node.span)
        return define

    def visit_SignatureAlias(self, node: ast.SignatureAlias) -> Code:
        def define(scope: Scope) -> None:
            sigspec = parse_sigspec(node.spec, node.spec_span)
            scope.vars[node.name] = self.host.signature_from_spec(
                node.spec, sigspec, self.type_lookup(scope), node.spec_span, name=node.name)
        return define

    # ---------------------------------------------------------- imports

    def visit_ImportDsp(self, node: ast.ImportDsp) -> Code:
        def import_dsp(scope: Scope) -> None:
            names, namespace = self.interp.import_dsp(node.path, self.filename, node.span)
            if node.alias:
                scope.vars[node.alias] = namespace
            else:
                scope.vars.update(names)
        return import_dsp

    def visit_FromImport(self, node: ast.FromImport) -> Code:
        def from_import(scope: Scope) -> None:
            module = self.interp.import_python(node.module, self.filename, node.span)
            for item in node.names:
                try:
                    value = getattr(module, item.name)
                except AttributeError:
                    public = [n for n in dir(module) if not n.startswith("_")]
                    raise DspNameError(f"Python module {node.module!r} has no name {item.name!r}",
                                       item.span, hint=did_you_mean(item.name, public)) from None
                scope.vars[item.alias or item.name] = value
        return from_import

    def visit_ImportPython(self, node: ast.ImportPython) -> Code:
        def import_python(scope: Scope) -> None:
            module = self.interp.import_python(node.module, self.filename, node.span)
            if node.alias:
                scope.vars[node.alias] = module
            else:
                top = node.module.split(".")[0]
                scope.vars[top] = self.interp.import_python(top, self.filename, node.span)
        return import_python

    # ---------------------------------------------------------- the LM statements (done by the host)

    def visit_Use(self, node: ast.Use) -> Code:
        ev, span, host = self.expr(node.value), node.span, self.host

        def use(scope: Scope) -> None:
            host.use(ev(scope), span)
        return use

    def visit_With(self, node: ast.With) -> Code:
        ev, span, alias, host = self.expr(node.value), node.span, node.alias, self.host
        body = self.block(node.body, new_scope=alias is None)

        def with_(scope: Scope) -> Any:
            with host.entering(ev(scope), span) as entered:
                if alias is None:
                    return body(scope)
                inner = Scope(scope)
                inner.vars[alias] = entered
                return body(inner)
        return with_

    def visit_CompileStmt(self, node: ast.CompileStmt) -> Code:
        program, optimizer, train = self.expr(node.program), self.expr(node.optimizer), self.expr(node.trainset)
        valset = self.expr(node.valset) if node.valset is not None else None
        host = self.host

        def compile_(scope: Scope) -> None:
            scope.vars[node.name] = host.compile_program(node, program(scope), optimizer(scope), train(scope),
                                                         valset(scope) if valset else None)
        return compile_

    def visit_SaveStmt(self, node: ast.SaveStmt) -> Code:
        path, host = self.expr(node.path), self.host

        def save(scope: Scope) -> None:
            host.save_program(node, scope.lookup(node.name, node.span), path(scope))
        return save

    def visit_LoadStmt(self, node: ast.LoadStmt) -> Code:
        path, host = self.expr(node.path), self.host

        def load(scope: Scope) -> None:
            host.load_program(node, scope.lookup(node.name, node.span), path(scope))
        return load

    # ---------------------------------------------------------- signature strings in calls

    def visit_Call(self, node: ast.Call) -> Code:
        """`Predict("a -> b: Sentiment")`: when the callee takes a signature (a value with a true
        `takes_signature`, as the predictor classes have), the string is a signature read with
        this scope's types; to any other callee it is a string."""
        first = node.args[0] if node.args else None
        if not (isinstance(first, ast.Const) and isinstance(first.value, str)) \
                or isinstance(node.func, ast.Attribute) and node.func.attr in GROWING \
                or any(isinstance(a, ast.Starred) for a in node.args) or any(k.name is None for k in node.keywords):
            return super().visit_Call(node)
        func = self.visit_Attribute(node.func, calling=True) if isinstance(node.func, ast.Attribute) \
            else self.expr(node.func)
        rest = [self.expr(a) for a in node.args[1:]]
        keywords = [(k.name, self.expr(k.value)) for k in node.keywords if k.name is not None]  # (all named)
        site = SignatureCall(first.value, first.span, self.host)
        text, span, type_lookup = first.value, node.span, self.type_lookup
        builtins = self.interp.builtin_callables

        def call(scope: Scope) -> Any:
            f = func(scope)
            head = site.signature(type_lookup, scope) if SignatureCall.takes_signature(f) else text
            return call_value(f, (head,) + tuple(a(scope) for a in rest),
                              {name: ev(scope) for name, ev in keywords}, span, builtins)
        return call
