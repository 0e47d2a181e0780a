"""A short LM-written description of a training set, which grounds MIPROv2's instruction proposals.

As DSPy's dataset summary: the prompt model writes observations about a first batch of
`batch_size` examples, then adds to them batch by batch (answering "COMPLETE" when it has
nothing to add), then condenses them into two or three sentences. Unlike DSPy (up to 10
batches), at most `max_batches` batches are looked at: a summary of the task's shape does not
need the whole set, and each batch is one more sequential LM call. The batches are a
seed-shuffled sample of the training set.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from dsplang.errors import DspError, DspLMError
from dsplang.stdlib.optimizers.proposer import _signature, ask, clean

_HOW = ("Given several examples from a dataset please write observations about trends that hold for most "
        "or all of the samples. ")
_AREAS = ("Some areas you may consider in your observations: topics, content, syntax, conciseness, etc. "
          "It will be useful to make an educated guess as to the nature of the task this dataset will "
          "enable. Don't be afraid to be creative")
_EXAMPLES = ("in", "examples", "Sample data points from the dataset")

DESCRIBE_DATA = _signature("DatasetDescriptor", _HOW + _AREAS, [
    _EXAMPLES, ("out", "observations", "Somethings that holds true for most or all of the data you observed")])

DESCRIBE_MORE = _signature("DatasetDescriptorWithPriorObservations", _HOW +
                           "I will also provide you with a few observations I have already made.  Please add "
                           "your own observations or if you feel the observations are comprehensive say "
                           "'COMPLETE' " + _AREAS, [
    _EXAMPLES, ("in", "prior_observations", "Some prior observations I made about the data"),
    ("out", "observations", "Somethings that holds true for most or all of the data you observed or "
                            "COMPLETE if you have nothing to add")])

SUMMARIZE = _signature("ObservationSummarizer",
                       "Given a series of observations I have made about my dataset, please summarize them "
                       "into a brief 2-3 sentence summary which highlights only the most important details.", [
    ("in", "observations", "Observations I have made about my dataset"),
    ("out", "summary", "Two to Three sentence summary of only the most significant highlights of my observations")])


def examples_text(batch: list) -> str:
    """Examples as numbered blocks of `field: value` lines (inputs marked)."""
    blocks = []
    for i, example in enumerate(batch, 1):
        inputs = set(example.input_keys or ())
        lines = [f"{'(input) ' if k in inputs else ''}{k}: {v}" for k, v in example.items()]
        blocks.append(f"Example {i}:\n" + "\n".join(lines))
    return "\n\n".join(blocks)


def summarize_data(model, trainset: list, *, seed: int = 0, batch_size: int = 10, max_batches: int = 3,
                   temperature: float = 1.0, stop: Callable[[], object] | None = None) -> str | None:
    """The summary (None when the prompt model's replies could not be used, or when `stop()`,
    asked before each call after the first, says to stop: a compile's budget ran out)."""
    stopped = stop or (lambda: False)
    sample = list(trainset)
    random.Random(seed).shuffle(sample)
    batches = [sample[i:i + batch_size] for i in range(0, len(sample), batch_size)][:max_batches]
    if not batches:
        return None
    try:
        observations = _field(ask(model, DESCRIBE_DATA, {"examples": examples_text(batches[0])},
                                  temperature=temperature), "observations")
        for batch in batches[1:]:
            if stopped():
                return None
            more = _field(ask(model, DESCRIBE_MORE, {"examples": examples_text(batch),
                                                     "prior_observations": observations},
                              temperature=temperature), "observations")
            if more.upper().startswith("COMPLETE"):
                break
            observations += "\n" + more
        if stopped():
            return None
        return clean(_field(ask(model, SUMMARIZE, {"observations": observations}, temperature=temperature),
                            "summary")) or None
    except DspLMError:        # the provider failed: stop, say why
        raise
    except DspError:
        return None


def _field(completions: list[dict], name: str) -> str:
    return str(completions[0].get(name) or "").strip()
