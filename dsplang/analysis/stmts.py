"""Checks of statements, declarations and imports (one `visit_<Node>` method each).

The Checker in `analysis/checker.py` supplies the scope machinery these methods use:
`block`, `later`, `entered`, `declare_local`, `store`, `report`.
"""

from __future__ import annotations

import os

from dsplang.analysis.imports import DspFile, dsp_files_near, resolve_dsp_path
from dsplang.analysis.scopes import Binding, StaticScope, target_names
from dsplang.errors import did_you_mean
from dsplang.grammar import ast, names


class StmtChecks:
    """Mixin for the Checker (a NodeVisitor): one `visit_<Node>` method per statement."""

    # ------------------------------------------------------------ simple statements

    def visit_ExprStmt(self, node: ast.ExprStmt) -> None:
        self.expr(node.expr)

    def visit_Let(self, node: ast.Let) -> None:
        self.expr(node.value)
        self.check_type(node.type)
        for name in target_names(node.target):
            self.declare_local(name.id, "let", name.span)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.expr(node.value)
        self._store_target(node.target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.expr(node.value)
        self._store_target(node.target)

    def _store_target(self, target) -> None:
        if isinstance(target, ast.Name):
            self.store(target.id, target.span)
        elif isinstance(target, ast.TupleTarget):
            for name in target.names:
                self.store(name.id, name.span)
        else:
            self.expr(target)

    def visit_Pass(self, node: ast.Pass) -> None:
        pass

    def visit_Break(self, node) -> None:
        if self.loop_depth == 0:
            word = "break" if isinstance(node, ast.Break) else "continue"
            self.report("syntax error", f"'{word}' outside a loop", node.span)

    visit_Continue = visit_Break

    def visit_Return(self, node: ast.Return) -> None:
        if not self.in_function:
            self.report("syntax error", "'return' outside a def", node.span)
        self.expr(node.value)

    def visit_Raise(self, node: ast.Raise) -> None:
        self.expr(node.value)

    def visit_Ensure(self, node: ast.Ensure) -> None:
        self.expr(node.test)
        self.expr(node.message)

    visit_Require = visit_Ensure

    def visit_Use(self, node: ast.Use) -> None:
        self.expr(node.value)

    # ------------------------------------------------------------ blocks

    def visit_If(self, node: ast.If) -> None:
        self.expr(node.test)
        self.block(node.body)
        if node.orelse:
            self.block(node.orelse)

    def visit_For(self, node: ast.For) -> None:
        self.expr(node.iter)
        targets = [Binding(n.id, "for", n.span.line) for n in target_names(node.target)]
        self.block(node.body, targets, loop=True)

    def visit_While(self, node: ast.While) -> None:
        self.expr(node.test)
        self.block(node.body, loop=True)

    def visit_Try(self, node: ast.Try) -> None:
        self.block(node.body)
        for handler in node.handlers:
            name = handler.type_name
            if name is not None and name not in names.ERROR_NAMES:
                self.report("name error", f"unknown error name {name!r} in except", handler.span,
                            did_you_mean(name, names.ERROR_NAMES) or "use `except Error` to catch any error")
            alias = [Binding(handler.alias, "alias", handler.span.line)] if handler.alias else []
            self.block(handler.body, alias)
        if node.orelse:
            self.block(node.orelse)
        if node.finalbody:
            self.block(node.finalbody)

    def visit_With(self, node: ast.With) -> None:
        self.expr(node.value)
        alias = [Binding(node.alias, "alias", node.span.line)] if node.alias else []
        self.block(node.body, alias)

    # ------------------------------------------------------------ programs

    def visit_CompileStmt(self, node: ast.CompileStmt) -> None:
        self.exprs((node.program, node.optimizer, node.trainset, node.valset))
        old = self.scope.names.get(node.name)
        if old is None:
            self.scope.declare(Binding(node.name, "compile", node.span.line))
        elif not old.assignable:
            self.report("name error", f"cannot compile into {old.describe()} {node.name!r}", node.span)

    def visit_SaveStmt(self, node: ast.SaveStmt) -> None:
        self.resolve(node.name, node.span)
        self.expr(node.path)

    visit_LoadStmt = visit_SaveStmt

    # ------------------------------------------------------------ declarations

    def declare_nested(self, node) -> None:
        """A declaration inside a block is declared where it stands (top level is hoisted)."""
        if self.scope.parent is not None:
            self.declare_local(node.name, "decl", node.span, node)

    def visit_TypeDecl(self, node: ast.TypeDecl) -> None:
        self.declare_nested(node)
        self.check_fields(node.fields, "record")
        defaults = [f.default for f in node.fields if f.default is not None]
        if defaults:
            self.later(self.scope, lambda: self.exprs(defaults))

    def visit_EnumDecl(self, node: ast.EnumDecl) -> None:
        self.declare_nested(node)  # the parser already rejects repeated members

    def visit_SignatureDecl(self, node: ast.SignatureDecl) -> None:
        self.declare_nested(node)
        self.check_fields(node.fields, "signature")
        if not any(f.direction == "output" for f in node.fields):
            self.report("value error", f"signature {node.name} has no output fields", node.span,
                        "add a line `output NAME: TYPE`")

    def visit_SignatureAlias(self, node: ast.SignatureAlias) -> None:
        self.declare_nested(node)
        self.check_sigspec(node.spec, node.spec_span)

    def visit_FuncDef(self, node: ast.FuncDef) -> None:
        self.declare_nested(node)
        self.later(self.scope, lambda: self.function_body(node))

    def function_body(self, node: ast.FuncDef) -> None:
        """Check a def's parameters here, then its body in a new function scope."""
        self.check_params(node.params, f"{node.name}()")
        self.check_type(node.returns)
        params = [Binding(p.name, "param", p.span.line) for p in node.params]
        self.block(node.body, params, loop=False, function=True)

    def visit_ModuleDecl(self, node: ast.ModuleDecl) -> None:
        self.declare_nested(node)
        self.later(self.scope, lambda: self.module_body(node))

    def module_body(self, node: ast.ModuleDecl) -> None:
        """Params, then attributes in order, then methods (which see all of them and `self`)."""
        self.check_params(node.params, f"module {node.name}")
        scope = StaticScope(self.scope, {a.name: a.span.line for a in reversed(node.attrs)})
        with self.entered(scope):
            for p in node.params:
                scope.declare(Binding(p.name, "param", p.span.line))
            for attr in node.attrs:
                self.expr(attr.value)
                self._declare_member(node, scope, Binding(attr.name, "attr", attr.span.line), attr.span)
            for method in node.methods:
                self._declare_member(node, scope, Binding(method.name, "method", method.span.line,
                                                          method), method.span)
            scope.declare(Binding("self", "self", node.span.line))
            for method in node.methods:
                self.function_body(method)

    def _declare_member(self, module: ast.ModuleDecl, scope: StaticScope, binding: Binding, span) -> None:
        old = scope.names.get(binding.name)
        if old is not None and old.kind in ("attr", "method"):
            self.report("name error", f"{binding.name!r} is already declared in module "
                        f"{module.name} (line {old.line})", span)
            return
        scope.declare(binding)

    # ------------------------------------------------------------ imports

    def visit_FromImport(self, node: ast.FromImport) -> None:
        module = self._find_python(node.module, node.span)
        for item in node.names:
            known = module.names if module is not None else None
            if known is not None and item.name not in known:
                self.report("import error", f"Python module {node.module!r} has no name {item.name!r}",
                            item.span, did_you_mean(item.name, known))
            local = item.alias or item.name
            self.scope.declare(Binding(local, "import", item.span.line))

    def visit_ImportPython(self, node: ast.ImportPython) -> None:
        self._find_python(node.module, node.span)
        local = node.alias or node.module.split(".")[0]
        self.scope.declare(Binding(local, "import", node.span.line))

    def _find_python(self, module: str, span):
        """Locate a Python module (never importing it); report it when it is clearly missing."""
        found = self.py_modules.find(module, self.folder)
        if found is None:
            nearby = _python_modules_in(self.folder)
            self.report("import error", f"no Python module named {module.split('.')[0]!r} "
                        f"(looked beside the file, in the working directory and in installed modules)", span,
                        did_you_mean(module.split(".")[0], nearby))
        return found

    def visit_ImportDsp(self, node: ast.ImportDsp) -> None:
        path = resolve_dsp_path(node.path, self.filename)
        loaded = self.dsp_files.load(path)
        if loaded is None:
            self._missing_dsp(node, path)
            return
        cycle = self.dsp_files.find_cycle(os.path.abspath(self.filename), path)
        if cycle:
            chain = " -> ".join(os.path.relpath(p, self.folder) for p in cycle)
            self.report("import error", f"import cycle: {chain}", node.span)
        if loaded.syntax_errors:
            first = loaded.syntax_errors[0]
            where = f" (line {first.span.line})" if first.span else ""
            self.report("import error", f"{node.path!r} has a syntax error{where}: {first.message}",
                        node.span)
        self._declare_dsp(node, loaded)

    def _missing_dsp(self, node: ast.ImportDsp, path: str) -> None:
        self.report("import error", f"cannot find {node.path!r} (looked for {path})", node.span,
                    did_you_mean(os.path.basename(node.path), dsp_files_near(path)))
        if node.alias:
            self.scope.declare(Binding(node.alias, "import", node.span.line))

    def _declare_dsp(self, node: ast.ImportDsp, loaded: DspFile) -> None:
        if node.alias:
            self.scope.declare(Binding(node.alias, "namespace", node.span.line, loaded))
            return
        for name, decl in loaded.exports.items():
            old = self.scope.names.get(name)
            if old is None or old.kind != "decl":
                self.scope.declare(Binding(name, "imported", node.span.line, decl))


def _python_modules_in(folder: str) -> list[str]:
    """Names of Python modules and packages directly in `folder` (for did-you-mean)."""
    try:
        entries = os.listdir(folder)
    except OSError:
        return []
    return [e[:-3] if e.endswith(".py") else e for e in entries
            if e.endswith(".py") or os.path.isfile(os.path.join(folder, e, "__init__.py"))]
