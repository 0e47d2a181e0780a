"""Checks of expressions: names in scope, members of imported .dsp files,
signature strings given to predictors, and the arity of calls to functions and
modules declared in .dsp source.
"""

from __future__ import annotations

from collections.abc import Sequence

from dsplang.analysis import messages
from dsplang.analysis.declares import target_names
from dsplang.analysis.model import BUILTIN, Binding
from dsplang.analysis.stdlib_tables import OPTIMIZER_PARAMS, PREDICTOR_KEYWORDS
from dsplang.analysis.usage import UsageChecks
from dsplang.analysis.walker import BUILTIN_NAMES
from dsplang.errors import DspSyntaxError, Span, did_you_mean
from dsplang.grammar import ast, names
from dsplang.grammar.parser import parse_sigspec

SIGNATURE_TAKERS = names.SIGNATURE_TAKERS

CALLABLE_DECLS = (ast.FuncDef, ast.ModuleDecl)

def format_params(params: Sequence[ast.Param]) -> str:
    """`(example, pred, trace=...)` — how an argument error lists a function's parameters."""
    parts = []
    for p in params:
        prefix = {"star": "*", "dstar": "**"}.get(p.kind, "")
        suffix = "=..." if p.default is not None else ""
        parts.append(f"{prefix}{p.name}{suffix}")
    return "(" + ", ".join(parts) + ")"


