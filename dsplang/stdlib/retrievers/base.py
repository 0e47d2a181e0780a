"""What every corpus retriever shares: the corpus, the lazily built (or loaded) index, and
the `search(query, k)` contract that `use`, `with` and `Retrieve` rely on.

A subclass names its `kind`, its index `settings()`, and implements `_build(passages,
folder)` (index the passages and write the index into `folder`), `_load(folder)` and
`_top(query, k) -> list[(passage index, score)]`.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from dsplang.errors import DspValueError
from dsplang.stdlib.retrievers import corpus
from dsplang.stdlib.retrievers.corpus import Hit, Passage


class CorpusRetriever:
    """A retriever over a local corpus; the index is made on the first search."""

    kind = "corpus"

    def __init__(self, corpus_path: str | os.PathLike) -> None:
        self.corpus_path = os.fspath(corpus_path)
        self.passages: list[Passage] = []
        self.index_status: str | None = None   # "built" or "loaded" after the first search
        self._lock = threading.Lock()

    def settings(self) -> tuple:
        """What besides the corpus files changes the index (part of its cache key)."""
        return ()

    def search(self, query: str, k: int = 3) -> list[Hit]:
        """The `k` best passages for `query`, best first."""
        k = _check_k(k)
        self.ensure_index()
        if not str(query).strip():
            return []
        return [Hit(self.passages[i], score) for i, score in self._top(str(query), k)]

    def __call__(self, query: str, k: int = 3) -> list[str]:
        """The texts of the `k` best passages (what a tool function would return)."""
        return [hit.text for hit in self.search(query, k)]

    def ensure_index(self) -> None:
        """Load the cached index of the corpus as it is now, or build and cache it (once per
        retriever: a retriever made after the files change indexes them again)."""
        with self._lock:
            if self.index_status is not None:
                return
            files = corpus.corpus_files(self.corpus_path)
            key = corpus.fingerprint(files, self.kind, *self.settings())
            folder = corpus.index_dir(self.kind, key)
            if folder.is_dir() and self._try_load(folder):
                self.index_status = "loaded"
            else:
                passages = corpus.read_passages(self.corpus_path, files)
                corpus.save_index(folder, lambda target: self._build_into(passages, target))
                self.passages = passages
                self.index_status = "built"

    def _try_load(self, folder: Path) -> bool:
        try:
            self.passages = corpus.load_passages(folder)
            self._load(folder)
            return True
        except (OSError, ValueError, KeyError, TypeError):
            return False  # a damaged or older index is rebuilt

    def _build_into(self, passages: list[Passage], folder: Path) -> None:
        corpus.save_passages(folder, passages)
        self._build(passages, folder)

    def _build(self, passages: list[Passage], folder: Path) -> None:
        raise NotImplementedError

    def _load(self, folder: Path) -> None:
        raise NotImplementedError

    def _top(self, query: str, k: int) -> list[tuple[int, float]]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.corpus_path!r})"


def _check_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise DspValueError(f"k must be a positive whole number, got {k!r}")
    return k
