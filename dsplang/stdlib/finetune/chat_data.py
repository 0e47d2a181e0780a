"""Training data for fine-tuning: a predictor call as the chat exchange the student will have.

The teacher's calls give inputs and (accepted) outputs; each becomes the messages the
*student's* predictor sends for those inputs (its adapter, signature, instructions and demos,
so training matches what it is asked later) and the reply its adapter parses back as those
outputs. Only the reply is learned (the trainer masks the messages).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dsplang.lm.cache import canonical_json
from dsplang.lm.local import plain_messages
from dsplang.stdlib.adapters.chat import ChatAdapter


@dataclass(frozen=True)
class ChatExample:
    """One training exchange: the request's messages and the reply to learn."""

    messages: tuple[Mapping[str, str], ...]
    reply: str

    def to_json(self) -> dict[str, Any]:
        return {"messages": [dict(m) for m in self.messages], "reply": self.reply}


def chat_example(predictor, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> ChatExample:
    """The exchange `predictor` (the student's) would have for `inputs`, answered `outputs`."""
    adapter = predictor.adapter or ChatAdapter()
    signature = predictor.signature
    values = {k: v for k, v in inputs.items() if k in signature.input_names}
    messages = plain_messages(adapter.format(signature, predictor.demos, values))
    reply = adapter.format_reply(signature, {k: v for k, v in outputs.items() if k in signature.output_names})
    return ChatExample(tuple(messages), reply)


def data_hash(examples: list[ChatExample]) -> str:
    """A hash of the training exchanges, in order (the adapter's reuse depends on them)."""
    text = canonical_json([e.to_json() for e in examples])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
