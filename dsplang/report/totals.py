"""`Totals`: LM calls, tokens, cost and time of a group of predictor calls."""

from __future__ import annotations

from dataclasses import dataclass

from dsplang.report.records import PredictorCallRecord


@dataclass(slots=True)
class Totals:
    """LM calls, tokens and cost of a group of calls."""

    calls: int = 0
    cache_hits: int = 0
    failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    latency: float = 0.0

    def add(self, call: PredictorCallRecord) -> None:
        self.calls += 1
        self.cache_hits += call.cache_hit
        self.failed += call.error is not None
        self.prompt_tokens += call.prompt_tokens
        self.completion_tokens += call.completion_tokens
        if call.cost is not None:
            self.cost = (self.cost or 0.0) + call.cost
        self.latency += call.latency

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens
