"""The report page as one HTML string: a trace's `Summary` through the autoescaping template.

The template (`page.html`), style sheet (`style.css`) and script (`script.js`, table sorting)
are files of this package, put inline into the page, which loads nothing. Everything from the
trace reaches the page through Jinja's autoescape (text) or `markupsafe.escape` (inside the
SVG charts); only the page's own style sheet, script and charts are marked safe. The content
security policy (`default-src 'none'`) allows the style sheet and the script by their
SHA-256, so nothing else on the page can run or be fetched, should text ever get past the
escaping.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, StrictUndefined, Template
from markupsafe import Markup

from dsplang.report import charts
from dsplang.report.read import KEPT_PROMPTS
from dsplang.report.records import ExampleScoreRecord
from dsplang.report.rounds import Compile
from dsplang.report.summary import Summary
from dsplang.version import __version__

MAX_CALL_ROWS = KEPT_PROMPTS    # rows of the calls table (the charts and totals count every call)
MAX_CANDIDATE_ROWS = 500    # rows of a compile's candidates table (and the chosen one)
MAX_DOTS = 2000             # candidates drawn as dots (evenly spread; the best-so-far line sees every one)
MAX_TEXT = 20_000           # characters of one prompt message or reply shown
BAR_ROWS = 12


def render_page(summary: Summary, source: str) -> str:
    """The page of `summary`, titled with `source` (the trace file, or the program run)."""
    style, script = _text("style.css"), _text("script.js")
    return _template().render(
        s=summary, t=summary.totals, source=source, csp=_csp(style, script), style=Markup(style), script=Markup(script),
        version=__version__, span=_time_span(summary), compiles=[_compile_view(c) for c in summary.compiles],
        rounds_shown=any(c.rounds for c in summary.compiles),
        charts=_usage_charts(summary), shown_calls=summary.calls[:MAX_CALL_ROWS])


@cache
def _template() -> Template:
    """The page template, compiled once per process."""
    env = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
                      lstrip_blocks=True)
    env.filters.update(num=_num, cost=_cost, pct=_pct, secs=_secs, score=_score)
    env.globals.update(fields=_fields, prediction=_prediction, show=_show, content=_content)
    return env.from_string(_text("page.html"))


@cache
def _text(name: str) -> str:
    return files("dsplang.report").joinpath(name).read_text(encoding="utf-8")


def _csp(style: str, script: str) -> str:
    return ("default-src 'none'; img-src data:; "
            f"style-src '{_sha256(style)}'; script-src '{_sha256(script)}'; base-uri 'none'; form-action 'none'")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _compile_view(compile: Compile) -> dict[str, Any]:
    record = compile.record
    rows = record.candidates
    scored = [(i, r) for i, r in enumerate(rows) if r.score is not None]
    shown = _thinned(scored, MAX_DOTS, record.chosen)
    dots = charts.Series(
        "candidate score", [(i + 1, r.score or 0.0) for i, r in shown], charts.PALETTE[0], dots=True, line=False,
        titles=[f"#{i + 1} {r.label}: {_pct(r.score)} on {r.evaluated} examples {r.note}".strip() for i, r in shown],
        marked={k for k, (i, _) in enumerate(shown) if i == record.chosen})
    best: list[tuple[float, float]] = []
    running = None
    for i, r in scored:
        if running is None or (r.score or 0.0) > running:      # a step line needs only where it rises
            running = r.score
            best.append((float(i + 1), running or 0.0))
    if scored and best[-1][0] != scored[-1][0] + 1:
        best.append((float(scored[-1][0] + 1), running or 0.0))
    line = charts.Series("best so far", best, charts.PALETTE[2], step=True)
    chart = charts.line_chart([line, dots], x_label="candidate (in the order tried)", y_label="score (%)",
                              y_min=0.0, y_max=100.0, y_format=lambda v: f"{v:g}%")
    table = [(i, r) for i, r in enumerate(rows) if i < MAX_CANDIDATE_ROWS or i == record.chosen]
    cut = "" if len(rows) <= MAX_CANDIDATE_ROWS else f" (the table shows the first {MAX_CANDIDATE_ROWS:,}" + (
        " and the chosen one)" if (record.chosen or 0) >= MAX_CANDIDATE_ROWS else ")")
    return {"record": record, "chart": chart, "rounds": compile.rounds, "rows": table, "cut": cut}


def _thinned(scored: list, most: int, keep: int | None) -> list:
    """At most about `most` of the (index, candidate) pairs, evenly spread, always with `keep`."""
    if len(scored) <= most:
        return scored
    step = -(-len(scored) // most)
    return [pair for k, pair in enumerate(scored) if k % step == 0 or pair[0] == keep]


def _usage_charts(summary: Summary) -> dict[str, Markup | None]:
    x_label = "seconds since the first call" if summary.timed else "LM call"
    points = summary.series
    tokens = charts.line_chart([charts.Series("tokens", [(p.x, p.tokens) for p in points], charts.PALETTE[0])],
                               x_label=x_label, y_label="tokens (cumulative)", y_format=_short_num)
    calls = charts.line_chart([charts.Series("calls", [(p.x, p.calls) for p in points], charts.PALETTE[3])],
                              x_label=x_label, y_label="LM calls (cumulative)", y_format=_short_num)
    cost = None
    if summary.totals.cost:
        cost = charts.line_chart([charts.Series("cost", [(p.x, p.cost) for p in points], charts.PALETTE[1])],
                                 x_label=x_label, y_label="cost in $ (cumulative)", y_format=lambda v: f"${v:.4g}")
    paths = charts.bar_chart([(name, t.tokens) for name, t in summary.by_path[:BAR_ROWS]],
                             label="tokens by predictor", fmt=_num)
    return {"tokens": tokens, "calls": calls, "cost": cost, "paths": paths}


def _time_span(summary: Summary) -> str:
    starts = [c.start for c in summary.calls if c.start is not None]
    ends = [c.end or c.start for c in summary.calls if c.start is not None]
    if not starts:
        return ""
    first = datetime.fromtimestamp(min(starts), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"from {first}, {_secs(max(e or 0.0 for e in ends) - min(starts))}"


# ------------------------------------------------------------------ values as text


def _fields(row: ExampleScoreRecord) -> list[str]:
    """The example's fields (inputs first), then the prediction's others."""
    names = list(dict.fromkeys([*row.inputs, *row.example]))
    return names + [k for k in _prediction(row) if k not in names]


def _prediction(row: ExampleScoreRecord) -> dict[str, Any]:
    pred = row.prediction
    return pred if isinstance(pred, dict) else ({} if pred is None else {"output": pred})


def _show(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return _clip(text, 2_000)


def _content(content: Any) -> str:
    """A message's content: its text, or its parts' texts (an image is named, not shown)."""
    if isinstance(content, str):
        return _clip(content, MAX_TEXT)
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text":
                parts.append(str(part.get("text", "")))
            elif isinstance(part, dict) and str(part.get("type", "")).startswith("image"):
                parts.append("[image]")
            else:
                parts.append(json.dumps(part, ensure_ascii=False, default=str))
        return _clip("\n".join(parts), MAX_TEXT)
    return _show(content)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def _num(value: float) -> str:
    return f"{value:,.0f}"


def _short_num(value: float) -> str:
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


def _cost(value: float | None) -> str:
    return "–" if value is None else f"${value:,.4f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


def _score(value: float) -> str:
    return f"{value:.3g}"


def _secs(value: float) -> str:
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 120:
        return f"{value:.1f} s"
    return f"{value / 60:.1f} min"
