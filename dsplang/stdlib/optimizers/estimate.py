"""What a compile will cost, before it runs: LM calls and tokens from each optimizer's plan.

`estimate(optimizer, program, trainset, valset)` returns an `Estimate`: the compile's phases
(bootstrapping, proposing, scoring, ...), each with its expected LM calls and prompt and
completion tokens, and notes on what was assumed. No LM is called.

- **Calls** come from the optimizer's plan and the data sizes: how many candidates, trials,
  steps and mini-batches, the successive-halving rungs it will run (`candidates.halving_schedule`),
  the demo counts its seeds draw (the same `random.Random` draws the optimizer makes). A program
  run is one call per predictor. What depends on the LM's answers is assumed: a teacher run
  passes the metric with probability `PASS_RATE`; halving keeps its full share at each rung
  (no candidate clearly behind); MIPROv2's pruner stops about a third of the trials halfway.
- **Tokens**: every predictor's real prompt is rendered with its adapter (the demos it would
  hold drawn from the trainset, inputs from training examples) and counted at 4 characters a
  token; a completion is the training examples' outputs rendered as the adapter's reply
  (`REASONING_TOKENS` more for an output such as `reasoning` the data does not hold). A
  prompt-model call (an instruction proposal, SIMBA's advice) is its signature rendered with
  the program's source and one training example as its inputs.

- **Fine-tuning** (BootstrapFinetune, BetterTogether's `w` steps) makes no LM call: its phase
  has a time instead, from the training speed measured in docs/local-model.md and the tokens
  of the exchanges it would train on (the student's prompt and reply, as above).

The driver prices the tokens (`dsp compile --estimate`).
"""

from __future__ import annotations

import copy
import inspect
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from dsplang.stdlib import program as prog
from dsplang.stdlib.adapters import ChatAdapter
from dsplang.stdlib.optimizers import proposer
from dsplang.stdlib.optimizers.candidates import halving_schedule
from dsplang.stdlib.optimizers.finetune import BootstrapFinetune
from dsplang.stdlib.optimizers.knn_few_shot import KNNFewShot, KNNProgram
from dsplang.stdlib.optimizers.labeled_few_shot import LabeledFewShot
from dsplang.stdlib.optimizers.mipro_search import minibatch_for
from dsplang.stdlib.optimizers.random_search import BootstrapFewShotWithRandomSearch
from dsplang.stdlib.optimizers.report import plural
from dsplang.stdlib.optimizers.simba_strategies import OFFER_FEEDBACK
from dsplang.stdlib.signature import Signature

PASS_RATE = 0.75          # the share of teacher runs assumed to pass the metric
PRUNED = 1 / 3            # the share of MIPROv2 trials assumed stopped by the pruner
REASONING_TOKENS = 60     # completion tokens assumed for an output the training data does not hold
CHARS_PER_TOKEN = 4
SAMPLE = 5                # training examples whose inputs the prompts are rendered with


@dataclass
class Phase:
    """One part of a compile: `runs` program runs with `demos` demos per predictor (and
    `instruction_extra` characters added to each instruction), plus `prompt_calls` calls of
    the prompt model with `prompt_signature`."""

    what: str
    runs: float = 0.0
    demos: int = 0
    instruction_extra: int = 0
    prompt_calls: float = 0.0
    prompt_signature: Signature | None = None
    calls: float = 0.0                 # filled in by `estimate`
    prompt_tokens: float = 0.0
    completion_tokens: float = 0.0
    seconds: float = 0.0               # time of work that is not LM calls (fine-tuning)


