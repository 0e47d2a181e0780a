"""A fake LM for the compile tests: it answers better when the prompt holds demos.

`DemoLM` answers "What is the capital of X?" questions. With no demo in the prompt it
answers "unknown"; with demos it is right for a share of questions that grows with their
number (1 demo: ~50%, 2: ~70%, 3 or more: ~90%); which questions depends on a hash of the
question and the demos' questions, so different demo sets score differently. An instruction
containing "capital city" makes it always right (for instruction optimizers).
`interrupt_after=N` raises KeyboardInterrupt on the call after the N-th (Ctrl-C tests).
"""

from __future__ import annotations

import hashlib
import re
import threading

from dsplang.lm.client import LM, LMResponse
from dsplang.lm.prompt import reply_writer
from dsplang.lm.usage import Usage
from dsplang.stdlib.example import Example

CAPITALS = {
    "France": "Paris", "Italy": "Rome", "Spain": "Madrid", "Germany": "Berlin", "Japan": "Tokyo",
    "Kenya": "Nairobi", "Peru": "Lima", "Chile": "Santiago", "Egypt": "Cairo", "Norway": "Oslo",
    "Sweden": "Stockholm", "Finland": "Helsinki", "Poland": "Warsaw", "Austria": "Vienna",
    "Greece": "Athens", "Portugal": "Lisbon", "Ireland": "Dublin", "Cuba": "Havana", "Canada": "Ottawa",
    "Mexico": "Mexico City", "Russia": "Moscow", "China": "Beijing", "India": "New Delhi",
    "Thailand": "Bangkok", "Vietnam": "Hanoi", "Turkey": "Ankara", "Iran": "Tehran", "Iraq": "Baghdad",
    "Ghana": "Accra", "Nigeria": "Abuja", "Morocco": "Rabat", "Argentina": "Buenos Aires",
    "Colombia": "Bogota", "Hungary": "Budapest", "Denmark": "Copenhagen", "Belgium": "Brussels",
    "Nepal": "Kathmandu", "Mongolia": "Ulaanbaatar", "Qatar": "Doha", "Cyprus": "Nicosia",
}
CAPITALS.update({f"Land{i}": f"Town{i}" for i in range(160)})   # made-up ones for big valsets
_FIELD = re.compile(r"\[\[ ## (\w+) ## \]\]\n(.*?)(?=\n\n\[\[ ## |\n\nRespond|\Z)", re.S)
_SHARE = {1: 5, 2: 7}


def capitals(start: int = 0, stop: int | None = None) -> list[Example]:
    """Examples `question -> answer` for the countries start..stop (in a fixed order): the 40
    real countries first, then 160 made-up ones (`Land0` -> `Town0`, ...)."""
    rows = list(CAPITALS.items())[start:stop]
    return [Example(question=f"What is the capital of {country}?", answer=city).with_inputs("question")
            for country, city in rows]


def knows(question: str, demo_questions: list[str], instructions: str = "") -> bool:
    """Whether DemoLM answers `question` right with these demos in the prompt."""
    if "capital city" in instructions:
        return True
    if not demo_questions:
        return False
    text = question + "|" + "|".join(sorted(demo_questions))
    bucket = int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) % 10
    return bucket < _SHARE.get(len(demo_questions), 9)


class DemoLM(LM):
    """See the module docstring. `.calls` counts provider calls (cache misses)."""

    def __init__(self, model: str = "fake/demo", *, cache: bool = False, interrupt_after: int | None = None,
                 cost: float = 0.001, num_retries: int = 0, **kwargs):
        super().__init__(model, cache=cache, num_retries=num_retries, **kwargs)
        self.interrupt_after = interrupt_after
        self.cost = cost
        self.calls = 0
        self._lock = threading.Lock()

    def _complete(self, messages, n, params):
        with self._lock:
            self.calls += 1
            if self.interrupt_after is not None and self.calls > self.interrupt_after:
                raise KeyboardInterrupt
        system = messages[0]["content"]
        users = [m["content"] for m in messages if m["role"] == "user"]
        question = _fields(users[-1]).get("question", "")
        demos = [_fields(u).get("question", "") for u in users[:-1]]
        country = question.rstrip("?").split()[-1] if question else ""
        right = knows(question, demos, system)
        outputs = {"answer": CAPITALS.get(country, "unknown") if right else "unknown"}
        if "`reasoning`" in system:
            outputs = {"reasoning": f"The question asks about {country}.", **outputs}
        formatter = reply_writer(messages)
        text = formatter(outputs) if formatter else outputs["answer"]
        prompt = sum(len(m["content"]) for m in messages) // 4
        return LMResponse([text] * n, Usage(prompt, len(text) // 4, self.cost), False, 0.0, self.model)


def _fields(text: str) -> dict[str, str]:
    return {name: value.strip() for name, value in _FIELD.findall(text)}
