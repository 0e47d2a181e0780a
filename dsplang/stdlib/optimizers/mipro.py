"""MIPROv2: instructions and demo sets proposed, then searched together with optuna (as DSPy).

1. Demo sets: `num_candidates` per predictor, made as BootstrapFewShotWithRandomSearch makes
   its candidates (zero-shot, labeled only, bootstrapped on the training set as given, then
   bootstrapped on seed-shuffled copies with a seed-drawn number of demos). The sets are
   built at the same time, sharing the threads (so each makes about DSPy's calls).
2. Instructions: the original one plus proposals by the prompt model, grounded in a summary
   of the training data (`data_summary.py`), the program's .dsp source and an LM-written
   description of it and of the predictor, demos from one of the demo sets and a random tip
   (`proposer.py`). The proposals are made at the same time; one that repeats an earlier
   proposal (or fails) is asked for again once, with another tip.
3. Search: a seeded TPE search over (instruction, demo set) per predictor on minibatches of the
   valset, with periodic full evaluations (`mipro_search.py`); the best full evaluation wins.

`auto` presets (DSPy's): "light" 6 candidates and valset of at most 100, "medium" 12 and 300,
"heavy" 18 and 1000. With demos, half the candidates are instructions (6 -> 3); trials =
max(2 * variables * log2(candidates), 1.5 * candidates), variables = 2 per predictor (1
without demos): light on one predictor is 10 trials. Unlike DSPy, which scores every trial on
the whole valset when it has 50 examples or fewer, minibatches are used whenever the valset is
larger than `minibatch_size`, and are at most half the valset (24 examples for 50).
`auto=None` needs `num_candidates` and `num_trials`.
Without a valset the last 80% of the trainset is the valset (as DSPy).
"""

from __future__ import annotations

import math
import random

from dsplang.errors import DspArgumentError, DspError, DspLMError, DspValueError
from dsplang.stdlib import program as prog
from dsplang.stdlib.optimizers import proposer
from dsplang.stdlib.optimizers.balance import check_balance_by
from dsplang.stdlib.optimizers.base import Optimizer
from dsplang.stdlib.optimizers.bootstrap import BootstrapFewShot
from dsplang.stdlib.optimizers.candidates import Candidate, CandidateScorer
from dsplang.stdlib.optimizers.checks import (
    FLAG,
    LM,
    METRIC,
    NAME,
    PROGRAM,
    TEACHER_SETTINGS,
    Checker,
    number,
    one_of,
    optional,
    whole,
)
from dsplang.stdlib.optimizers.data_summary import summarize_data
from dsplang.stdlib.optimizers.labeled_few_shot import labeled
from dsplang.stdlib.optimizers.mipro_search import TrialSearch
from dsplang.stdlib.optimizers.report import plural

AUTO = {"light": {"n": 6, "val_size": 100}, "medium": {"n": 12, "val_size": 300},
        "heavy": {"n": 18, "val_size": 1000}}
ZERO_SHOT_DEMOS = 3     # bootstrapped demos made only to ground proposals, when the result has none


