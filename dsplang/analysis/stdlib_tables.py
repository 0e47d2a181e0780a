"""Tables of the standard library's callables that the static checks need, kept here because the
analysis layer cannot import the standard library (tests/analysis/test_stdlib_tables.py holds
each table equal to the real constructors and classes).
"""

from __future__ import annotations

# The keyword arguments of each optimizer's constructor, in the order its error hint lists them
# (every one may be given by keyword; `Optimizer.__new__` refuses any other).
OPTIMIZER_PARAMS: dict[str, tuple[str, ...]] = {
    "BootstrapFewShot": (
        "metric", "metric_threshold", "teacher_settings", "max_bootstrapped_demos", "max_labeled_demos",
        "max_rounds", "max_errors", "teacher", "balance_by", "threads", "num_threads", "seed", "verbose", "max_calls",
        "max_cost",
    ),
    "BetterTogether": (
        "metric", "prompt_optimizer", "weight_optimizer", "strategy", "threads", "num_threads", "seed", "verbose",
        "max_calls", "max_cost",
    ),
    "BootstrapFinetune": (
        "metric", "metric_threshold", "teacher", "epochs", "lora", "max_errors", "threads", "num_threads", "seed",
        "verbose", "max_calls", "max_cost",
    ),
    "BootstrapFewShotWithRandomSearch": (
        "metric", "teacher_settings", "max_bootstrapped_demos", "max_labeled_demos", "max_rounds",
        "num_candidate_programs", "num_threads", "max_errors", "stop_at_score", "metric_threshold",
        "halving", "min_batch", "eta", "confidence", "labeled_sample", "teacher", "balance_by",
        "threads", "seed", "verbose", "max_calls", "max_cost",
    ),
    "COPRO": (
        "metric", "prompt_model", "breadth", "depth", "init_temperature", "track_stats", "halving",
        "min_batch", "max_errors", "num_threads", "threads", "seed", "verbose", "max_calls", "max_cost",
    ),
    "Ensemble": (
        "reduce_fn", "size", "metric", "threads", "num_threads", "seed", "verbose", "max_calls", "max_cost",
    ),
    "GEPA": (
        "metric", "reflection_lm", "auto", "max_metric_calls", "max_full_evals",
        "reflection_minibatch_size", "candidate_selection_strategy", "skip_perfect_score", "use_merge",
        "max_merge_invocations", "failure_score", "perfect_score", "max_errors", "num_threads",
        "threads", "seed", "verbose", "max_calls", "max_cost",
    ),
    "KNNFewShot": (
        "k", "trainset", "embedder", "vectorizer", "metric", "metric_threshold",
        "max_bootstrapped_demos", "max_labeled_demos", "max_rounds", "max_errors", "threads", "num_threads", "seed",
        "verbose", "max_calls", "max_cost",
    ),
    "LabeledFewShot": (
        "k", "sample", "balance_by", "metric", "threads", "num_threads", "seed", "verbose", "max_calls", "max_cost",
    ),
    "MIPROv2": (
        "metric", "prompt_model", "task_model", "teacher_settings", "max_bootstrapped_demos",
        "max_labeled_demos", "auto", "num_candidates", "num_trials", "minibatch", "minibatch_size",
        "minibatch_full_eval_steps", "pruning", "init_temperature", "metric_threshold", "max_errors",
        "program_aware_proposer", "data_aware_proposer", "tip_aware_proposer", "fewshot_aware_proposer",
        "view_data_batch_size", "teacher", "balance_by", "num_threads", "threads", "seed", "verbose",
        "max_calls", "max_cost",
    ),
    "SIMBA": (
        "metric", "bsize", "num_candidates", "max_steps", "max_demos", "prompt_model",
        "teacher_settings", "demo_input_field_maxlen", "num_threads", "temperature_for_sampling",
        "temperature_for_candidates", "halving", "max_errors", "threads", "seed", "verbose",
        "max_calls", "max_cost",
    ),
}

# The attributes of a prediction that are not its fields (methods and `completions`).
PREDICTION_ATTRIBUTES = frozenset({
    "completions", "dsp_fields", "get", "items", "keys", "toDict", "to_dict", "values",
})

# The keyword arguments of predictor constructors that pass any other keyword on to the LM as a
# request setting, but refuse one close to their own (a typo).
PREDICTOR_KEYWORDS: dict[str, tuple[str, ...]] = {
    "ReAct": ("tools", "max_iters", "function_calling"),
}

# Predictors whose call takes exactly their signature's inputs (and `config`) as keywords and
# whose prediction holds exactly its outputs (ChainOfThought's with `reasoning` first).
SIGNATURE_PREDICTORS = frozenset({"Predict", "ChainOfThought"})
# The keyword a Predict or ChainOfThought call takes besides the inputs: per-call LM settings.
CALL_CONFIG = "config"
