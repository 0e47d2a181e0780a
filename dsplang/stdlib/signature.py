"""Signatures: the typed inputs and outputs of one LM call, plus its instructions.

A `Signature` is immutable and compares by content. It is built from a
`signature` block (`from_decl`), from the short string form
(`from_string("a, b: int -> c: list[str]")`) or from `FieldSpec`s
(`from_fields`). Predictors derive new signatures from it
(`prepend_output`, `with_instructions`, ...). Work that depends only on the
signature (adapters' prompt parts, the output model) is cached on it with
`cached(key, build)`, so equal signatures built once are formatted cheaply.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dsplang.analysis import messages
from dsplang.errors import (
    DspArgumentError,
    DspError,
    DspNameError,
    DspTypeError,
    DspValueError,
    Span,
    a_type,
    did_you_mean,
)
from dsplang.grammar import ast
from dsplang.grammar.parser import parse_sigspec, parse_type
from dsplang.stdlib.history import History, check_history
from dsplang.stdlib.image import Image, check_image, image_kind
from dsplang.stdlib.types import allows_none, annotation_from_typeexpr, optional_inner, type_name

if TYPE_CHECKING:
    import pydantic

__all__ = ["FieldSpec", "Signature", "INPUT", "OUTPUT"]

INPUT = "input"
OUTPUT = "output"

Lookup = Callable[[str, Span], object]


INPUT_ONLY_TYPES: dict[str, type] = {"History": History, "Image": Image}


def _no_names(name: str, span: Span) -> type | None:
    """The default lookup: the standard library's input types (History, Image); no record or
    enum names are known."""
    return INPUT_ONLY_TYPES.get(name)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a signature. `direction` is "input" or "output"; `desc` may be None."""

    name: str
    annotation: object
    desc: str | None
    direction: str

    @property
    def type_name(self) -> str:
        """The field's type as a user writes it (`list[str]`)."""
        return type_name(self.annotation)

    def to_json(self) -> dict:
        """A JSON-ready dict; the type is stored as its `type_name` string."""
        return {"name": self.name, "direction": self.direction, "type": self.type_name,
                "desc": self.desc}


def _default_instructions(inputs: Iterable[FieldSpec], outputs: Iterable[FieldSpec]) -> str:
    """DSPy's default: "Given the fields `a`, `b`, produce the fields `c`."."""
    ins = ", ".join(f"`{f.name}`" for f in inputs)
    outs = ", ".join(f"`{f.name}`" for f in outputs)
    return f"Given the fields {ins}, produce the fields {outs}."


