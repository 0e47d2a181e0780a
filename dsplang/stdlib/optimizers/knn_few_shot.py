"""KNNFewShot: per call, bootstrap demos from the `k` training examples nearest to the inputs.

As DSPy: training examples are embedded as `"key: value | key: value"` of their input
fields, the call's inputs the same way; the `k` examples with the highest dot product are
the training set of a BootstrapFewShot run (its settings are the extra keyword arguments),
and the program it compiles answers the call. Programs are remembered per set of neighbours,
so repeated neighbourhoods cost nothing more.

The embedder (`embedder=`, or DSPy's name `vectorizer=`) is any callable `texts -> vectors`,
or an object with an `embed(texts)` method (such as `Embeddings`).
"""

from __future__ import annotations

import threading

from dsplang.errors import DspArgumentError, DspTypeError, Span
from dsplang.interpreter.values import DspCallable
from dsplang.stdlib import program as prog
from dsplang.stdlib.optimizers.base import Optimizer
from dsplang.stdlib.optimizers.bootstrap import BootstrapFewShot
from dsplang.stdlib.optimizers.candidates import report_single
from dsplang.stdlib.optimizers.checks import EMBEDDER, METRIC, Checker, number, optional, whole


class KNNFewShot(Optimizer):
    """`KNNFewShot(k, trainset=None, embedder=None, vectorizer=None, **bootstrap_settings)`;
    the trainset defaults to the one `compile` is given."""

    def __init__(self, k: int = 3, trainset: list | None = None, embedder=None, vectorizer=None, *,
                 metric=None, metric_threshold: float | None = None, max_bootstrapped_demos: int = 4,
                 max_labeled_demos: int = 16, max_rounds: int = 1, max_errors: int | None = 10,
                 threads: int = 1, num_threads: int | None = None, seed: int = 0, verbose: bool = True,
                 max_calls: int | None = None, max_cost: float | None = None) -> None:
        super().__init__(threads=threads, num_threads=num_threads, seed=seed, verbose=verbose,
                         max_calls=max_calls, max_cost=max_cost)
        check = Checker(self.name)
        self.k = check("k", k, whole(at_least=1), "3")
        embed = embedder if embedder is not None else vectorizer
        if embed is None:
            raise DspArgumentError("KNNFewShot needs an embedder",
                                   hint='for example: KNNFewShot(k=3, embedder=Embeddings("corpus.jsonl"))')
        self.embedder = check("embedder" if embedder is not None else "vectorizer", embed, EMBEDDER)
        self.trainset = None if trainset is None else prog.check_examples(trainset, "trainset")
        if self.trainset == []:
            raise DspArgumentError("KNNFewShot: trainset= is empty, so there are no neighbours to find",
                                   hint="leave out trainset= to use the one `compile` is given")
        self.vectorizer = None
        self.metric = check("metric", metric, optional(METRIC))
        metric_threshold = check("metric_threshold", metric_threshold, optional(number()), "0.5")
        max_bootstrapped_demos = check("max_bootstrapped_demos", max_bootstrapped_demos, whole(at_least=0), "4")
        max_labeled_demos = check("max_labeled_demos", max_labeled_demos, whole(at_least=0), "16")
        max_rounds = check("max_rounds", max_rounds, whole(at_least=1), "1")
        max_errors = check("max_errors", max_errors, optional(whole(at_least=1)), "10")
        self.bootstrap_settings = dict(metric=metric, metric_threshold=metric_threshold,
                                       max_bootstrapped_demos=max_bootstrapped_demos,
                                       max_labeled_demos=max_labeled_demos, max_rounds=max_rounds,
                                       max_errors=max_errors, seed=seed)
        self.metric_threshold, self.max_rounds, self.max_errors = metric_threshold, max_rounds, max_errors
        self.max_bootstrapped_demos, self.max_labeled_demos = max_bootstrapped_demos, max_labeled_demos

    def _compile(self, run, student, trainset, valset, teacher):
        examples = self.trainset if self.trainset is not None else trainset
        knn = KNNProgram(prog.reset_copy(_unwrapped(student)), examples, self.k, self.embedder, self.bootstrap_settings,
                         teacher)
        report_single(run, f"{self.k} nearest neighbours per call", knn, self.metric, valset, self.max_errors)
        return knn

    def _needs_trainset(self, valset) -> bool:
        return self.trainset is None          # KNNFewShot(trainset=...) brings its own

    def empty_result(self, student, trainset: list):
        examples = self.trainset if self.trainset is not None else trainset
        return KNNProgram(prog.reset_copy(_unwrapped(student)), examples, self.k, self.embedder,
                          self.bootstrap_settings, None, embed_now=False)


