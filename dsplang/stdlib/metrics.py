"""The standard metrics: `normalize`, `exact_match`, `f1`, `passage_match`, `semantic_f1`.

A metric is called as `metric(example, pred, trace=None)` and returns a bool or a number.
As in DSPy, the metrics here read the field `answer` of both the example and the prediction
(write your own one-line metric for another field); an example's answer may be a list of
acceptable answers, and the best match counts. Answers that are not strings (numbers, say)
are compared as their `str`.

`normalize(text)` is DSPy's answer normalisation, in this order: Unicode NFD (accents are
decomposed, not removed: "café" and "cafe" stay different), lowercase, delete ASCII
punctuation, replace the words a/an/the with a space, collapse whitespace.

`passage_match` splits the normalised texts into tokens as DSPy's passage matching does (each
run of letters, digits and combining marks, and each other visible character, is a token).
Two deliberate differences from DSPy: an empty answer matches nothing (in DSPy it matches
every passage), and a `context` that is one string is one passage (DSPy would go through it
character by character).

`semantic_f1` asks the current LM to judge recall and precision of the key ideas (DSPy's
SemanticF1); it reads `response` when the example has that field, else `answer`.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from typing import Any

from dsplang.stdlib.modules.predict import Predict
from dsplang.stdlib.signature import INPUT, OUTPUT, FieldSpec, Signature

_PUNCTUATION = frozenset(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize(text: Any) -> str:
    """DSPy's normalisation: NFD, lowercase, no punctuation, no articles, single spaces."""
    text = unicodedata.normalize("NFD", "" if text is None else str(text))
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCTUATION)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match(example, pred, trace=None, frac: float = 1.0) -> bool:
    """True when `pred.answer` equals one of `example.answer` after `normalize`.

    With `frac` below 1.0, true when the best token F1 is at least `frac` (as DSPy's
    `answer_exact_match`).
    """
    answers = _answers(example)
    if frac >= 1.0:
        guess = normalize(pred.answer)
        return any(guess == normalize(a) for a in answers)
    return _best_f1(pred.answer, answers) >= frac


def f1(example, pred, trace=None) -> float:
    """Token-level F1 of `pred.answer` against `example.answer` (the best over a list)."""
    return _best_f1(pred.answer, _answers(example))


def passage_match(example, pred, trace=None) -> bool:
    """True when a passage of `pred.context` contains an answer, as a run of whole tokens (see
    `_tokens`) of the normalised texts."""
    passages = pred.context
    if isinstance(passages, str):
        passages = [passages]
    answers = [_tokens(normalize(a)) for a in _answers(example)]
    return any(_contains(_tokens(normalize(_passage_text(p))), tokens)
               for p in passages for tokens in answers if tokens)


def semantic_f1(example, pred, trace=None, threshold: float = 0.66):
    """F1 of LM-judged recall and precision of key ideas; a bool (score >= threshold) under a trace."""

    field = "response" if "response" in example else "answer"
    judged = Predict(_judge_signature())(question=_question(example),
                                         ground_truth=str(example[field]),
                                         system_response=str(pred[field]))
    score = _harmonic(_clamp(judged.precision), _clamp(judged.recall))
    return score if trace is None else score >= threshold


# ------------------------------------------------------------------ helpers


def _answers(example) -> list:
    """`example.answer` as a list of acceptable answers."""
    answer = example.answer
    return list(answer) if isinstance(answer, (list, tuple)) else [answer]


def _token_f1(prediction: Any, truth: Any) -> float:
    """DSPy's token F1: 0.0 when nothing overlaps (also when both are empty)."""
    guess = normalize(prediction).split()
    gold = normalize(truth).split()
    same = sum((Counter(guess) & Counter(gold)).values())
    if same == 0:
        return 0.0
    return _harmonic(same / len(guess), same / len(gold))


def _best_f1(prediction: Any, answers: list) -> float:
    return max((_token_f1(prediction, a) for a in answers), default=0.0)


def _harmonic(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


_WORD_CATEGORIES = frozenset("LNM")       # letters, numbers, combining marks
_SKIPPED_CATEGORIES = frozenset("ZC")     # separators, control and unassigned characters


def _tokens(text: str) -> list[str]:
    """DSPy's passage tokens (its DPR tokenizer): after NFD, each run of letters, digits and
    combining marks is a token, and so is every other character that is not a space or a
    control character; lowercased. So in "paris’s" or "paris—the" the word "paris" stands
    apart, although `normalize` keeps non-ASCII punctuation."""
    tokens, word = [], []
    for ch in unicodedata.normalize("NFD", text):
        kind = unicodedata.category(ch)[0]
        if kind in _WORD_CATEGORIES:
            word.append(ch)
            continue
        if word:
            tokens.append("".join(word))
            word = []
        if kind not in _SKIPPED_CATEGORIES:
            tokens.append(ch)
    if word:
        tokens.append("".join(word))
    return [t.lower() for t in tokens]


def _contains(tokens: list[str], part: list[str]) -> bool:
    """True when `part` occurs in `tokens` as a contiguous run."""
    width = len(part)
    return any(tokens[i:i + width] == part for i in range(len(tokens) - width + 1))


def _passage_text(passage: Any) -> str:
    """A passage's text: a string, or the `text`/`long_text` of a record or dict."""
    if isinstance(passage, str):
        return passage
    for name in ("text", "long_text"):
        value = passage.get(name) if isinstance(passage, dict) else getattr(passage, name, None)
        if isinstance(value, str):
            return value
    return str(passage)


def _clamp(value: Any) -> float:
    return max(0.0, min(1.0, float(value)))


def _question(example) -> str:
    """The example's `question`, else its input fields as `name: value` lines."""
    if "question" in example:
        return str(example["question"])
    names = example.input_keys or ()
    return "\n".join(f"{n}: {example[n]}" for n in names)


_JUDGE: list[Signature] = []


def _judge_signature() -> Signature:
    """The signature of the semantic F1 judge (built once)."""
    if not _JUDGE:
        fields = [
            FieldSpec("question", str, None, INPUT),
            FieldSpec("ground_truth", str, None, INPUT),
            FieldSpec("system_response", str, None, INPUT),
            FieldSpec("recall", float, "fraction (out of 1.0) of the ground truth covered by the "
                      "system response", OUTPUT),
            FieldSpec("precision", float, "fraction (out of 1.0) of the system response covered "
                      "by the ground truth", OUTPUT),
        ]
        _JUDGE.append(Signature.from_fields(
            "SemanticRecallPrecision",
            "Compare a system's response to the ground truth to compute its recall and "
            "precision of key ideas.", fields))
    return _JUDGE[0]