@dataclass(frozen=True, init=False)
class Signature:
    """An immutable signature: name, instructions, ordered input and output fields.

    `Signature("question -> answer", "Answer briefly.")` (as DSPy's): the short string form,
    or another signature, with optional instructions. The other constructors are the
    classmethods below; `_make` builds one from its parts.
    """

    takes_signature = True   # a string literal as first argument is read as a signature, in the caller's types

    name: str
    instructions: str
    inputs: tuple[FieldSpec, ...]
    outputs: tuple[FieldSpec, ...]
    _cache: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    def __init__(self, signature, instructions: str | None = None) -> None:
        if isinstance(signature, str):
            made = Signature.from_string(signature)
        elif isinstance(signature, Signature):
            made = signature
        else:
            raise DspTypeError(f"Signature() needs a signature string such as \"question -> answer\", "
                               f"not {a_type(signature)}", hint='for example: Signature("question -> answer")')
        if instructions is not None:
            if not isinstance(instructions, str):
                raise DspTypeError(f"Signature(): the instructions must be text, not {a_type(instructions)}",
                                   hint='for example: Signature("question -> answer", "Answer in one word.")')
            made = made.with_instructions(instructions.strip() or made.instructions)
        _set(self, made.name, made.instructions, made.inputs, made.outputs)

    @classmethod
    def _make(cls, name: str, instructions: str, inputs: tuple[FieldSpec, ...],
              outputs: tuple[FieldSpec, ...]) -> Signature:
        made = object.__new__(cls)
        _set(made, name, instructions, inputs, outputs)
        return made

    # ------------------------------------------------------------ construction

    @classmethod
    def from_fields(cls, name: str, instructions: str | None, fields: Iterable[FieldSpec],
                    span: Span | None = None) -> Signature:
        """A signature from fields in order (inputs and outputs may be interleaved).

        Empty or missing instructions get DSPy's default. A repeated field name,
        a bad direction or a signature without outputs raises at `span`.
        """
        fields = list(fields)
        _check_fields(name, fields, span)
        inputs = tuple(f for f in fields if f.direction == INPUT)
        outputs = tuple(f for f in fields if f.direction == OUTPUT)
        text = instructions.strip() if instructions else ""
        return cls._make(name, text or _default_instructions(inputs, outputs), inputs, outputs)

    @classmethod
    def from_sigfields(cls, name: str, instructions: str | None, sigfields: Iterable[ast.SigField],
                       lookup: Lookup = _no_names, candidates: Iterable[str] = (),
                       span: Span | None = None) -> Signature:
        """A signature from AST fields; a field without a type is `str`."""
        candidates = list(candidates)
        specs = []
        for sf in sigfields:
            annotation = str if sf.type is None else annotation_from_typeexpr(sf.type, lookup,
                                                                                candidates)
            specs.append(FieldSpec(sf.name, annotation, sf.desc, sf.direction))
        return cls.from_fields(name, instructions, specs, span)

    @classmethod
    def from_decl(cls, decl: ast.SignatureDecl, lookup: Lookup = _no_names,
                  candidates: Iterable[str] = ()) -> Signature:
        """A signature from a `signature NAME:` block."""
        return cls.from_sigfields(decl.name, decl.doc, decl.fields, lookup, candidates, decl.span)

    @classmethod
    def from_string(cls, spec: str, *, name: str | None = None, lookup: Lookup = _no_names,
                    span: Span | None = None, instructions: str | None = None,
                    candidates: Iterable[str] = ()) -> Signature:
        """A signature from the short form `"a, b: int -> c: list[str]"`.

        The name defaults to the spec text itself. Syntax errors are positioned
        inside the string by the parser when `span` is the string's span.
        """
        span = span or Span("<signature>", 1, 1, 1, len(spec) + 1)
        return cls.from_sigspec(spec, parse_sigspec(spec, span), name=name, lookup=lookup, span=span,
                                instructions=instructions, candidates=candidates)

    @classmethod
    def from_sigspec(cls, spec: str, sigspec: ast.SigSpec, *, name: str | None = None,
                     lookup: Lookup = _no_names, span: Span | None = None, instructions: str | None = None,
                     candidates: Iterable[str] = ()) -> Signature:
        """A signature from the short form `spec` already parsed into `sigspec`; named like `from_string`'s."""
        label = name or " ".join(spec.split())
        return cls.from_sigfields(label, instructions, sigspec.fields, lookup, candidates, span)

    # ------------------------------------------------------------ reading

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        """Inputs then outputs."""
        return self.inputs + self.outputs

    @property
    def input_names(self) -> tuple[str, ...]:
        return self.cached("input_names", lambda: tuple(f.name for f in self.inputs))

    @property
    def output_names(self) -> tuple[str, ...]:
        return self.cached("output_names", lambda: tuple(f.name for f in self.outputs))

    def field(self, name: str) -> FieldSpec:
        """The field called `name`; `DspNameError` with a hint when there is none."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise DspNameError(f"signature {self.name} has no field {name!r}",
                           hint=did_you_mean(name, [f.name for f in self.fields]))

    def cached(self, key: Any, build: Callable[[], Any]) -> Any:
        """The value stored under `key` for this signature, built by `build()` the first time."""
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = build()
            return value

    def __hash__(self) -> int:
        return self.cached("__hash__", lambda: hash((self.name, self.instructions,
                                                     self.inputs, self.outputs)))

    def __copy__(self) -> Signature:
        return self  # immutable: copies of a program share their signatures (and caches)

    def __deepcopy__(self, memo: dict) -> Signature:
        return self

    def output_model(self) -> type[pydantic.BaseModel]:
        """A pydantic model with one field per output (built once): JSON schemas, validation."""
        return self.cached("output_model", self._build_output_model)

    def _build_output_model(self) -> type[pydantic.BaseModel]:
        import pydantic

        definitions = {f.name: (f.annotation, pydantic.Field(description=f.desc))
                       for f in self.outputs}
        safe = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in self.name) or "Signature"
        return pydantic.create_model(f"{safe}Outputs", **definitions)

    def typed(self) -> str:
        """`QA(question: str -> answer: str)`: every field with its type (prompts that describe a program)."""
        ins = ", ".join(f"{f.name}: {f.type_name}" for f in self.inputs)
        outs = ", ".join(f"{f.name}: {f.type_name}" for f in self.outputs)
        return f"{self.name}({ins} -> {outs})"

    def __str__(self) -> str:
        """`QA(question -> answer)`, a type shown where it is not `str`; a signature made from a
        string without a name is `Signature(question -> answer)`."""
        short = lambda specs: ", ".join(  # noqa: E731
            f.name if f.annotation is str else f"{f.name}: {f.type_name}" for f in specs)
        name = self.name if self.name.isidentifier() else "Signature"
        return f"{name}({short(self.inputs)} -> {short(self.outputs)})"

    __repr__ = __str__

    # ------------------------------------------------------------ deriving

    def _replace(self, **changes: Any) -> Signature:
        values = {"name": self.name, "instructions": self.instructions,
                  "inputs": self.inputs, "outputs": self.outputs, **changes}
        _check_fields(values["name"], [*values["inputs"], *values["outputs"]], None)
        return Signature._make(**values)

    def with_name(self, name: str) -> Signature:
        return self._replace(name=name)

    def with_instructions(self, text: str) -> Signature:
        """The same fields with new instructions (what instruction optimizers produce)."""
        return self._replace(instructions=text)

    def prepend_output(self, name: str, annotation: object = str, desc: str | None = None) -> Signature:
        """A new first output (ChainOfThought puts `reasoning` before the other outputs)."""
        return self._replace(outputs=(FieldSpec(name, annotation, desc, OUTPUT), *self.outputs))

    def with_outputs(self, outputs: Iterable[FieldSpec]) -> Signature:
        """The same inputs and instructions with these outputs, in this order."""
        return self._replace(outputs=tuple(outputs))

    def append_output(self, name: str, annotation: object = str, desc: str | None = None) -> Signature:
        return self._replace(outputs=(*self.outputs, FieldSpec(name, annotation, desc, OUTPUT)))

    def append_input(self, name: str, annotation: object = str, desc: str | None = None) -> Signature:
        return self._replace(inputs=(*self.inputs, FieldSpec(name, annotation, desc, INPUT)))

    def with_field_desc(self, name: str, desc: str | None) -> Signature:
        """The same signature with field `name` described by `desc`."""
        target = self.field(name)
        swap = lambda specs: tuple(FieldSpec(f.name, f.annotation, desc, f.direction)  # noqa: E731
                                   if f is target else f for f in specs)
        return self._replace(inputs=swap(self.inputs), outputs=swap(self.outputs))

    # ------------------------------------------------------------ checking inputs

    def validate_inputs(self, kwargs: Mapping[str, Any], span: Span | None = None) -> None:
        """Raise `DspArgumentError` for an unknown input keyword or a missing input.

        An input whose type allows none (`optional[T]`) may be left out.
        """
        names = self.input_names
        for key in kwargs:
            if key not in names:
                message, hint = messages.unknown_input(self.name, key, names)
                raise DspArgumentError(message, span, hint=hint)
        missing = [f.name for f in self.inputs if f.name not in kwargs and not allows_none(f.annotation)]
        if missing:
            message, hint = messages.missing_inputs(self.name, missing, names)
            raise DspArgumentError(message, span, hint=hint)
        for spec, kind in self.cached("checked_inputs", self._checked_inputs):
            if spec.name in kwargs:
                try:
                    if kind == "history":
                        check_history(kwargs[spec.name], spec.name, [f.name for f in self.fields])
                    else:
                        check_image(kwargs[spec.name], spec.name, many=kind == "images")
                except DspError as err:
                    raise err.with_span(span) from None

    def _checked_inputs(self) -> list[tuple[FieldSpec, str]]:
        """The inputs whose values are checked: History ("history"), Image ("image") and
        list[Image] ("images") fields, optional or not."""
        out = []
        for spec in self.inputs:
            kind = "history" if (optional_inner(spec.annotation) or spec.annotation) is History \
                else image_kind(spec.annotation)
            if kind is not None:
                out.append((spec, kind))
        return out

    # ------------------------------------------------------------ saving

    def to_json(self) -> dict:
        """A JSON-ready dict (types as their `type_name` strings)."""
        return {"name": self.name, "instructions": self.instructions,
                "fields": [f.to_json() for f in self.fields]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any], lookup: Lookup = _no_names,
                  span: Span | None = None) -> Signature:
        """The signature `to_json` produced; record and enum names resolve through `lookup`."""
        try:
            specs = []
            for item in data["fields"]:
                text = item.get("type") or "str"
                where = span or Span("<saved signature>", 1, 1, 1, len(text) + 1)
                annotation = annotation_from_typeexpr(parse_type(text, where), lookup)
                specs.append(FieldSpec(item["name"], annotation, item.get("desc"), item["direction"]))
            return cls.from_fields(data["name"], data.get("instructions"), specs, span)
        except (KeyError, TypeError) as err:
            raise DspValueError(f"malformed saved signature: missing or bad {err}", span) from None


def _set(signature: Signature, name: str, instructions: str, inputs: tuple, outputs: tuple) -> None:
    """Fill a new (frozen) signature's parts."""
    for key, value in (("name", name), ("instructions", instructions), ("inputs", inputs),
                       ("outputs", outputs), ("_cache", {})):
        object.__setattr__(signature, key, value)


def _check_fields(name: str, fields: list[FieldSpec], span: Span | None) -> None:
    """Reject repeated names, unknown directions, non-identifier names, and no outputs."""
    seen: set[str] = set()
    for spec in fields:
        if spec.direction not in (INPUT, OUTPUT):
            raise DspValueError(f"field {spec.name!r} has direction {spec.direction!r}; "
                                "expected 'input' or 'output'", span)
        if not spec.name.isidentifier():
            raise DspNameError(f"{spec.name!r} is not a valid field name in signature {name}", span)
        if spec.name in seen:
            message, hint = messages.signature_field_twice(name, spec.name)
            raise DspNameError(message, span, hint=hint)
        if spec.direction == OUTPUT and spec.annotation in INPUT_ONLY_TYPES.values():
            raise DspTypeError(f"output {spec.name!r} of signature {name} cannot be {type_name(spec.annotation)}: "
                               "it is a type of inputs", span, hint="declare it as an input field")
        seen.add(spec.name)
    if not any(spec.direction == OUTPUT for spec in fields):
        message, hint = messages.no_output_fields(name)
        raise DspValueError(message, span, hint=hint)