class MIPROv2(Optimizer):
    """`MIPROv2(metric, prompt_model=None, task_model=None, auto="light", num_candidates=None,
    num_trials=None, max_bootstrapped_demos=4, max_labeled_demos=4, minibatch=True,
    minibatch_size=35, minibatch_full_eval_steps=5, pruning=True, init_temperature=1.0,
    balance_by=None, ...)` plus the common settings (threads or num_threads, seed, verbose,
    max_calls, max_cost)."""

    def __init__(self, metric, prompt_model=None, task_model=None, teacher_settings: dict | None = None,
                 max_bootstrapped_demos: int = 4, max_labeled_demos: int = 4, auto: str | None = "light",
                 num_candidates: int | None = None, num_trials: int | None = None, *, minibatch: bool = True,
                 minibatch_size: int = 35, minibatch_full_eval_steps: int = 5, pruning: bool = True,
                 init_temperature: float = 1.0,
                 metric_threshold: float | None = None, max_errors: int | None = 10,
                 program_aware_proposer: bool = True, data_aware_proposer: bool = True,
                 tip_aware_proposer: bool = True, fewshot_aware_proposer: bool = True,
                 view_data_batch_size: int = 10, teacher=None, balance_by: str | None = None,
                 num_threads: int | None = None,
                 threads: int = 1, seed: int = 0, verbose: bool = True, max_calls: int | None = None,
                 max_cost: float | None = None) -> None:
        check = Checker(self.name)
        super().__init__(threads=threads, num_threads=num_threads, seed=seed, verbose=verbose,
                         max_calls=max_calls, max_cost=max_cost)
        self.metric = check("metric", metric, METRIC)
        self.prompt_model = check("prompt_model", prompt_model, optional(LM))
        self.task_model = check("task_model", task_model, optional(LM))
        self.teacher_settings = check("teacher_settings", teacher_settings, optional(TEACHER_SETTINGS))
        self.max_bootstrapped_demos = check("max_bootstrapped_demos", max_bootstrapped_demos, whole(at_least=0), "4")
        self.max_labeled_demos = check("max_labeled_demos", max_labeled_demos, whole(at_least=0), "4")
        self.auto = check("auto", auto, optional(one_of(*AUTO)), '"light"')
        self.num_candidates = check("num_candidates", num_candidates, optional(whole(at_least=1)), "7")
        self.num_trials = check("num_trials", num_trials, optional(whole(at_least=1)), "15")
        _check_auto(auto, num_candidates, num_trials)
        self.minibatch = check("minibatch", minibatch, FLAG, "false")
        self.minibatch_size = check("minibatch_size", minibatch_size, whole(at_least=1), "35")
        self.minibatch_full_eval_steps = check("minibatch_full_eval_steps", minibatch_full_eval_steps,
                                               whole(at_least=1), "5")
        self.pruning = check("pruning", pruning, FLAG, "false")
        self.init_temperature = check("init_temperature", init_temperature, number(at_least=0), "1.0")
        self.metric_threshold = check("metric_threshold", metric_threshold, optional(number()), "0.5")
        self.max_errors = check("max_errors", max_errors, optional(whole(at_least=1)), "10")
        self.program_aware_proposer = check("program_aware_proposer", program_aware_proposer, FLAG, "false")
        self.data_aware_proposer = check("data_aware_proposer", data_aware_proposer, FLAG, "false")
        self.tip_aware_proposer = check("tip_aware_proposer", tip_aware_proposer, FLAG, "false")
        self.fewshot_aware_proposer = check("fewshot_aware_proposer", fewshot_aware_proposer, FLAG, "false")
        self.view_data_batch_size = check("view_data_batch_size", view_data_batch_size, whole(at_least=1), "10")
        self.teacher = check("teacher", teacher, optional(PROGRAM))
        self.balance_by = check("balance_by", balance_by, optional(NAME), '"label"')
        self.study = None
        self.instruction_candidates: dict[str, list[str]] = {}
        self.demo_candidates: dict[str, list[list]] | None = None
        self.data_summary: str | None = None

    @property
    def zero_shot(self) -> bool:
        return self.max_bootstrapped_demos == 0 and self.max_labeled_demos == 0

    def plan(self, student, valset_size: int) -> dict:
        """The candidate counts, trials and valset size this compile will use."""
        if self.auto is None:
            return {"instructions": self.num_candidates, "demo_sets": self.num_candidates,
                    "trials": self.num_trials, "val_size": valset_size}
        n = AUTO[self.auto]["n"]
        variables = len(prog.named_predictors(student)) * (1 if self.zero_shot else 2)
        return {"instructions": n if self.zero_shot else n // 2, "demo_sets": n,
                "trials": int(max(2 * variables * math.log2(n), 1.5 * n)),
                "val_size": min(valset_size, AUTO[self.auto]["val_size"])}

    def _compile(self, run, student, trainset, valset, teacher):
        trainset, valset = self._datasets(trainset, valset)
        check_balance_by(self.balance_by, trainset, self.name)
        plan = self.plan(student, len(valset))
        if plan["val_size"] < len(valset):
            valset = random.Random(self.seed).sample(valset, plan["val_size"])
        run.reporter.note(f"{plan['demo_sets']} demo sets, {plan['instructions']} instructions per predictor, "
                          f"{plan['trials']} trials, valset of {len(valset)}")
        with proposer.prompt_lm(self.task_model):
            demo_sets = self._demo_sets(run, student, teacher or self.teacher, trainset, plan["demo_sets"])
        self.demo_candidates = None if self.zero_shot else demo_sets
        self.instruction_candidates = self._instructions(run, student, trainset, demo_sets, plan["instructions"])
        search = TrialSearch(run, CandidateScorer(run, self.metric, valset, max_errors=self.max_errors),
                             student, self.instruction_candidates, self.demo_candidates, seed=self.seed,
                             num_trials=plan["trials"], minibatch=self.minibatch,
                             minibatch_size=self.minibatch_size, full_eval_steps=self.minibatch_full_eval_steps,
                             pruning=self.pruning)
        with proposer.prompt_lm(self.task_model):
            best = search.search()
        self.study = search.study
        if best is None:        # the budget ran out before any trial was scored
            best = Candidate("the program as given (no trial scored)", prog.clone(student))
        search.report(best)
        return best.program

    def _datasets(self, trainset: list, valset: list | None) -> tuple[list, list]:
        if valset:
            return trainset, valset
        if len(trainset) < 2:
            raise DspValueError("MIPROv2 needs a valset, or a trainset of at least 2 examples to split")
        cut = len(trainset) - min(1000, max(1, int(len(trainset) * 0.8)))
        return trainset[:cut] or trainset, trainset[cut:]

    # ---------------------------------------------------------- step 1: demo sets

    def _demo_sets(self, run, student, teacher, trainset: list, count: int) -> dict[str, list[list]]:
        """`count` demo lists per predictor path (sets the budget stopped are left out)."""
        quiet = run.quiet(count - 2)                  # the bootstrapped sets share the threads
        run.reporter.phase(f"bootstrapping {count} demo sets", total=count)
        programs = run.parallel_all(lambda seed: self._demo_set(quiet, student, teacher, trainset, seed),
                                    list(range(-3, count - 3)))
        sets = {path: [] for path, _ in prog.named_predictors(student)}
        for program in programs:
            if program is not None:
                for path, predictor in prog.named_predictors(program):
                    sets[path].append(list(predictor.demos))
        run.reporter.note(f"bootstrapped {len(next(iter(sets.values())))} demo sets")
        return sets

    def _demo_set(self, run, student, teacher, trainset: list, seed: int):
        """Demo set `seed` (-3 zero-shot, -2 labeled only, -1 trainset as given, else shuffled)."""
        boot, labels = ((ZERO_SHOT_DEMOS, 0) if self.zero_shot
                        else (self.max_bootstrapped_demos, self.max_labeled_demos))
        if seed == -3:
            return prog.reset_copy(student)
        if seed == -2:
            return (labeled(student, trainset, labels, seed=self.seed, balance_by=self.balance_by) if labels
                    else prog.reset_copy(student))
        if run.budget.exhausted():
            return None
        examples = list(trainset)
        if seed >= 0:
            rng = random.Random(self.seed + seed)
            rng.shuffle(examples)
            boot = rng.randint(1, boot) if boot >= 1 else 0
        bootstrapper = BootstrapFewShot(metric=self.metric, metric_threshold=self.metric_threshold,
                                        teacher_settings=self.teacher_settings, max_bootstrapped_demos=boot,
                                        max_labeled_demos=labels, max_errors=self.max_errors,
                                        balance_by=self.balance_by, seed=self.seed, verbose=False)
        return bootstrapper.build(run, student, teacher, examples)[0]

    # ---------------------------------------------------------- step 2: instructions

    def _instructions(self, run, student, trainset, demo_sets, count: int) -> dict[str, list[str]]:
        """Per path: the original instruction, then up to `count - 1` proposals."""
        predictors = prog.named_predictors(student)
        out = {path: [p.signature.instructions] for path, p in predictors}
        if count <= 1 or run.out_of_budget():
            return out
        run.reporter.phase("proposing instructions", total=None)
        grounding = self._grounding(run, student, trainset, demo_sets)
        if run.out_of_budget():
            return out
        rng = random.Random(self.seed)
        jobs = []
        for path, predictor in predictors:
            sets = demo_sets.get(path) or []
            for index in range(1, min(count, max(len(sets), 1)) if sets else count):
                jobs.append((path, predictor.signature, index))
        draw = lambda job: (*job, rng.choice(tips), rng.randint(0, 10**9))  # noqa: E731
        tips = list(proposer.TIPS.values()) if self.tip_aware_proposer else [""]
        for _attempt in range(2):          # a proposal that repeats an earlier one is asked again once
            drawn = [draw(job) for job in jobs]
            texts = run.parallel_all(lambda job: None if run.budget.exhausted()
                                     else self._propose(grounding, demo_sets, *job), drawn)
            retry = []
            for job, text in zip(jobs, texts):
                if text and text not in out[job[0]]:
                    out[job[0]].append(text)
                else:
                    retry.append(job)
            jobs = retry
            if not jobs or run.out_of_budget():
                break
        run.reporter.note(", ".join(f"{path}: {plural(len(items), 'instruction')}" for path, items in out.items()))
        return out

    def _grounding(self, run, student, trainset, demo_sets) -> dict:
        """What every proposal sees: the data summary, the program's source and descriptions
        (the summary and the descriptions are written at the same time)."""
        jobs = [lambda: self._summary(run, trainset), lambda: self._program_grounding(run, student, demo_sets)]
        summary, program = run.parallel_all(lambda job: job(), jobs)     # None where the budget dropped a job
        return {"summary": summary, **(program or _NO_PROGRAM_GROUNDING)}

    def _summary(self, run, trainset) -> str | None:
        if not self.data_aware_proposer or run.budget.exhausted():
            return None
        summary = summarize_data(self.prompt_model, trainset, seed=self.seed, batch_size=self.view_data_batch_size,
                                 stop=run.budget.exhausted)
        if summary is None and not run.budget.exhausted():
            run.reporter.note("no data summary (the prompt model's replies could not be used)")
        return summary

    def _program_grounding(self, run, student, demo_sets) -> dict:
        none = _NO_PROGRAM_GROUNDING
        if not self.program_aware_proposer or run.budget.exhausted():
            return none
        source = proposer.program_source(student)
        predictors = prog.named_predictors(student)
        example = next((text for path, p in predictors for i in range(1, len(demo_sets.get(path, [])))
                        if (text := proposer.task_demos(p.signature, demo_sets[path], i)) != proposer.NO_DEMOS),
                       proposer.NO_DEMOS)
        try:
            described = proposer.ask(self.prompt_model, proposer.DESCRIBE_PROGRAM,
                                     {"program_code": source, "program_example": example})
        except DspLMError:        # the provider failed: stop, say why
            raise
        except DspError as err:
            run.reporter.note(f"running without the program description: {err.message}")
            return none
        grounding = {"source": source, "program": proposer.clean(str(described[0].get("program_description", "")))}
        modules = run.parallel_all(lambda item: "Not provided" if run.budget.exhausted()
                                   else self._describe_module(grounding, example, *item), predictors)
        return {**grounding, "modules": {path: text or "Not provided" for (path, _), text in zip(predictors, modules)}}

    def _describe_module(self, grounding: dict, example: str, path: str, predictor) -> str:
        module = f"{path} = {type(predictor).__name__}({predictor.signature.typed()})"
        try:
            reply = proposer.ask(self.prompt_model, proposer.DESCRIBE_MODULE, {
                "program_code": grounding["source"], "program_example": example,
                "program_description": grounding["program"], "module": module})
            return str(reply[0].get("module_description") or "Not provided")
        except DspLMError:        # the provider failed: stop, say why
            raise
        except DspError:
            return "Not provided"

    def _propose(self, grounding: dict, demo_sets, path: str, signature, index: int, tip: str,
                 rollout: int) -> str | None:
        """One proposed instruction for `path`, grounded in demo set `index` (None if unusable)."""
        program_aware = grounding["program"] is not None
        generate = proposer.module_instruction_signature(grounding["summary"] is not None, program_aware,
                                                         bool(tip))
        inputs = {"dataset_description": grounding["summary"], "program_code": grounding["source"],
                  "program_description": grounding["program"], "tip": tip,
                  "module": f"{path} = {signature.typed()}", "module_description": grounding["modules"].get(path),
                  "basic_instruction": signature.instructions,
                  "task_demos": (proposer.task_demos(signature, demo_sets.get(path) or [], index)
                                 if self.fewshot_aware_proposer else proposer.NO_DEMOS)}
        inputs = {name: inputs[name] or "Not provided" for name in generate.input_names}
        try:
            completions = proposer.ask(self.prompt_model, generate, inputs,
                                       temperature=self.init_temperature, rollout_id=rollout)
        except DspLMError:        # the provider failed: stop, say why
            raise
        except DspError:
            return None
        found = proposer.instructions_from(completions)
        return found[0] if found else None


_NO_PROGRAM_GROUNDING = {"source": None, "program": None, "modules": {}}


def _check_auto(auto, num_candidates, num_trials) -> None:
    """DSPy's rules: either a preset or both counts."""
    if auto is not None and (num_candidates is not None or num_trials is not None):
        raise DspArgumentError("MIPROv2: num_candidates and num_trials are set by the auto preset",
                               hint="pass auto=none to choose them yourself")
    if auto is None and (num_candidates is None or num_trials is None):
        raise DspArgumentError("MIPROv2: with auto=none, give both num_candidates and num_trials",
                               hint="for example: MIPROv2(metric, auto=none, num_candidates=7, num_trials=15)")
