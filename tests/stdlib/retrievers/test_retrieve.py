"""Retrieve from .dsp programs: `use BM25(...)`, `with`, retriever=, and its errors."""

from __future__ import annotations

import contextvars

import pytest

import dsplang
from dsplang.context import retriever as retrieval_context
from dsplang.errors import DspArgumentError, DspTypeError, DspValueError
from dsplang.stdlib.modules.retrieve import Retrieve


def run(source: str, capsys) -> str:
    """Run the program in a copy of the context, so its `use` statements end with it."""
    contextvars.copy_context().run(dsplang.run, source, "retrieve.dsp")
    return capsys.readouterr().out


def test_use_bm25_then_retrieve_gives_passages_sources_and_scores(folder_corpus, capsys):
    out = run(f'''
use BM25({str(folder_corpus)!r})
let retrieve = Retrieve(k=2)
let pred = retrieve("What is the capital of Japan?")
print(pred.passages[0])
print(len(pred.passages))
for hit in pred.results:
    print(hit.source, hit.score > 0, hit["text"] == hit.text)
print(retrieve(query="Colosseum", k=1).passages)
''', capsys)
    assert out == ("Tokyo is the capital of Japan.\n2\ntokyo.txt True True\n"
                   "europe/rome.txt True True\n['The Colosseum is an amphitheatre in Rome.']\n")


def test_use_of_a_retriever_keeps_the_lm(folder_corpus, capsys):
    out = run(f'''
use ScriptedLM([{{"answer": "Paris"}}])
use BM25({str(folder_corpus)!r})
let context = Retrieve(k=1)("capital of France").passages
print(Predict("context: list[str], question -> answer")(context=context, question="?").answer)
''', capsys)
    assert out == "Paris\n"


def test_with_sets_the_retriever_for_the_block_only(folder_corpus, jsonl_corpus, capsys):
    out = run(f'''
use BM25({str(folder_corpus)!r})
let retrieve = Retrieve(k=1)
with BM25({str(jsonl_corpus)!r}):
    print(retrieve("capital").results[0].source)
print(retrieve("capital Italy").results[0].source)
''', capsys)
    assert out == "peru.jsonl:1\neurope/rome.txt\n"


def test_a_retriever_can_be_passed_in_and_wins_over_use(folder_corpus, jsonl_corpus, capsys):
    out = run(f'''
use BM25({str(folder_corpus)!r})
let retrieve = Retrieve(k=3, retriever=BM25({str(jsonl_corpus)!r}))
print(retrieve("Peru").passages)
''', capsys)
    assert "Lima is the capital of Peru." in out and "Rome" not in out


def test_any_object_with_search_is_a_retriever():
    class Fixed:
        def search(self, query, k):
            return ["plain text", {"text": "a dict", "source": "s", "score": 0.5}][:k]
    pred = Retrieve(k=2, retriever=Fixed())("q")
    assert pred.passages == ["plain text", "a dict"]
    assert pred.results[1].to_dict() == {"text": "a dict", "source": "s", "score": 0.5,
                                         "title": None, "id": None}
    with retrieval_context.using(Fixed()):
        assert Retrieve(k=1)("q").passages == ["plain text"]


def test_without_a_retriever_the_error_says_how_to_set_one():
    with pytest.raises(DspValueError, match="no retriever") as caught:
        Retrieve()("q")
    assert "use BM25" in caught.value.hint


def test_bad_calls_are_argument_errors(folder_corpus, capsys):
    retrieve = Retrieve(k=1)
    with pytest.raises(DspArgumentError, match="missing the query"):
        retrieve()
    with pytest.raises(DspArgumentError, match="unknown keyword"):
        retrieve(question="x")
    with pytest.raises(DspValueError, match="k must be"):
        Retrieve(k=0)
    with pytest.raises(DspTypeError, match="search"):
        Retrieve(retriever="corpus/")
    with pytest.raises(dsplang.DspError) as caught:
        run('use BM25("no/such/folder")\nRetrieve()("x")\n', capsys)
    assert caught.value.span is not None and caught.value.span.line == 2


def test_use_of_something_else_names_both_kinds():
    with pytest.raises(dsplang.DspError, match="an LM or a retriever"):
        run("use 42\n", None)


def test_retrieve_is_a_module_part_without_predictors():
    retrieve = Retrieve(k=4)
    retrieve.set_path_hint("search")
    assert retrieve.named_predictors() == [] and retrieve.clone().k == 4
    assert retrieve.clone().name == "search"
