"""A trained LoRA adapter as a llama.cpp GGUF adapter file, written with the `gguf` package.

llama.cpp reads an adapter as GGUF with `general.type = "adapter"`, `adapter.type = "lora"`,
`adapter.lora.alpha`, the base model's `general.architecture`, and for each adapted weight
`W` the tensors `W.lora_a` (rank x in) and `W.lora_b` (out x rank) under llama.cpp's tensor
names. This is what llama.cpp's own `convert_lora_to_gguf.py` writes for a peft adapter; that
script ships only in llama.cpp's source tree (the llama-cpp-python sdist, 77 MB), so the
same steps are done here with the `gguf` package's writer and its table of tensor names:

- names: `gguf.get_tensor_name_map(arch, blocks)` maps `model.layers.N.self_attn.q_proj` to
  `blk.N.attn_q`, and so on;
- the llama architecture stores the query and key projections with their rows permuted for
  its rotary embedding, and transformers undoes that when it reads the GGUF file: the
  permutation is applied again here, to the rows of B (B A is then permuted like W);
- tensors are float16, as the converter's default output type.

Checked once against the converter of llama-cpp-python 0.3.36's sdist on a trained adapter
(SmolLM2-135M, rank 16, layers 15-29, `--outtype f16`): the same 210 tensors, names, types
and bytes, and the same adapter keys. tests/stdlib/optimizers/test_finetune.py checks the
keys, the names and the q/k permutation.
The file is written to a temporary name and moved into place, so an interrupted write leaves
no adapter behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from dsplang.errors import DspValueError

# The architectures whose q/k rows llama.cpp's converter permutes (LlamaModel.undo_permute).
PERMUTED = frozenset({"llama"})
SUPPORTED = PERMUTED


def base_info(metadata: dict[str, str], name: str) -> dict[str, Any]:
    """The base model's architecture, layer count and attention heads, from its GGUF metadata
    (llama.cpp's `Llama.metadata`: the loaded model's key/value pairs, as strings)."""
    arch = metadata.get("general.architecture")
    if arch not in SUPPORTED:
        raise DspValueError(f"{name}: fine-tuning supports llama-architecture models "
                            f"(SmolLM2, Llama), not {arch!r}",
                            hint='fine-tune the embedded model: LM("local/smollm2")')
    heads = int(metadata[f"{arch}.attention.head_count"])
    return {"arch": arch, "blocks": int(metadata[f"{arch}.block_count"]), "heads": heads,
            "kv_heads": int(metadata.get(f"{arch}.attention.head_count_kv") or heads)}


def permute_rows(weights: Any, heads: int, kv_heads: int | None) -> Any:
    """llama.cpp's q/k row order for rotary embeddings (its converter's `permute`)."""
    if kv_heads is not None and heads != kv_heads:
        heads = kv_heads
    shape = weights.shape
    return weights.reshape(heads, 2, shape[0] // heads // 2, *shape[1:]).swapaxes(1, 2).reshape(shape)


def adapter_tensors(info: dict[str, Any], tensors: dict[str, tuple[Any, Any]]) -> list[tuple[str, Any]]:
    """(GGUF name, float16 array) of every A and B, in the order of `tensors`."""
    import gguf
    import numpy as np

    arch = next(a for a, name in gguf.MODEL_ARCH_NAMES.items() if name == info["arch"])
    names = gguf.get_tensor_name_map(arch, info["blocks"])
    out = []
    for module, (a, b) in tensors.items():
        name = names.get_name(module + ".weight", try_suffixes=(".weight",))
        if name is None:
            raise DspValueError(f"the LoRA adapter has a module llama.cpp has no name for: {module}")
        if info["arch"] in PERMUTED and module.endswith("q_proj"):
            b = permute_rows(b, info["heads"], info["heads"])
        elif info["arch"] in PERMUTED and module.endswith("k_proj"):
            b = permute_rows(b, info["heads"], info["kv_heads"])
        out.append((name + ".lora_a", np.ascontiguousarray(a, dtype=np.float16)))
        out.append((name + ".lora_b", np.ascontiguousarray(b, dtype=np.float16)))
    return out


def write_adapter(path: Path, info: dict[str, Any], tensors: dict[str, tuple[Any, Any]], alpha: float) -> None:
    """Write the adapter for the base model `info` describes (`base_info`) to `path`, atomically."""
    import gguf

    arrays = adapter_tensors(info, tensors)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name + ".", suffix=".tmp")
    os.close(fd)
    try:
        writer = gguf.GGUFWriter(temp, info["arch"])
        writer.add_type(gguf.GGUFType.ADAPTER)
        writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
        writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(alpha))
        for name, array in arrays:
            writer.add_tensor(name, array)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
