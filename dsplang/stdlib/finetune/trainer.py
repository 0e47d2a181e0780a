"""LoRA fine-tuning of a GGUF chat model on the CPU: transformers reads the GGUF file (a
quantized one is dequantized to float32), peft adds LoRA matrices, and a plain AdamW loop
trains them on chat exchanges, learning only the reply tokens.

Defaults (measured on SmolLM2-135M, 30 layers, BBC topics): rank 16, alpha 32, on the
attention and MLP projections of the upper half of the layers (15-29; the frozen lower half
needs no backward pass), batch 4, learning rate 5e-4 decaying linearly to 0. Everything
random comes from `seed` (the order of the examples each epoch, the LoRA initialisation).
torch uses `threads` CPU threads (default 2, env DSP_FINETUNE_THREADS). Inside
`keeping_models()` the model read into torch is kept for the next training on the same file.
"""

from __future__ import annotations

import functools
import math
import os
import random
import resource
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsplang.stdlib.finetune.chat_data import ChatExample

TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
IGNORE = -100                 # label of a token the loss skips (the prompt, padding)
DEFAULT_THREADS = 2


@dataclass(frozen=True)
class LoraSettings:
    """What the adapter is and how it is trained (`BootstrapFinetune(lora={...})`)."""

    rank: int = 16
    alpha: float = 32.0
    layers: tuple[int, ...] | None = None       # None: the upper half of the model's layers
    learning_rate: float = 5e-4
    batch_size: int = 4
    max_tokens: int = 1024                      # a longer exchange is cut (its reply kept first)


@dataclass
class TrainResult:
    """The trained LoRA matrices and how training went."""

    tensors: dict[str, tuple[Any, Any]]         # module name -> (A, B) as float32 numpy arrays
    layers: tuple[int, ...]
    losses: list[float] = field(default_factory=list)   # mean loss of each step
    load_seconds: float = 0.0
    train_seconds: float = 0.0
    tokens: int = 0                             # tokens trained on (prompt + reply, no padding)

    @property
    def steps(self) -> int:
        return len(self.losses)


Progress = Callable[[int, int, float, float], None]     # (step, total steps, loss, seconds)


def threads() -> int:
    try:
        value = int(os.environ.get("DSP_FINETUNE_THREADS", "") or DEFAULT_THREADS)
    except ValueError:
        value = DEFAULT_THREADS
    return max(1, value)


def train(base: Path, examples: list[ChatExample], settings: LoraSettings, *, epochs: int, seed: int,
          progress: Progress | None = None) -> TrainResult:
    """Train a LoRA adapter for the GGUF model `base` on `examples`; the trained matrices."""
    import torch

    torch.set_num_threads(threads())
    started = time.perf_counter()
    model, tokenizer = _take(base)
    torch.manual_seed(seed)     # after loading: the same LoRA initialisation for a kept model
    layers = settings.layers or _upper_half(model.config.num_hidden_layers)
    model = _with_lora(model, settings, layers)
    try:
        return _train(torch, model, tokenizer, examples, settings, layers, epochs=epochs, seed=seed,
                      progress=progress, load_seconds=time.perf_counter() - started)
    finally:
        _give_back(base, model, tokenizer)


def _train(torch: Any, model: Any, tokenizer: Any, examples: list[ChatExample], settings: LoraSettings,
           layers: tuple[int, ...], *, epochs: int, seed: int, progress: Progress | None,
           load_seconds: float) -> TrainResult:
    """The training loop of `train`, on the model with its LoRA layers."""
    rows = [_encode(tokenizer, example, settings.max_tokens) for example in examples]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    result = TrainResult({}, tuple(layers), load_seconds=load_seconds)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=settings.learning_rate, weight_decay=0.0)
    per_epoch = math.ceil(len(rows) / settings.batch_size)
    total = per_epoch * epochs
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: max(0.0, 1.0 - step / max(1, total)))
    rng = random.Random(seed)
    model.train()
    started = time.perf_counter()
    for _ in range(epochs):
        order = list(range(len(rows)))
        rng.shuffle(order)
        for first in range(0, len(order), settings.batch_size):
            batch = [rows[i] for i in order[first:first + settings.batch_size]]
            ids, mask, labels = _batch(torch, batch, pad)
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            loss.backward()
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            result.losses.append(float(loss.detach()))
            result.tokens += int(mask.sum())
            if progress is not None:
                progress(len(result.losses), total, result.losses[-1], time.perf_counter() - started)
    result.train_seconds = time.perf_counter() - started
    result.tensors = _lora_tensors(model)
    return result


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# ---------------------------------------------------------------- the model

_kept: dict[tuple[str, int, int], tuple[Any, Any]] = {}     # while keeping_models(): file -> model, tokenizer
_keeping = 0
_kept_lock = threading.Lock()


@contextmanager
def keeping_models() -> Iterator[None]:
    """While inside, a model `train` read into torch is kept (its LoRA layers removed) for the
    next `train` on the same file, which then skips the load (25-45 s for SmolLM2 on 2 cores):
    BetterTogether's later `w` steps. The models are released when the outermost one exits."""
    global _keeping
    with _kept_lock:
        _keeping += 1
    try:
        yield
    finally:
        with _kept_lock:
            _keeping -= 1
            if not _keeping:
                _kept.clear()


