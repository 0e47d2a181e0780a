"""A LoRA adapter file is checked against its base model before llama.cpp loads it: a file that
is not GGUF, is cut short, is a whole model, or was made for another model is an LM error
(llama.cpp itself ended the process with a segmentation fault)."""

from __future__ import annotations

import pytest

from dsplang.errors import DspLMError
from dsplang.lm import local
from dsplang.lm.gguf_header import check_adapter, read_header

gguf = pytest.importorskip("gguf")
np = pytest.importorskip("numpy")

SMOLLM2 = {"arch": "llama", "blocks": 30, "heads": 9, "kv_heads": 3}
V_PROJ = "model.layers.15.self_attn.v_proj"


def write_model(path, arch: str = "llama") -> str:
    writer = gguf.GGUFWriter(str(path), arch)
    writer.add_tensor("blk.15.attn_v.weight", np.zeros((192, 576), dtype=np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return str(path)


def write_lora(path, info=SMOLLM2, width: int = 576) -> str:
    from dsplang.stdlib.finetune.gguf_lora import write_adapter
    write_adapter(path, info, {V_PROJ: (np.zeros((2, width)), np.zeros((192, 2)))}, alpha=32)
    return str(path)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gguf")
    good = write_lora(folder / "good.lora.gguf")
    data = open(good, "rb").read()
    (folder / "cut.lora.gguf").write_bytes(data[:-100])
    (folder / "header-cut.lora.gguf").write_bytes(data[:40])
    (folder / "garbage.lora.gguf").write_bytes(b"not a gguf file at all")
    (folder / "empty.lora.gguf").write_bytes(b"")
    write_lora(folder / "qwen.lora.gguf", {**SMOLLM2, "arch": "qwen2"})
    write_lora(folder / "wide.lora.gguf", width=999)
    return folder, write_model(folder / "model.gguf")


def test_an_adapter_made_for_the_model_passes_and_its_header_is_read(files):
    folder, model = files
    check_adapter(folder / "good.lora.gguf", model)
    header = read_header(folder / "good.lora.gguf")
    assert header.meta["general.type"] == "adapter" and header.meta["adapter.type"] == "lora"
    assert header.shapes["blk.15.attn_v.weight.lora_a"] == (576, 2)


@pytest.mark.parametrize("name, reason", [
    ("garbage.lora.gguf", "it is not a GGUF file"),
    ("empty.lora.gguf", "it is not a GGUF file"),
    ("cut.lora.gguf", "the file is cut short"),
    ("header-cut.lora.gguf", "the file ends inside its header"),
    ("model.gguf", "it is not a LoRA adapter (its general.type is None)"),
    ("qwen.lora.gguf", "it was made for a 'qwen2' model, and this model is 'llama'"),
    ("wide.lora.gguf", "have shapes [999, 2] and [2, 192], which do not fit the model's [576, 192]"),
])
def test_an_adapter_llama_cpp_would_crash_on_is_an_lm_error_before_loading(files, name, reason):
    folder, model = files
    with pytest.raises(DspLMError) as caught:
        local.loaded_model(f"{model}+lora={folder / name}")
    assert reason in str(caught.value) and "cannot be used" in str(caught.value)


def test_an_adapter_path_with_an_unknown_home_is_a_missing_file():
    with pytest.raises(DspLMError, match="no LoRA adapter file at '~no-such-user-x/a.gguf'"):
        local.adapter_path("smollm2+lora=~no-such-user-x/a.gguf")


def _crafted(path, *kvs: bytes) -> str:
    """A GGUF header with no tensors and the given raw key-value entries."""
    import struct
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, len(kvs)) + b"".join(kvs))
    return str(path)


def _key(name: str) -> bytes:
    import struct
    return struct.pack("<Q", len(name)) + name.encode()


def test_crafted_headers_are_value_errors_not_crashes(tmp_path):
    import struct
    nested = _key("x") + struct.pack("<I", 9) + (struct.pack("<IQ", 9, 1) * 5000) + struct.pack("<IQ", 4, 0)
    zero_align = _key("general.alignment") + struct.pack("<II", 4, 0)
    huge_string = _key("x") + struct.pack("<IQ", 8, 2**62)
    huge_array = _key("x") + struct.pack("<IIQ", 9, 4, 2**61)
    for kv, reason in [(nested, "nests arrays too deeply"), (zero_align, r"general.alignment \(0\)"),
                       (huge_string, "cut short"), (huge_array, "cut short")]:
        with pytest.raises(ValueError, match=reason):
            read_header(_crafted(tmp_path / "x.gguf", kv))
