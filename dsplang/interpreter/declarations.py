"""Declarations (`def`, `module`, `type`, `enum`, `signature`), imports, and the statements
that hand over to the LM runtime (`use`, `with`, `compile`, `save`, `load`)."""

from __future__ import annotations

from dsplang.errors import DspError, DspNameError, DspTypeError, did_you_mean
from dsplang.grammar import ast
from dsplang.interpreter.statements import StmtCompiler
from dsplang.interpreter.values import Function, ModuleClass
from dsplang.stdlib import names


class DeclCompiler(StmtCompiler):
    """Adds declarations, imports and runtime statements to the statement compiler."""

    def __init__(self, interpreter, filename: str):
        self.interp = interpreter
        self.filename = filename

    # ---------------------------------------------------------- functions and modules

    def visit_FuncDef(self, node: ast.FuncDef):
        name, doc, params = node.name, node.doc, self.params(node.params)
        body = self.block(node.body, new_scope=False)

        def define(scope):
            scope.vars[name] = Function(name, params(scope), body, scope, doc, node)
        return define

    def visit_ModuleDecl(self, node: ast.ModuleDecl):
        params = self.params(node.params)
        attrs = [(a.name, self.expr(a.value)) for a in node.attrs]
        methods = [(m.name, self.params(ast.method_params(m.params)), self.block(m.body, new_scope=False), m.doc, m)
                   for m in node.methods]

        def define(scope):
            made = [(n, p(scope), b, d, m) for n, p, b, d, m in methods]
            scope.vars[node.name] = ModuleClass(node.name, params(scope), attrs, made, scope, node.doc, node)
        return define

    # ---------------------------------------------------------- types and signatures

    def type_lookup(self, scope):
        """The `lookup(name, span)` the type converter uses to find records and enums."""
        def lookup(name: str, span):
            first, *rest = name.split(".")
            try:
                value = scope.lookup(first, span)
            except DspNameError:
                from dsplang.stdlib.types import is_declared_type
                declared = [n for n in scope.visible_names() if is_declared_type(scope.lookup(n))]
                raise DspNameError(f"unknown type {name!r}", span,
                                   hint=names.type_suggestion(first, declared)) from None
            for part in rest:
                try:
                    value = getattr(value, part)
                except (AttributeError, DspError):
                    raise DspNameError(f"{name!r} is not defined", span) from None
            if not isinstance(value, type):
                raise DspTypeError(f"{name!r} is not a type", span)
            return value
        return lookup

    def annotation(self, texpr, scope):
        from dsplang.stdlib.types import annotation_from_typeexpr
        if texpr is None:
            return str
        return annotation_from_typeexpr(texpr, self.type_lookup(scope))

    def visit_TypeDecl(self, node: ast.TypeDecl):
        defaults = {f.name: self.expr(f.default) for f in node.fields if f.default is not None}

        def define(scope):
            from dsplang.stdlib.types import MISSING, make_record
            fields = [(f.name, self.annotation(f.type, scope), f.desc,
                       defaults[f.name](scope) if f.name in defaults else MISSING) for f in node.fields]
            scope.vars[node.name] = make_record(node.name, fields, node.doc)
        return define

    def visit_EnumDecl(self, node: ast.EnumDecl):
        def define(scope):
            from dsplang.stdlib.types import make_enum
            scope.vars[node.name] = make_enum(node.name, list(node.members))
        return define

    def visit_SignatureDecl(self, node: ast.SignatureDecl):
        def define(scope):
            from dsplang.stdlib.signature import FieldSpec, Signature
            fields = [FieldSpec(f.name, self.annotation(f.type, scope), f.desc, f.direction)
                      for f in node.fields]
            scope.vars[node.name] = Signature.from_fields(node.name, node.doc, fields)
        return define

    def visit_SignatureAlias(self, node: ast.SignatureAlias):
        def define(scope):
            from dsplang.stdlib.signature import Signature
            scope.vars[node.name] = Signature.from_string(
                node.spec, name=node.name, lookup=self.type_lookup(scope), span=node.spec_span)
        return define

    # ---------------------------------------------------------- imports

    def visit_ImportDsp(self, node: ast.ImportDsp):
        def import_dsp(scope):
            names, namespace = self.interp.import_dsp(node.path, self.filename, node.span)
            if node.alias:
                scope.vars[node.alias] = namespace
            else:
                scope.vars.update(names)
        return import_dsp

    def visit_FromImport(self, node: ast.FromImport):
        def from_import(scope):
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

    def visit_ImportPython(self, node: ast.ImportPython):
        def import_python(scope):
            module = self.interp.import_python(node.module, self.filename, node.span)
            if node.alias:
                scope.vars[node.alias] = module
            else:
                top = node.module.split(".")[0]
                scope.vars[top] = self.interp.import_python(top, self.filename, node.span)
        return import_python

    # ---------------------------------------------------------- the LM runtime's statements

    def visit_Use(self, node: ast.Use):
        ev, span = self.expr(node.value), node.span

        def use(scope):
            from dsplang.driver import statements
            statements.use(ev(scope), span)
        return use

    def visit_With(self, node: ast.With):
        ev, span, alias = self.expr(node.value), node.span, node.alias
        body = self.block(node.body, new_scope=alias is None)

        def with_(scope):
            from dsplang.driver import statements
            value = ev(scope)
            with statements.entering(value, span) as entered:
                if alias is None:
                    return body(scope)
                from dsplang.interpreter.scope import Scope
                inner = Scope(scope)
                inner.vars[alias] = entered
                return body(inner)
        return with_

    def visit_CompileStmt(self, node: ast.CompileStmt):
        program, optimizer, train = self.expr(node.program), self.expr(node.optimizer), self.expr(node.trainset)
        valset = self.expr(node.valset) if node.valset is not None else None

        def compile_(scope):
            from dsplang.driver import statements
            compiled = statements.compile_program(
                self.interp, node, program(scope), optimizer(scope), train(scope),
                valset(scope) if valset else None)
            scope.vars[node.name] = compiled
        return compile_

    def visit_SaveStmt(self, node: ast.SaveStmt):
        path = self.expr(node.path)

        def save(scope):
            from dsplang.driver import statements
            statements.save_program(self.interp, node, scope.lookup(node.name, node.span), path(scope))
        return save

    def visit_LoadStmt(self, node: ast.LoadStmt):
        path = self.expr(node.path)

        def load(scope):
            from dsplang.driver import statements
            statements.load_program(self.interp, node, scope.lookup(node.name, node.span), path(scope))
        return load

    # ---------------------------------------------------------- signature strings in calls

    def visit_Call(self, node: ast.Call):
        """`Predict("a -> b: Sentiment")`: the string is read with this scope's types."""
        first = node.args[0] if node.args else None
        if not (isinstance(node.func, ast.Name) and node.func.id in names.SIGNATURE_TAKERS
                and isinstance(first, ast.Const) and isinstance(first.value, str)):
            return super().visit_Call(node)
        from dsplang.interpreter.calls import call_value
        func, span, spec, spec_span = self.expr(node.func), node.span, first.value, first.span
        rest = [self.expr(a) for a in node.args[1:]]
        keywords = [(k.name, self.expr(k.value)) for k in node.keywords if k.name is not None]
        if len(keywords) != len(node.keywords) or any(isinstance(a, ast.Starred) for a in node.args):
            return super().visit_Call(node)

        def call_with_signature(scope):
            from dsplang.stdlib.signature import Signature
            f = func(scope)
            sig = Signature.from_string(spec, lookup=self.type_lookup(scope), span=spec_span)
            args = (sig,) + tuple(a(scope) for a in rest)
            return call_value(f, args, {name: ev(scope) for name, ev in keywords}, span)
        return call_with_signature