class ExprChecks(UsageChecks):
    """A `visit_<Node>` method for each expression that needs more than its children checked
    (the others go through `generic_visit`)."""

    def expr(self, node: ast.Node | None) -> None:
        """Check one expression (None is allowed and ignored)."""
        if node is not None:
            self.visit(node)

    def exprs(self, nodes: Sequence[ast.Node | None]) -> None:
        visit = self.visit
        for node in nodes:
            if node is not None:
                visit(node)

    # ------------------------------------------------------------ names

    def resolve(self, name: str, span: Span, record: bool = True) -> Binding | None:
        """The binding `name` refers to here (recorded as a use at `span` unless `record` is
        false); reports an unknown or not-yet-declared name."""
        binding = self.scope.lookup(name)
        if binding is not None:
            if record:
                binding.uses.append(span)
            return binding
        if name in BUILTIN_NAMES:
            return BUILTIN
        line = self.scope.pending_line(name)
        if line is not None:
            self.report("name error", f"{name!r} is used before it is declared (line {line})", span)
        else:
            self.report("name error", f"name {name!r} is not defined", span,
                        did_you_mean(name, self.scope.visible() | BUILTIN_NAMES))
        return None

    def visit_Name(self, node: ast.Name) -> None:
        binding = self.scope.lookup(node.id)   # `resolve`, with the common case first
        if binding is not None:
            binding.uses.append(node.span)
        else:
            self.resolve(node.id, node.span)

    def visit_FString(self, node: ast.FString) -> None:
        for part in node.parts:
            if isinstance(part, ast.FormattedValue):
                self.expr(part.expr)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> None:
        self.expr(node.expr)

    def visit_Const(self, node: ast.Const) -> None:
        """A literal: nothing inside to check (the most common leaf, so not left to
        `generic_visit`'s look through its fields)."""

    def visit_Keyword(self, node: ast.Keyword) -> None:
        self.visit(node.value)

    def visit_DictExpr(self, node: ast.DictExpr) -> None:
        self.exprs(node.keys)
        self.exprs(node.values)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.note_read(node)
        value = node.value
        if isinstance(value, ast.Name):
            binding = self.resolve(value.id, value.span)
            if binding is not None and binding.kind == "namespace":
                self._check_member(binding, node)
        else:
            self.expr(value)

    def _check_member(self, binding: Binding, node: ast.Attribute) -> None:
        """`n.Foo` where `n` is an imported .dsp file: Foo must be one of its declarations."""
        exports = binding.exports or {}
        if node.attr not in exports:
            self.report("name error", f"{binding.name!r} has no declaration {node.attr!r}", node.span,
                        did_you_mean(node.attr, exports))

    # ------------------------------------------------------------ local scopes

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._comprehension(node, node.generators, (node.elt,))

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node, node.generators, (node.key, node.value))

    def _comprehension(self, node: ast.Node, generators: Sequence[ast.Comprehension],
                       results: Sequence[ast.Node]) -> None:
        """Targets are local; the first iterable is read outside, later ones inside."""
        outer = self.scope
        local = self.child("comp", node, (0, 0))
        try:
            for gen in generators:
                self.expr(gen.iter)
                self.scope = local
                for name in target_names(gen.target):
                    local.declare(Binding(name.id, "comp", name.span.line, gen, name.span))
                self.exprs(gen.ifs)
            self.scope = local
            self.exprs(results)
        finally:
            self.scope = outer

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.check_params(node.params, "lambda")
        outer = self.scope
        self.scope = self.child("lambda", node, (0, 0))
        try:
            for p in node.params:
                self.scope.declare(param_binding(p))
            self.expr(node.body)
        finally:
            self.scope = outer

    def check_params(self, params: Sequence[ast.Param], owner: str) -> None:
        """Duplicate parameter names, parameter types and default values."""
        seen: dict[str, int] = {}
        for p in params:
            if p.name in seen:
                self.report("name error", f"duplicate parameter {p.name!r} in {owner}", p.span)
            seen.setdefault(p.name, p.span.line)
            self.check_type(p.type)
            self.expr(p.default)

    # ------------------------------------------------------------ calls

    def visit_Call(self, node: ast.Call) -> None:
        self.visit(node.func)
        self.exprs(node.args)
        self.exprs(node.keywords)
        self.note_call(node)
        callee, label = self._callee(node.func)
        if callee is BUILTIN and isinstance(node.func, ast.Name):
            name = node.func.id
            if name in SIGNATURE_TAKERS:
                self._check_signature_args(node, name)
                if name in PREDICTOR_KEYWORDS:
                    self.check_predictor_keywords(node, name)
            elif name in OPTIMIZER_PARAMS:
                self.check_optimizer_call(node, name)
        elif isinstance(callee, CALLABLE_DECLS):
            self.check_arity(node, self._call_params(callee, label), label)
        elif isinstance(callee, ast.TypeDecl):
            self.check_record_call(node, callee)

    def _call_params(self, decl: ast.FuncDef | ast.ModuleDecl, label: str) -> Sequence[ast.Param]:
        """The parameters a call fills: a method's explicit leading `self` is filled for it."""
        binding = self.scope.lookup(label)
        if binding is not None and binding.kind == "method":
            return ast.method_params(decl.params)
        return decl.params

    def _callee(self, func: ast.Node) -> tuple[object, str]:
        """What a call calls, without reporting: BUILTIN, a FuncDef/ModuleDecl, or None."""
        if isinstance(func, ast.Name):
            binding = self.scope.lookup(func.id)
            if binding is None:
                return (BUILTIN if func.id in BUILTIN_NAMES else None), func.id
            if binding.kind in ("decl", "imported", "method"):
                return binding.node, func.id
            return None, func.id
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            binding = self.scope.lookup(func.value.id)
            if binding is not None and binding.kind == "namespace":
                member = (binding.exports or {}).get(func.attr)
                return (member.node if member is not None else None), f"{func.value.id}.{func.attr}"
        return None, ""

    def _check_signature_args(self, node: ast.Call, callee: str) -> None:
        """A string given where a signature is expected is parsed and its types checked; a
        ChainOfThought's signature must not have an input named `reasoning` (its own output)."""
        specs = list(node.args[:1]) + [k.value for k in node.keywords if k.name == "signature"]
        for spec in specs:
            if isinstance(spec, ast.Const) and isinstance(spec.value, str):
                self.check_sigspec(spec.value, spec.span)
            if callee == "ChainOfThought":
                label, inputs = self._signature_inputs(spec)
                if "reasoning" in inputs:
                    message, hint = messages.reasoning_input(label)
                    self.report("value error", message, node.span, hint)

    def _signature_inputs(self, spec: ast.Node) -> tuple[str, set[str]]:
        """The name and input names of a signature given as a string or by the name of a
        declaration (a signature with its own `reasoning` output is fine: ChainOfThought keeps it)."""
        fields: Sequence[ast.SigField] = ()
        label = ""
        if isinstance(spec, ast.Name):
            binding = self.scope.lookup(spec.id)
            decl = binding.node if binding is not None and binding.kind in ("decl", "imported") else None
            if isinstance(decl, ast.SignatureDecl):
                fields, label = decl.fields, decl.name
            elif isinstance(decl, ast.SignatureAlias):
                spec, label = ast.Const(decl.spec_span, decl.spec), decl.name
        if isinstance(spec, ast.Const) and isinstance(spec.value, str):
            label = label or messages.signature_label(spec.value)
            try:
                fields = parse_sigspec(spec.value, spec.span).fields
            except DspSyntaxError:
                fields = ()
        return label, {f.name for f in fields if f.direction == "input"}

    def check_arity(self, node: ast.Call, params: Sequence[ast.Param], label: str) -> None:
        """Too many positional arguments, unknown or repeated keywords, missing arguments."""
        if any(p.kind != "normal" for p in params) or \
                any(isinstance(a, ast.Starred) for a in node.args) or \
                any(k.name is None for k in node.keywords):
            return
        listing = f"{label}{format_params(params)}"
        if len(node.args) > len(params):
            self.report("argument error", f"{label}() takes {len(params)} positional argument"
                        f"{'s' if len(params) != 1 else ''} but {len(node.args)} were given; "
                        f"its parameters are {listing}", node.args[len(params)].span)
            return
        filled = {p.name for p in params[:len(node.args)]}
        known = [p.name for p in params]
        for kw in node.keywords:
            name = kw.name or ""   # never empty: `**kwargs` arguments returned above
            if name not in known:
                self.report("argument error", f"{label}() has no parameter {name!r}; "
                            f"its parameters are {listing}", kw.span, did_you_mean(name, known))
            elif name in filled:
                self.report("argument error", f"{label}() got multiple values for argument "
                            f"{name!r}", kw.span)
            filled.add(name)
        missing = [p.name for p in params if p.default is None and p.name not in filled]
        if missing:
            quoted = ", ".join(repr(m) for m in missing)
            self.report("argument error", f"{label}() is missing required argument"
                        f"{'s' if len(missing) > 1 else ''} {quoted}; its parameters are {listing}",
                        node.span)


def param_binding(p: ast.Param) -> Binding:
    """The binding of a parameter in its function's (or lambda's, or module's) scope."""
    return Binding(p.name, "param", p.span.line, p, p.span)
