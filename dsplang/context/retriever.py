"""The current retriever: what `use BM25(...)` and `with BM25(...):` set in the Run.

A retriever is any object with a callable `search(query, k)`. The current one belongs to
the Run, so threads started with ``contextvars.copy_context().run`` see it, and a `with`
block restores the previous one when it ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dsplang.context.run import current, derived, replace_current
from dsplang.errors import DspValueError

NO_RETRIEVER_HINT = ('add `use BM25("corpus/")` before it, or pass one: '
                     'Retrieve(k=3, retriever=BM25("corpus/"))')


def is_retriever(value: Any) -> bool:
    """Whether `value` can serve as a retriever (it has a callable `search`)."""
    return not isinstance(value, type) and callable(getattr(value, "search", None))


def set_default(retriever: Any) -> None:
    """`use RETRIEVER`: the retriever for the rest of this context (None clears it)."""
    replace_current(retriever=retriever)


@contextmanager
def using(retriever: Any) -> Iterator[Any]:
    """`with RETRIEVER:` — the current retriever inside the block, restored after it."""
    with derived(retriever=retriever):
        yield retriever


def current_retriever() -> Any:
    """The retriever to use now; DspValueError telling how to set one when there is none."""
    retriever = current().retriever
    if retriever is None:
        raise DspValueError("no retriever is configured", hint=NO_RETRIEVER_HINT)
    return retriever
