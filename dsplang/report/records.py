"""The trace records `dsp report` reads, as pydantic models of the JSON lines.

One model per record kind `dsp run --trace` writes (`context/trace.py`, the optimizers'
`compile_report`, evaluate's `example_score`, ReAct's `tool_step`). Every field has a default,
so a trace written before a field existed still reads; fields a record has and the model does
not know are ignored. The span fields (`run_id`, `trace_id`, `span_id`, `parent_id`, `start`,
`end`, `phase`, `candidate`) are optional on every kind: traces written before they existed
have none of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

_YEAR_10000 = 253402300800      # seconds since 1970: the first time `datetime` cannot show


class Record(BaseModel):
    """What every record may carry: where it is in the file and, in newer traces, its span."""

    # NaN and infinity (which Python's JSON reader accepts) are not numbers a page can show
    model_config = ConfigDict(extra="ignore", frozen=True, allow_inf_nan=False)

    kind: str
    line: int = 0                   # the line of the trace file it was read from
    run_id: str | None = None
    trace_id: str | None = None
    span_id: str | None = None
    parent_id: str | None = None
    start: float | None = None      # seconds since the epoch
    end: float | None = None
    phase: str | None = None
    candidate: str | None = None

    @field_validator("start", "end", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> Any:
        """A time as a number of seconds, or an ISO 8601 string made one; a number of seconds
        outside the years 1970 to 9999 is not a time."""
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value).timestamp()
            except (ValueError, OverflowError):
                raise ValueError(f"not a time: {value[:40]!r}") from None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not 0 <= value < _YEAR_10000:
            raise ValueError(f"not a time: {value!r} seconds since 1970")
        return value

    @field_validator("candidate", "run_id", "trace_id", "span_id", "parent_id", mode="before")
    @classmethod
    def _label(cls, value: Any) -> Any:
        """An id or a candidate number written as a number is read as its text."""
        return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


class PredictorCallRecord(Record):
    """`predictor_call`: one predictor call, its messages, replies and cost."""

    path: str = ""
    signature: str = ""
    inputs: dict[str, Any] = {}
    messages: list[dict[str, Any]] = []
    replies: list[str] = []
    outputs: dict[str, Any] | None = None
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    latency: float = 0.0
    cache_hit: bool = False
    adapter: str = ""
    span: str | None = None
    error: str | None = None

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class CandidateEntry(BaseModel):
    """One candidate of a compile: its label, score (a percentage) and note."""

    model_config = ConfigDict(extra="ignore", frozen=True, allow_inf_nan=False)

    label: str = ""
    score: float | None = None
    evaluated: int = 0
    note: str = ""


class CompileReportRecord(Record):
    """`compile_report`: a finished compile, its candidates in the order they were tried."""

    optimizer: str = ""
    program: str = ""
    candidates: list[CandidateEntry] = []
    chosen: int | None = None
    best: float | None = None
    stopped: str | None = None
    valset_size: int = 0
    usage: dict[str, Any] = {}
    wall_time: float = 0.0
    time: float | None = None


class ExampleScoreRecord(Record):
    """`example_score`: one example of an evaluation, its score and the calls made on it."""

    evaluation: str = ""
    metric: str = "score"
    index: int = 0
    example: dict[str, Any] = {}
    inputs: list[str] = []
    prediction: Any = None
    score: float = 0.0
    error: str | None = None
    call_count: int = 0
    call_ids: list[str] = []


class AssertionRecord(Record):
    """`ensure_record` / `require_record`: an assertion that failed, or passed after retries."""

    message: str = ""
    passed: bool = False
    retries: int = 0
    span: str | None = None


class ToolStepRecord(Record):
    """`tool_step`: one tool call of a ReAct agent."""

    path: str = ""
    index: int = 0
    thought: str = ""
    tool_name: str = ""
    tool_args: Any = None
    observation: str = ""
    latency: float = 0.0


class SpanRecord(Record):
    """`span`: a span that held others (a module's forward, an evaluation, a compile phase...)."""

    type: str = ""
    name: str = ""
    span: str | None = None
    attributes: dict[str, Any] = {}
    error: str | None = None

    @property
    def seconds(self) -> float | None:
        return None if self.start is None or self.end is None else max(0.0, self.end - self.start)


KINDS: dict[str, type[Record]] = {
    "span": SpanRecord,
    "predictor_call": PredictorCallRecord,
    "compile_report": CompileReportRecord,
    "example_score": ExampleScoreRecord,
    "ensure_record": AssertionRecord,
    "require_record": AssertionRecord,
    "tool_step": ToolStepRecord,
}
