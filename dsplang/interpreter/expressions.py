"""Expressions: each AST node is turned once into a Python closure `f(scope) -> value`.

The compilers are `grammar.visitor.NodeVisitor`s: `visit_<NodeName>` returns the closure.
Turning the tree into closures before running it makes the hot paths (names, arithmetic,
calls) a plain Python call each.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, cast

from dsplang.errors import (
    DspAttributeError,
    DspError,
    DspIndexError,
    DspKeyError,
    DspNameError,
    DspRuntimeError,
    DspTypeError,
    DspValueError,
    DspZeroDivisionError,
    Span,
    a_type,
    did_you_mean,
    type_word,
)
from dsplang.grammar import ast
from dsplang.grammar.visitor import NodeVisitor
from dsplang.interpreter.calls import call_value
from dsplang.interpreter.growth import GROWING, call_method, checked_attribute, rules_by_class
from dsplang.interpreter.limits import (
    CONTAINERS,
    SIZED,
    check_format_spec,
    check_power,
    check_product,
    check_size,
    check_text,
    conversion_error,
    too_long,
)
from dsplang.interpreter.portable import CodeSource
from dsplang.interpreter.scope import Code, Scope
from dsplang.interpreter.text_formats import check_percent
from dsplang.interpreter.values import MISSING, FieldValues, Function, ParamSpec

if TYPE_CHECKING:       # the interpreter builds the compilers (same layer)
    from dsplang.interpreter.evaluator import Interpreter

BINARY = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow,
    "&": operator.and_, "|": operator.or_, "^": operator.xor,
}

COMPARE = {
    "<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne, "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b, "is": operator.is_, "is not": operator.is_not,
}


def arith_error(exc: Exception, op: str, left: object, right: object, span: Span) -> DspError:
    """A DspError for an exception raised by a binary operator."""
    if isinstance(exc, ZeroDivisionError):
        return DspZeroDivisionError("division by zero" if op != "%" else "modulo by zero", span)
    if isinstance(exc, OverflowError):
        return DspValueError(f"number too large for {op!r}", span)
    if isinstance(exc, MemoryError):
        return DspRuntimeError(f"out of memory computing {op!r}", span)
    return DspTypeError(f"unsupported operand types for {op}: {type_word(left)!r} and {type_word(right)!r}",
                        span)




def spread_into(out: dict[Any, Any], mapping: Any, span: Span) -> None:
    """`**mapping` in a dict display: its items added to `out` (a later key wins). A mapping
    is what has `keys()` and `[]` (a dict, an Example, a Prediction), as in Python."""
    if isinstance(mapping, FieldValues):
        mapping = mapping.dsp_fields()
    if isinstance(mapping, dict):
        out.update(mapping)
        return
    keys = getattr(mapping, "keys", None)
    if keys is None or not callable(keys) or isinstance(mapping, (str, bytes, list, tuple)):
        raise DspTypeError(f"'**' needs a mapping (a dict, an Example or a Prediction), not {a_type(mapping)}",
                           span)
    try:
        for key in keys():
            out[key] = mapping[key]
    except DspError as err:
        raise err.with_span(span)
    except Exception as exc:
        raise DspTypeError(f"cannot spread {a_type(mapping)} with '**': {exc}", span) from None


# A loop over a comprehension's clauses: run(scope, emit) calls emit(scope) once per item.
Loops = Callable[[Scope, Callable[[Scope], None]], None]


class ExprCompiler(NodeVisitor):
    """Turns expression nodes into closures."""

    interp: Interpreter     # set by DeclCompiler.__init__
    source: CodeSource      # set by DeclCompiler.__init__

    # The closure for a node: `NodeVisitor.visit` itself, so compiling a node costs no extra call.
    expr = cast("Callable[[ExprCompiler, ast.Node], Code]", NodeVisitor.visit)

    def generic_visit(self, node: ast.Node) -> None:
        """A node kind the interpreter has no `visit_` method for is a bug, not a user error."""
        raise NotImplementedError(f"the interpreter cannot compile a {type(node).__name__} node")

    # ---------------------------------------------------------- atoms

    def visit_Const(self, node: ast.Const) -> Code:
        value = node.value
        return lambda scope: value

    def visit_Name(self, node: ast.Name) -> Code:
        name, span = node.id, node.span

        def name_value(scope: Scope) -> Any:
            s: Scope | None = scope
            while s is not None:
                vars = s.vars
                if name in vars:
                    return vars[name]
                s = s.parent
            raise DspNameError(f"name {name!r} is not defined", span,
                               hint=did_you_mean(name, scope.visible_names()))
        return name_value

    def visit_FString(self, node: ast.FString) -> Code:
        parts: list[tuple[str, Code | None, str | None, str | None]] = []   # (text, or a value's code)
        for part in node.parts:
            if isinstance(part, str):
                parts.append((part, None, None, None))
            else:
                parts.append(("", self.expr(part.expr), part.conversion, part.format_spec))
        span, limits = node.span, self.interp.limits

        def fstring(scope: Scope) -> Any:
            out = []
            for text, ev, conv, spec in parts:
                if ev is None:
                    out.append(text)
                    continue
                value = ev(scope)
                if value.__class__ in CONTAINERS:
                    check_text(value, limits, span)
                if conv == "r":
                    value = repr(value)
                elif conv == "s":
                    value = str(value)
                if spec:
                    check_format_spec(spec, limits, span)
                try:
                    out.append(format(value, spec) if spec else str(value))
                except (ValueError, TypeError) as exc:
                    raise conversion_error(exc, span) or DspValueError(
                        f"cannot format {type_word(value)} with {spec!r}: {exc}", span) from None
            return "".join(out)
        return fstring

    def visit_ListExpr(self, node: ast.ListExpr) -> Code:
        items = self.sequence(node.items)
        return lambda scope: items(scope)

    def visit_TupleExpr(self, node: ast.TupleExpr) -> Code:
        items = self.sequence(node.items)
        return lambda scope: tuple(items(scope))

    def sequence(self, nodes: tuple[ast.Expr, ...]) -> Callable[[Scope], list[Any]]:
        """A closure returning a new list of the values of `nodes` (with `*x` spread)."""
        if any(isinstance(n, ast.Starred) for n in nodes):
            parts = [(n.span if isinstance(n, ast.Starred) else None,
                      self.expr(n.value if isinstance(n, ast.Starred) else n)) for n in nodes]

            limits, span = self.interp.limits, nodes[0].span

            def spread(scope: Scope) -> Any:
                out: list[Any] = []
                for star_span, ev in parts:
                    if star_span is not None:
                        out.extend(iterate(ev(scope), star_span))
                    else:
                        out.append(ev(scope))
                return check_size(out, limits, span)
            return spread
        evs = [self.expr(n) for n in nodes]
        return lambda scope: [ev(scope) for ev in evs]

    def visit_DictExpr(self, node: ast.DictExpr) -> Code:
        pairs = [(self.expr(k) if k is not None else None, self.expr(v), v.span)
                 for k, v in zip(node.keys, node.values)]
        span, limits = node.span, self.interp.limits
        spreads = any(k is None for k in node.keys)

        def make_dict(scope: Scope) -> Any:
            out: dict[Any, Any] = {}
            for k, v, value_span in pairs:
                if k is None:
                    spread_into(out, v(scope), value_span)
                    continue
                key = k(scope)
                try:
                    out[key] = v(scope)
                except TypeError:
                    raise DspTypeError(f"{a_type(key)} cannot be a dict key", span)
            if spreads:
                check_size(out, limits, span)
            return out
        return make_dict

    # ---------------------------------------------------------- access

    def visit_Attribute(self, node: ast.Attribute, calling: bool = False) -> Code:
        """`obj.attr`. On an Example or Prediction a field hides a method of the same name
        (`pred.items`, `ex.labels`), except where the attribute is called (`ex.labels()`)."""
        value, attr, span = self.expr(node.value), node.attr, node.span
        if attr in GROWING and not calling:
            limits = self.interp.limits
            return lambda scope: checked_attribute(obj := value(scope), attr,
                                                   read_attribute(obj, attr, span, False), limits)

        def attribute(scope: Scope) -> Any:
            obj = value(scope)
            if isinstance(obj, FieldValues):
                fields = obj.dsp_fields()
                if attr in fields and not (calling and hasattr(type(obj), attr)):
                    return fields[attr]
            try:
                return getattr(obj, attr)
            except DspError as err:
                raise err.with_span(span)
            except AttributeError:
                raise attribute_error(obj, attr, span) from None
        return attribute

    def visit_Index(self, node: ast.Index) -> Code:
        value, span = self.expr(node.value), node.span
        index = self.slice(node.index) if isinstance(node.index, ast.Slice) else self.expr(node.index)

        def subscript(scope: Scope) -> Any:
            obj = value(scope)
            key = index(scope)
            try:
                return obj[key]
            except DspError as err:
                raise err.with_span(span)
            except Exception as exc:
                raise index_error(exc, obj, key, span) from None
        return subscript

    def slice(self, node: ast.Slice) -> Code:
        parts = [self.expr(p) if p is not None else None for p in (node.lower, node.upper, node.step)]
        lo, hi, st = parts
        return lambda scope: slice(lo(scope) if lo else None, hi(scope) if hi else None,
                                   st(scope) if st else None)

    # ---------------------------------------------------------- operators

    def visit_BinOp(self, node: ast.BinOp) -> Code:
        op, span = node.op, node.span
        if op in ("+", "*"):
            return (self._add if op == "+" else self._multiply)(node)
        if op == "%":
            return self._modulo(node)
        fn = self._power(span) if op == "**" else self._union(span) if op == "|" else BINARY[op]
        left, right = self.expr(node.left), self.expr(node.right)
        if isinstance(node.right, ast.Const):
            const = node.right.value

            def binop_const(scope: Scope) -> Any:
                a = left(scope)
                try:
                    return fn(a, const)
                except DspError:
                    raise
                except Exception as exc:
                    raise arith_error(exc, op, a, const, span) from None
            return binop_const

        def binop(scope: Scope) -> Any:
            a = left(scope)
            b = right(scope)
            try:
                return fn(a, b)
            except DspError:
                raise
            except Exception as exc:
                raise arith_error(exc, op, a, b, span) from None
        return binop

    def _add(self, node: ast.BinOp) -> Code:
        """`a + b`, refusing a string, list or tuple longer than the `seq_len` limit."""
        left, right, span = self.expr(node.left), self.expr(node.right), node.span
        limits = self.interp.limits
        if isinstance(node.right, ast.Const):
            const = node.right.value

            def add_const(scope: Scope) -> Any:
                a = left(scope)
                try:
                    result = a + const
                except DspError:
                    raise
                except Exception as exc:
                    raise arith_error(exc, "+", a, const, span) from None
                if result.__class__ is not int and result.__class__ in SIZED:
                    check_size(result, limits, span)
                return result
            return add_const

        def add(scope: Scope) -> Any:
            a = left(scope)
            b = right(scope)
            try:
                result = a + b
            except DspError:
                raise
            except Exception as exc:
                raise arith_error(exc, "+", a, b, span) from None
            if result.__class__ is not int and result.__class__ in SIZED:
                check_size(result, limits, span)
            return result
        return add

    def _multiply(self, node: ast.BinOp) -> Code:
        """`a * b`, refusing (before computing) an integer of more than `int_digits` digits or
        a repetition longer than `seq_len`."""
        left, right, span = self.expr(node.left), self.expr(node.right), node.span
        limits = self.interp.limits
        max_bits = limits.max_bits + 1
        if isinstance(node.right, ast.Const) and node.right.value.__class__ is int:
            const = node.right.value
            room = max_bits - const.bit_length()

            def multiply_const(scope: Scope) -> Any:
                a = left(scope)
                if a.__class__ is not int or a.bit_length() > room:
                    check_product(a, const, limits, span)
                try:
                    return a * const
                except DspError:
                    raise
                except Exception as exc:
                    raise arith_error(exc, "*", a, const, span) from None
            return multiply_const

        def multiply(scope: Scope) -> Any:
            a = left(scope)
            b = right(scope)
            if a.__class__ is not int or b.__class__ is not int or a.bit_length() + b.bit_length() > max_bits:
                check_product(a, b, limits, span)
            try:
                return a * b
            except DspError:
                raise
            except Exception as exc:
                raise arith_error(exc, "*", a, b, span) from None
        return multiply

    def _modulo(self, node: ast.BinOp) -> Code:
        """`a % b`; for a string or bytes `a`, formatting, refused (before it runs) for a width,
        a precision or a result longer than `seq_len`."""
        left, right, span = self.expr(node.left), self.expr(node.right), node.span
        limits = self.interp.limits
        if isinstance(node.right, ast.Const) and node.right.value.__class__ in (int, float):
            const = node.right.value

            def modulo_number(scope: Scope) -> Any:
                a = left(scope)
                if a.__class__ is not int and isinstance(a, (str, bytes, bytearray)):
                    check_percent(a, const, limits, span)     # a number: its size is known
                try:
                    return a % const
                except DspError:
                    raise
                except Exception as exc:
                    raise arith_error(exc, "%", a, const, span) from None
            return modulo_number

        def modulo(scope: Scope) -> Any:
            a = left(scope)
            b = right(scope)
            known = True
            if a.__class__ is not int and isinstance(a, (str, bytes, bytearray)):
                known = check_percent(a, b, limits, span)
            try:
                result = a % b
            except DspError:
                raise
            except Exception as exc:
                raise arith_error(exc, "%", a, b, span) from None
            return result if known else check_size(result, limits, span)
        return modulo

    def _power(self, span: Span) -> Callable[[Any, Any], Any]:
        """`fn(a, b)` for `**`, refusing (before computing) too large an integer."""
        limits = self.interp.limits

        def power(a: Any, b: Any) -> Any:
            check_power(a, b, limits, span)
            return a ** b
        return power

    def _union(self, span: Span) -> Callable[[Any, Any], Any]:
        """`fn(a, b)` for `|`, refusing a merged dict longer than the `seq_len` limit (a
        set, like `+`'s operands, holds at most what its operands hold)."""
        limits = self.interp.limits

        def union(a: Any, b: Any) -> Any:
            result = a | b
            if result.__class__ is not int and result.__class__ in SIZED:
                check_size(result, limits, span)
            return result
        return union

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Code:
        operand, span = self.expr(node.operand), node.span
        if node.op == "not":
            return lambda scope: not operand(scope)
        fn = operator.neg if node.op == "-" else operator.pos

        def unary(scope: Scope) -> Any:
            value = operand(scope)
            try:
                return fn(value)
            except TypeError:
                raise DspTypeError(f"bad operand type for unary {node.op}: {type_word(value)!r}", span)
        return unary

    def visit_BoolOp(self, node: ast.BoolOp) -> Code:
        values = [self.expr(v) for v in node.values]
        if node.op == "and":
            def and_(scope: Scope) -> Any:
                result = True
                for v in values:
                    result = v(scope)
                    if not result:
                        return result
                return result
            return and_

        def or_(scope: Scope) -> Any:
            result = False
            for v in values:
                result = v(scope)
                if result:
                    return result
            return result
        return or_

    def visit_Compare(self, node: ast.Compare) -> Code:
        left, span = self.expr(node.left), node.span
        steps = [(op, COMPARE[op], self.expr(c)) for op, c in zip(node.ops, node.comparators)]
        if len(steps) == 1:
            op, fn, right = steps[0]

            def compare1(scope: Scope) -> Any:
                a = left(scope)
                b = right(scope)
                try:
                    return fn(a, b)
                except TypeError:
                    raise DspTypeError(f"cannot compare {type_word(a)!r} {op} {type_word(b)!r}", span) from None
            return compare1

        def compare(scope: Scope) -> Any:
            a = left(scope)
            for op, fn, right in steps:
                b = right(scope)
                try:
                    if not fn(a, b):
                        return False
                except TypeError:
                    raise DspTypeError(f"cannot compare {type_word(a)!r} {op} {type_word(b)!r}", span) from None
                a = b
            return True
        return compare

    def visit_IfExp(self, node: ast.IfExp) -> Code:
        test, body, orelse = self.expr(node.test), self.expr(node.body), self.expr(node.orelse)
        return lambda scope: body(scope) if test(scope) else orelse(scope)

    # ---------------------------------------------------------- calls and functions

    def visit_Call(self, node: ast.Call) -> Code:
        if isinstance(node.func, ast.Attribute) and node.func.attr in GROWING:
            return self._growing_call(node, node.func)
        func = self.visit_Attribute(node.func, calling=True) if isinstance(node.func, ast.Attribute) \
            else self.expr(node.func)
        span, builtins = node.span, self.interp.builtin_callables
        simple_args = not any(isinstance(a, ast.Starred) for a in node.args)
        if simple_args and not node.keywords:
            argv = [self.expr(a) for a in node.args]
            return lambda scope: call_value(func(scope), tuple([a(scope) for a in argv]), {}, span, builtins)
        arguments = self.arguments(node)

        def call(scope: Scope) -> Any:
            f = func(scope)
            args, kwargs = arguments(scope)
            return call_value(f, args, kwargs, span, builtins)
        return call

    def arguments(self, node: ast.Call) -> Callable[[Scope], tuple[tuple[Any, ...], dict[str, Any]]]:
        """A closure returning a call's positional and keyword arguments (with `*`, `**` spread)."""
        args = self.sequence(node.args)
        keywords = [(k.name, self.expr(k.value), k.span) for k in node.keywords]

        def arguments(scope: Scope) -> tuple[tuple[Any, ...], dict[str, Any]]:
            positional = tuple(args(scope))
            kwargs: dict[str, Any] = {}
            for name, ev, kspan in keywords:
                if name is not None:
                    kwargs[name] = ev(scope)
                    continue
                extra = ev(scope)
                if not isinstance(extra, dict):
                    raise DspTypeError(f"** needs a dict, not {type_word(extra)}", kspan)
                kwargs.update(extra)
            return positional, kwargs
        return arguments

    def _growing_call(self, node: ast.Call, func: ast.Attribute) -> Code:
        """`obj.name(...)` for a method name that can grow a builtin value (`growth.GROWING`):
        refused before it runs when the result would pass `seq_len`. On a str, list, dict, ...
        the rule for the name is found by the receiver's class alone."""
        receiver, attr, attr_span = self.expr(func.value), func.attr, func.span
        span, builtins, limits = node.span, self.interp.builtin_callables, self.interp.limits
        rules = rules_by_class(attr)
        if not any(isinstance(a, ast.Starred) for a in node.args) and not node.keywords:
            argv = [self.expr(a) for a in node.args]

            def growing_call_simple(scope: Scope) -> Any:
                obj = receiver(scope)
                rule = rules.get(obj.__class__)
                if rule is None:
                    return call_method(obj, attr, read_attribute(obj, attr, attr_span, True),
                                       tuple([a(scope) for a in argv]), {}, limits, span, builtins)
                f, args, kwargs = rule(getattr(obj, attr), obj, tuple([a(scope) for a in argv]), {}, limits, span)
                return call_value(f, args, kwargs, span, builtins)
            return growing_call_simple
        arguments = self.arguments(node)

        def growing_call(scope: Scope) -> Any:
            obj = receiver(scope)
            rule = rules.get(obj.__class__)
            if rule is None:            # another object's method of this name, or a subclass
                method = read_attribute(obj, attr, attr_span, True)
                args, kwargs = arguments(scope)
                return call_method(obj, attr, method, args, kwargs, limits, span, builtins)
            args, kwargs = arguments(scope)
            return call_value(*rule(getattr(obj, attr), obj, args, kwargs, limits, span), span, builtins)
        return growing_call

    def visit_Lambda(self, node: ast.Lambda) -> Code:
        body = self.expr(node.body)
        make_params = self.params(node.params)
        source = self.source
        return lambda scope: Function("<lambda>", make_params(scope), body, scope, decl=node, is_lambda=True,
                                      source=source)

    def params(self, params: tuple[ast.Param, ...]) -> Code:
        """A closure that evaluates defaults (at definition time) and returns a ParamSpec."""
        names = tuple(p.name for p in params if p.kind == "normal")
        defaults = [self.expr(p.default) if p.default is not None else None
                    for p in params if p.kind == "normal"]
        star = next((p.name for p in params if p.kind == "star"), None)
        dstar = next((p.name for p in params if p.kind == "dstar"), None)
        if not any(defaults):
            spec = ParamSpec(names, (MISSING,) * len(names), star, dstar)
            return lambda scope: spec
        return lambda scope: ParamSpec(
            names, tuple(d(scope) if d else MISSING for d in defaults), star, dstar)

    # ---------------------------------------------------------- comprehensions

    def visit_ListComp(self, node: ast.ListComp) -> Code:
        elt = self.expr(node.elt)
        loops = self.generators(node.generators)
        limits, span = self.interp.limits, node.span
        seq_len = limits.seq_len

        def listcomp(scope: Scope) -> Any:
            out: list[Any] = []

            def add(s: Scope) -> None:
                out.append(elt(s))
                if len(out) > seq_len:
                    raise too_long("list", len(out), limits, span)
            loops(Scope(scope), add)
            return out
        return listcomp

    def visit_DictComp(self, node: ast.DictComp) -> Code:
        key, value = self.expr(node.key), self.expr(node.value)
        loops = self.generators(node.generators)
        limits, span = self.interp.limits, node.span
        seq_len = limits.seq_len

        def dictcomp(scope: Scope) -> Any:
            out: dict[Any, Any] = {}

            def add(s: Scope) -> None:
                out[key(s)] = value(s)
                if len(out) > seq_len:
                    raise too_long("dict", len(out), limits, span)
            loops(Scope(scope), add)
            return out
        return dictcomp

    def generators(self, gens: tuple[ast.Comprehension, ...]) -> Loops:
        """A closure `run(scope, emit)` that runs nested for/if clauses, calling emit per item."""
        run: Loops | None = None
        for gen in reversed(gens):
            run = self._generator(gen, run)
        assert run is not None      # the grammar gives a comprehension at least one `for`
        return run

    def _generator(self, gen: ast.Comprehension, inner: Loops | None) -> Loops:
        iterable, bind = self.expr(gen.iter), self.binder(gen.target)
        ifs = [self.expr(c) for c in gen.ifs]
        span = gen.iter.span

        def run(scope: Scope, emit: Callable[[Scope], None]) -> None:
            for item in iterate(iterable(scope), span):
                bind(scope.vars, item)
                if all(c(scope) for c in ifs):
                    if inner is None:
                        emit(scope)
                    else:
                        inner(scope, emit)
        return run

    def binder(self, target: ast.Target) -> Callable[[dict[str, Any], Any], None]:
        """A function `bind(vars, value)` for a loop/let target (a name or a tuple of names)."""
        if isinstance(target, ast.Name):
            name = target.id

            def bind_name(vars: dict[str, Any], value: Any) -> None:
                vars[name] = value
            return bind_name
        names, span = [n.id for n in target.names], target.span

        def bind_tuple(vars: dict[str, Any], value: Any) -> None:
            try:
                values = list(value)
            except TypeError:
                raise DspTypeError(f"cannot unpack {a_type(value)} into {len(names)} names", span) from None
            if len(values) != len(names):
                raise DspValueError(f"expected {len(names)} values to unpack, got {len(values)}", span)
            for n, v in zip(names, values):
                vars[n] = v
        return bind_tuple

    def visit_Starred(self, node: ast.Starred) -> None:
        raise DspTypeError("'*' is only allowed in a call's arguments or a list", node.span)

    def visit_Slice(self, node: ast.Slice) -> Code:
        return self.slice(node)


def read_attribute(obj: Any, attr: str, span: Span, calling: bool) -> Any:
    """`obj.attr` as `visit_Attribute` reads it (a field of an Example or Prediction first).

    `visit_Attribute`'s own closure repeats these steps inline: it is the hot path of every
    attribute read, and calling this function from there adds a Python call to each read."""
    if isinstance(obj, FieldValues):
        fields = obj.dsp_fields()
        if attr in fields and not (calling and hasattr(type(obj), attr)):
            return fields[attr]
    try:
        return getattr(obj, attr)
    except DspError as err:
        raise err.with_span(span)
    except AttributeError:
        raise attribute_error(obj, attr, span) from None


def iterate(value: Any, span: Span) -> Iterator[Any]:
    try:
        return iter(value)
    except TypeError:
        raise DspTypeError(f"{a_type(value)} is not iterable", span) from None


def attribute_error(obj: object, attr: str, span: Span) -> DspAttributeError:
    names = [n for n in dir(obj) if not n.startswith("_")]
    hint = did_you_mean(attr, names)
    if isinstance(obj, dict) and attr in obj:
        hint = f"use [{attr!r}] to read a dict key"
    elif isinstance(obj, dict) and hint is None:
        hint = did_you_mean(attr, [k for k in obj if isinstance(k, str)])
        hint = hint and f"use [...] to read a dict key; {hint}"
    return DspAttributeError(f"{type_word(obj)} has no attribute {attr!r}", span, hint=hint)


def index_error(exc: Exception, obj: object, key: object, span: Span) -> DspError:
    if isinstance(exc, KeyError):
        keys = [k for k in obj if isinstance(k, str)] if isinstance(obj, dict) else []
        hint = did_you_mean(key, keys) if isinstance(key, str) else None
        return DspKeyError(f"key {key!r} not found", span, hint=hint)
    if isinstance(exc, IndexError):
        size = len(obj) if hasattr(obj, "__len__") else "?"
        return DspIndexError(f"index {key!r} out of range for {a_type(obj)} of length {size}", span)
    return DspTypeError(f"{a_type(obj)} cannot be indexed by {a_type(key)}", span)
