"""A fake LM that is both the task model (DemoLM) and the prompt model of COPRO and MIPROv2.

Requests whose outputs include `answer` go to DemoLM (right with enough demos, always right
with "capital city" in the instructions). Every other request (instruction proposals, data
summaries, program descriptions) gets a made-up reply:

- COPRO's first proposals (`basic_instruction`): completion k is PROPOSALS[k % 5], so the
  third one (GOOD) is the instruction that makes DemoLM always right;
- COPRO's later proposals (`attempted_instructions`): refinements of GOOD once GOOD has been
  tried, weak ones before;
- MIPROv2's proposals (`task_demos`): GOOD when the tip asks for an informative instruction
  or a persona, else a weak one chosen by a hash of the request text.
"""

from __future__ import annotations

import hashlib
import re

from _fake_lm import DemoLM, capitals  # noqa: F401  (capitals: for the .dsp programs)

from dsplang.lm.client import LMResponse
from dsplang.lm.prompt import reply_writer
from dsplang.lm.usage import Usage

GOOD = "Name the capital city of the country in the question."
WEAK = ["Answer the question.", "Reply with one word.", "Think about geography, then answer.",
        "Be concise and accurate."]
PROPOSALS = [WEAK[0], WEAK[1], GOOD, WEAK[2], WEAK[3]]
SUMMARY = "Questions ask for the capital of a country; answers are city names."
_OUTPUTS = re.compile(r"Your output fields are:\n((?:\d+\. .*\n?)+)")
_NAME = re.compile(r"^\d+\. `(\w+)`", re.M)


class PromptLM(DemoLM):
    """See the module docstring. `.proposals` counts the prompt-model requests, `.prompts` holds
    their last user messages."""

    def __init__(self, model: str = "fake/prompt", **kwargs):
        super().__init__(model, **kwargs)
        self.proposals = 0
        self.prompts: list[str] = []

    def _complete(self, messages, n, params):
        system = messages[0]["content"]
        found = _OUTPUTS.search(system)
        outputs = _NAME.findall(found.group(1)) if found else []
        if "answer" in outputs:
            return super()._complete(messages, n, params)
        with self._lock:
            self.proposals += 1
            self.prompts.append(messages[-1]["content"])
        user = messages[-1]["content"]
        texts = [reply_writer(messages)({name: _reply(name, user, k) for name in outputs}) for k in range(n)]
        return LMResponse(texts, Usage(len(user) // 4, 20, self.cost), False, 0.0, self.model)


def _reply(field: str, user: str, k: int) -> str:
    if field != "proposed_instruction":
        return SUMMARY
    if "basic_instruction ## ]]" in user and "task_demos" not in user:
        return PROPOSALS[k % len(PROPOSALS)]
    if "attempted_instructions" in user:
        return f"{GOOD} Answer with the city only (variant {k})." if "capital city" in user else WEAK[k % 4]
    if "very informative" in user or "persona" in user:
        return GOOD
    return WEAK[int(hashlib.sha256(user.encode("utf-8")).hexdigest()[:8], 16) % 4]