@dataclass
class Estimate:
    optimizer: str
    phases: list[Phase] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return round(sum(p.calls for p in self.phases))

    @property
    def prompt_tokens(self) -> int:
        return round(sum(p.prompt_tokens for p in self.phases))

    @property
    def completion_tokens(self) -> int:
        return round(sum(p.completion_tokens for p in self.phases))

    @property
    def seconds(self) -> float:
        return sum(p.seconds for p in self.phases)

    def to_json(self) -> dict:
        return {"optimizer": self.optimizer, "calls": self.calls, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "seconds": round(self.seconds),
                "notes": list(self.notes),
                "phases": [{"what": p.what, "calls": round(p.calls), "prompt_tokens": round(p.prompt_tokens),
                            "completion_tokens": round(p.completion_tokens), "seconds": round(p.seconds)}
                           for p in self.phases]}


PLANS: dict[str, Callable] = {}


def plans(name: str):
    """Register the plan function of the optimizer class called `name`."""
    def register(fn: Callable) -> Callable:
        PLANS[name] = fn
        return fn
    return register


def estimate(optimizer, program, trainset: list, valset: list | None) -> Estimate:
    """The expected calls and tokens of `optimizer.compile(program, trainset=..., valset=...)`."""
    name = type(optimizer).__name__
    plan = PLANS.get(name)
    if plan is None:
        result = Estimate(name, notes=[f"{name} has no plan to estimate from"])
        return result
    result = plan(optimizer, program, list(trainset or []), list(valset) if valset else None)
    _fill(result, program, list(trainset or []))
    return result


def _fill(result: Estimate, program, trainset: list) -> None:
    """Each phase's calls and tokens, from its runs and prompt-model calls."""
    sizes = _Sizes(program, trainset)
    for phase in result.phases:
        prompt, completion = sizes.run(phase.demos, phase.instruction_extra) if phase.runs else (0.0, 0.0)
        calls_per_run = max(1, len(prog.named_predictors(program)))
        phase.calls = phase.runs * calls_per_run + phase.prompt_calls
        phase.prompt_tokens = phase.runs * prompt
        phase.completion_tokens = phase.runs * completion
        if phase.prompt_calls and phase.prompt_signature is not None:
            p_tokens, c_tokens = sizes.prompt_call(phase.prompt_signature)
            phase.prompt_tokens += phase.prompt_calls * p_tokens
            phase.completion_tokens += phase.prompt_calls * c_tokens


# ------------------------------------------------------------------ prompt sizes


class _Sizes:
    """Token counts of the program's rendered prompts and replies (see the module docstring)."""

    def __init__(self, program, trainset: list) -> None:
        self.predictors = [p for _, p in prog.named_predictors(program)]
        self.trainset = trainset
        self.sample = trainset[:SAMPLE]
        self.source = proposer.program_source(program)
        self._cache: dict[tuple, tuple[float, float]] = {}

    def run(self, demos: int, extra: int) -> tuple[float, float]:
        """Mean (prompt, completion) tokens of one program run."""
        key = (demos, extra)
        if key not in self._cache:
            prompt = completion = 0.0
            for predictor in self.predictors:
                p, c = self._predictor(predictor, demos, extra)
                prompt, completion = prompt + p, completion + c
            self._cache[key] = (prompt, completion)
        return self._cache[key]

    def _predictor(self, predictor, demos: int, extra: int) -> tuple[float, float]:
        signature = predictor.signature
        if extra:
            signature = signature.with_instructions(signature.instructions + "\n\n" + "x" * extra)
        adapter = predictor.adapter or ChatAdapter()
        shots = [_fields(e, signature) for e in self.trainset[:demos]]
        examples = self.sample or [None]
        prompt = completion = 0
        for example in examples:
            inputs = {name: _value(example, name) for name in signature.input_names}
            messages = adapter.format(signature, shots, inputs)
            prompt += sum(len(str(m.get("content", ""))) for m in messages)
            outputs = {name: _value(example, name, "") for name in signature.output_names}
            missing = sum(1 for name in signature.output_names if not _has(example, name))
            completion += len(adapter.format_reply(signature, outputs)) + missing * REASONING_TOKENS * CHARS_PER_TOKEN
        return prompt / len(examples) / CHARS_PER_TOKEN, completion / len(examples) / CHARS_PER_TOKEN

    def prompt_call(self, signature: Signature) -> tuple[float, float]:
        """(prompt, completion) tokens of one prompt-model call: the inputs are the program's
        source and one training example; the reply is about one input's size per output."""
        example = proposer.demo_text(self.predictors[0].signature, self.sample[0]) if self.sample else ""
        filler = f"{self.source}\n{example}"
        inputs = {name: filler if name in ("program_code", "modules_defn") else example
                  for name in signature.input_names}
        messages = ChatAdapter().format(signature, [], inputs)
        prompt = sum(len(str(m.get("content", ""))) for m in messages) / CHARS_PER_TOKEN
        completion = len(signature.output_names) * (len(example) / CHARS_PER_TOKEN + REASONING_TOKENS)
        return prompt, completion


