"""`Embeddings(corpus_path=None, model=..., batch_size=64, **kwargs)`: dense retrieval.

`model` is any litellm embedding model ("openai/text-embedding-3-small", with `api_base`,
`api_key`, `dimensions`, ... passed through as keyword arguments), or a local
sentence-transformers model: "local:NAME_OR_PATH", "sentence-transformers/NAME", or a path
to a model folder. A local model is never downloaded: it loads only when the
`sentence_transformers` package is installed and the model is a folder or already in the
Hugging Face cache (loaded with HF_HUB_OFFLINE=1); otherwise the error says so.

`embed(texts)` -> one vector (list of floats) per text. `search(query, k)` ranks the
corpus passages by cosine similarity; the passage vectors are computed on the first search
and cached on disk like the BM25 index (keyed by the files, the model and `dimensions`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dsplang.errors import DspError, DspLMError, DspNotAvailableError, DspValueError
from dsplang.lm.client import quiet_litellm
from dsplang.lm.retry import classify
from dsplang.lm.secrets import redact, secret_values
from dsplang.stdlib.retrievers.base import CorpusRetriever
from dsplang.stdlib.retrievers.corpus import Passage

INDEX_VERSION = 1
LOCAL_PREFIXES = ("local:", "sentence-transformers/")


class Embeddings(CorpusRetriever):
    """An embedding model, and a retriever when given a corpus."""

    kind = "embeddings"

    def __init__(self, corpus_path: str | os.PathLike | None = None, *, model: str,
                 batch_size: int = 64, **kwargs: Any) -> None:
        super().__init__("" if corpus_path is None else corpus_path)
        if not isinstance(model, str) or not model.strip():
            raise DspValueError("Embeddings needs a model name, e.g. model=\"openai/text-embedding-3-small\"")
        self.has_corpus = corpus_path is not None
        self.model = model
        self.batch_size = max(1, int(batch_size))
        self.kwargs = kwargs
        self._vectors = None
        self._local = None

    def settings(self) -> tuple:
        return (INDEX_VERSION, self.model, self.kwargs.get("dimensions"))

    # ---------------------------------------------------------- embedding

    def embed(self, texts: list[str] | str) -> list[list[float]]:
        """One embedding vector per text, in order."""
        if isinstance(texts, str):
            texts = [texts]
        texts = [str(t) for t in texts]
        if not texts:
            return []
        embed_batch = self._embed_local if self.is_local else self._embed_litellm
        out: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            out.extend(embed_batch(texts[start:start + self.batch_size]))
        return out

    @property
    def is_local(self) -> bool:
        return self.model.startswith(LOCAL_PREFIXES) or os.path.isdir(self.model)

    def _embed_litellm(self, texts: list[str]) -> list[list[float]]:
        with quiet_litellm() as litellm:
            try:
                response = litellm.embedding(model=self.model, input=texts, **self.kwargs)
            except Exception as err:  # noqa: BLE001 - every provider failure is an LM error
                failure = classify(err)
                raise DspLMError(redact(f"embedding with {self.model!r} failed: {failure.what}: "
                                        f"{failure.detail}", secret_values(self.kwargs))) from None
        rows = sorted(response.data, key=lambda row: _field(row, "index"))
        if len(rows) != len(texts):
            raise DspLMError(f"{self.model!r} returned {len(rows)} embeddings for {len(texts)} texts")
        return [[float(x) for x in _field(row, "embedding")] for row in rows]

    def _embed_local(self, texts: list[str]) -> list[list[float]]:
        model = self._local_model()
        return [[float(x) for x in row] for row in model.encode(texts)]

    def _local_model(self):
        if self._local is None:
            self._local = load_local_model(self.model)
        return self._local

    # ---------------------------------------------------------- retrieval

    def ensure_index(self) -> None:
        if not self.has_corpus:
            raise DspValueError("this Embeddings has no corpus to search",
                                hint="give it one: Embeddings(\"corpus/\", model=...)")
        super().ensure_index()

    def _build(self, passages: list[Passage], folder: Path) -> None:
        import numpy as np
        vectors = _normalized(np.asarray(self.embed([_indexed_text(p) for p in passages]),
                                         dtype="float32"))
        np.save(folder / "vectors.npy", vectors)
        self._vectors = vectors

    def _load(self, folder: Path) -> None:
        import numpy as np
        vectors = np.load(folder / "vectors.npy")
        if len(vectors) != len(self.passages):
            raise ValueError("the cached vectors do not match the passages")
        self._vectors = vectors

    def _top(self, query: str, k: int) -> list[tuple[int, float]]:
        import numpy as np
        q = _normalized(np.asarray(self.embed([query]), dtype="float32"))[0]
        if q.shape[0] != self._vectors.shape[1]:
            raise DspValueError(f"the query embedding has {q.shape[0]} dimensions but the "
                                f"corpus embeddings have {self._vectors.shape[1]}")
        scores = self._vectors @ q
        best = np.argsort(-scores, kind="stable")[:k]
        return [(int(i), float(scores[i])) for i in best]

    def __repr__(self) -> str:
        corpus = f"{self.corpus_path!r}, " if self.has_corpus else ""
        return f"Embeddings({corpus}model={self.model!r})"


def load_local_model(name: str):
    """A sentence-transformers model from a folder or the local Hugging Face cache only."""
    path = name.removeprefix("local:")
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise DspNotAvailableError(
            f"the local embedding model {name!r} needs the sentence-transformers package",
            hint="pip install sentence-transformers, or use a litellm embedding model") from None
    try:
        return SentenceTransformer(path, local_files_only=True)
    except Exception as err:  # noqa: BLE001 - any load failure means "not available here"
        if isinstance(err, DspError):
            raise
        raise DspNotAvailableError(
            f"the embedding model {name!r} is not available locally: {err}",
            hint="models are never downloaded at run time; give a model folder or download it "
                 "beforehand into the Hugging Face cache") from None


def _field(row, name: str):
    return row[name] if isinstance(row, dict) else getattr(row, name)


def _normalized(matrix):
    import numpy as np
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def _indexed_text(passage: Passage) -> str:
    return f"{passage.title}\n{passage.text}" if passage.title else passage.text
