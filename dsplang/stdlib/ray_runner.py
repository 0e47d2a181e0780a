"""Run a function over items on a Ray cluster: the engine of `evaluate(..., backend="ray")`
and `dsp batch --ray`.

    with RayPool(fn, threads=8, workers=4, address="auto") as pool:
        for index, outcome in pool.map(enumerate(items), chunk_size=32):
            ...      # outcome: Done(value) or Failed(error), as the chunks come back

- `fn` (and the caller's LM, retriever and run options, read from the current Run) is
  pickled once (`ray.put`); each worker is a Ray actor that unpickles it once, when it
  starts, so a .dsp program is compiled once per worker, not once per item.
- Items go to the workers in chunks of `chunk_size`, at most two chunks per worker at a
  time (one running, one waiting), read from `items` only as they are sent, so an input of
  millions of rows is never all in memory. A worker runs a chunk's items on `threads`
  threads (`parallel_runner.run_parallel`, with its 429 throttle) in a Run of its own made
  with the caller's settings, and sends back each item's value or error and the chunk's LM
  usage, which is added to the caller's Run (its usage summary counts the workers' calls).
- An item whose `fn` raised comes back as `Failed(error)`: the exception itself when it
  survives pickling, else a `RemoteError` carrying its message. A value that cannot be
  pickled is a `Failed` item too. A chunk whose worker died makes each of its items
  `Failed` (the worker is not restarted: a batch rerun with --retry-errors runs them again).
- Connecting: inside a process where Ray is already initialized the pool uses that
  cluster; otherwise it calls `ray.init(address=...)` (None: `RAY_ADDRESS`, else a new
  local cluster; "local": a new local cluster; "auto": the cluster already running on this
  machine; or "ray://HOST:10001", "HOST:6379") and shuts it down again in `close()`. The environment
  variables in `PASSED_ENV` (the cache's `DSP_CACHE_URL`, ...) and any named in `env=` are
  set in the workers, sent with the program through the object store, never in a runtime env
  (Ray shows those on its dashboard and keeps them in its cluster state).

`ray` is imported here only when a pool is made: nothing else in dsplang imports it.
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from dsplang.context.run import Options, Run, current, entered
from dsplang.errors import DspArgumentError, DspError, DspNotAvailableError, DspRuntimeError
from dsplang.stdlib.parallel_runner import RunResult, run_parallel, too_many

# Environment variables every worker gets from the caller when they are set there.
PASSED_ENV = ("DSP_CACHE_URL", "DSP_CACHE_DIR", "DSP_NO_CACHE", "DSP_LM", "DSP_LIMITS",
              "DSP_NO_LOCAL_LM", "LITELLM_LOCAL_MODEL_COST_MAP")
_IN_FLIGHT = 2          # chunks sent to one worker at a time
_POLL_SECONDS = 0.2     # how often the waiting loop wakes up, so Ctrl-C is seen promptly
_CONNECT_SECONDS = 5.0  # to reach a cluster's address before Ray is asked to join it


@dataclass(frozen=True, slots=True)
class Done:
    value: Any


@dataclass(frozen=True, slots=True)
class Failed:
    error: BaseException


class RemoteError(DspRuntimeError):
    """An error raised on a Ray worker that could not be sent back as itself: its message."""

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class _Settings:
    """What a worker's Run is made from: the caller's options, LM and retriever."""

    options: Options
    lm: Any
    retriever: Any


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise DspNotAvailableError("running on Ray needs the ray package, which is not installed",
                                   hint='pip install "dsplang[ray]" (or pip install ray)') from None
    return ray


class RayPool:
    """Ray actors each holding `fn` once; see the module docstring."""

    def __init__(self, fn: Any, *, threads: int = 1, workers: int | None = None, address: str | None = None,
                 env: Iterable[str] = ()) -> None:
        _check_count(threads, "threads")
        if workers is not None:
            _check_count(workers, "workers")
        self.ray = import_ray()
        self.started = _connect(self.ray, address)
        try:
            self.actors = self._start(fn, threads, workers, env)
        except BaseException:
            self.close()
            raise

    def _start(self, fn: Any, threads: int, workers: int | None, env: Iterable[str]) -> list:
        ray = self.ray
        run = current()
        settings = _Settings(run.options, run.lm or run.options.lm, run.retriever)
        # The environment travels in the payload (Ray's object store), not in a runtime env,
        # which Ray keeps in its cluster state and shows on its dashboard: DSP_CACHE_URL may
        # hold a password, and `env=` names provider keys.
        passed = {name: os.environ[name] for name in (*PASSED_ENV, *env) if name in os.environ}
        try:
            payload = ray.put((_folders(), passed, pickle.dumps((fn, settings))))
        except (pickle.PicklingError, TypeError, AttributeError) as err:
            raise DspRuntimeError(f"the program cannot be sent to Ray workers: {err}",
                                  hint="everything it holds must pickle (a ScriptedLM, an LM, "
                                       "predictors and .dsp functions do)") from None
        cpus = float(ray.cluster_resources().get("CPU", 1.0))
        count = workers if workers is not None else max(1, int(cpus))
        actor = ray.remote(_Worker).options(
            num_cpus=min(1.0, cpus / count), max_restarts=0, scheduling_strategy="SPREAD")
        return [actor.remote(payload, threads) for _ in range(count)]

    def __enter__(self) -> RayPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def workers(self) -> int:
        return len(self.actors)

    def map(self, items: Iterable[tuple[int, Any]], chunk_size: int) -> Iterator[tuple[int, Done | Failed]]:
        """(index, outcome) for each (index, item), in the order the chunks finish. An error
        `fn` stopped its worker's run with (`StopRun`) is raised here."""
        _check_count(chunk_size, "chunk_size")
        chunks = _chunks(iter(items), chunk_size)
        pending: dict[Any, tuple[Any, list[int]]] = {}      # task ref -> (actor, its indices)
        for actor in self.actors:
            for _ in range(_IN_FLIGHT):
                self._send(actor, chunks, pending)
        usage = current().usage
        while pending:
            ready, _ = self.ray.wait(list(pending), num_returns=1, timeout=_POLL_SECONDS)
            for ref in ready:
                actor, indices = pending.pop(ref)
                alive = yield from self._collect(ref, indices, usage)
                if alive:
                    self._send(actor, chunks, pending)
                elif not pending and next(chunks, None) is not None:
                    raise DspRuntimeError("every Ray worker stopped, so the items left cannot run",
                                          hint="see the errors of the last items for why")

    def _send(self, actor: Any, chunks: Iterator[list[tuple[int, Any]]], pending: dict) -> None:
        chunk = next(chunks, None)
        if chunk is not None:
            pending[actor.run.remote(chunk)] = (actor, [index for index, _ in chunk])

    def _collect(self, ref: Any, indices: list[int], usage: Any) -> Iterator[tuple[int, Done | Failed]]:
        """Yield a finished chunk's outcomes; return whether its worker is still alive."""
        try:
            outcomes, counts, stopped = self.ray.get(ref)
        except self.ray.exceptions.RayError as err:
            failure = RemoteError(f"the Ray worker running this item failed: {_first_line(err)}")
            for index in indices:
                yield index, Failed(failure)
            return not isinstance(err, self.ray.exceptions.RayActorError)
        usage.add_counts(counts)
        if stopped is not None:
            raise stopped
        yield from zip(indices, outcomes)
        return True

    def close(self) -> None:
        """Stop the workers (work still running on them is dropped), and Ray if it was
        started here."""
        for actor in getattr(self, "actors", ()):
            self.ray.kill(actor)
        self.actors = []
        if self.started:
            self.started = False
            self.ray.shutdown()


