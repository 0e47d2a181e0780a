"""What modules built around one `Predict` (held as `.predict`) share: `demos`, `lm` and
`adapter` read and set that predictor's, as on a `Predict` (`cot.demos = [...]`, as in DSPy).
"""

from __future__ import annotations

from typing import Any


class OnePredictor:
    """Mixin of ChainOfThought and MultiChainComparison: their learnable predictor is `.predict`."""

    predict: Any

    @property
    def demos(self) -> list:
        """The demos of `.predict` (the examples shown before each call)."""
        return self.predict.demos

    @demos.setter
    def demos(self, value: list) -> None:
        self.predict.demos = value

    @property
    def lm(self) -> Any:
        """The LM of `.predict` (none: the run's current LM)."""
        return self.predict.lm

    @lm.setter
    def lm(self, value: Any) -> None:
        self.predict.lm = value

    @property
    def adapter(self) -> Any:
        """The adapter of `.predict` (none: ChatAdapter, then JSONAdapter on a parse failure)."""
        return self.predict.adapter

    @adapter.setter
    def adapter(self, value: Any) -> None:
        self.predict.adapter = value
