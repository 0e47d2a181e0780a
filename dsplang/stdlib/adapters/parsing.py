"""Lenient, typed parsing of one output field's value into its annotation.

`parse_value(raw, annotation, field)` accepts the text an LM wrote for a field
(ChatAdapter) or an already-decoded JSON value (JSONAdapter) and returns a value
of the field's type, or raises `FieldParseError`. What it forgives:

- code fences around JSON (```json ... ```), prose around a JSON object or array,
  and small JSON mistakes (single quotes, trailing commas, Python True/False/None,
  unquoted keys, a missing closing bracket) — repaired with `json_repair`;
- enum and literal values in any case, wrapped in quotes, backticks or `**`, with
  trailing punctuation, or as `Literal[...]`; only the first line is tried as well;
  then a plural of a value ("sports" for `sport`); then, as BAML does, the one value
  the text mentions as a word ("It is about sport." is `sport`; a text that mentions
  two values, or none, is an error);
- numbers written "1,200", "42.0" (an int), "$3.50", "answer: 7" (one number in the
  text), and percentages: "85%" is 0.85 (so it is a float, never an int);
- booleans written true/false, yes/no, y/n, 1/0, in any case, and "Yes, because ...";
- lists from a JSON array, a bullet or numbered list (`- a`, `* a`, `1. a`, `[1] «a»`),
  or one line of comma-separated items;
- `optional[T]`: an empty value, "None", "null", "nil" or "N/A" (any case) is none.

A parser is built once per annotation (cached) so parsing costs only the work on the text.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Literal, get_args, get_origin

from dsplang.errors import DspOutputParseError, Span
from dsplang.stdlib.types import (
    describe_validation_error,
    is_union,
    optional_inner,
    type_adapter,
    type_name,
)

__all__ = ["FieldParseError", "parse_value", "parser_for", "load_json", "strip_fences", "clip"]

Parser = Callable[[Any], Any]


class FieldParseError(DspOutputParseError):
    """An output field whose value cannot be coerced to the field's type."""

    def __init__(self, field: str, raw: object, reason: str, span: Span | None = None):
        super().__init__(f"cannot parse output field {field!r}: {reason}", span)
        self.field = field
        self.raw = raw
        self.reason = reason
        self.notes.append(f"the LM wrote for {field!r}: {clip(raw)}")


def clip(raw: object, limit: int = 600) -> str:
    """`raw` as text, shortened to about `limit` characters for messages."""
    text = raw if isinstance(raw, str) else repr(raw)
    return text if len(text) <= limit else text[:limit] + f" ... ({len(text) - limit} more characters)"


def parse_value(raw: object, annotation: object, field: str = "value") -> object:
    """`raw` (text or decoded JSON) as a value of `annotation`; `FieldParseError` if it cannot be."""
    try:
        return parser_for(annotation)(raw)
    except ValueError as err:
        raise FieldParseError(field, raw, str(err)) from None


# ---------------------------------------------------------------- text helpers

_FENCE_FULL = re.compile(r"\A```[\w+-]*[ \t]*\n?(.*?)\n?[ \t]*```\Z", re.DOTALL)
_FENCE_ANY = re.compile(r"```[\w+-]*[ \t]*\n(.*?)```", re.DOTALL)
_WRAPPERS = "\"'`*_«»“”‘’ \t"
_TRAILING = ".,;:!? \t"


def strip_fences(text: str) -> str:
    """The inside of a fenced code block: the whole text's fence, else the first one in it."""
    text = text.strip()
    if "```" not in text:
        return text
    match = _FENCE_FULL.match(text) or _FENCE_ANY.search(text)
    return match.group(1).strip() if match else text


def _clean_scalar(text: str) -> str:
    """A short answer without fences, wrappers (quotes, backticks, bold) or end punctuation."""
    text = strip_fences(text)
    if text.startswith(("Literal[", "literal[")) and text.endswith("]"):
        text = text[8:-1]
    return text.strip(_TRAILING).strip(_WRAPPERS).strip(_TRAILING)


