"""`Prompt`: the chat messages of one request, knowing how a reply to them is written.

An adapter formats a request as a `Prompt`: a list of message dicts, sent and cached like
any list, that also holds the adapter and signature it was made with. `reply_writer(messages)`
gives the adapter's way to write output values as reply text (the text its parser reads
back). A `ScriptedLM` uses it to answer a scripted dict of outputs the way a real model would
be asked to, so the real parsing path runs; a real LM sends only the messages. The request
carries this itself, so nothing is set around the call and no argument is passed for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

ReplyWriter = Callable[[dict], str]


class ReplyFormat(Protocol):
    """What a Prompt's adapter offers (`stdlib.adapters.base.Adapter.format_reply`)."""

    def format_reply(self, signature: Any, outputs: Mapping[str, Any]) -> str: ...


class Prompt(list):
    """Chat messages made by `adapter` for `signature` (set by the adapter after filling it).

    A copy made with `list(...)`, `copy.copy` or `dataclasses.asdict` is a list of the same
    messages and loses the two attributes: `reply_writer` then finds none."""

    __slots__ = ("adapter", "signature")

    adapter: ReplyFormat
    signature: Any


def reply_writer(messages: list[dict]) -> ReplyWriter | None:
    """How a reply to `messages` is written from output values, if they are a Prompt an
    adapter made; None for plain messages."""
    if not isinstance(messages, Prompt):
        return None
    try:
        adapter, signature = messages.adapter, messages.signature
    except AttributeError:          # a Prompt made without an adapter
        return None
    return lambda outputs: adapter.format_reply(signature, outputs)
