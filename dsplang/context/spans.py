"""Spans that hold other spans: a module's forward, an evaluation and its examples, a compile,
its phases and the candidates it scores.

    opened = open_span("module", "RAG", source_span)
    try:
        ...                         # records and spans made here have it as their parent
    finally:
        close_span(opened, error)   # its SpanRecord goes to the traces and the OTLP export

`open_span` makes the span the open one (`run.current_span()`, a contextvar: threads started
with `contextvars.copy_context()` and greenlets, which run in their caller's context, see it
as their parent) and `close_span` restores the one before and records it, stamped with its
start and end. `opened(...)` is the same as a `with` block. A compile phase has no block of
its own (an optimizer starts the next phase when it moves on): `enter_span` opens it in place
and the compile's own close restores what was open before the compile.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import Token
from typing import Any

from dsplang.context import trace
from dsplang.context.ids import new_span_id, new_trace_id
from dsplang.context.records import SpanRecord, Stamp, error_text
from dsplang.context.run import SpanContext, current, current_span, reset_span, set_span
from dsplang.errors import Span

_KEEP: Any = object()   # phase/candidate: the enclosing span's


class Opened:
    """A span opened by `open_span`, until `close_span`."""

    __slots__ = ("record", "context", "parent_id", "run_id", "start", "token")

    def __init__(self, record: SpanRecord, context: SpanContext, parent_id: int | None, run_id: int,
                 start: float, token: Token[SpanContext | None] | None) -> None:
        self.record = record
        self.context = context
        self.parent_id = parent_id
        self.run_id = run_id
        self.start = start
        self.token = token


def open_span(type: str, name: str, source: Span | None = None, *, phase: str | None = _KEEP,
              candidate: str | None = _KEEP, attributes: dict[str, Any] | None = None,
              parent: SpanContext | None = _KEEP) -> Opened:
    """Open a span under `parent` (default: the one open here) and make it the open one.
    `phase` and `candidate` default to the parent's."""
    return _open(type, name, source, phase, candidate, attributes, parent, place=True)


def open_if_collected(type: str, name: str, source: Span | None = None) -> Opened | None:
    """`open_span`, or None when nothing would record the span (no trace active, no OTLP
    export): a module call, made on every example of an evaluation, then costs no span."""
    run = current()
    if not run.traces and run.ids.exporter is None:
        return None
    return open_span(type, name, source)


def close_if_opened(opened: Opened | None, error: BaseException | None = None) -> None:
    """`close_span` for what `open_if_collected` gave."""
    if opened is not None:
        close_span(opened, error)


def enter_span(type: str, name: str, *, parent: SpanContext | None, phase: str | None = _KEEP,
               attributes: dict[str, Any] | None = None) -> Opened:
    """Open a span and make it the open one for the rest of the enclosing block (no token:
    the block that opened `parent` restores what was open before it)."""
    opened = _open(type, name, None, phase, _KEEP, attributes, parent, place=False)
    set_span(opened.context)
    return opened


def enter(context: SpanContext | None) -> None:
    """Make `context` the open span for the rest of the enclosing block (see `enter_span`)."""
    set_span(context)


def _open(type: str, name: str, source: Span | None, phase: str | None, candidate: str | None,
          attributes: dict[str, Any] | None, parent: SpanContext | None, *, place: bool) -> Opened:
    run_ids = current().ids
    if parent is _KEEP:
        parent = current_span()
    if parent is None:
        trace_id = run_ids.run_id if run_ids.depth else new_trace_id()
        parent_id = None
        outer_phase = outer_candidate = None
    else:
        trace_id, parent_id, outer_phase, outer_candidate = parent
    context = SpanContext(trace_id, new_span_id(), outer_phase if phase is _KEEP else phase,
                          outer_candidate if candidate is _KEEP else candidate)
    token = set_span(context) if place else None
    return Opened(SpanRecord(type, name, source, attributes or {}), context, parent_id, run_ids.run_id,
                  time.time(), token)


def close_span(opened: Opened, error: BaseException | None = None) -> None:
    """Restore the span open before `opened` (when it placed itself) and record it."""
    if opened.token is not None:
        reset_span(opened.token)
        opened.token = None
    finish(opened, error)


def finish(opened: Opened, error: BaseException | None = None) -> None:
    """Record `opened` as ending now (a phase ends when the next starts)."""
    run = current()
    if not run.traces and run.ids.exporter is None:
        return                                      # nothing collects it
    if error is not None:
        opened.record.error = error_text(error)
    context = opened.context
    stamp = Stamp(opened.run_id, context.trace_id, context.span_id, opened.parent_id, opened.start,
                  time.time(), context.phase, context.candidate)
    trace.record(opened.record, stamp)


@contextmanager
def opened(type: str, name: str, source: Span | None = None, **options: Any) -> Iterator[Opened]:
    """`open_span` ... `close_span` as a `with` block; an error leaving it is the span's error."""
    handle = open_span(type, name, source, **options)
    try:
        yield handle
    except BaseException as err:
        close_span(handle, err)
        raise
    close_span(handle)