def _has(example, name: str) -> bool:
    return example is not None and example.get(name) is not None


def _value(example, name: str, default: str = "...") -> object:
    return example.get(name) if _has(example, name) else default


def _fields(example, signature: Signature) -> dict:
    return {name: example.get(name) for name in (*signature.input_names, *signature.output_names)
            if example.get(name) is not None}


# ------------------------------------------------------------------ the plans


def _teacher_runs(successes: float, trainset_size: int) -> float:
    """Expected teacher runs to bootstrap `successes` demos from `trainset_size` examples."""
    return min(trainset_size, successes / PASS_RATE)


def _halving_runs(candidates: int, n_val: int, halving, min_batch: int = 8, eta: int = 2) -> tuple[float, str]:
    """Expected candidate-example scorings of a HalvingSearch, and the rungs as text."""
    if candidates <= 0 or n_val <= 0:
        return 0.0, "nothing to score"
    if not halving:
        return float(candidates * n_val), f"{plural(candidates, 'candidate')} on all {n_val}"
    if halving == "exact":
        first = min(min_batch, n_val)
        # the leader runs to the end; the others are raced until they cannot win (about half way)
        return float(candidates * first + (n_val - first) * (1 + 0.5 * (candidates - 1))), \
            f"{plural(candidates, 'candidate')} raced (exact)"
    sizes = halving_schedule(candidates, n_val, min_batch=min_batch, eta=eta)
    total, alive, seen = 0.0, candidates, 0
    for rung, size in enumerate(sizes):
        total += alive * (size - seen)
        seen = size
        if rung < len(sizes) - 1:
            alive = max(1, math.ceil(alive / eta))
    return total, f"{plural(candidates, 'candidate')}, rungs {', '.join(map(str, sizes))}"


@plans("LabeledFewShot")
def _labeled(optimizer, program, trainset, valset) -> Estimate:
    return Estimate("LabeledFewShot", notes=["no LM calls: the demos are training examples"])


@plans("Ensemble")
def _ensemble(optimizer, program, trainset, valset) -> Estimate:
    return Estimate("Ensemble", notes=["no LM calls when compiling: each later call runs the programs"])


@plans("KNNFewShot")
def _knn(optimizer, program, trainset, valset) -> Estimate:
    return Estimate("KNNFewShot", notes=["no LM calls when compiling: each later call bootstraps on its "
                                         f"{optimizer.k} nearest training examples (once per set of neighbours)"])


@plans("BootstrapFewShot")
def _bootstrap(optimizer, program, trainset, valset) -> Estimate:
    out = Estimate("BootstrapFewShot")
    runs = _teacher_runs(optimizer.max_bootstrapped_demos, len(trainset))
    out.phases.append(Phase(f"teacher runs for {plural(optimizer.max_bootstrapped_demos, 'demo')}", runs=runs,
                            demos=min(optimizer.max_labeled_demos, len(trainset))))
    if valset and optimizer.metric is not None:
        out.phases.append(Phase(f"scoring on {len(valset)} validation examples", runs=len(valset),
                                demos=min(optimizer.max_labeled_demos, len(trainset))))
    out.notes.append(f"assumes {PASS_RATE:.0%} of the teacher's runs pass the metric")
    return out


