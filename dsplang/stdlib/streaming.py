"""Streaming: a predictor's output fields delivered while the LM writes them.

    stream = streamify(program)                      # any module, predictor or function
    async for item in stream(question="..."):
        if isinstance(item, StreamChunk):
            print(item.predictor, item.field, item.text)    # a piece of one output field (or,
                                                            # item.void, the end of a failed one)
        else:
            prediction = item                        # last: what the program returned

Under `listening(sink)` (what `streamify` and `dsp run --stream` set, a contextvar), every
predictor call asks the LM to stream (`LM.request(on_delta=...)`) and reads the reply as
it arrives: the ChatAdapter's `[[ ## field ## ]]` headers are found incrementally
(`ChatFieldStream`, the same rules as `ChatAdapter.parse`: a header starts its line, the
first section of a field counts, a section's surrounding whitespace is not part of its
value), and `sink` gets a `StreamChunk(predictor, field, text)` per new piece of an output
field, then one with `last=True` when the field's section ends. A reply that does not
stream (a cache hit, a cassette, a scripted LM) is read the same way, in one piece. A field
whose text never streamed (a JSON reply, a reply without headers) is delivered whole, once
the reply is parsed.

A reply that does not become the call's outputs (it fails to parse, so the predictor retries
asking for JSON or raises; or its stream breaks) has its streamed fields voided: each gets a
`StreamChunk(predictor, field, "", last=True, void=True)` saying that the text streamed so far
for that field, in this call, is not its value. What comes next for the field (the JSON retry's
text, delivered whole once it parses) is. Text already shown cannot be taken back, and holding
every field until its reply parses would end streaming; so the consumer is told, and decides.
"""

from __future__ import annotations

import asyncio
import contextvars
import re
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, TextIO

from dsplang.errors import DspTypeError, a_type
from dsplang.interpreter import awaiting
from dsplang.interpreter.values import DspCallable
from dsplang.stdlib.signature import Signature

__all__ = ["StreamChunk", "ChatFieldStream", "StreamPrinter", "listening", "listener", "streamify"]


@dataclass(frozen=True, slots=True)
class StreamChunk:
    """A piece of one output field of one predictor call, as the LM wrote it."""

    predictor: str      # the predictor's path, e.g. "respond.predict"
    field: str          # the output field
    text: str           # the new text ("" on the last chunk)
    last: bool = False  # the field's section has ended
    void: bool = False  # (with last, text "") the field's text so far in this call is void: its reply failed

    def __repr__(self) -> str:
        if self.void:
            return f"StreamChunk({self.predictor}.{self.field}: void)"
        end = ", last" if self.last else ""
        return f"StreamChunk({self.predictor}.{self.field}: {self.text!r}{end})"


Sink = Callable[[StreamChunk], None]
_sink: contextvars.ContextVar[Sink | None] = contextvars.ContextVar("dsplang_stream_sink", default=None)


@contextmanager
def listening(sink: Sink) -> Iterator[None]:
    """Inside the block every predictor call streams its output fields to `sink`."""
    token = _sink.set(sink)
    try:
        yield
    finally:
        _sink.reset(token)


class StreamPrinter:
    """A sink that writes each field as it streams, `predictor.field: text` on a line of its
    own (`dsp run --stream`, on stderr); a voided field gets a line saying so."""

    VOID = "[void: the reply failed]"

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.open: tuple[str, str] | None = None

    def __call__(self, chunk: StreamChunk) -> None:
        key = (chunk.predictor, chunk.field)
        if chunk.void:
            self._void(key)
            return
        if key != self.open:
            if self.open is not None:
                self.out.write("\n")
            if chunk.last:              # an empty section
                self.open = None
                return
            self.out.write(f"{chunk.predictor}.{chunk.field}: ")
            self.open = key
        self.out.write(chunk.text)
        if chunk.last:
            self.out.write("\n")
            self.open = None
        self.out.flush()


    def _void(self, key: tuple[str, str]) -> None:
        if key == self.open:
            self.out.write(f" {self.VOID}\n")
        else:
            if self.open is not None:
                self.out.write("\n")
            self.out.write(f"{key[0]}.{key[1]}: {self.VOID}\n")
        self.open = None
        self.out.flush()


# ------------------------------------------------------------------ the incremental parser

_HEADER = re.compile(r"[ \t]*\[\[[ \t]*##[ \t]*(\w+)[ \t]*##[ \t]*\]\][ \t]*")
# The start of a line that may still become a header once more text arrives.
_PARTIAL = re.compile(r"[ \t]*(?:\[(?:\[[ \t]*(?:#(?:#[ \t]*(?:\w+[ \t]*(?:#(?:#[ \t]*\]?)?)?)?)?)?)?)?")
_PIECES = re.compile(r"[^\n]*\n|[^\n]+")


