"""Text the REPL prints: a value (`value_text`), predictor calls (`:inspect`, `:trace`) and the
messages a predictor would send (`:preview`)."""

from __future__ import annotations

import enum
import inspect
import json
from typing import Any

import pydantic

from dsplang.context.trace import PredictorCall
from dsplang.stdlib.types import type_name

RULE = "-" * 60


def value_text(value: Any) -> str:
    """How the REPL shows a value: its repr (signatures, modules, instances, predictions and
    records have readable ones), except for the classes and functions whose Python repr
    names the package's internals: a record type shows its fields (`<type Point(x: int)>`),
    an enum its members, a class or function its name."""
    if isinstance(value, type):
        if issubclass(value, enum.Enum):
            return f"<enum {value.__name__}: " + ", ".join(str(m.value) for m in value) + ">"
        if issubclass(value, pydantic.BaseModel):
            fields = ", ".join(f"{name}: {type_name(info.annotation)}" for name, info in value.model_fields.items())
            return f"<type {value.__name__}({fields})>"
        if value.__module__.startswith("dsplang."):
            return f"<class {value.__name__}>"
    if inspect.isfunction(value) and value.__module__.startswith("dsplang."):
        return f"<function {value.__name__}>"
    return repr(value)


def call_row(number: int, call: PredictorCall) -> str:
    """One line per call: number, path, signature, latency, tokens, cache hit, error."""
    tokens = f"{call.prompt_tokens}+{call.completion_tokens} tok"
    cached = "  cached" if call.cache_hit else ""
    failed = f"  FAILED: {call.error}" if call.error else ""
    return (f"{number:>3}. {call.path}  ({call.signature})  {call.latency:.2f}s  "
            f"{tokens}{cached}{failed}")


def call_detail(number: int, call: PredictorCall) -> str:
    """Everything about one call: where, model, messages, raw replies, parsed outputs, cost."""
    where = f" at {call.span}" if call.span else ""
    cost = "unknown" if call.cost is None else f"${call.cost:.4f}"
    head = [RULE,
            f"call {number}: {call.path} ({call.signature}){where}",
            f"model {call.model}, adapter {call.adapter}, {call.latency:.2f}s, "
            f"{call.prompt_tokens} prompt + {call.completion_tokens} completion tokens, cost {cost}"
            + (", cache hit" if call.cache_hit else "")]
    parts = ["\n".join(head), messages_text(call.messages)]
    for i, reply in enumerate(call.replies, 1):
        label = "reply" if len(call.replies) == 1 else f"reply {i}"
        parts.append(f"[{label}]\n{reply}")
    if call.outputs is not None:
        parts.append("[parsed outputs]\n" + _fields_text(call.outputs))
    if call.error:
        parts.append(f"[error]\n{call.error}")
    return "\n\n".join(parts)


def messages_text(messages: list[dict]) -> str:
    """Chat messages as `[role]` headers followed by their content."""
    return "\n\n".join(f"[{m.get('role', '?')}]\n{_content(m.get('content'))}" for m in messages)


def _content(content: Any) -> str:
    if isinstance(content, list):
        return "\n".join(str(p.get("text", p)) if isinstance(p, dict) else str(p) for p in content)
    return "" if content is None else str(content)


def _fields_text(outputs: dict) -> str:
    return "\n".join(f"{name}: {_value_text(value)}" for name, value in outputs.items())


def _value_text(value: Any) -> str:
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        value = dump()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return repr(value)
