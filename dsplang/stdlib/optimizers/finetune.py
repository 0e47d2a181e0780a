"""BootstrapFinetune: a program compiled into the weights of the embedded local model.

As DSPy's BootstrapFinetune, but offline on a CPU: the teacher (a compiled few-shot program,
or a program on a larger LM; by default the student itself) runs on the training inputs, each
under a trace. When an example has labels and a metric is given, only the runs the metric
accepts are kept (an unlabelled trainset is labelled by the teacher, as in DSPy's
classification fine-tuning tutorial). Each kept predictor call becomes a chat exchange in the
*student's* own format (`finetune/chat_data.py`), a LoRA adapter is trained on them
(`finetune/trainer.py`) and written as a llama.cpp adapter file (`finetune/gguf_lora.py`);
the compiled program's predictors then run on `local/MODEL+lora=ADAPTER` with the student's
LM settings. One adapter serves every predictor (DSPy's multitask default).

The student's predictors must run on one `local/...` model; fine-tuning needs the
`[finetune]` extra (torch, transformers, peft, gguf). Both are checked before any LM call.

The adapter file is named by a hash of everything that decides it (the training exchanges,
the base model file, the LoRA settings, epochs, seed) and kept under the cache folder
(`$DSP_CACHE_DIR/adapters/`): a compile whose exchanges are the same reuses it without
training. A compile statement's artifact copies it beside the saved program
(`driver/artifacts.py`). Training runs under a real Ctrl-C: the adapter is written to a
temporary name and moved into place only when complete.

`lora={...}` takes `rank` (16), `alpha` (32), `layers` (a list of layer numbers; the upper
half by default), `learning_rate` (5e-4) and `batch_size` (4).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from dsplang.context import lm as run_lm
from dsplang.context import trace
from dsplang.errors import DspError, DspNotAvailableError, DspRuntimeError, DspValueError
from dsplang.lm import local
from dsplang.lm.cache import cache_dir, canonical_json
from dsplang.stdlib import program as prog
from dsplang.stdlib.finetune import extra
from dsplang.stdlib.finetune.chat_data import ChatExample, chat_example, data_hash
from dsplang.stdlib.finetune.gguf_lora import base_info, write_adapter
from dsplang.stdlib.finetune.trainer import LoraSettings, peak_rss_mb, train
from dsplang.stdlib.optimizers.base import Optimizer
from dsplang.stdlib.optimizers.bootstrap import _check_same_shape
from dsplang.stdlib.optimizers.candidates import report_single
from dsplang.stdlib.optimizers.checks import METRIC, PROGRAM, Checker, Rule, number, optional, whole
from dsplang.stdlib.optimizers.report import plural

_SKIPPED = "skipped"          # an example not tried because the budget ran out
LORA_KEYS = {"rank": "16", "alpha": "32", "layers": "[15, 16, 17]", "learning_rate": "0.0005",
             "batch_size": "4"}


def _lora_problem(value) -> bool | str:
    if not isinstance(value, dict):
        return False
    for key, item in value.items():
        if key not in LORA_KEYS:
            return f"a dict with the entry {key!r} (it takes {', '.join(LORA_KEYS)})"
        whole_number = isinstance(item, int) and not isinstance(item, bool)
        if key in ("rank", "batch_size") and not (whole_number and item >= 1):
            return f"a dict whose {key} is {item!r}, not a whole number of at least 1"
        if key in ("alpha", "learning_rate") and not (isinstance(item, (int, float)) and not isinstance(item, bool)
                                                      and item > 0):
            return f"a dict whose {key} is {item!r}, not a number above 0"
        if key == "layers" and not (isinstance(item, (list, tuple)) and item and all(
                isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in item)):
            return f"a dict whose layers is {item!r}, not a list of layer numbers"
    return True


LORA = Rule("a dict of LoRA settings", _lora_problem, 'for example: lora={"rank": 16, "alpha": 32}')


class BootstrapFinetune(Optimizer):
    """`BootstrapFinetune(metric=None, metric_threshold=None, teacher=None, epochs=2, lora=None,
    max_errors=10)` plus the common settings (threads, seed, verbose, max_calls, max_cost)."""

    def __init__(self, metric=None, metric_threshold: float | None = None, *, teacher=None, epochs: int = 2,
                 lora: dict | None = None, max_errors: int | None = 10, threads: int = 1,
                 num_threads: int | None = None, seed: int = 0, verbose: bool = True,
                 max_calls: int | None = None, max_cost: float | None = None) -> None:
        super().__init__(threads=threads, num_threads=num_threads, seed=seed, verbose=verbose,
                         max_calls=max_calls, max_cost=max_cost)
        check = Checker(self.name)
        self.metric = check("metric", metric, optional(METRIC))
        self.metric_threshold = check("metric_threshold", metric_threshold, optional(number()), "0.5")
        self.teacher = check("teacher", teacher, optional(PROGRAM))
        self.epochs = check("epochs", epochs, whole(at_least=1), "2")
        self.lora = dict(check("lora", lora, optional(LORA)) or {})
        self.max_errors = check("max_errors", max_errors, optional(whole(at_least=1)), "10")
        self.adapter: Path | None = None          # the adapter file of the last compile
        self.losses: list[float] = []             # its training losses (empty when reused)
        self.timings: dict[str, float] = {}       # seconds of each phase of the last compile

    def lora_settings(self) -> LoraSettings:
        given = dict(self.lora)
        if "layers" in given:
            given["layers"] = tuple(given["layers"])
        return LoraSettings(**given)

    # ---------------------------------------------------------- compiling

    def _compile(self, run, student, trainset, valset, teacher):
        compiled = prog.clone(student)
        student_lm, base_name, base = self._student_model(compiled)
        extra.require(self.name)
        # a model it cannot write an adapter for is refused now (the header of the loaded model)
        info = base_info(local.loaded_model(base_name).llama.metadata, base.name)
        settings = self.lora_settings()
        teacher = prog.clone(teacher or self.teacher or student)
        _check_same_shape(compiled, teacher)
        started = time.perf_counter()
        examples = self._label(run, teacher, compiled, trainset)
        self.timings = {"teacher": time.perf_counter() - started}
        adapter = self._adapter(run, base, info, examples, settings)
        tuned = student_lm.copy(model=local.with_adapter(student_lm.model, adapter))
        for _, predictor in prog.named_predictors(compiled):
            predictor.lm = tuned
        self.adapter = adapter
        report_single(run, f"fine-tuned on {plural(len(examples), 'exchange')}", compiled, self.metric,
                      valset, self.max_errors)
        return compiled

    def _student_model(self, compiled):
        """The student's one local LM and its base model's GGUF file; a refusal otherwise."""
        models = {}
        for path, predictor in prog.named_predictors(compiled):
            lm = predictor.lm if predictor.lm is not None else run_lm.current_lm()
            model = getattr(lm, "model", "")
            if not model.startswith(local.PROVIDER + "/"):
                raise DspValueError(f"{self.name}: the student's predictor {path!r} runs on {model!r}, not on "
                                    "a local model: fine-tuning trains the embedded model's weights",
                                    hint='run the student on the embedded model: use LM("local/smollm2") '
                                         "before the compile (the teacher may use any LM)")
            models[local.split_adapter(model)[0]] = lm
        if len(models) > 1:
            raise DspValueError(f"{self.name}: the student's predictors run on different local models "
                                f"({', '.join(sorted(models))}); one adapter is trained for one model",
                                hint="give every predictor of the student the same local LM")
        model, lm = next(iter(models.items()))
        name = model.split("/", 1)[1]
        base = local.model_path(name)
        if not local.runtime_installed():
            raise DspNotAvailableError(f"{self.name}: the local model runtime (llama-cpp-python) is not "
                                       "installed", hint=local.INSTALL_HINT)
        return lm, name, base

    # ---------------------------------------------------------- the teacher's exchanges

    def _label(self, run, teacher, compiled, trainset: list) -> list[ChatExample]:
        """The chat exchanges of the teacher's accepted runs, in training-set order."""
        students = dict(prog.named_predictors(compiled))
        run.reporter.phase(f"running the teacher on {plural(len(trainset), 'training example')}",
                           total=len(trainset))
        result = run.parallel(lambda example: self._one(run, teacher, example), trainset,
                              max_errors=self.max_errors)
        examples, kept, rejected = [], 0, 0
        for index in range(len(trainset)):
            if index in result.errors:
                run.outcomes.failure("training", index, result.errors[index])
                continue
            value = result.values[index] if result.finished[index] else _SKIPPED
            if value is _SKIPPED:
                continue
            run.outcomes.ok(self.metric is not None)
            if value is None:
                rejected += 1
                continue
            kept += 1
            examples.extend(chat_example(students[path], inputs, outputs) for path, inputs, outputs in value)
        if self.max_errors is not None and len(result.errors) >= self.max_errors:
            index = min(result.errors)
            first = result.errors[index]
            raise DspRuntimeError(f"{self.name}: stopped after {len(result.errors)} errors "
                                  f"(max_errors={self.max_errors}); the first, on training example "
                                  f"{index + 1}: {getattr(first, 'message', None) or first}",
                                  hint="fix the cause, or pass a larger max_errors=") from first
        run.reporter.note(f"kept {plural(kept, 'teacher run')} ({len(examples)} exchanges); "
                          f"the metric rejected {rejected}, {len(result.errors)} failed")
        if not examples:
            raise DspValueError(f"{self.name}: no training example gave an exchange to learn from "
                                f"({rejected} rejected by the metric, {len(result.errors)} failed)",
                                hint="check the teacher and the metric on a few training examples")
        return examples

    def _one(self, run, teacher, example):
        """(path, inputs, outputs) of each predictor call of the teacher on `example`; None when
        the metric rejects the run; _SKIPPED once the budget is spent."""
        if run.budget.exhausted():
            return _SKIPPED
        local_teacher = prog.clone(teacher)
        paths = {id(predictor): path for path, predictor in prog.named_predictors(local_teacher)}
        with trace.collecting() as collected:
            prediction = prog.run_on(local_teacher, example)
        calls = collected.predictor_calls()
        if self.metric is not None and example.labels().to_dict():
            value = prog.score(self.metric, example, prediction, calls)
            if not prog.passes(value, self.metric_threshold, self.metric):
                return None
        out = []
        for call in calls:
            # only the teacher's own predictors (a KNN teacher's per-call copies stand for
            # them): the calls of a compile inside the run, such as a KNN teacher bootstrapping
            # demos on its neighbours, were not what the metric judged
            path = paths.get(id(prog.original_predictor(call.predictor)))
            if path is not None and call.outputs is not None:
                out.append((path, call.inputs, call.outputs))
        return out

    # ---------------------------------------------------------- the adapter

    def _adapter(self, run, base: Path, info: dict, examples: list[ChatExample], settings: LoraSettings) -> Path:
        """The adapter for these exchanges: the cached file, or a new one trained now."""
        key = prog.sha256(canonical_json({
            "exchanges": data_hash(examples), "base": base.name, "base_size": base.stat().st_size,
            "lora": settings.__dict__, "epochs": self.epochs, "seed": self.seed})).removeprefix("sha256:")[:16]
        path = cache_dir() / "adapters" / f"{key}.lora.gguf"
        self.losses = []
        if path.is_file():
            run.reporter.note(f"using the adapter trained before on the same exchanges ({path})")
            return path
        steps = -(-len(examples) // settings.batch_size) * self.epochs
        run.reporter.phase(f"fine-tuning on {plural(len(examples), 'exchange')}: {self.epochs} epochs, "
                           f"{steps} steps", total=steps)
        every = max(1, steps // 10)

        def progress(step: int, total: int, loss: float, seconds: float) -> None:
            run.reporter.advance()
            if step == 1 or step % every == 0 or step == total:
                run.reporter.note(f"step {step}/{total}: loss {loss:.3f}, {seconds:.0f} s "
                                  f"({step / max(seconds, 1e-9):.2f} steps/s)")
        try:
            result = train(base, examples, settings, epochs=self.epochs, seed=self.seed, progress=progress)
            started = time.perf_counter()
            write_adapter(path, info, result.tensors, settings.alpha)
            self.timings.update({"loading the model into torch": result.load_seconds,
                                 "training": result.train_seconds,
                                 "writing the adapter": time.perf_counter() - started})
        except DspError:
            raise
        except (RuntimeError, ValueError, OSError) as err:
            raise DspRuntimeError(f"{self.name}: fine-tuning failed: {type(err).__name__}: {err}") from err
        self.losses = result.losses
        run.reporter.note(f"trained {plural(result.steps, 'step')} in {result.train_seconds:.0f} s (model loaded in "
                          f"{result.load_seconds:.0f} s); loss {result.losses[0]:.3f} -> {result.losses[-1]:.3f}; "
                          f"peak memory {peak_rss_mb():.0f} MB; adapter {os.path.getsize(path) / 1e6:.1f} MB")
        return path