@plans("BootstrapFewShotWithRandomSearch")
def _random_search(optimizer, program, trainset, valset) -> Estimate:
    out = Estimate("BootstrapFewShotWithRandomSearch")
    boot = optimizer.max_bootstrapped_demos
    sizes = [boot] + [random.Random(optimizer.seed + s).randint(1, boot)
                      for s in range(optimizer.num_candidate_programs)]
    runs = sum(_teacher_runs(size, len(trainset)) for size in sizes)
    labeled = min(optimizer.max_labeled_demos, len(trainset))
    out.phases.append(Phase(f"bootstrapping {plural(len(sizes), 'candidate')} ({sum(sizes)} demos)", runs=runs,
                            demos=labeled))
    scoring, rungs = _halving_runs(optimizer.num_candidate_programs + 3, len(valset or trainset), optimizer.halving,
                                   optimizer.min_batch, optimizer.eta)
    out.phases.append(Phase(f"scoring: {rungs}", runs=scoring, demos=labeled))
    out.notes.append(f"assumes {PASS_RATE:.0%} of the teacher's runs pass the metric"
                     + (" and halving keeps its full share at every rung" if optimizer.halving is True else ""))
    return out


@plans("MIPROv2")
def _mipro(optimizer, program, trainset, valset) -> Estimate:
    out = Estimate("MIPROv2")
    if not valset:
        cut = len(trainset) - min(1000, max(1, int(len(trainset) * 0.8)))
        trainset, valset = trainset[:cut] or trainset, trainset[cut:]
    plan = optimizer.plan(program, len(valset))
    predictors = len(prog.named_predictors(program))
    boot, labels = ((3, 0) if optimizer.zero_shot else (optimizer.max_bootstrapped_demos, optimizer.max_labeled_demos))
    sizes = []
    for seed in range(-1, plan["demo_sets"] - 3):
        size = boot
        if seed >= 0:
            rng = random.Random(optimizer.seed + seed)
            rng.shuffle(list(range(len(trainset))))
            size = rng.randint(1, boot) if boot >= 1 else 0
        sizes.append(size)
    demos = min(labels or boot, len(trainset))
    out.phases.append(Phase(f"bootstrapping {plural(len(sizes), 'demo set')}",
                            runs=sum(_teacher_runs(s, len(trainset)) for s in sizes), demos=labels))
    proposals = (plan["instructions"] - 1) * predictors if plan["instructions"] > 1 else 0
    if proposals:
        batches = min(3, math.ceil(min(len(trainset), 3 * optimizer.view_data_batch_size)
                                   / optimizer.view_data_batch_size))
        grounding = (batches + 1 if optimizer.data_aware_proposer else 0) + \
            (1 + predictors if optimizer.program_aware_proposer else 0)
        out.phases.append(Phase("data summary and program description", prompt_calls=grounding,
                                prompt_signature=proposer.DESCRIBE_PROGRAM))
        out.phases.append(Phase(f"proposing {plural(proposals, 'instruction')}", prompt_calls=proposals * 1.25,
                                prompt_signature=proposer.module_instruction_signature(True, True, True)))
    n_val = plan["val_size"]
    minibatch = optimizer.minibatch and optimizer.minibatch_size < n_val
    size = minibatch_for(optimizer.minibatch_size, n_val) if minibatch else n_val
    per_trial = size * (1 - PRUNED / 2) if minibatch and optimizer.pruning else size
    out.phases.append(Phase(f"{plan['trials']} trials on {size} examples", runs=plan["trials"] * per_trial,
                            demos=demos))
    if minibatch:
        fulls = math.ceil(plan["trials"] / optimizer.minibatch_full_eval_steps)
        out.phases.append(Phase(f"{plural(fulls, 'full evaluation')} on {n_val}", runs=fulls * (n_val - size),
                                demos=demos))
    out.notes.append(f"assumes {PASS_RATE:.0%} of the teacher's runs pass and the pruner stops "
                     f"{PRUNED:.0%} of the trials halfway")
    return out