def load_json(text: str) -> object:
    """The JSON value in `text`: strict first, then inside fences or prose, then repaired.

    Raises ValueError when the text holds no JSON object or array.
    """
    body = strip_fences(text)
    try:
        return json.loads(body)
    except ValueError:
        pass
    starts = [i for i in (body.find("{"), body.find("[")) if i >= 0]
    if not starts:
        raise ValueError("expected a JSON value, found none")
    start = min(starts)
    end = body.rfind("}" if body[start] == "{" else "]")
    candidate = body[start:end + 1] if end > start else body[start:]
    try:
        return json.loads(candidate)
    except ValueError:
        pass
    import json_repair  # on first use: most replies are valid JSON or not JSON at all
    repaired = json_repair.loads(candidate)
    if repaired == "" or repaired is None:
        raise ValueError("expected a JSON value, found text that is not JSON")
    return repaired


# ---------------------------------------------------------------- the parser for an annotation

def parser_for(annotation: object) -> Parser:
    """The parsing function for `annotation` (built once per annotation)."""
    try:
        return _parser_cached(annotation)
    except TypeError:  # an unhashable annotation: build it each time
        return _build_parser(annotation)


@lru_cache(maxsize=1024)
def _parser_cached(annotation: object) -> Parser:
    return _build_parser(annotation)


def _build_parser(annotation: object) -> Parser:
    """Choose the parser for an annotation by its shape."""
    if annotation is str:
        return _parse_str
    if annotation is Any:
        return _parse_any
    if annotation is type(None):
        return _none_parser(None)
    if annotation is bool:
        return _parse_bool
    if annotation is int:
        return _parse_int
    if annotation is float:
        return _parse_float
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return _choice_parser({str(m.value): m for m in annotation} | {m.name: m for m in annotation},
                              type_name(annotation))
    origin = get_origin(annotation)
    inner = optional_inner(annotation)
    if inner is not None:
        return _none_parser(parser_for(inner))
    if origin is Literal:
        return _choice_parser({_literal_text(v): v for v in get_args(annotation)}, type_name(annotation))
    if annotation is list or origin is list:
        args = get_args(annotation)
        return _list_parser(parser_for(args[0]) if args else _parse_any, annotation)
    if is_union(annotation):
        return _union_parser(annotation)
    return _json_parser(annotation)


def _parse_str(raw: object) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, (dict, list)):
        return json.dumps(raw, ensure_ascii=False)
    return str(raw)


def _parse_any(raw: object) -> object:
    if not isinstance(raw, str):
        return raw
    try:
        return load_json(raw)
    except ValueError:
        return raw.strip()


_NONE_WORDS = {"", "none", "null", "nil", "n/a", "na"}


def _none_parser(inner: Parser | None) -> Parser:
    """Empty/"None"/"null"/"N/A" is None; anything else goes to `inner` (None: rejected)."""

    def parse(raw: object) -> object:
        if raw is None or (isinstance(raw, str) and _clean_scalar(raw).casefold() in _NONE_WORDS):
            return None
        if inner is None:
            raise ValueError(f"expected none, got {clip(raw, 80)}")
        return inner(raw)

    return parse


_TRUE = {"true", "yes", "y", "t", "1"}
_FALSE = {"false", "no", "n", "f", "0"}
_LEADING_WORD = re.compile(r"\A(true|false|yes|no)\b", re.IGNORECASE)


def _parse_bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    text = _clean_scalar(str(raw)).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    match = _LEADING_WORD.match(text)
    if match:
        return match.group(1) in ("true", "yes")
    raise ValueError(f"expected true or false, got {clip(raw, 80)}")


_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?%?|[-+]?\.\d+%?")


def _number(raw: object) -> float | int:
    """The one number in `raw`; percentages are fractions ("85%" is 0.85)."""
    if isinstance(raw, bool):
        raise ValueError(f"expected a number, got {raw}")
    if isinstance(raw, (int, float)):
        return raw
    text = _clean_scalar(str(raw))
    try:
        return int(text)
    except ValueError:
        pass
    found = _NUMBER.findall(text) if not _is_float_word(text) else [text]
    if len(found) != 1:
        what = "no number" if not found else f"{len(found)} numbers"
        raise ValueError(f"expected one number, found {what} in {clip(raw, 80)}")
    token = found[0].replace(",", "")
    if token.endswith("%"):
        return float(token[:-1]) / 100
    return float(token)


def _is_float_word(text: str) -> bool:
    return text.casefold() in ("inf", "-inf", "+inf", "infinity", "-infinity", "nan")


def _parse_int(raw: object) -> int:
    value = _number(raw)
    if isinstance(value, int):
        return value
    if value.is_integer():
        return int(value)
    raise ValueError(f"expected a whole number, got {clip(raw, 80)}")


def _parse_float(raw: object) -> float:
    return float(_number(raw))