def _unwrapped(program):
    """A KNN program is compiled as its student (its predictors, their LM): the new pool and k
    replace its own instead of nesting one KNN program in another (BetterTogether's last p step)."""
    return program.student if isinstance(program, KNNProgram) else program


class KNNProgram(DspCallable):
    """The program KNNFewShot returns. Its saved parameters are the student's."""

    def __init__(self, student, trainset: list, k: int, embedder, settings: dict, teacher, *,
                 embed_now: bool = True) -> None:
        self.student = student
        self.trainset = trainset
        self.k = k
        self.embedder = embedder
        self.settings = settings
        self.teacher = teacher
        self._vectors = _embed(embedder, [_text(ex.inputs().to_dict()) for ex in trainset]) if embed_now else None
        self._compiled: dict[tuple[int, ...], object] = {}
        self._lock = threading.Lock()

    def named_predictors(self) -> list[tuple[str, object]]:
        return prog.named_predictors(self.student)

    def clone(self) -> KNNProgram:
        copy = KNNProgram(prog.clone(self.student), self.trainset, self.k, self.embedder, self.settings,
                          self.teacher, embed_now=False)
        copy._vectors = self._vectors
        return copy

    def compiled_state(self) -> dict:
        """What decides its answers besides its predictors' parameters (a reuse key holds it,
        through `describe_setting`): the pool, k, the embedder, the bootstrap settings, the teacher."""
        return {"pool": self.trainset, "k": self.k, "embedder": self.embedder, "settings": self.settings,
                "teacher": self.teacher}

    def neighbours(self, inputs: dict) -> list[int]:
        """Indices of the k training examples nearest to `inputs`, nearest first (ties: earlier)."""
        if self._vectors is None:
            self._vectors = _embed(self.embedder, [_text(ex.inputs().to_dict()) for ex in self.trainset])
        query = _embed(self.embedder, [_text(inputs)])[0]
        scores = [sum(a * b for a, b in zip(vector, query)) for vector in self._vectors]
        ranked = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
        return ranked[: self.k]

    def call(self, args: tuple, kwargs: dict, span: Span | None):
        if args:
            raise DspArgumentError("a compiled KNNFewShot program takes keyword arguments", span)
        compiled = self._program_for(tuple(self.neighbours(kwargs)))
        return prog.call(compiled, **kwargs)

    def _program_for(self, indices: tuple[int, ...]):
        with self._lock:
            known = self._compiled.get(indices)
        if known is not None:
            return known
        optimizer = BootstrapFewShot(**self.settings, verbose=False)
        compiled = optimizer.compile(self.student, trainset=[self.trainset[i] for i in indices],
                                     teacher=self.teacher)
        # Its calls are traced with its own predictors; they stand for the student's (GEPA and
        # SIMBA look up what a predictor of this program did by prog.original_predictor).
        for (_, original), (_, copy) in zip(prog.named_predictors(self.student), prog.named_predictors(compiled)):
            copy.stands_for = original
        with self._lock:
            return self._compiled.setdefault(indices, compiled)

    def __repr__(self) -> str:
        return f"<KNNFewShot program of {prog.describe(self.student)}, k={self.k}>"


def _text(fields: dict) -> str:
    return " | ".join(f"{key}: {value}" for key, value in fields.items())


def _embed(embedder, texts: list[str]) -> list[list[float]]:
    method = getattr(embedder, "embed", None)
    vectors = method(texts) if callable(method) else prog.call(embedder, texts)
    try:
        out = [[float(x) for x in vector] for vector in vectors]
    except TypeError:
        raise DspTypeError("the KNNFewShot embedder must return one list of numbers per text") from None
    if len(out) != len(texts):
        raise DspTypeError(f"the KNNFewShot embedder returned {len(out)} vectors for {len(texts)} texts")
    return out
