"""`BM25(corpus_path, k1=1.5, b=0.75)`: lexical retrieval over a local corpus with `bm25s`.

Text is lower-cased, split into words of two or more letters or digits, and English stop
words are dropped. The index is built on the first search and cached on disk (see
corpus.py); a later BM25 over the same unchanged files loads it instead of rebuilding.
Passages sharing no word with the query are not returned, so a search may give fewer
than k hits.
"""

from __future__ import annotations

import os
from pathlib import Path

from dsplang.stdlib.retrievers.base import CorpusRetriever
from dsplang.stdlib.retrievers.corpus import Passage

STOPWORDS = "en"
INDEX_VERSION = 1


class BM25(CorpusRetriever):
    """A BM25 retriever: `search(query, k)` -> hits; calling it -> the passage texts."""

    kind = "bm25"

    def __init__(self, corpus_path: str | os.PathLike, *, k1: float = 1.5, b: float = 0.75) -> None:
        super().__init__(corpus_path)
        self.k1, self.b = float(k1), float(b)
        self._index = None

    def settings(self) -> tuple:
        return (INDEX_VERSION, STOPWORDS, self.k1, self.b)

    def _build(self, passages: list[Passage], folder: Path) -> None:
        import bm25s
        tokens = _tokenize([_indexed_text(p) for p in passages])
        index = bm25s.BM25(k1=self.k1, b=self.b)
        index.index(tokens, show_progress=False)
        index.save(str(folder), show_progress=False)
        self._index = index

    def _load(self, folder: Path) -> None:
        import bm25s
        self._index = bm25s.BM25.load(str(folder), show_progress=False)

    def _top(self, query: str, k: int) -> list[tuple[int, float]]:
        tokens = _tokenize([query])
        if not tokens[0]:
            return []
        k = min(k, len(self.passages))
        docs, scores = self._index.retrieve(tokens, k=k, show_progress=False)
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]


def _indexed_text(passage: Passage) -> str:
    return f"{passage.title}\n{passage.text}" if passage.title else passage.text


def _tokenize(texts: list[str]) -> list[list[str]]:
    import bm25s
    return bm25s.tokenize(texts, stopwords=STOPWORDS, return_ids=False, show_progress=False)