class ChatFieldStream:
    """Reads a ChatAdapter reply piece by piece: `feed(text)` -> [(field, text, last)].

    `resolve(name)` maps a header's name to an output field (None: not an output)."""

    def __init__(self, resolve: Callable[[str], str | None]) -> None:
        self._resolve = resolve
        self._line = ""             # the start of a line that may become a header
        self._line_start = True
        self._field: str | None = None
        self._seen: set[str] = set()
        self._leading = True        # nothing of this section delivered yet
        self._space = ""            # whitespace held back: it may end the section
        self.delivered: set[str] = set()

    def feed(self, text: str) -> list[tuple[str, str, bool]]:
        out: list[tuple[str, str, bool]] = []
        for piece in _PIECES.findall(text):
            if self._line_start:
                self._start_of_line(piece, out)
            else:
                self._content(piece, out)
                self._line_start = piece.endswith("\n")
        return out

    def close(self) -> list[tuple[str, str, bool]]:
        """The end of the reply: what was held back, and the end of the open section."""
        out: list[tuple[str, str, bool]] = []
        if self._line and not _HEADER.match(self._line):
            self._content(self._line, out)
        self._line = ""
        self._end_section(out)
        return out

    def _start_of_line(self, piece: str, out: list) -> None:
        line = self._line + piece
        header = _HEADER.match(line)
        if header is not None:
            self._line = ""
            self._end_section(out)
            name = self._resolve(header.group(1))
            if name is not None and name not in self._seen:
                self._field, self._leading, self._space = name, True, ""
                self._seen.add(name)
            rest = line[header.end():]
            self._content(rest, out)
            self._line_start = rest.endswith("\n") or not rest
            return
        if not line.endswith("\n") and _PARTIAL.fullmatch(line):
            self._line = line           # wait: it may still become a header
            return
        self._line = ""
        self._content(line, out)
        self._line_start = line.endswith("\n")

    def _content(self, text: str, out: list) -> None:
        if self._field is None or not text:
            return
        if self._leading:
            text = text.lstrip()
            if not text:
                return
            self._leading = False
        body = text.rstrip()
        if not body:
            self._space += text
            return
        out.append((self._field, self._space + body, False))
        self.delivered.add(self._field)
        self._space = text[len(body):]

    def _end_section(self, out: list) -> None:
        if self._field is not None and self._field in self.delivered:
            out.append((self._field, "", True))
        self._field, self._space = None, ""


# ------------------------------------------------------------------ a predictor call's stream


class PredictorStream:
    """The `on_delta` of one predictor call: parses the reply and tells the sink."""

    def __init__(self, sink: Sink, predictor: str, signature: Signature, adapter: Any) -> None:
        self.sink = sink
        self.predictor = predictor
        self.signature = signature
        plan = adapter.plan(signature) if getattr(adapter, "name", "") == "chat" else None
        self.parser = ChatFieldStream(plan.outputs.resolve) if plan is not None else None

    def __call__(self, text: str) -> None:
        if self.parser is not None:
            self._send(self.parser.feed(text))

    def done(self, outputs: Mapping[str, Any]) -> None:
        """The reply was parsed into `outputs`: end the open section, and deliver whole
        the fields whose text never streamed."""
        delivered: set[str] = set()
        if self.parser is not None:
            self._send(self.parser.close())
            delivered = self.parser.delivered
        for field in self.signature.output_names:
            if field not in delivered and field in outputs:
                self.sink(StreamChunk(self.predictor, field, _text(outputs[field])))
                self.sink(StreamChunk(self.predictor, field, "", True))

    def void(self) -> None:
        """The reply will not become the call's outputs: a void chunk for each field that
        streamed some of its text."""
        if self.parser is None:
            return
        for field in self.signature.output_names:
            if field in self.parser.delivered:
                self.sink(StreamChunk(self.predictor, field, "", last=True, void=True))

    def _send(self, pieces: Iterable[tuple[str, str, bool]]) -> None:
        for field, text, last in pieces:
            self.sink(StreamChunk(self.predictor, field, text, last))


def listener(predictor: str, signature: Signature, adapter: Any) -> PredictorStream | None:
    """What a predictor call streams to, when something is listening (else None)."""
    sink = _sink.get()
    return None if sink is None else PredictorStream(sink, predictor, signature, adapter)


def _text(value: Any) -> str:
    dump = getattr(value, "model_dump_json", None)
    return dump() if callable(dump) else str(value)


# ------------------------------------------------------------------ streamify


def streamify(program: Any, *, fields: Iterable[str] | None = None
              ) -> Callable[..., AsyncIterator[Any]]:
    """An async generator function: called with `program`'s arguments, it runs the program as
    an async call (`acall`) and yields a `StreamChunk` per piece of an output field as its
    predictors' replies stream in (only `fields`, when given: field names, or
    `predictor.field` paths; a field's void chunk, when a reply fails after streaming, passes
    the same filter), and last what the program returned (its Prediction)."""
    if not callable(program):
        raise DspTypeError(f"streamify() needs a program (a module, predictor or function), got {a_type(program)}")
    wanted = None if fields is None else frozenset([fields] if isinstance(fields, str) else fields)

    async def stream(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[StreamChunk] = asyncio.Queue()
        home = threading.get_ident()

        def sink(chunk: StreamChunk) -> None:
            if wanted is not None and chunk.field not in wanted and f"{chunk.predictor}.{chunk.field}" not in wanted:
                return
            if threading.get_ident() == home:
                queue.put_nowait(chunk)
            else:                       # a predictor on a thread pool's worker (Parallel)
                loop.call_soon_threadsafe(queue.put_nowait, chunk)

        async def run() -> Any:
            with listening(sink):
                return await awaiting.run_sync(_call, program, args, kwargs)

        task = asyncio.ensure_future(run())
        try:
            while not task.done():
                getter = asyncio.ensure_future(queue.get())
                await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
                if getter.done():
                    yield getter.result()
                else:
                    getter.cancel()
            await asyncio.sleep(0)      # chunks a worker thread handed over just before the end
            while not queue.empty():
                yield queue.get_nowait()
            yield task.result()
        finally:
            if not task.done():
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task

    return stream


def _call(program: Any, args: tuple, kwargs: dict) -> Any:
    if isinstance(program, DspCallable):
        return program.call(args, kwargs, None)
    return program(*args, **kwargs)
