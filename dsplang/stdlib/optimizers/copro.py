"""COPRO: instruction search by proposing, scoring and re-proposing with the scores (as DSPy).

For each of `depth` rounds, and for each predictor in path order:

1. the prompt model proposes instructions for it: in the first round `breadth - 1` rewrites of
   the current instruction (one call with `n=breadth - 1`, DSPy's BasicGenerateInstruction);
   in later rounds `breadth` new ones given the best attempts so far with their scores
   (GenerateInstructionGivenAttempts);
2. each proposal, put into the best program so far, is scored on the valset (the trainset when
   no valset is given) together with that best program;
3. the winner becomes the best program, so later predictors and rounds build on it.

Unlike DSPy, step 2 uses successive halving (`candidates.HalvingSearch`): every candidate is
scored on a small seed-chosen minibatch first and only the better half goes on to bigger
ones, so weak proposals cost a few examples instead of the whole set; a program already
scored (a repeated proposal, the best so far) is never run again on the same example.
`halving=False` scores every candidate on the whole set, as DSPy; `halving="exact"` picks the
same winners as `halving=False` with fewer calls (`candidates.py`). DSPy also proposes an
output-field prefix with each instruction; dsplang's adapters do not show prefixes, so only
instructions are proposed. Demos the student already has are kept.
"""

from __future__ import annotations

import statistics

from dsplang.errors import DspError, DspLMError
from dsplang.stdlib import program as prog
from dsplang.stdlib.optimizers import proposer
from dsplang.stdlib.optimizers.base import Optimizer
from dsplang.stdlib.optimizers.candidates import (
    Candidate,
    CandidateScorer,
    HalvingSearch,
    check_halving,
    report_candidates,
)
from dsplang.stdlib.optimizers.checks import FLAG, LM, METRIC, Checker, number, optional, whole


