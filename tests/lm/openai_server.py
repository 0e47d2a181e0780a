"""A local OpenAI-compatible HTTP server for offline tests of the real litellm path.

    server = OpenAIServer().start()
    server.queue(Error(429), Reply("hello"))      # what the next requests get, in order
    LM("openai/test-model", api_base=server.url, api_key="sk-test")
    server.requests                                # every request body received (dicts)

When the queue is empty, `server.default` answers (a Reply("ok") unless changed). Besides
`Reply` and `Error`: `Raw(bytes)` sends exactly these bytes (malformed JSON, a choice without
a message, text that is not UTF-8), `Truncated()` a body cut off before its Content-Length,
`Sleep(seconds, then)` waits first.
Serves POST /v1/chat/completions, /v1/completions and /v1/embeddings on 127.0.0.1, a
random port. An embedding is `fake_embedding(text)`: word counts hashed into 16 dimensions,
so texts sharing words are close.

Streaming: a chat request with `"stream": true` gets its Reply as server-sent events, the
text in pieces of `Reply.piece` characters (or the list `Reply.pieces`), `Reply.pause`
seconds apart, then a chunk with the usage (when `stream_options.include_usage`) and
`data: [DONE]`; `Cut(pieces)` sends those pieces and then closes the connection mid-stream.
`Together(n, then)` holds a request until `n` requests are held at once (then all behave as
`then`; after `timeout` seconds an Error(503) instead): proof that a client sent them in
parallel.
Concurrency: a thread per connection, a listen backlog of 1024 and Nagle's algorithm off (a
reply's headers and body are not held back for the client's delayed ACK), so hundreds of
requests at once are served in parallel. For a load test run it in a process of its own
(`python tests/lm/openai_server.py --latency 0.1` prints its URL).
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """A successful completion; with `n` > 1 in the request, texts[i] (or text + index)."""

    text: str | list[str] = "ok"
    prompt_tokens: int = 11
    completion_tokens: int = 7
    tool_calls: list | None = None
    piece: int = 4                    # streamed: characters per chunk
    pieces: list[str] | None = None   # streamed: exactly these chunks
    pause: float = 0.0                # streamed: seconds between chunks

    def stream_pieces(self) -> list[str]:
        if self.pieces is not None:
            return list(self.pieces)
        text = self.text[0] if isinstance(self.text, list) else self.text
        return [text[i:i + self.piece] for i in range(0, len(text), self.piece)] or [""]

    def body(self, request: dict, path: str) -> dict:
        if path.endswith("/embeddings"):
            return embeddings_body(request, self.prompt_tokens)
        n = int(request.get("n") or 1)
        texts = self.text if isinstance(self.text, list) else (
            [self.text] if n == 1 else [f"{self.text} {i}" for i in range(n)])
        if path.endswith("/completions") and "chat" not in path:
            choices = [{"index": i, "text": t, "finish_reason": "stop"}
                       for i, t in enumerate(texts)]
            kind = "text_completion"
        else:
            choices = [{"index": i, "finish_reason": "stop",
                        "message": {"role": "assistant", "content": t,
                                    **({"tool_calls": self.tool_calls} if self.tool_calls
                                       else {})}} for i, t in enumerate(texts)]
            kind = "chat.completion"
        return {"id": "cmpl-test", "object": kind, "created": int(time.time()),
                "model": request.get("model", "test-model"), "choices": choices,
                "usage": {"prompt_tokens": self.prompt_tokens,
                          "completion_tokens": self.completion_tokens,
                          "total_tokens": self.prompt_tokens + self.completion_tokens}}


def fake_embedding(text: str, dims: int = 16) -> list[float]:
    """Word counts hashed into `dims` buckets (deterministic across runs)."""
    vector = [0.0] * dims
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        vector[zlib.crc32(word.encode()) % dims] += 1.0
    return vector


def embeddings_body(request: dict, prompt_tokens: int) -> dict:
    texts = request.get("input") or []
    texts = [texts] if isinstance(texts, str) else texts
    data = [{"object": "embedding", "index": i, "embedding": fake_embedding(str(t))}
            for i, t in enumerate(texts)]
    return {"object": "list", "data": data, "model": request.get("model", "test-embedding"),
            "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens}}


@dataclass
class Error:
    """An HTTP error with an OpenAI-style JSON error body."""

    status: int
    message: str = "something went wrong"
    headers: dict = field(default_factory=dict)


@dataclass
class Sleep:
    """Wait `seconds` (or until the server stops), then behave as `then`."""

    seconds: float
    then: object = field(default_factory=Reply)


@dataclass
class Together:
    """Wait until `n` requests wait here at once, then behave as `then` (Error(503) on timeout)."""

    n: int
    then: object = field(default_factory=Reply)
    timeout: float = 30.0
    barrier: threading.Barrier = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.barrier = threading.Barrier(self.n, timeout=self.timeout)

    def wait(self) -> object:
        try:
            self.barrier.wait()
        except threading.BrokenBarrierError:
            return Error(503, f"fewer than {self.n} requests arrived together")
        return self.then


@dataclass
class Cut:
    """A stream that sends these text pieces, then closes the connection without finishing."""

    pieces: list[str] = field(default_factory=lambda: ["[[ ## answer ## ]]\n", "Par"])


@dataclass
class Raw:
    """Exactly these bytes as the body (e.g. malformed JSON)."""

    body: bytes
    status: int = 200
    content_type: str = "application/json"


@dataclass
class Truncated:
    """A 200 whose body stops after `body` although its Content-Length promised more; the
    connection is then closed (a reply cut off on the way)."""

    body: bytes = b'{"id": "cmpl-test", "object": "chat.completion", "choices": [{"ind'
    missing: int = 100


class OpenAIServer:
    """The server; `start()` runs it on a background thread, `stop()` ends it."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.paths: list[str] = []
        self.headers: list[dict] = []
        self.default: object = Reply()
        self._queue: deque = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def queue(self, *behaviours: object) -> None:
        with self._lock:
            self._queue.extend(behaviours)

    def start(self) -> OpenAIServer:
        self._httpd = _Server(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def _next(self, request: dict, path: str, headers: dict) -> object:
        with self._lock:
            self.requests.append(request)
            self.paths.append(path)
            self.headers.append(headers)
            return self._queue.popleft() if self._queue else self.default


class _Server(ThreadingHTTPServer):
    request_queue_size = 1024       # the listen backlog: hundreds of clients connect at once


def _make_handler(server: OpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            try:
                request = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                request = {}
            behaviour = server._next(request, self.path, dict(self.headers))
            behaviour = _settled(behaviour, server)
            if behaviour is None:
                return
            try:
                self._respond(behaviour, request)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def _respond(self, behaviour: object, request: dict) -> None:
            if isinstance(behaviour, Cut) or (isinstance(behaviour, Reply) and request.get("stream")
                                               and "chat" in self.path):
                _stream(self, server, behaviour, request)
            elif isinstance(behaviour, Reply):
                self._send(200, json.dumps(behaviour.body(request, self.path)).encode())
            elif isinstance(behaviour, Error):
                body = {"error": {"message": behaviour.message, "type": "test_error",
                                  "code": behaviour.status}}
                self._send(behaviour.status, json.dumps(body).encode(), behaviour.headers)
            elif isinstance(behaviour, Raw):
                self._send(behaviour.status, behaviour.body, {}, behaviour.content_type)
            elif isinstance(behaviour, Truncated):
                self._send(200, behaviour.body, {"Content-Length": str(len(behaviour.body) + behaviour.missing)})
                self.close_connection = True
            else:
                raise TypeError(f"unknown behaviour {behaviour!r}")

        def _send(self, status: int, body: bytes, headers: dict | None = None,
                  content_type: str = "application/json") -> None:
            headers = dict(headers or {})
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", headers.pop("Content-Length", str(len(body))))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


def _settled(behaviour: object, server: OpenAIServer) -> object | None:
    """The behaviour after its waits (Sleep, Together); None when the server stops meanwhile."""
    while isinstance(behaviour, (Sleep, Together)):
        if isinstance(behaviour, Together):
            behaviour = behaviour.wait()
        elif server._stopping.wait(behaviour.seconds):
            return None
        else:
            behaviour = behaviour.then
    return behaviour


def _stream(handler: BaseHTTPRequestHandler, server: OpenAIServer, behaviour: Reply | Cut,
            request: dict) -> None:
    """Server-sent events in chunked transfer encoding: a chunk per piece of text (a Cut's
    pieces, then the connection closes)."""
    reply = behaviour if isinstance(behaviour, Reply) else None
    pieces = reply.stream_pieces() if reply is not None else list(behaviour.pieces)
    def chunk(data: bytes) -> None:
        handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    def event(data: dict) -> None:
        chunk(f"data: {json.dumps(data)}\n\n".encode())

    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    base = {"id": "cmpl-test", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": request.get("model", "test-model")}
    for i, piece in enumerate(pieces):
        delta = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
        event({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
        if reply is not None and reply.pause and server._stopping.wait(reply.pause):
            return
    if reply is None:
        handler.close_connection = True
        handler.wfile.flush()
        handler.connection.shutdown(2)     # mid-stream: no final chunk
        return
    event({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    if reply is not None and (request.get("stream_options") or {}).get("include_usage"):
        usage = {"prompt_tokens": reply.prompt_tokens, "completion_tokens": reply.completion_tokens,
                 "total_tokens": reply.prompt_tokens + reply.completion_tokens}
        event({**base, "choices": [], "usage": usage})
    chunk(b"data: [DONE]\n\n")
    chunk(b"")


def main(argv: list[str]) -> None:
    """`python openai_server.py [--latency SECONDS]`: serve until killed; print the URL."""
    latency = float(argv[argv.index("--latency") + 1]) if "--latency" in argv else 0.0
    reply = Reply(argv[argv.index("--reply") + 1]) if "--reply" in argv else Reply()
    server = OpenAIServer().start()
    server.default = Sleep(latency, reply) if latency else reply
    print(server.url, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main(sys.argv[1:])
