"""Checks of type expressions and signature fields (block and short string form).

A type is a builtin type name (`names.TYPE_NAMES`), a `type`/`enum` declared in
the file or imported from a .dsp file (`Passage`, `common.Passage`), or a name
imported from Python (a class the checker cannot see into, so it is trusted).
"""

from __future__ import annotations

from collections.abc import Sequence

from dsplang.analysis import messages
from dsplang.analysis.walker import Walk
from dsplang.errors import DspSyntaxError, Span, did_you_mean
from dsplang.grammar import ast, names
from dsplang.grammar.parser import parse_sigspec

GENERIC_ARITY = {"list": 1, "dict": 2, "optional": 1}
TYPE_DECLS = (ast.TypeDecl, ast.EnumDecl)

class TypeChecks(Walk):
    """The checks of type expressions, on the walk's current scope."""

    def check_type(self, node: ast.Node | None) -> None:
        """Report unknown or misused names in a type expression."""
        if node is None:
            return
        if isinstance(node, ast.TypeName):
            self._check_type_name(node)
        elif isinstance(node, ast.TypeGeneric):
            self._check_generic(node)
        elif isinstance(node, ast.TypeOptional):
            self.check_type(node.inner)

    def _check_generic(self, node: ast.TypeGeneric) -> None:
        arity = GENERIC_ARITY.get(node.name)
        if arity is None and node.name not in names.TYPE_NAMES and self.scope.lookup(node.name) is None:
            self.report("name error", f"unknown type {node.name!r}", node.span,
                        did_you_mean(node.name, GENERIC_ARITY))
        elif arity is None:
            self.report("type error", f"type {node.name!r} does not take type arguments", node.span)
        elif len(node.args) != arity:
            word = "argument" if arity == 1 else "arguments"
            self.report("type error", f"{node.name}[...] takes {arity} type {word}, "
                        f"got {len(node.args)}", node.span)
        for arg in node.args:
            self.check_type(arg)

    def _check_type_name(self, node: ast.TypeName) -> None:
        name = node.name
        if "." in name:
            self._check_dotted_type(node)
            return
        if name in names.TYPE_NAMES:
            return
        binding = self.scope.lookup(name)
        if binding is None and name in names.BUILTIN_CLASS_TYPES:   # History, Image
            return
        if binding is None:
            self.report("name error", f"unknown type {name!r}", node.span,
                        names.type_suggestion(name, self._declared_types()))
            return
        binding.uses.append(node.span)
        if binding.kind in ("decl", "imported") and not isinstance(binding.node, TYPE_DECLS):
            self.report("type error", f"{name!r} is a {binding.describe()}, not a type", node.span)
        elif binding.kind not in ("decl", "imported", "import"):
            self.report("type error", f"{name!r} is not a type (it is a {binding.describe()})",
                        node.span)

    def _check_dotted_type(self, node: ast.TypeName) -> None:
        head, _, rest = node.name.partition(".")
        binding = self.scope.lookup(head)
        if binding is None:
            self.report("name error", f"unknown type {node.name!r}", node.span,
                        did_you_mean(head, self.scope.visible()))
        elif binding.kind == "namespace":
            exports = binding.exports or {}
            member = exports.get(rest)
            decl = member.node if member is not None else None
            if decl is None:
                types = [n for n, d in exports.items() if isinstance(d.node, TYPE_DECLS)]
                self.report("name error", f"{head!r} has no type {rest!r}", node.span,
                            did_you_mean(rest, types))
            elif not isinstance(decl, TYPE_DECLS):
                word = type(decl).__name__
                self.report("type error", f"{node.name!r} is not a type ({word})", node.span)
        elif binding.kind != "import":
            self.report("type error", f"{node.name!r} is not a type", node.span)

    def _declared_types(self) -> set[str]:
        """The records and enums declared in scope (what else a type name could mean)."""
        return {name for scope in self.scope.outward() for name, binding in scope.names.items()
                if isinstance(binding.node, TYPE_DECLS)}

    def check_fields(self, fields: Sequence[ast.SigField | ast.FieldDecl], what: str, owner: str = "") -> None:
        """Duplicate field names and unknown types among signature or record fields (of
        signature or record `owner`)."""
        seen: dict[str, int] = {}
        for f in fields:
            if f.name in seen and what == "signature":
                message, hint = messages.signature_field_twice(owner, f.name, seen[f.name])
                self.report("name error", message, f.span, hint)
            elif f.name in seen:
                self.report("name error", f"{what} field {f.name!r} is already declared "
                            f"(line {seen[f.name]})", f.span)
            else:
                seen[f.name] = f.span.line
            self.check_type(f.type)

    def check_sigspec(self, spec: str, span: Span) -> None:
        """Parse a short-form signature string and check its field types."""

        try:
            parsed = parse_sigspec(spec, span)
        except DspSyntaxError as err:
            self.report("syntax error", err.message, err.span or span, err.hint)
            return
        self.check_fields(parsed.fields, "signature", messages.signature_label(spec))
