"""The type forms of the language as Python annotations, plus records and enums.

`annotation_from_typeexpr` turns an `ast.TypeExpr` into the annotation pydantic
validates against (`list[str]`, `Optional[int]`, `Literal["a"]`, a record class,
an enum class). `make_record` builds a `type` record as a pydantic model,
`make_enum` an `enum` as a `StrEnum`. `type_name` renders an annotation the way
a user writes it, for prompts and messages. `type_adapter` hands out one cached
pydantic `TypeAdapter` per annotation.

pydantic is imported on first use (a record declared, a value validated): a program whose
signatures only hold `str` fields never needs it, and importing it takes longer than such
a program's whole cached run.
"""

from __future__ import annotations

import copyreg
import enum
import json
import threading
import types
import uuid
import weakref
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, Literal, Optional, Union, get_args, get_origin

from dsplang.analysis import messages
from dsplang.errors import DspArgumentError, DspNameError, DspTypeError, DspValueError, Span, a_type, did_you_mean
from dsplang.grammar import ast, names

if TYPE_CHECKING:
    import pydantic

__all__ = [
    "MISSING", "BUILTIN_TYPES", "GENERIC_TYPES", "record_base", "DspEnum", "annotation_from_typeexpr",
    "make_record", "make_enum", "type_name", "type_adapter", "optional_inner", "allows_none",
    "describe_validation_error", "is_union",
]


class _Missing:
    """The 'no default' marker for record fields."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

BUILTIN_TYPES: dict[str, object] = {
    "str": str, "int": int, "float": float, "bool": bool, "any": Any,
    "list": list, "dict": dict, "none": type(None),
}
# name -> number of type arguments
GENERIC_TYPES: dict[str, int] = {"list": 1, "dict": 2, "optional": 1}

Lookup = Callable[[str, Span], object]


# ---------------------------------------------------------------- TypeExpr -> annotation

def annotation_from_typeexpr(texpr: ast.TypeExpr, lookup: Lookup,
                             candidates: Iterable[str] = ()) -> object:
    """The Python annotation for a type written in a program.

    `lookup(name, span)` resolves record and enum names (dotted for imported
    ones: `common.Answer`). It returns the class, or None when the name is
    unknown; it may also raise a `DspNameError` itself (with its own hint).
    On None this function raises `DspNameError` at the type's span, with a
    "did you mean" drawn from the built-in type names and `candidates`.
    A name bound to something that is not a class raises `DspTypeError`.
    """
    if isinstance(texpr, ast.TypeName):
        return _resolve_name(texpr, lookup, candidates)
    if isinstance(texpr, ast.TypeOptional):
        # typing.Optional kept: this annotation is built at run time for pydantic and shown in
        # messages; `X | None` would build a different object (types.UnionType) with another repr.
        return Optional[annotation_from_typeexpr(texpr.inner, lookup, candidates)]  # noqa: UP045
    if isinstance(texpr, ast.TypeLiteral):
        if not texpr.values:
            raise DspTypeError("literal[...] needs at least one value", texpr.span)
        return Literal[tuple(texpr.values)]
    if isinstance(texpr, ast.TypeGeneric):
        return _resolve_generic(texpr, lookup, candidates)
    raise DspTypeError(f"not a type: {type(texpr).__name__}", getattr(texpr, "span", None))


def _resolve_name(texpr: ast.TypeName, lookup: Lookup, candidates: Iterable[str]) -> object:
    """A bare name: a built-in type, else a record or enum found by `lookup`."""
    name = texpr.name
    if name in BUILTIN_TYPES:
        return BUILTIN_TYPES[name]
    if name == "optional":
        raise DspTypeError("optional needs a type argument: optional[T]", texpr.span)
    found = lookup(name, texpr.span)
    if found is None:
        raise DspNameError(f"unknown type {name!r}", texpr.span, hint=names.type_suggestion(name, candidates))
    if not isinstance(found, type):
        raise DspTypeError(f"{name!r} is not a type (it is {a_type(found)})", texpr.span)
    return found


def _resolve_generic(texpr: ast.TypeGeneric, lookup: Lookup, candidates: Iterable[str]) -> object:
    """`list[T]`, `dict[K, V]`, `optional[T]`, checking the number of arguments."""
    name = texpr.name
    arity = GENERIC_TYPES.get(name)
    if arity is None:
        hint = did_you_mean(name, [*GENERIC_TYPES, "literal"])
        raise DspNameError(f"unknown generic type {name!r}", texpr.span, hint=hint)
    if len(texpr.args) != arity:
        plural = "argument" if arity == 1 else "arguments"
        raise DspTypeError(f"{name}[...] takes {arity} type {plural}, got {len(texpr.args)}",
                           texpr.span)
    args = [annotation_from_typeexpr(a, lookup, candidates) for a in texpr.args]
    if name == "list":
        return list[args[0]]
    if name == "dict":
        return dict[args[0], args[1]]
    return Optional[args[0]]  # noqa: UP045  # (as above)


# ---------------------------------------------------------------- annotation -> name

def is_union(annotation: object) -> bool:
    """Whether the annotation is a union (`Optional[T]`, `Union[A, B]`, `A | B`)."""
    return get_origin(annotation) in (Union, types.UnionType)


def optional_inner(annotation: object) -> object | None:
    """T for `Optional[T]` or `T | None` (a union of exactly T and None), else None."""
    if is_union(annotation):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(get_args(annotation)) == 2:
            return args[0]
    return None


def allows_none(annotation: object) -> bool:
    """Whether None is a valid value of the annotation (`optional[T]`, `any`, `none`)."""
    if annotation is Any or annotation is type(None):
        return True
    return is_union(annotation) and type(None) in get_args(annotation)


def type_name(annotation: object) -> str:
    """The annotation as a user writes it: `list[str]`, `optional[int]`, `literal["a", "b"]`."""
    return _type_name_cached(annotation) if _hashable(annotation) else _render(annotation)


def _hashable(obj: object) -> bool:
    try:
        hash(obj)
    except TypeError:
        return False
    return True


@lru_cache(maxsize=1024)
def _type_name_cached(annotation: object) -> str:
    return _render(annotation)


def _render(annotation: object) -> str:
    """The rendering behind `type_name`."""
    if annotation is Any:
        return "any"
    if annotation is type(None) or annotation is None:
        return "none"
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        return "literal[" + ", ".join(_literal_value(v) for v in args) + "]"
    if is_union(annotation):
        inner = optional_inner(annotation)
        if inner is not None:
            return f"optional[{type_name(inner)}]"
        return " | ".join(type_name(a) for a in args)
    if origin is not None:
        base = getattr(origin, "__name__", str(origin))
        return f"{base}[{', '.join(type_name(a) for a in args)}]" if args else base
    return getattr(annotation, "__name__", str(annotation))


def _literal_value(value: object) -> str:
    """One literal value in source spelling: strings double-quoted, `true`/`false`/`none`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


