"""Retrieve: the top passages for a query from a retriever.

`Retrieve(k=3, retriever=None)`; `retrieve(query)` or `retrieve(query="...", k=5)` returns a
Prediction with `passages` (the texts, best first) and `results` (one hit per passage, with
`text`, `source` and `score`). Without `retriever=` it uses the current one (`use BM25(...)`,
`with BM25(...):`), looked up at call time. It has no learnable predictors.
"""

from __future__ import annotations

from dsplang.context.retriever import current_retriever, is_retriever
from dsplang.errors import DspArgumentError, DspError, DspTypeError, DspValueError, Span, a_type
from dsplang.interpreter.values import DspCallable
from dsplang.stdlib.prediction import Prediction
from dsplang.stdlib.retrievers.corpus import Hit, Passage


class Retrieve(DspCallable):
    """`Retrieve(k=3, retriever=None)`: call it with a query string."""

    def __init__(self, k: int = 3, *, retriever=None) -> None:
        self.k = _check_k(k, None)
        if retriever is not None and not is_retriever(retriever):
            raise DspTypeError(f"Retrieve: retriever= needs an object with search(query, k), "
                               f"not {a_type(retriever)}", hint='e.g. BM25("corpus/")')
        self.retriever = retriever
        self.name = "retrieve"

    def named_predictors(self) -> list:
        return []

    def set_path_hint(self, path: str) -> None:
        self.name = path

    def clone(self) -> Retrieve:
        new = Retrieve(self.k, retriever=self.retriever)
        new.name = self.name
        return new

    def call(self, args: tuple, kwargs: dict, span: Span | None):
        query, k = _bind(self.name, args, dict(kwargs), self.k, span)
        if isinstance(query, (list, tuple)):
            query = " ".join(str(q) for q in query)
        if not isinstance(query, str):
            raise DspTypeError(f"{self.name}: the query must be a string, not a "
                               f"{type(query).__name__}", span)
        try:
            retriever = self.retriever or current_retriever()
            hits = [_as_hit(h) for h in retriever.search(query, k)][:k]
        except DspError as err:
            raise err.with_span(span)
        return Prediction(passages=[h.text for h in hits], results=hits)

    def __repr__(self) -> str:
        return f"Retrieve(k={self.k})"


def _bind(owner: str, args: tuple, kwargs: dict, default_k: int, span) -> tuple[str, int]:
    if len(args) > 2:
        raise DspArgumentError(f"{owner}() takes a query and an optional k, "
                               f"but {len(args)} arguments were given", span)
    values = dict(zip(("query", "k"), args))
    for key, value in kwargs.items():
        if key not in ("query", "k"):
            raise DspArgumentError(f"{owner}() got an unknown keyword argument {key!r}", span,
                                   hint="its parameters are: query, k")
        if key in values:
            raise DspArgumentError(f"{owner}() got several values for argument {key!r}", span)
        values[key] = value
    if "query" not in values:
        raise DspArgumentError(f"{owner}() is missing the query", span,
                               hint='call it as retrieve("your question")')
    return values["query"], _check_k(values.get("k", default_k), span)


def _check_k(k, span) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise DspValueError(f"Retrieve: k must be a positive whole number, got {k!r}", span)
    return k


def _as_hit(found) -> Hit:
    """A Hit from what a retriever returned: a Hit, a str, a dict or an object with `text`."""
    if isinstance(found, Hit):
        return found
    if isinstance(found, str):
        return Hit(Passage(found, ""), 0.0)
    get = found.get if isinstance(found, dict) else (lambda key, default=None: getattr(found, key, default))
    text = get("text", None) or get("long_text", None)
    if text is None:
        raise DspTypeError(f"a retriever returned {a_type(found)} without a 'text'")
    passage = Passage(str(text), str(get("source", "") or ""), get("title", None), get("id", None))
    return Hit(passage, float(get("score", 0.0) or 0.0))
