"""Retrievers over local corpora: `BM25` (bm25.py) and `Embeddings` (embeddings.py).

A retriever is any object with `search(query, k)` returning hits (objects or dicts with
`text`, and optionally `source` and `score`) or strings; `use` and `with` accept one, and
`Retrieve` calls it.
"""