def run_on_ray(fn: Any, items: list, *, threads: int = 1, max_errors: int | None = None,
               on_done: Callable[[int, RunResult], None] | None = None) -> RunResult:
    """`parallel_runner.run_parallel`'s contract (a RunResult in input order, `max_errors`,
    `StopRun`, `on_done`, Ctrl-C), with the items run on the Ray cluster's workers, each
    running `threads` at once: what `evaluate(..., backend="ray")` runs."""
    result = RunResult([None] * len(items), [False] * len(items))
    if not items:
        return result
    with RayPool(fn, threads=threads) as pool:
        chunk_size = max(1, min(32, -(-len(items) // (4 * pool.workers))))
        try:
            for index, outcome in pool.map(enumerate(items), chunk_size):
                result.finished[index] = True
                if isinstance(outcome, Done):
                    result.values[index] = outcome.value
                else:
                    result.errors[index] = outcome.error       # type: ignore[assignment]
                if on_done is not None:
                    on_done(index, result)
                if max_errors is not None and len(result.errors) >= max_errors:
                    raise too_many(result, max_errors)
        except KeyboardInterrupt:
            result.interrupted = True
    return result


def _connect(ray: Any, address: str | None) -> bool:
    """Connect to (or start) a cluster unless Ray is already initialized; whether we did."""
    if ray.is_initialized():
        return False
    _check_reachable(address)
    ray_logger = logging.getLogger("ray")
    level = ray_logger.level
    ray_logger.setLevel(logging.ERROR)       # its start-up notices are not the user's business
    try:
        ray.init(address=address, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as err:
        where = f"at {address}" if address else "(RAY_ADDRESS, or a new local one)"
        raise DspRuntimeError(f"cannot connect to the Ray cluster {where}: {_first_line(err)}",
                              hint="start one with `ray start --head`, or give its address, e.g. "
                                   "ray://HOST:10001") from None
    finally:
        ray_logger.setLevel(level)
    return True


def _check_reachable(address: str | None) -> None:
    """A cluster address (`HOST:PORT`, `ray://HOST:PORT`) that refuses a TCP connection is an
    error at once (Ray itself retries it for minutes)."""
    if not address or address in ("auto", "local"):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise DspArgumentError(f"{address!r} is not a Ray cluster address",
                               hint="give local, auto, HOST:6379 or ray://HOST:10001")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=_CONNECT_SECONDS) as conn:
            answer = _http2_answer(conn)
    except OSError as err:
        reason = "it does not answer" if isinstance(err, TimeoutError) else err.strerror or type(err).__name__
        raise DspRuntimeError(f"cannot connect to the Ray cluster at {address}: {reason}",
                              hint="is the cluster running (`ray status`), and is the address its head's?") from None
    if len(answer) < 4 or answer[3] != _HTTP2_SETTINGS:
        raise DspRuntimeError(f"{address} is not a Ray cluster: the server there does not speak Ray's protocol "
                              f"(gRPC)", hint="give the address of the cluster's head: HOST:6379 or ray://HOST:10001")


_HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])   # and an empty SETTINGS
_HTTP2_SETTINGS = 4       # a frame's type, its fourth byte


def _http2_answer(conn: socket.socket) -> bytes:
    """The first frame header a server sends back to the HTTP/2 preface: Ray's head and client
    server are gRPC servers, which answer with their SETTINGS frame; another server (a web
    server, Redis) answers something else or closes (Ray itself would retry it for minutes)."""
    conn.sendall(_HTTP2_PREFACE)
    answer = b""
    while len(answer) < 9:
        chunk = conn.recv(9 - len(answer))
        if not chunk:
            break
        answer += chunk
    return answer


def _folders() -> list[str]:
    """The caller's import folders (a .dsp file's own folder, where `from tools import f`
    finds tools.py, is one): a worker adds those it has too before it unpickles `fn`."""
    return [os.path.abspath(f) for f in sys.path if f and os.path.isdir(f)]


def _chunks(items: Iterator[tuple[int, Any]], size: int) -> Iterator[list[tuple[int, Any]]]:
    while True:
        chunk = [pair for _, pair in zip(range(size), items)]
        if not chunk:
            return
        yield chunk


def _check_count(value: Any, name: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise DspArgumentError(f"{name} must be a whole number of at least 1, got {value!r}")


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[-1] if text else type(err).__name__


class _Worker:
    """The Ray actor: loads `fn` and the caller's settings once, then runs chunks of items."""

    def __init__(self, payload: tuple[list[str], dict[str, str], bytes], threads: int) -> None:
        folders, environment, pickled = payload
        sys.path.extend(f for f in folders if f not in sys.path and os.path.isdir(f))
        os.environ.update(environment)      # before anything reads it: the cache, litellm, keys
        self.fn, self.settings = pickle.loads(pickled)
        self.threads = threads

    def run(self, chunk: list[tuple[int, Any]]) -> tuple[list[Done | Failed], dict[str, float], BaseException | None]:
        settings = self.settings
        run = Run(settings.options, lm=settings.lm, retriever=settings.retriever)
        with entered(run):
            try:
                result = run_parallel(self.fn, [item for _, item in chunk], threads=self.threads)
            except Exception as err:  # noqa: BLE001 - `fn` stopped the run (StopRun): stop the caller's
                return [], run.usage.counts(), _portable_error(err)
        outcomes: list[Done | Failed] = []
        for i in range(len(chunk)):
            if i in result.errors:
                outcomes.append(Failed(_portable_error(result.errors[i])))
            else:
                outcomes.append(_portable_value(result.values[i]))
        return outcomes, run.usage.counts(), None


def _portable_error(error: BaseException) -> BaseException:
    """`error` if it survives pickling, else a RemoteError with the message a user would see."""
    try:
        return pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - any failure to pickle: send the message instead
        message = getattr(error, "message", None)
        if isinstance(error, DspError) or not isinstance(message, str):
            message = str(error) if isinstance(error, DspError) else f"{type(error).__name__}: {error}"
        return RemoteError(message)


def _portable_value(value: Any) -> Done | Failed:
    try:
        pickle.dumps(value)
    except Exception as err:  # noqa: BLE001 - the value cannot travel back: its item failed
        return Failed(RemoteError(f"the result ({type(value).__name__}) cannot be sent back from the Ray "
                                  f"worker: {err}"))
    return Done(value)
