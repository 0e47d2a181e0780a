"""What a spawned worker process runs in tests/api (a module, so the worker can import it)."""

from __future__ import annotations

import dsplang


def answer_in_worker(program, country: str) -> str:
    """Call the program received from the parent with a ScriptedLM of this process."""
    with dsplang.context(lm=dsplang.ScriptedLM([{"city": "Lima"}])):
        return program(country=country).city