# ---------------------------------------------------------------- cached TypeAdapters

def type_adapter(annotation: object) -> pydantic.TypeAdapter:
    """The pydantic TypeAdapter for an annotation, built once and reused."""
    if _hashable(annotation):
        return _type_adapter_cached(annotation)
    import pydantic
    return pydantic.TypeAdapter(annotation)


@lru_cache(maxsize=1024)
def _type_adapter_cached(annotation: object) -> pydantic.TypeAdapter:
    import pydantic
    return pydantic.TypeAdapter(annotation)


# ---------------------------------------------------------------- records

def describe_validation_error(err: pydantic.ValidationError, prefix: str = "", limit: int | None = None) -> str:
    """A pydantic ValidationError in one line per problem, each naming its field (the first
    `limit` problems, and how many more there are)."""
    parts = []
    problems = err.errors()
    for item in problems[:limit]:
        loc = ".".join(str(p) for p in item.get("loc", ()))
        where = f"{prefix}.{loc}" if prefix and loc else (prefix or loc)
        msg = item.get("msg", "invalid value")
        parts.append(f"field {where!r}: {msg}" if where else msg)
    more = len(problems) - len(parts)
    return "; ".join(parts) + (f" (and {more} more problem{'s' if more != 1 else ''})" if more else "")


@cache
def record_base() -> type[pydantic.BaseModel]:
    """`Record`, the base class of every `type` record (a pydantic model), built on first use."""
    import pydantic

    class _RecordMeta(type(pydantic.BaseModel)):
        """Calling a record class: positional values fill fields in order, an unknown field
        name or a failed validation raises `DspTypeError` naming the field. Validation from
        data (`model_validate`, parsing LM output) does not come through here."""

        def __call__(cls, *args: Any, **kwargs: Any) -> Any:
            names = list(cls.model_fields)
            # The messages are `dsp check`'s too (analysis/usage.py finds these mistakes statically).
            if len(args) > len(names):
                raise DspArgumentError(messages.record_too_many_values(cls.__name__, len(names), len(args)))
            for name, value in zip(names, args):
                if name in kwargs:
                    raise DspArgumentError(messages.record_field_twice(cls.__name__, name))
                kwargs[name] = value
            for key in kwargs:
                if key not in cls.model_fields:
                    message, hint = messages.record_has_no_field(cls.__name__, key, names)
                    raise DspTypeError(message, hint=hint)
            try:
                return super().__call__(**kwargs)
            except pydantic.ValidationError as err:
                raise DspTypeError(f"{cls.__name__}: {describe_validation_error(err)}") from None


    class Record(pydantic.BaseModel, metaclass=_RecordMeta):
        """Base of every `type` record: keyword or positional construction, readable printing,
        validation failures raised as `DspTypeError` naming the field."""

        model_config = pydantic.ConfigDict(validate_assignment=True, extra="ignore")

        def __setattr__(self, name: str, value: Any) -> None:
            if name not in type(self).model_fields:
                raise DspTypeError(f"{type(self).__name__} has no field {name!r}",
                                   hint=did_you_mean(name, type(self).model_fields))
            try:
                super().__setattr__(name, value)
            except pydantic.ValidationError as err:
                raise DspTypeError(f"{type(self).__name__}: {describe_validation_error(err)}") from None

        def __repr__(self) -> str:
            body = ", ".join(f"{k}={getattr(self, k)!r}" for k in type(self).model_fields)
            return f"{type(self).__name__}({body})"

        __str__ = __repr__

    Record.__qualname__ = "Record"
    copyreg.pickle(_RecordMeta, _reduce_declared)
    return Record