def _file_key(base: Path) -> tuple[str, int, int]:
    info = base.stat()
    return str(base.resolve()), info.st_size, info.st_mtime_ns


def _take(base: Path) -> tuple[Any, Any]:
    """A kept model of `base` (taken out while it trains), or one read now."""
    with _kept_lock:
        kept = _kept.pop(_file_key(base), None)
    return kept if kept is not None else _load(base)


def _give_back(base: Path, model: Any, tokenizer: Any) -> None:
    """Keep the trained model without its LoRA layers, while keeping_models() is open."""
    with _kept_lock:
        if not _keeping:
            return
    plain = model.unload()
    with _kept_lock:
        if _keeping:
            _kept[_file_key(base)] = (plain, tokenizer)


def _load(base: Path) -> tuple[Any, Any]:
    """The model (float32) and tokenizer transformers reads from the GGUF file."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    folder, name = str(base.parent), base.name
    with _quiet_gguf_reader():
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    return model, tokenizer


@contextmanager
def _quiet_gguf_reader() -> Iterator[None]:
    """transformers' GGUF reader draws a tqdm bar of its own (`tqdm.auto.tqdm`, called without
    `disable=`), which its progress-bar switch does not reach. TQDM_DISABLE works only if tqdm
    is imported after it is set (litellm imports tqdm first under `dsp run`), so the reader's
    `tqdm` is also replaced by a disabled one while the model loads."""
    import transformers.modeling_gguf_pytorch_utils as reader

    before = os.environ.get("TQDM_DISABLE")
    original = getattr(reader, "tqdm", None)
    os.environ["TQDM_DISABLE"] = "1"
    if original is not None:
        reader.tqdm = functools.partial(original, disable=True)
    try:
        yield
    finally:
        if original is not None:
            reader.tqdm = original
        if before is None:
            os.environ.pop("TQDM_DISABLE", None)
        else:
            os.environ["TQDM_DISABLE"] = before


def _upper_half(count: int) -> tuple[int, ...]:
    return tuple(range(count // 2, count))


def _with_lora(model: Any, settings: LoraSettings, layers: tuple[int, ...]) -> Any:
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=settings.rank, lora_alpha=settings.alpha, lora_dropout=0.0, bias="none",
                        target_modules=list(TARGETS), layers_to_transform=list(layers),
                        task_type="CAUSAL_LM")
    with warnings.catch_warnings():     # transformers' deprecation notes that peft triggers
        warnings.simplefilter("ignore", FutureWarning)
        return get_peft_model(model, config)


def _lora_tensors(model: Any) -> dict[str, tuple[Any, Any]]:
    """{"model.layers.15.self_attn.q_proj": (A, B), ...} from the trained peft model."""
    pairs: dict[str, dict[str, Any]] = {}
    for name, tensor in model.state_dict().items():
        for part in ("lora_A", "lora_B"):
            marker = f".{part}."
            if marker in name:
                module = name.split(marker)[0].removeprefix("base_model.model.")
                pairs.setdefault(module, {})[part] = tensor.detach().float().cpu().numpy()
    return {module: (both["lora_A"], both["lora_B"]) for module, both in sorted(pairs.items())}


# ---------------------------------------------------------------- the data


def _encode(tokenizer: Any, example: ChatExample, max_tokens: int) -> tuple[list[int], list[int]]:
    """Token ids of the whole exchange and their labels (IGNORE but for the reply and the end
    of its turn). The chat template is the model's own, as llama.cpp applies it."""
    messages = [dict(m) for m in example.messages]
    prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    whole = tokenizer.apply_chat_template([*messages, {"role": "assistant", "content": example.reply}],
                                          tokenize=False)
    if not whole.startswith(prompt):        # a template that rewrites earlier turns
        whole = prompt + example.reply
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    reply_ids = tokenizer(whole[len(prompt):], add_special_tokens=False)["input_ids"]
    end = tokenizer.eos_token_id
    if end in reply_ids:                    # learn the end of the turn, not what follows it
        reply_ids = reply_ids[:reply_ids.index(end) + 1]
    else:
        reply_ids = [*reply_ids, end]
    keep = max(0, max_tokens - len(reply_ids))
    prompt_ids = prompt_ids[-keep:] if keep else []
    return prompt_ids + reply_ids, [IGNORE] * len(prompt_ids) + reply_ids


def _batch(torch: Any, rows: list[tuple[list[int], list[int]]], pad: int) -> tuple[Any, Any, Any]:
    """Right-padded input ids, attention mask and labels of a batch, as tensors."""
    width = max(len(ids) for ids, _ in rows)
    ids = [r[0] + [pad] * (width - len(r[0])) for r in rows]
    mask = [[1] * len(r[0]) + [0] * (width - len(r[0])) for r in rows]
    labels = [r[1] + [IGNORE] * (width - len(r[1])) for r in rows]
    return torch.tensor(ids), torch.tensor(mask), torch.tensor(labels)