@plans("COPRO")
def _copro(optimizer, program, trainset, valset) -> Estimate:
    out = Estimate("COPRO")
    predictors = len(prog.named_predictors(program))
    data = len(valset or trainset)
    demos = max((len(p.demos) for _, p in prog.named_predictors(program)), default=0)
    for depth in range(optimizer.depth):
        proposals = optimizer.breadth - 1 if depth == 0 else optimizer.breadth
        scoring, rungs = _halving_runs(proposals + 1, data, optimizer.halving, optimizer.min_batch)
        out.phases.append(Phase(f"round {depth + 1}: {plural(proposals, 'proposal')} per predictor; {rungs}",
                                runs=predictors * scoring, demos=demos, prompt_calls=predictors,
                                prompt_signature=proposer.BASIC_GENERATE if depth == 0 else proposer.GIVEN_ATTEMPTS))
    out.notes.append("the prompt model writes a round's proposals in one call (n completions); the "
                     "completion tokens count one")
    return out


@plans("SIMBA")
def _simba(optimizer, program, trainset, valset) -> Estimate:
    out = Estimate("SIMBA")
    bsize = optimizer.batch_size(len(trainset))
    made = optimizer.num_candidates + 1
    rule_share = 1 / len(optimizer.strategies)
    demos = optimizer.max_demos // 4          # demos are appended slowly, and dropped again
    steps = optimizer.max_steps
    out.phases.append(Phase(f"{steps} steps: {optimizer.num_candidates} sampled runs of {bsize} examples",
                            runs=steps * bsize * optimizer.num_candidates, demos=demos, instruction_extra=120))
    out.phases.append(Phase(f"{steps} steps: advice for about {rule_share * made:.1f} of {made} candidates",
                            prompt_calls=steps * made * rule_share, prompt_signature=OFFER_FEEDBACK))
    out.phases.append(Phase(f"{steps} steps: {made} candidates on the mini-batch", runs=steps * bsize * made,
                            demos=demos, instruction_extra=120))
    winners = len(dict.fromkeys(round(i * steps / (made - 1)) for i in range(made))) if steps else 1
    scoring, rungs = _halving_runs(winners, len(valset or trainset), optimizer.halving)
    out.phases.append(Phase(f"final choice: {rungs}", runs=scoring, demos=demos, instruction_extra=120))
    out.notes.append("assumes the advice strategy for a share of the candidates as drawn, each candidate "
                     f"holding about {demos} demos and a rule of about 30 tokens")
    return out


GEPA_ACCEPTED = 0.25      # the share of GEPA's proposals assumed to beat their parent on the minibatch


@plans("GEPA")
def _gepa(optimizer, program, trainset, valset) -> Estimate:
    out = Estimate("GEPA")
    n_val = len(valset or trainset)
    budget = optimizer.metric_budget(program, len(trainset), n_val)
    mb = optimizer.reflection_minibatch_size
    iterations = max(0.0, (budget - n_val) / (2 * mb + GEPA_ACCEPTED * n_val))
    reflect = getattr(getattr(inspect.getmodule(optimizer), "gepa_reflect", None), "REFLECT", None)
    demos = max((len(p.demos) for _, p in prog.named_predictors(program)), default=0)
    out.phases.append(Phase(f"up to {plural(budget, 'metric call')} (one program run each)", runs=budget,
                            demos=demos, instruction_extra=200))
    out.phases.append(Phase(f"about {iterations:.0f} reflections", prompt_calls=iterations,
                            prompt_signature=reflect or proposer.BASIC_GENERATE))
    out.notes.append(f"assumes the whole metric-call budget is spent and {GEPA_ACCEPTED:.0%} of the proposals "
                     "beat their parent (each then scored on the whole valset)")
    return out