def _literal_text(value: object) -> str:
    """How an LM would write a literal value: strings as is, booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "none" if value is None else str(value)


def _choice_parser(choices: dict[str, object], label: str) -> Parser:
    """Match one of `choices` (text -> value) exactly, then ignoring case and wrappers (the
    whole text, then its first line), then as a plural ("sports" for `sport`), then as the
    only choice the text mentions as a word ("The topic is sport." -> `sport`)."""
    folded = {k.casefold(): v for k, v in choices.items()}
    allowed = "; ".join(dict.fromkeys(_literal_text(v.value if isinstance(v, enum.Enum) else v)
                                      for v in choices.values()))
    words = sorted((k for k in folded if k.strip()), key=len, reverse=True)
    mention = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, words)) + r")(?:e?s)?(?!\w)",
                         re.IGNORECASE) if words else None

    def parse(raw: object) -> object:
        if not isinstance(raw, str):
            raw_key = _literal_text(raw.value if isinstance(raw, enum.Enum) else raw)
            if raw_key in choices:
                return choices[raw_key]
            raw = str(raw)
        if raw in choices:
            return choices[raw]
        for text in (raw, raw.strip().split("\n", 1)[0]):
            key = _clean_scalar(text).casefold()
            if key in folded:
                return folded[key]
            for stem in (key[:-1], key[:-2]) if key.endswith("s") else ():
                if stem in folded:
                    return folded[stem]
        if mention is not None:
            named = {id(folded[m.group(1).casefold()]): folded[m.group(1).casefold()]
                     for m in mention.finditer(raw)}
            if len(named) == 1:
                return next(iter(named.values()))
        raise ValueError(f"expected one of {allowed} ({label}), got {clip(raw, 80)}")

    return parse


_BULLET = re.compile(r"^\s*(?:[-*•+]|\d+[.)]|\[\d+\])\s+(.*)$")


def _list_items(text: str) -> list[str]:
    """Items of a bullet or numbered list, one line of commas, or the text as one item."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return []
    bullets = [_BULLET.match(ln) for ln in lines]
    if all(bullets):
        return [m.group(1).strip().strip("«»").strip() for m in bullets]
    if len(lines) == 1 and "," in lines[0]:
        return [item.strip() for item in lines[0].split(",") if item.strip()]
    if len(lines) > 1:
        return [ln.strip() for ln in lines]
    return [lines[0].strip()]


def _list_parser(item: Parser, annotation: object) -> Parser:
    """A list from a JSON array, or from list-shaped text with each item parsed by `item`."""

    def parse(raw: object) -> list:
        if isinstance(raw, str):
            raw = _list_from_text(raw)
        if not isinstance(raw, (list, tuple)):
            raise ValueError(f"expected a list ({type_name(annotation)}), got {clip(raw, 80)}")
        values = []
        for index, value in enumerate(raw, 1):
            try:
                values.append(item(value))
            except ValueError as err:
                raise ValueError(f"item {index} of the list: {err}") from None
        return values

    return parse


def _list_from_text(text: str) -> list:
    """A JSON array if the text is (or holds) one, else the items of list-shaped text."""
    body = strip_fences(text)
    if "[" in body and not _BULLET.match(body.split("\n", 1)[0]):
        try:
            value = load_json(body)
        except ValueError:
            value = None
        if isinstance(value, list):
            return value
    return _list_items(body)


def _validate(annotation: object, value: object) -> object:
    import pydantic  # loaded by then: type_adapter imports it
    try:
        return type_adapter(annotation).validate_python(value)
    except pydantic.ValidationError as err:
        raise ValueError(f"not a valid {type_name(annotation)}: {describe_validation_error(err)}") from None


def _json_parser(annotation: object) -> Parser:
    """Records, dicts and other structured types: decode JSON, then validate with pydantic."""

    def parse(raw: object) -> object:
        if isinstance(raw, str):
            try:
                raw = load_json(raw)
            except ValueError as err:
                raise ValueError(f"{err} (expected {type_name(annotation)})") from None
        return _validate(annotation, raw)

    return parse


def _union_parser(annotation: object) -> Parser:
    """Other unions: the decoded JSON if there is some, else the text, validated by pydantic."""

    def parse(raw: object) -> object:
        if isinstance(raw, str):
            try:
                raw = load_json(raw)
            except ValueError:
                raw = raw.strip()
        return _validate(annotation, raw)

    return parse
