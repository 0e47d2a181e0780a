"""Checks of statements, declarations and imports (one `visit_<Node>` method each).

`walker.Walk` supplies the scope machinery these methods use: `child`, `block`,
`branches`, `later`, `entered`, `declare_local`, `store`, `report`.
"""

from __future__ import annotations

import os
import re

from dsplang.analysis import messages
from dsplang.analysis.declares import target_names
from dsplang.analysis.exprs import ExprChecks, param_binding
from dsplang.analysis.imports import PyModule, dsp_files_near, resolve_dsp_path
from dsplang.analysis.model import Binding, Model, Scope
from dsplang.analysis.source import find_word
from dsplang.analysis.walker import Branch
from dsplang.errors import DspFileError, Span, checked_path, did_you_mean
from dsplang.grammar import ast, names


class StmtChecks(ExprChecks):
    """One `visit_<Node>` method per statement."""

    # ------------------------------------------------------------ simple statements

    def visit_ExprStmt(self, node: ast.ExprStmt) -> None:
        self.visit(node.expr)

    def visit_Let(self, node: ast.Let) -> None:
        self.visit(node.value)
        if node.type is not None:
            self.check_type(node.type)
        target = node.target
        for name in (target,) if target.__class__ is ast.Name else target_names(target):
            span = name.span
            self.declare_local(Binding(name.id, "let", span.line, node, span, False, node.value), span)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        self._store_target(node.target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        self._store_target(node.target)

    def _store_target(self, target: ast.Node) -> None:
        if isinstance(target, ast.Name):
            self.store(target.id, target.span)
        elif isinstance(target, ast.TupleTarget):
            for name in target.names:
                self.store(name.id, name.span)
        else:
            self._note_store(target)
            self.expr(target)

    def _note_store(self, target: ast.Node) -> None:
        """`x.name = e` and `x["name"] = e` may add a field (to a prediction) or change what a
        module attribute holds; `x[key] = e` with a computed key may change anything in x."""
        if isinstance(target, ast.Attribute):
            self.model.assigned_attrs.add(target.attr)
        elif isinstance(target, ast.Index):
            index = target.index
            if isinstance(index, ast.Const) and isinstance(index.value, str):
                self.model.assigned_attrs.add(index.value)
            elif isinstance(target.value, ast.Name):
                binding = self.scope.lookup(target.value.id)
                if binding is not None:
                    binding.rebound = True

    def visit_Pass(self, node: ast.Pass) -> None:
        pass

    def visit_Break(self, node: ast.Break | ast.Continue) -> None:
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
        parts: list[Branch] = [(node.body, [], None)]
        if node.orelse:
            parts.append((node.orelse, [], None))
        self.branches(node, parts)

    def visit_For(self, node: ast.For) -> None:
        self.expr(node.iter)
        targets = [Binding(n.id, "for", n.span.line, node, n.span) for n in target_names(node.target)]
        self.branches(node, [(node.body, targets, None)], loop=True)

    def visit_While(self, node: ast.While) -> None:
        self.expr(node.test)
        self.branches(node, [(node.body, [], None)], loop=True)

    def visit_Try(self, node: ast.Try) -> None:
        for handler in node.handlers:
            name = handler.type_name
            if name is not None and name not in names.ERROR_NAMES:
                self.report("name error", f"unknown error name {name!r} in except", handler.span,
                            did_you_mean(name, names.ERROR_NAMES) or "use `except Error` to catch any error")
        parts: list[Branch] = [(node.body, [], None)]
        for handler in node.handlers:
            alias = [Binding(handler.alias, "alias", handler.span.line, handler, handler.span, True)] \
                if handler.alias else []
            parts.append((handler.body, alias, (handler.span.line, handler.span.col)))
        for stmts in (node.orelse, node.finalbody):
            if stmts:
                parts.append((stmts, [], None))
        self.branches(node, parts)

    def visit_With(self, node: ast.With) -> None:
        self.expr(node.value)
        alias = [Binding(node.alias, "alias", node.span.line, node, node.span, True)] if node.alias else []
        self.branches(node, [(node.body, alias, None)])

    # ------------------------------------------------------------ programs

    def visit_CompileStmt(self, node: ast.CompileStmt) -> None:
        self.exprs((node.program, node.optimizer, node.trainset, node.valset))
        old = self.scope.names.get(node.name)
        if old is None:
            self.scope.declare(Binding(node.name, "compile", node.span.line, node, node.span, True,
                                       value=node.program))
        elif not old.assignable:
            self.report("name error", f"cannot compile into {old.describe()} {node.name!r}", node.span)

    def visit_SaveStmt(self, node: ast.SaveStmt | ast.LoadStmt) -> None:
        binding = self.resolve(node.name, node.span, record=False)
        lines = self.model.lines   # the name's own span is found in the text, when it is known
        if binding is not None and lines is not None:
            binding.uses.append(find_word(lines, node.span, node.name, skip_first=True))
        self.expr(node.path)
        self.check_path(node.path)

    visit_LoadStmt = visit_SaveStmt

    def check_path(self, path: ast.Expr) -> None:
        """A written path of `save`/`load` (a string, or an f-string's text) with a NUL in it
        fails the run, so it is reported as the run words it."""
        texts = [path.value] if isinstance(path, ast.Const) and isinstance(path.value, str) else \
            [part for part in path.parts if isinstance(part, str)] if isinstance(path, ast.FString) else []
        for text in texts:
            try:
                checked_path(text, path.span)
            except DspFileError as err:
                self.report(err.kind, err.message, path.span)
                return

    # ------------------------------------------------------------ declarations

    def declare_nested(self, node: ast.Decl) -> None:
        """A declaration inside a block is declared where it stands (top level is hoisted)."""
        if self.scope is not self.model.top:
            self.declare_local(Binding(node.name, "decl", node.span.line, node, node.span, True), node.span)

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
        self.check_fields(node.fields, "signature", node.name)
        if not any(f.direction == "output" for f in node.fields):
            message, hint = messages.no_output_fields(node.name)
            self.report("value error", message, node.span, hint)

    def visit_SignatureAlias(self, node: ast.SignatureAlias) -> None:
        self.declare_nested(node)
        self.check_sigspec(node.spec, node.spec_span)

    def visit_FuncDef(self, node: ast.FuncDef) -> None:
        self.declare_nested(node)
        self.later(self.scope, lambda: self.function_body(node))

    def function_body(self, node: ast.FuncDef) -> None:
        """Check a def's parameters here, then its body in a new function scope (whose region
        runs to `self.limit`)."""
        self.check_params(node.params, f"{node.name}()")
        self.check_type(node.returns)
        scope = self.child("def", node, self.limit)
        self.model.scopes_of[id(node)] = scope
        self.block(scope, node.body, [param_binding(p) for p in node.params], loop=False, function=True)

    def visit_ModuleDecl(self, node: ast.ModuleDecl) -> None:
        self.declare_nested(node)
        self.later(self.scope, lambda: self.module_body(node))

    def module_body(self, node: ast.ModuleDecl) -> None:
        """Params, then attributes in order, then methods (which see all of them and `self`)."""
        self.check_params(node.params, f"module {node.name}")
        scope = self.child("module", node, self.limit)
        scope.pending = {a.name: a.span.line for a in reversed(node.attrs)}
        self.model.scopes_of[id(node)] = scope
        with self.entered(scope):
            for p in node.params:
                scope.declare(param_binding(p))
            for attr in node.attrs:
                self.expr(attr.value)
                self._declare_member(node, scope, Binding(attr.name, "attr", attr.span.line, attr, attr.span,
                                                          value=attr.value), attr.span)
            for method in node.methods:
                self._declare_member(node, scope, Binding(method.name, "method", method.span.line,
                                                          method, method.span, True), method.span)
            scope.declare(Binding("self", "self", node.span.line, node, node.span, True))
            methods = node.methods
            self.block_end = scope.end
            for i, method in enumerate(methods):
                self.following = methods[i + 1] if i + 1 < len(methods) else None
                self.function_body(method)

    def _declare_member(self, module: ast.ModuleDecl, scope: Scope, binding: Binding, span: Span) -> None:
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
            self.scope.declare(Binding(local, "import", item.span.line, node, item.span))

    def visit_ImportPython(self, node: ast.ImportPython) -> None:
        self._find_python(node.module, node.span)
        local = node.alias or node.module.split(".")[0]
        self.scope.declare(Binding(local, "import", node.span.line, node, node.span, True))

    def _find_python(self, module: str, span: Span) -> PyModule | None:
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
        self.model.imports.append(path)
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
            self.scope.declare(Binding(node.alias, "import", node.span.line, node, node.span, target=path,
                                       exact=_alias_span(self.model.lines, node)))

    def _declare_dsp(self, node: ast.ImportDsp, loaded: Model) -> None:
        exports = loaded.exports()
        if node.alias:
            self.scope.declare(Binding(node.alias, "namespace", node.span.line, node, node.span,
                                       target=loaded.path, exports=exports, file=loaded,
                                       exact=_alias_span(self.model.lines, node)))
            return
        for name, decl in exports.items():
            old = self.scope.names.get(name)
            if old is None or old.kind != "decl":
                self.scope.declare(Binding(name, "imported", node.span.line, decl.node, node.span,
                                           origin=decl))


def _alias_span(lines: list[str] | None, node: ast.ImportDsp) -> Span | None:
    """Where `import "x.dsp" as NAME` writes NAME (the first whole word NAME of the statement
    may be inside its path); None when the text is not known."""
    if not lines or node.alias is None or not 1 <= node.span.end_line <= len(lines):
        return None
    text = lines[node.span.end_line - 1]
    found = [m for m in re.finditer(rf"\bas\s+({re.escape(node.alias)})(?!\w)", text)]
    if not found:
        return None
    match = found[-1]
    return Span(node.span.file, node.span.end_line, match.start(1) + 1, node.span.end_line, match.end(1) + 1)


def _python_modules_in(folder: str) -> list[str]:
    """Names of Python modules and packages directly in `folder` (for did-you-mean)."""
    try:
        entries = os.listdir(folder)
    except OSError:
        return []
    return [e[:-3] if e.endswith(".py") else e for e in entries
            if e.endswith(".py") or os.path.isfile(os.path.join(folder, e, "__init__.py"))]