# ------------------------------------------------------------------ fine-tuning

# Training speed, from the run in docs/local-model.md ("Example: fine-tuned topic
# classification", `python benchmarks/finetune.py`): SmolLM2-135M, rank 16 on layers 15-29,
# batch 4, 2 torch threads, on a shared 2-core machine under load: 70 steps of 4 exchanges of
# about 265 tokens in 256 s (about 290 tokens a second), the model read into torch in 32 s,
# the adapter written in 3 s.
TRAIN_TOKENS_PER_SECOND = 290.0
LOAD_SECONDS = 32.0
WRITE_SECONDS = 3.0
CHAT_TOKENS = 10          # the chat template's role markers around an exchange's messages


@dataclass
class _Teacher:
    """What a fine-tune's teacher costs: the demos each predictor holds and, for a KNN teacher,
    the bootstrapping runs each call makes on its neighbours and the pool they come from."""

    demos: int
    bootstrap_runs: float = 0.0
    pool: int = 0
    knn: bool = False         # its predictors hold no demos: each call gets its own

    @property
    def own_demos(self) -> int:
        """The demos in the prompts of the program's own predictors (a fine-tune's exchanges)."""
        return 0 if self.knn else self.demos


def _demos_held(program) -> int:
    return max((len(p.demos) for _, p in prog.named_predictors(program)), default=0)


def _teacher(program) -> _Teacher:
    if isinstance(program, KNNProgram):
        boot = program.settings.get("max_bootstrapped_demos", 4)
        labeled = program.settings.get("max_labeled_demos", 16)
        return _Teacher(min(program.k, labeled, len(program.trainset)),
                        _teacher_runs(min(boot, program.k), program.k), len(program.trainset), knn=True)
    return _Teacher(_demos_held(program))


