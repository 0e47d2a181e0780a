"""`ScoredExample`: one example of an `evaluate` run in the trace, with its score.

`evaluate` records one per finished example, in the data's order, after the run (kind
"example_score", read by `dsp report` for the worst examples). `calls` names the predictor
calls the program made on that example by their span ids (`calls_made`), so a reader finds
their prompts among the trace's `predictor_call` records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dsplang.context.ids import span_hex
from dsplang.context.trace import PredictorCall, Trace


@dataclass(slots=True)
class ScoredExample:
    """An example's score (or the error that gave it `failure_score`) in one evaluation."""

    evaluation: str                 # the same for every example of one evaluate() call
    metric: str
    index: int                      # 0-based position in the data
    example: dict[str, Any]
    inputs: list[str]               # the example's input field names
    prediction: Any
    score: float
    error: str | None = None
    calls: list[str | None] = field(default_factory=list)     # span ids (None: not stamped)

    def to_json(self) -> dict[str, Any]:
        return {"kind": "example_score", "evaluation": self.evaluation, "metric": self.metric,
                "index": self.index, "example": self.example, "inputs": self.inputs,
                "prediction": self.prediction, "score": self.score, "error": self.error,
                "call_count": len(self.calls), "call_ids": [i for i in self.calls if i is not None]}


def calls_made(seen: Trace) -> list[str | None]:
    """The span ids of the predictor calls in `seen` (None for one recorded without a stamp)."""
    return [None if stamp is None else span_hex(stamp.span_id)
            for rec, stamp in seen.stamped() if isinstance(rec, PredictorCall)]
