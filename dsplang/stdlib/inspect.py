"""`inspect_history(n)`: print the last n LM calls — messages, replies, parsed outputs, cost."""

from __future__ import annotations

import sys

from dsplang.context import trace
from dsplang.lm.vision import content_text


def format_call(rec: trace.PredictorCall, index: int | None = None) -> str:
    """One predictor call as readable text."""
    head = f"#{index} " if index is not None else ""
    cached = ", cache hit" if rec.cache_hit else ""
    where = f" at {rec.span}" if rec.span else ""
    lines = [f"{head}{rec.path} ({rec.signature}) on {rec.model}{where}",
             f"    {rec.prompt_tokens} prompt + {rec.completion_tokens} completion tokens, "
             f"{rec.latency * 1000:.0f} ms{cached}"]
    for message in rec.messages:
        lines.append(f"[{message['role']}]")
        lines.append(_indent(content_text(message.get("content"))))
    for i, reply in enumerate(rec.replies):
        label = "[reply]" if len(rec.replies) == 1 else f"[reply {i + 1}]"
        lines.append(label)
        lines.append(_indent(reply))
    if rec.error:
        lines.append(f"[error] {rec.error}")
    elif rec.outputs is not None:
        lines.append("[parsed] " + ", ".join(f"{k}={v!r}" for k, v in rec.outputs.items()))
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines()) or "    "


def inspect_history(n: int = 1) -> None:
    """Print the last `n` predictor calls of this run."""
    history = trace.history()
    calls = history[-n:] if n > 0 else []
    if not calls:
        sys.stdout.write("(no LM calls yet)\n")
        return
    start = len(history) - len(calls) + 1
    sys.stdout.write("\n\n".join(format_call(c, start + i) for i, c in enumerate(calls)) + "\n")
