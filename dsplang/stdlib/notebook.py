"""How values show in a notebook and leave as data: JSON-ready values and HTML tables.

`json_ready(value)` is plain JSON data (records become dicts, enums their strings,
Examples and Predictions dicts of their fields; anything else unknown its `str`).
`html_table` is the one table the `_repr_html_` methods (Example, Prediction,
EvaluationResult, module instances) draw, every cell escaped.
"""

from __future__ import annotations

import enum
import html
from collections.abc import Iterable, Sequence
from typing import Any

from dsplang.interpreter.values import FieldValues

CELL_CHARS = 300


def json_ready(value: Any) -> Any:
    """`value` as data `json.dumps` writes (see the module doc)."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, enum.Enum):
        return json_ready(value.value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, FieldValues):
        return {str(k): json_ready(v) for k, v in value.dsp_fields().items()}
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_ready(v) for v in value]
    dump = getattr(value, "model_dump", None)
    if callable(dump) and not isinstance(value, type):
        return json_ready(dump())
    return str(value)


def html_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], caption: str = "") -> str:
    """An HTML table; cells are `str()`-ed, shortened to CELL_CHARS and escaped."""
    head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td style='text-align:left;white-space:pre-wrap'>{cell(v)}</td>"
                                    for v in row) + "</tr>" for row in rows)
    title = f"<caption style='text-align:left'>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{title}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def cell(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value) if isinstance(value, enum.Enum) else str(value)
    if len(text) > CELL_CHARS:
        text = text[:CELL_CHARS - 3] + "..."
    return html.escape(text)