def _finetune_phases(optimizer, program, trainset: list, teacher: _Teacher, student_demos: int) -> list[Phase]:
    """The teacher's runs (capped by max_calls) and the training they feed."""
    predictors = max(1, len(prog.named_predictors(program)))
    runs = float(len(trainset))
    if optimizer.max_calls is not None:
        runs = min(runs, optimizer.max_calls // predictors)
    phases = []
    if teacher.bootstrap_runs:
        # a fresh copy of the teacher per training example: it bootstraps on its neighbours
        # again each time, but the same request on the same pool example is a cache hit
        phases.append(Phase("the KNN teacher bootstrapping on its neighbours",
                            runs=min(runs * teacher.bootstrap_runs, teacher.pool)))
    phases.append(Phase(f"teacher runs on {plural(round(runs), 'training example')}", runs=runs,
                        demos=teacher.demos))
    labelled = optimizer.metric is not None and any(e.labels().to_dict() for e in trainset)
    exchanges = round((runs * PASS_RATE if labelled else runs) * predictors)
    settings = optimizer.lora_settings()
    steps = math.ceil(exchanges / settings.batch_size) * optimizer.epochs
    prompt, completion = _Sizes(program, trainset).run(student_demos, 0) if exchanges else (0.0, 0.0)
    tokens = min(settings.max_tokens, (prompt + completion) / predictors + CHAT_TOKENS)
    seconds = LOAD_SECONDS + exchanges * optimizer.epochs * tokens / TRAIN_TOKENS_PER_SECOND + WRITE_SECONDS
    phases.append(Phase(f"training: {plural(exchanges, 'exchange')} of ~{tokens:.0f} tokens, "
                        f"{plural(optimizer.epochs, 'epoch')}, {plural(steps, 'step')} of {settings.batch_size}",
                        seconds=seconds if exchanges else 0.0))
    return phases


FINETUNE_NOTE = (f"training time: {TRAIN_TOKENS_PER_SECOND:.0f} tokens a second plus {LOAD_SECONDS:.0f} s to "
                 "load the model, as measured in docs/local-model.md (SmolLM2-135M, default LoRA settings, "
                 "a loaded 2-core machine); none when an adapter trained on the same exchanges is cached")


@plans("BootstrapFinetune")
def _finetune(optimizer, program, trainset, valset) -> Estimate:
    out = Estimate("BootstrapFinetune")
    teacher = _teacher(optimizer.teacher if optimizer.teacher is not None else program)
    out.phases.extend(_finetune_phases(optimizer, program, trainset, teacher, _demos_held(program)))
    if valset and optimizer.metric is not None:
        out.phases.append(Phase(f"scoring on {len(valset)} validation examples", runs=len(valset),
                                demos=_demos_held(program)))
    out.notes.extend(_finetune_notes(optimizer))
    return out


def _finetune_notes(optimizer) -> list[str]:
    passing = [f"assumes {PASS_RATE:.0%} of the teacher's runs pass the metric"] if optimizer.metric is not None else []
    return [*passing, FINETUNE_NOTE, "the teacher's calls are counted at the current LM's prompt sizes and price"]


def _after_prompts(optimizer, trainset: list, before: _Teacher) -> _Teacher:
    """What the program holds after a prompt-optimizing step of BetterTogether."""
    n = len(trainset)
    if isinstance(optimizer, KNNFewShot):
        pool = len(optimizer.trainset) if optimizer.trainset is not None else n
        k = min(optimizer.k, pool)
        return _Teacher(min(k, optimizer.max_labeled_demos), _teacher_runs(min(optimizer.max_bootstrapped_demos, k), k),
                        pool, knn=True)
    if isinstance(optimizer, LabeledFewShot):
        return _Teacher(min(optimizer.k, n))
    boot, labeled = getattr(optimizer, "max_bootstrapped_demos", None), getattr(optimizer, "max_labeled_demos", None)
    if isinstance(boot, int) and isinstance(labeled, int):
        return _Teacher(max(min(boot, n), min(labeled, n)))
    return before


@plans("BetterTogether")
def _better_together(optimizer, program, trainset, valset) -> Estimate:
    out = Estimate("BetterTogether")
    held = _teacher(program)
    spent = 0.0
    for index, step in enumerate(optimizer.steps):
        label = f"{index + 1}. {step}"
        if optimizer.max_calls is not None and spent >= optimizer.max_calls:
            out.notes.append(f"max_calls={optimizer.max_calls} is spent before step {label}, which does not run")
            break
        given = optimizer.prompt_optimizer if step == "p" else optimizer.weight_optimizer
        if given is None:
            cls = BootstrapFewShotWithRandomSearch if step == "p" else BootstrapFinetune
            given = cls(metric=optimizer.metric, seed=optimizer.seed, verbose=False)
        label += f" ({given.name})"
        if step == "w" and isinstance(given, BootstrapFinetune):
            given = copy.copy(given)
            if optimizer.max_calls is not None:
                left = int(optimizer.max_calls - spent)
                given.max_calls = left if given.max_calls is None else min(given.max_calls, left)
            part = Estimate(given.name, _finetune_phases(given, program, trainset, held, held.own_demos),
                            _finetune_notes(given))
            _fill(part, program, trainset)
        else:
            part = estimate(given, program, trainset, valset)
            if step == "p":
                held = _after_prompts(given, trainset, held)
        if optimizer.max_calls is not None and part.calls > optimizer.max_calls - spent:
            share = (optimizer.max_calls - spent) / part.calls     # the step gets what is left, and stops there
            for phase in part.phases:
                phase.runs *= share
                phase.prompt_calls *= share
            _fill(part, program, trainset)
            out.notes.append(f"max_calls={optimizer.max_calls} runs out during step {label}")
        for phase in part.phases or [Phase("no LM calls")]:
            phase.what = f"{label}: {phase.what}"
            out.phases.append(phase)
        spent += part.calls
        out.notes.extend(n for n in part.notes if n not in out.notes)
    return out
