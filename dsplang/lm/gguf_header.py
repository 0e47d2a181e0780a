"""The header of a GGUF file (its metadata and tensor table), and a LoRA adapter checked
against its base model before llama.cpp loads it.

llama.cpp crashes the process (a segmentation fault, nothing to catch) on an adapter file that
is not GGUF, is cut short, is a whole model, or was made for another model. `check_adapter`
makes the checks llama.cpp makes when it loads an adapter, and the file's size, in Python, so
each of those is a `ValueError` saying what is wrong. Only the header is read: the tensor
data is never loaded.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from typing import Any, BinaryIO

_MAGIC = b"GGUF"
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
# ggml tensor types: (values per block, bytes per block)
_BLOCKS = {0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34), 9: (32, 36),
           10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210), 15: (256, 292),
           24: (1, 1), 25: (1, 2), 26: (1, 4), 27: (1, 8), 28: (1, 8), 30: (1, 2)}
_KEPT_KEYS = ("general.type", "general.architecture", "general.alignment", "adapter.type")


@dataclass(slots=True)
class Header:
    """The metadata this module needs, and every tensor's shape (ggml order), type and end."""

    meta: dict[str, Any] = field(default_factory=dict)
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    data_end: int = 0           # the byte the last tensor's data ends at


class _Reader:
    def __init__(self, fh: BinaryIO, size: int) -> None:
        self.fh = fh
        self.size = size

    def take(self, n: int) -> bytes:
        data = self.fh.read(n) if n <= self.size else b""
        if len(data) != n:
            raise ValueError("the file ends inside its header (it is cut short)")
        return data

    def scalar(self, kind: int) -> Any:
        fmt = _SCALARS[kind]
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        return self.take(self.scalar(10)).decode("utf-8", "replace")

    def value(self, kind: int, depth: int = 0) -> Any:
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            if depth > 4:
                raise ValueError("its metadata nests arrays too deeply")
            item, count = self.scalar(4), self.scalar(10)
            if item in _SCALARS:                       # skipped, not kept: no key read here is an array
                self.take(count * struct.calcsize(_SCALARS[item]))
            else:
                for _ in range(count):
                    self.value(item, depth + 1)
            return None
        if kind not in _SCALARS:
            raise ValueError(f"a metadata value of unknown type {kind}")
        return self.scalar(kind)


def read_header(path: str | os.PathLike) -> Header:
    """The header of the GGUF file at `path`; ValueError when it is not one or is cut short."""
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        reader = _Reader(fh, size)
        if fh.read(4) != _MAGIC:
            raise ValueError("it is not a GGUF file")
        version = reader.scalar(4)
        if version not in (2, 3):
            raise ValueError(f"GGUF version {version} is not one llama.cpp reads")
        tensors, keys = reader.scalar(10), reader.scalar(10)
        header = Header()
        for _ in range(keys):
            key = reader.string()
            value = reader.value(reader.scalar(4))
            if key in _KEPT_KEYS:
                header.meta[key] = value
        ends = [_tensor(reader, header) for _ in range(tensors)]
        align = header.meta.get("general.alignment", 32)
        if not isinstance(align, int) or isinstance(align, bool) or align < 1:
            raise ValueError(f"its general.alignment ({align!r}) is not a positive number")
        start = -(-fh.tell() // align) * align
        header.data_end = start + max(ends, default=0)
        if header.data_end > size:
            raise ValueError(f"the file is cut short ({size:,} bytes; its tensors need {header.data_end:,})")
        return header


def _tensor(reader: _Reader, header: Header) -> int:
    """Read one tensor's entry; the offset its data ends at (from the data's start)."""
    name = reader.string()
    dims = tuple(reader.scalar(10) for _ in range(reader.scalar(4)))
    kind, offset = reader.scalar(4), reader.scalar(10)
    if kind not in _BLOCKS:
        raise ValueError(f"the tensor {name!r} has a type ({kind}) this check does not know")
    per_block, block_bytes = _BLOCKS[kind]
    count = 1
    for dim in dims:
        count *= dim
    header.shapes[name] = dims
    return offset + -(-count // per_block) * block_bytes


def check_adapter(adapter: str | os.PathLike, model: str | os.PathLike) -> None:
    """ValueError saying why llama.cpp could not apply the LoRA adapter file to the model file."""
    found = read_header(adapter)
    kind = found.meta.get("general.type")
    if kind != "adapter" or found.meta.get("adapter.type") != "lora":
        raise ValueError(f"it is not a LoRA adapter (its general.type is {kind!r})" if kind != "adapter" else
                         f"its adapter.type is {found.meta.get('adapter.type')!r}, not 'lora'")
    try:
        base = read_header(model)
    except ValueError as err:
        raise ValueError(f"the base model file {os.fspath(model)}: {err}") from None
    arch, base_arch = found.meta.get("general.architecture"), base.meta.get("general.architecture")
    if arch != base_arch:
        raise ValueError(f"it was made for a {arch!r} model, and this model is {base_arch!r}")
    for name in found.shapes:
        if not name.endswith((".lora_a", ".lora_b")):
            raise ValueError(f"its tensor {name!r} is not a LoRA tensor (.lora_a or .lora_b)")
    for name in {n[:-7] for n in found.shapes}:
        _check_pair(name, found.shapes, base.shapes)


def _check_pair(name: str, shapes: dict[str, tuple[int, ...]], base: dict[str, tuple[int, ...]]) -> None:
    a, b = shapes.get(name + ".lora_a"), shapes.get(name + ".lora_b")
    if a is None or b is None:
        raise ValueError(f"its tensor {name!r} has only one of .lora_a and .lora_b")
    target = base.get(name)
    if target is None:
        raise ValueError(f"the model has no tensor {name!r}")
    if len(a) < 2 or len(b) < 2 or len(target) < 2 or a[1] != b[0] or target[0] != a[0] or target[1] != b[1]:
        raise ValueError(f"its tensors for {name!r} have shapes {list(a)} and {list(b)}, which do not fit "
                         f"the model's {list(target)}")