class COPRO(Optimizer):
    """`COPRO(metric, prompt_model=None, breadth=10, depth=3, init_temperature=1.4,
    track_stats=False, halving=True, min_batch=8, max_errors=10)` plus the common settings
    (threads or num_threads, seed, verbose, max_calls, max_cost)."""

    def __init__(self, metric, prompt_model=None, breadth: int = 10, depth: int = 3,
                 init_temperature: float = 1.4, track_stats: bool = False, *, halving: bool | str = True,
                 min_batch: int = 8, max_errors: int | None = 10, num_threads: int | None = None,
                 threads: int = 1, seed: int = 0, verbose: bool = True, max_calls: int | None = None,
                 max_cost: float | None = None) -> None:
        check = Checker(self.name)
        super().__init__(threads=threads, num_threads=num_threads, seed=seed, verbose=verbose,
                         max_calls=max_calls, max_cost=max_cost)
        self.metric = check("metric", metric, METRIC)
        self.prompt_model = check("prompt_model", prompt_model, optional(LM))
        self.breadth = check("breadth", breadth, whole(at_least=2), "10")
        self.depth = check("depth", depth, whole(at_least=1), "3")
        self.init_temperature = check("init_temperature", init_temperature, number(at_least=0), "1.4")
        self.track_stats = check("track_stats", track_stats, FLAG, "true")
        check_halving(halving, "COPRO")
        self.halving = halving
        self.min_batch = check("min_batch", min_batch, whole(at_least=1), "8")
        self.max_errors = check("max_errors", max_errors, optional(whole(at_least=1)), "10")
        self.candidate_programs: list[Candidate] = []
        self.stats: dict[str, list[dict]] = {}

    def _compile(self, run, student, trainset, valset, teacher):
        scorer = CandidateScorer(run, self.metric, valset or trainset, max_errors=self.max_errors)
        best = Candidate("initial instructions", prog.clone(student))
        self._known = {_key(best.program): best}
        self._order: list[Candidate] = [best]
        self.stats = {path: [] for path, _ in prog.named_predictors(student)}
        stopped = False
        for depth in range(self.depth):
            for path in self.stats:
                if run.out_of_budget() or stopped:
                    stopped = True
                    break
                best, stopped = self._round(run, scorer, best, path, depth)
        chosen = self._order.index(best)
        report_candidates(run, self._order, chosen)
        self.candidate_programs = sorted(self._order, key=lambda c: -(c.score or 0.0))
        return best.program

    def _needs_trainset(self, valset) -> bool:
        return not valset                 # proposals are scored on the valset when there is one

    def _round(self, run, scorer, best: Candidate, path: str, depth: int) -> tuple[Candidate, bool]:
        """Propose for `path`, score the proposals against `best`; the winner and whether to stop."""
        run.reporter.phase(f"round {depth + 1} of {self.depth}: proposing for {path}", total=None)
        candidates = [best]
        for index, text in enumerate(self._propose(run, best, path, depth), 1):
            candidate = self._variant(best, path, text, f"round {depth + 1} {path} #{index}")
            if candidate not in candidates:
                candidates.append(candidate)
        search = HalvingSearch(scorer, seed=self.seed, halving=self.halving, min_batch=self.min_batch,
                               expected=len(candidates))
        for candidate in candidates:
            candidate.note = ""
            search.add(candidate)
        winner = search.finish()
        if self.track_stats:
            self._note_stats(path, depth, candidates[1:])
        return (best if winner is None else search.candidates[winner]), search.stopped

    def _propose(self, run, best: Candidate, path: str, depth: int) -> list[str]:
        """New instructions for the predictor at `path` (none if the prompt model's reply was unusable)."""
        signature = dict(prog.named_predictors(best.program))[path].signature
        config = {"temperature": self.init_temperature, "rollout_id": f"copro:{self.seed}:{depth}:{path}"}
        try:
            if depth == 0:
                completions = proposer.ask(self.prompt_model, proposer.BASIC_GENERATE,
                                           {"basic_instruction": signature.instructions},
                                           n=self.breadth - 1, **config)
            else:
                completions = proposer.ask(self.prompt_model, proposer.GIVEN_ATTEMPTS,
                                           {"attempted_instructions": self._attempts(path)},
                                           n=self.breadth, **config)
        except DspLMError:        # the provider failed: stop, say why
            raise
        except DspError as err:
            run.reporter.note(f"the prompt model's proposals for {path} could not be used: {err.message}")
            return []
        return proposer.instructions_from(completions)

    def _attempts(self, path: str) -> str:
        """The `breadth` best instructions tried for `path`, worst first, with their scores."""
        best_by_text: dict[str, float] = {}
        for candidate in self._order:
            if candidate.score is None:
                continue
            text = dict(prog.named_predictors(candidate.program))[path].signature.instructions
            best_by_text[text] = max(candidate.score, best_by_text.get(text, candidate.score))
        ranked = sorted(best_by_text.items(), key=lambda item: -item[1])[: self.breadth]
        lines = []
        for i, (text, score) in enumerate(reversed(ranked), 1):
            lines += [f"Instruction #{i}: {text}", f"Resulting Score #{i}: {score}"]
        return "\n".join(lines)

    def _variant(self, best: Candidate, path: str, text: str, name: str) -> Candidate:
        """`best` with the instruction at `path` replaced (the known candidate if already made)."""
        program = prog.clone(best.program)
        predictor = dict(prog.named_predictors(program))[path]
        predictor.signature = predictor.signature.with_instructions(text)
        key = _key(program)
        if key not in self._known:
            short = " ".join(text.split())
            label = f"{name}: {short[:40]}{'...' if len(short) > 40 else ''}"
            self._known[key] = Candidate(label, program)
            self._order.append(self._known[key])
        return self._known[key]

    def _note_stats(self, path: str, depth: int, latest: list[Candidate]) -> None:
        scores = [c.score for c in latest if c.score is not None]
        if scores:
            self.stats[path].append({"depth": depth, "max": max(scores), "min": min(scores),
                                     "average": sum(scores) / len(scores), "std": statistics.pstdev(scores)})


def _key(program) -> tuple:
    """What distinguishes two instruction candidates: every predictor's instructions."""
    return tuple((path, p.signature.instructions) for path, p in prog.named_predictors(program))
