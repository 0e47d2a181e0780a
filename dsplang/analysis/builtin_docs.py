"""One-line descriptions of the names every program sees (hover and completion details).

Kept as data so the language server never imports the runtime to describe a builtin; the REPL's
`help(x)` reads it too.
Names missing here are described generically (`builtin_doc`).
"""

from __future__ import annotations

from dsplang.grammar import names

DOCS: dict[str, str] = {
    # Python-like builtins
    "print": "print(*values, sep=' ', end='\\n') — write values to standard output.",
    "len": "len(x) — the number of items in a list, dict or string.",
    "range": "range(stop) / range(start, stop[, step]) — a sequence of integers.",
    "str": "str(x) — x as text; also the type of strings.",
    "int": "int(x) — x as an integer; also the integer type.",
    "float": "float(x) — x as a floating-point number; also the float type.",
    "bool": "bool(x) — the truth value of x; also the boolean type.",
    "list": "list(iterable) — a new list; also the list type (list[T]).",
    "dict": "dict(**fields) — a new dict; also the dict type (dict[K, V]).",
    "tuple": "tuple(iterable) — an immutable sequence.",
    "set": "set(iterable) — a collection of distinct values.",
    "sorted": "sorted(iterable, key=none, reverse=false) — a new sorted list.",
    "reversed": "reversed(sequence) — the items in reverse order.",
    "min": "min(iterable) / min(a, b, ...) — the smallest value.",
    "max": "max(iterable) / max(a, b, ...) — the largest value.",
    "sum": "sum(iterable, start=0) — the total of the numbers.",
    "abs": "abs(x) — the absolute value of a number.",
    "round": "round(x, ndigits=none) — x rounded to ndigits decimals.",
    "enumerate": "enumerate(iterable, start=0) — (index, item) pairs.",
    "zip": "zip(a, b, ...) — tuples of items taken in step from each iterable.",
    "any": "any(iterable) — true if any item is true.",
    "all": "all(iterable) — true if every item is true.",
    "map": "map(function, iterable) — function applied to every item.",
    "filter": "filter(function, iterable) — the items for which function is true.",
    "repr": "repr(x) — the printable representation of x.",
    "isinstance": "isinstance(x, type) — whether x is an instance of type.",
    "hasattr": "hasattr(x, name) — whether x has an attribute called name.",
    "getattr": "getattr(x, name, default) — attribute `name` of x.",
    "type_of": "type_of(x) — the name of x's type, as a string.",
    "json_dumps": "json_dumps(value) — value encoded as a JSON string.",
    "json_loads": "json_loads(text) — the value a JSON string encodes.",
    "format": "format(value, spec) — value formatted by a format spec, as in f-strings.",
    # language models and predictors
    "LM": "LM(model, **kwargs) — a language model (any litellm model string); kwargs pass through.",
    "ScriptedLM": "ScriptedLM(...) — an offline LM that replies from a script (for tests).",
    "Signature": "Signature(spec, instructions=none) — a signature built at run time from a string.",
    "Example": "Example(**fields) — a data example; mark inputs with .with_inputs(\"a\", ...).",
    "Prediction": "Prediction(**fields) — what a predictor returns: its output fields.",
    "Predict": "Predict(signature) — a predictor that asks the LM for the signature's outputs.",
    "ChainOfThought": "ChainOfThought(signature) — Predict that adds a `reasoning` output first.",
    "ProgramOfThought": "ProgramOfThought(signature) — answers by writing and running code.",
    "ReAct": "ReAct(signature, tools=[...]) — an agent loop that calls tools until it answers.",
    "MultiChainComparison": "MultiChainComparison(signature, M=3) — compares several attempts.",
    "BestOfN": "BestOfN(module, N, reward_fn, threshold) — runs N times, keeps the best.",
    "Refine": "Refine(module, N, reward_fn, threshold) — retries with feedback until good enough.",
    "Parallel": "Parallel(num_threads=N) or Parallel(concurrency=N) — runs (module, example) pairs "
                "concurrently, on threads or as async calls.",
    "batch": "batch(program, examples, threads=N) or concurrency=N — runs a program over many inputs.",
    "Retrieve": "Retrieve(k=3) — fetches passages from the current retriever.",
    "majority": "majority(predictions) — the most common answer among predictions.",
    "BM25": "BM25(corpus_path) — a lexical retriever over a corpus file.",
    "Embeddings": "Embeddings(corpus_path, model=...) — a dense retriever over a corpus file.",
    "TfIdf": "TfIdf(texts) — TF-IDF vectors fitted on texts; an embedder for KNNFewShot with no model.",
    "ChatAdapter": "ChatAdapter() — formats prompts with [[ ## field ## ]] sections (the default).",
    "JSONAdapter": "JSONAdapter() — asks the LM for its outputs as a JSON object.",
    "inspect_history": "inspect_history(n=1) — prints the last n LM calls.",
    "History": "History(messages=[...]) — a conversation as an input type (`input history: History`): each turn "
               "a dict of the signature's fields, sent as user/assistant messages; append turns to .messages.",
    "Image": "Image(path) / Image(url=...) / Image(bytes=..., mime=...) — a picture as an input type "
             "(`input photo: Image`), sent as an image part to models that read images.",
    # optimizers
    "LabeledFewShot": "LabeledFewShot(k=16) — uses labelled examples as demos.",
    "BootstrapFewShot": "BootstrapFewShot(metric, max_bootstrapped_demos=4, balance_by=none) — keeps "
                        "demos from successful runs (balance_by=\"label\": spread over a field's values).",
    "BootstrapFewShotWithRandomSearch": "BootstrapFewShotWithRandomSearch(metric, num_candidate_programs=16, "
                                        "halving=true, ...) — bootstraps several demo sets and keeps the best "
                                        "(halving=\"exact\": DSPy's choice, fewer calls; false: all on the "
                                        "whole valset).",
    "KNNFewShot": "KNNFewShot(k, trainset) — picks the nearest training examples as demos.",
    "COPRO": "COPRO(metric, ...) — rewrites instructions by coordinate ascent.",
    "MIPROv2": "MIPROv2(metric, ...) — jointly optimises instructions and demos.",
    "Ensemble": "Ensemble(reduce_fn=majority) — combines several programs.",
    "SIMBA": "SIMBA(metric, bsize=32, num_candidates=6, max_steps=8, max_demos=4) — improves a program from "
             "its hardest examples: new rules in its instructions and new demos, kept when they score better.",
    "GEPA": "GEPA(metric, auto=\"light\", reflection_lm=...) — evolves instructions by reflecting on the "
            "metric's feedback (a Feedback or a score), keeping a Pareto frontier of candidates.",
    "BootstrapFinetune": "BootstrapFinetune(metric, teacher=..., epochs=2, lora={...}) — fine-tunes the embedded "
                         "local model (a LoRA adapter) on the teacher's accepted runs; needs the [finetune] extra.",
    "BetterTogether": "BetterTogether(metric, strategy=\"p -> w -> p\") — alternates prompt optimization (p) "
                      "and fine-tuning the local model (w), as DSPy.",
    "Feedback": "Feedback(score, text=\"\", predictor=none) — a metric's score with words on what went wrong, "
                "for GEPA (text may be a dict predictor -> text).",
    # data and evaluation
    "load": "load(path, inputs=[...]) — examples from a .jsonl, .json or .csv file.",
    "split": "split(examples, ratio=0.8, sizes=[train, dev], seed=0) — two lists: a shuffled training part "
             "(ratio of them, rounded half up, or exactly sizes) and the rest.",
    "evaluate": "evaluate(program, data, metric=..., threads=N) — .score (0–100) and .results.",
    "exact_match": "exact_match(example, pred) — true when the answers match after normalize().",
    "f1": "f1(example, pred) — token-overlap F1 between the answers.",
    "passage_match": "passage_match(example, pred) — whether a passage contains the answer.",
    "semantic_f1": "semantic_f1(example, pred) — F1 judged by an LM.",
    "normalize": "normalize(text) — lower-cased text without punctuation, articles or extra spaces.",
    "Error": "Error(message) — the error raised by `raise`; `except Error` catches every error.",
}

_ERROR_WORDS = {name: name.removesuffix("Error").lower() or "any" for name in names.ERROR_NAMES}


def builtin_doc(name: str) -> str | None:
    """The one-line description of a builtin name, or None if `name` is not one."""
    if name in DOCS:
        return DOCS[name]
    if name in names.ERROR_NAMES:
        return f"{name} — catches {_ERROR_WORDS[name]} errors in `except {name}:`."
    if name in names.CONSTANTS:
        return f"{name} — a constant."
    if name in names.GLOBAL_NAMES:
        return f"{name} — a builtin."
    return None
