"""BM25 over folder and .jsonl corpora: ranking, k, and the on-disk index."""

from __future__ import annotations

import os

import pytest

from dsplang.errors import DspFileError, DspValueError
from dsplang.lm.cache import cache_dir
from dsplang.stdlib.retrievers.bm25 import BM25


def test_a_folder_is_split_into_passages_at_blank_lines(folder_corpus):
    bm25 = BM25(folder_corpus)
    bm25.ensure_index()
    texts = [p.text for p in bm25.passages]
    assert texts == ["Paris is the capital of France.\nIt lies on the Seine.",
                     "The Eiffel Tower is in Paris.",
                     "Rome is the capital of Italy.",
                     "The Colosseum is an amphitheatre in Rome.",
                     "Tokyo is the capital of Japan.",
                     "Mount Fuji can be seen from Tokyo on clear days."]
    assert bm25.passages[1].title == "Paris" and bm25.passages[1].source == "europe/paris.md"
    assert bm25.passages[4].source == "tokyo.txt" and bm25.passages[4].title is None


def test_the_best_passage_comes_first_with_its_source_and_score(folder_corpus):
    hits = BM25(folder_corpus).search("What is the capital of Italy?", k=3)
    assert hits[0].text == "Rome is the capital of Italy."
    assert hits[0].source == "europe/rome.txt" and hits[0]["source"] == "europe/rome.txt"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.score > 0 for h in hits)


def test_k_limits_the_hits_and_unrelated_passages_are_left_out(folder_corpus):
    bm25 = BM25(folder_corpus)
    assert len(bm25.search("capital", k=2)) == 2
    assert len(bm25.search("capital", k=50)) == 3
    assert bm25.search("zebra giraffe", k=3) == []
    assert bm25("Eiffel tower", k=1) == ["The Eiffel Tower is in Paris."]
    with pytest.raises(DspValueError):
        bm25.search("capital", k=0)


def test_a_jsonl_corpus_keeps_ids_and_titles(jsonl_corpus):
    hits = BM25(jsonl_corpus).search("Lima Peru", k=2)
    assert hits[0].text == "Lima is the capital of Peru."
    assert (hits[0].id, hits[0].title, hits[0].source) == ("p1", "Lima", "peru.jsonl:1")
    assert hits[1].id == "3"


def test_the_index_is_built_once_and_reused_from_disk(folder_corpus):
    first = BM25(folder_corpus)
    assert first.index_status is None                      # nothing happens until first use
    first.search("Rome")
    assert first.index_status == "built"
    assert any((cache_dir() / "retrievers" / "bm25").iterdir())
    second = BM25(folder_corpus)
    assert second.search("Rome", k=1)[0].text == "Rome is the capital of Italy."
    assert second.index_status == "loaded"


def test_a_changed_file_makes_the_index_rebuild(folder_corpus):
    BM25(folder_corpus).search("Rome")
    rome = folder_corpus / "europe" / "rome.txt"
    rome.write_text("Rome was founded on seven hills.\n")
    stat = rome.stat()
    os.utime(rome, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))
    again = BM25(folder_corpus)
    assert again.search("seven hills", k=1)[0].text == "Rome was founded on seven hills."
    assert again.index_status == "built"


def test_a_damaged_cached_index_is_rebuilt(folder_corpus):
    BM25(folder_corpus).search("Rome")
    for passages in (cache_dir() / "retrievers" / "bm25").rglob("passages.jsonl"):
        passages.write_text("not json\n")
    again = BM25(folder_corpus)
    assert again.search("Rome", k=1)[0].text.startswith("Rome")
    assert again.index_status == "built"


def test_a_missing_or_empty_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(DspFileError, match="no such corpus"):
        BM25(tmp_path / "nowhere").search("x")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DspFileError, match="holds no .txt"):
        BM25(tmp_path / "empty").search("x")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "no text"}\n')
    with pytest.raises(DspValueError, match="bad.jsonl:1"):
        BM25(bad).search("x")