def _records_exist() -> bool:
    """Whether any record class was made yet (then `record_base` was built)."""
    return record_base.cache_info().currsize > 0


def make_record(name: str, fields: list[tuple[str, object, str | None, object]],
                doc: str | None = None, span: Span | None = None) -> type[pydantic.BaseModel]:
    """A record class (pydantic model) with the given `(name, annotation, desc, default)` fields.

    `default` is `MISSING` for a required field. Descriptions become pydantic field
    descriptions (so they reach JSON schemas). A field declared twice raises `DspNameError`.
    """
    import pydantic

    definitions: dict[str, Any] = {}
    for fname, annotation, desc, default in fields:
        if fname in definitions:
            raise DspNameError(f"field {fname!r} is declared twice in type {name}", span)
        info = pydantic.Field(description=desc) if default is MISSING else \
            pydantic.Field(default=default, description=desc)
        definitions[fname] = (annotation, info)
    try:
        model = pydantic.create_model(name, __base__=record_base(), __doc__=doc, **definitions)
    except (pydantic.PydanticUserError, TypeError, NameError) as err:
        raise DspTypeError(f"cannot make type {name}: {err}", span) from None
    model.__module__ = "dsplang.records"
    _declared(model, make_record, (name, fields, doc))
    return model


# ---------------------------------------------------------------- enums

class _DspEnumType(enum.EnumType):
    """The metaclass of `enum`s: ours, so that pickling them (`_reduce_declared`) touches no
    other enum."""


class DspEnum(enum.StrEnum, metaclass=_DspEnumType):
    """Base of every `enum`: members are their strings; lookup by value ignores case."""

    @classmethod
    def _missing_(cls, value: object) -> DspEnum | None:
        if isinstance(value, str):
            key = value.strip().casefold()
            for member in cls:
                if member.value.casefold() == key:
                    return member
        return None

    def __repr__(self) -> str:
        if self.name.isidentifier():
            return f"{type(self).__name__}.{self.name}"
        return f"{type(self).__name__}({self.value!r})"


def is_declared_type(value: object) -> bool:
    """Whether `value` is a record or enum class a program declared (`type` or `enum`)."""
    if not isinstance(value, type):
        return False
    return issubclass(value, DspEnum) or (_records_exist() and issubclass(value, record_base()))


def make_enum(name: str, members: Iterable[str], span: Span | None = None) -> type[DspEnum]:
    """A `StrEnum` whose member names and values are `members`, in order.

    `Sentiment.positive == "positive"`, `str(Sentiment.positive) == "positive"`,
    and `Sentiment("Positive")` finds the member (any string works as a value,
    even one that is not an identifier).
    """
    members = list(members)
    if not members:
        raise DspValueError(f"enum {name} needs at least one member", span)
    seen: set[str] = set()
    for member in members:
        if member in seen:
            raise DspNameError(f"member {member!r} is listed twice in enum {name}", span)
        seen.add(member)
    try:
        cls = DspEnum(name, [(m, m) for m in members], module="dsplang.enums")
    except (ValueError, TypeError) as err:
        raise DspValueError(f"cannot make enum {name}: {err}", span) from None
    _declared(cls, make_enum, (name, members))
    return cls


# ---------------------------------------------------------------- pickling declared types
#
# A record or enum class is made at run time, so pickle cannot find it by module and name.
# Each one remembers how it was made and a token; it pickles as those, and unpickling finds
# the class with that token in this process (the original, or one made earlier from the
# same pickle data) or makes it again, so `isinstance` holds across pickles in a process.

_RECIPES: weakref.WeakKeyDictionary[type, tuple[str, Callable[..., type], tuple]] = weakref.WeakKeyDictionary()
_BY_TOKEN: weakref.WeakValueDictionary[str, type] = weakref.WeakValueDictionary()


def _declared(cls: type, make: Callable[..., type], args: tuple) -> None:
    token = uuid.uuid4().hex
    _RECIPES[cls] = (token, make, args)
    _BY_TOKEN[token] = cls


_REMAKING = threading.Lock()


def _reduce_declared(cls: type) -> Any:
    recipe = _RECIPES.get(cls)
    if recipe is not None:
        return (_remade, recipe)
    if _records_exist() and cls is record_base():
        return (record_base, ())
    return cls.__qualname__         # DspEnum, or a class made otherwise: by module and name


def _remade(token: str, make: Callable[..., type], args: tuple) -> type:
    """The declared class with `token`: this process's, or made again from `args`."""
    with _REMAKING:
        found = _BY_TOKEN.get(token)
        if found is None:
            found = make(*args)
            _RECIPES[found] = (token, make, args)
            _BY_TOKEN[token] = found
        return found


copyreg.pickle(_DspEnumType, _reduce_declared)
