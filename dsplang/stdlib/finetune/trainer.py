"""LoRA fine-tuning of a GGUF chat model on the CPU: transformers reads the GGUF file (a
quantized one is dequantized to float32), peft adds LoRA matrices, and a plain AdamW loop
trains them on chat exchanges, learning only the reply tokens.

Defaults (measured on SmolLM2-135M, 30 layers, BBC topics): rank 16, alpha 32, on the
attention and MLP projections of the upper half of the layers (15-29; the frozen lower half
needs no backward pass), batch 4, learning rate 5e-4 decaying linearly to 0. Everything
random comes from `seed` (the order of the examples each epoch, the LoRA initialisation).
torch uses `threads` CPU threads (default 2, env DSP_FINETUNE_THREADS).
"""

from __future__ import annotations

import math
import os
import random
import resource
import sys
import time
import warnings
from collections.abc import Callable
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
    torch.manual_seed(seed)
    started = time.perf_counter()
    model, tokenizer = _load(base)
    layers = settings.layers or _upper_half(model.config.num_hidden_layers)
    model = _with_lora(model, settings, layers)
    rows = [_encode(tokenizer, example, settings.max_tokens) for example in examples]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    result = TrainResult({}, tuple(layers), load_seconds=time.perf_counter() - started)
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


def _load(base: Path) -> tuple[Any, Any]:
    """The model (float32) and tokenizer transformers reads from the GGUF file."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    folder, name = str(base.parent), base.name
    before = os.environ.get("TQDM_DISABLE")
    os.environ["TQDM_DISABLE"] = "1"    # transformers' GGUF reader draws a tqdm bar of its own
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    finally:
        if before is None:
            os.environ.pop("TQDM_DISABLE", None)
        else:
            os.environ["TQDM_DISABLE"] = before
    return model, tokenizer


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
