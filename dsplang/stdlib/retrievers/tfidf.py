"""`TfIdf(texts)`: a bag-of-words embedder fitted on `texts`, for KNNFewShot without a model.

The vocabulary and the inverse document frequencies come from `texts` (usually the training
inputs); `embed(texts)` (or calling it) gives one L2-normalised vector per text, with
sublinear term frequency: `(1 + log tf) * log((1 + N) / (1 + df))` per vocabulary word.
Words are lowercase runs of letters and digits; words not in the vocabulary are ignored. It
needs no network and no model, is deterministic, and suits inputs whose topic shows in
their words (news, tickets, reviews); an embedding model does better on paraphrases.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from dsplang.errors import DspTypeError, DspValueError

_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The lowercase words of `text`."""
    return _WORD.findall(text.lower())


class TfIdf:
    """TF-IDF vectors over the vocabulary of the texts it was fitted on."""

    def __init__(self, texts: list[str]) -> None:
        if isinstance(texts, str) or not isinstance(texts, (list, tuple)):
            raise DspTypeError(f"TfIdf needs a list of texts to fit on, got {type(texts).__name__}")
        documents = [Counter(words(_as_text(t))) for t in texts]
        frequency = Counter(word for doc in documents for word in doc)
        if not frequency:
            raise DspValueError("TfIdf needs at least one text with a word in it")
        vocabulary = sorted(frequency)
        self.vocabulary = {word: i for i, word in enumerate(vocabulary)}
        self.idf = [math.log((1 + len(documents)) / (1 + frequency[word])) for word in vocabulary]
        self.documents = len(documents)

    def embed(self, texts: list[str] | str) -> list[list[float]]:
        """One unit-length vector per text (a single string gives a list of one vector)."""
        if isinstance(texts, str):
            texts = [texts]
        return [self._vector(_as_text(text)) for text in texts]

    def __call__(self, texts: list[str] | str) -> list[list[float]]:
        return self.embed(texts)

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * len(self.vocabulary)
        for word, count in Counter(words(text)).items():
            index = self.vocabulary.get(word)
            if index is not None:
                vector[index] = (1 + math.log(count)) * self.idf[index]
        norm = math.sqrt(sum(x * x for x in vector))
        return [x / norm for x in vector] if norm else vector

    def __repr__(self) -> str:
        return f"<TfIdf of {self.documents} texts, {len(self.vocabulary)} words>"


def _as_text(value: object) -> str:
    if not isinstance(value, str):
        raise DspTypeError(f"TfIdf embeds texts, got {type(value).__name__}")
    return value
