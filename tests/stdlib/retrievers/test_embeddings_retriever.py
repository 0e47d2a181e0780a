"""Embeddings through litellm against the local OpenAI-compatible server."""

from __future__ import annotations

import pytest

from dsplang.errors import DspLMError, DspNotAvailableError, DspValueError
from dsplang.stdlib.retrievers.embeddings import Embeddings

MODEL = "openai/text-embedding-test"


@pytest.fixture
def make(openai_server):
    def build(corpus=None, **kwargs):
        return Embeddings(corpus, model=MODEL, api_base=openai_server.url, api_key="sk-test", **kwargs)
    return build


def test_embed_returns_one_vector_per_text(make, openai_server):
    vectors = make().embed(["the capital of France", "a river", "France of the capital"])
    assert len(vectors) == 3 and all(len(v) == 16 for v in vectors)
    assert vectors[0] == vectors[2] and vectors[0] != vectors[1]
    assert openai_server.paths == ["/v1/embeddings"]
    assert openai_server.requests[0]["input"] == ["the capital of France", "a river", "France of the capital"]


def test_texts_are_sent_in_batches(make, openai_server):
    assert len(make(batch_size=2).embed([f"text {i}" for i in range(5)])) == 5
    assert [len(r["input"]) for r in openai_server.requests] == [2, 2, 1]


def test_search_ranks_by_similarity_and_caches_the_vectors(make, folder_corpus, openai_server):
    first = make(folder_corpus)
    hits = first.search("Colosseum amphitheatre in Rome", k=2)
    assert hits[0].text == "The Colosseum is an amphitheatre in Rome."
    assert hits[0].source == "europe/rome.txt" and hits[0].score > hits[1].score
    assert first.index_status == "built"
    calls = len(openai_server.requests)
    second = make(folder_corpus)
    assert second.search("The Eiffel Tower is in Paris", k=1)[0].text == "The Eiffel Tower is in Paris."
    assert second.index_status == "loaded"
    assert len(openai_server.requests) == calls + 1          # only the query was embedded


def test_a_provider_failure_is_an_lm_error(make, openai_server):
    from openai_server import Error
    openai_server.queue(*[Error(400, "bad model")] * 5)
    with pytest.raises(DspLMError, match="embedding with"):
        make().embed(["x"])


def test_without_a_corpus_search_says_what_to_do(make):
    with pytest.raises(DspValueError, match="no corpus"):
        make().search("x")


def test_a_local_model_is_never_downloaded(folder_corpus):
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        with pytest.raises(DspNotAvailableError, match="sentence-transformers"):
            Embeddings(folder_corpus, model="local:all-MiniLM-L6-v2").embed(["x"])
    else:
        with pytest.raises(DspNotAvailableError, match="not available locally"):
            Embeddings(folder_corpus, model="local:/nonexistent/model-folder").embed(["x"])


def test_a_provider_error_is_said_in_words_without_the_key(openai_server):
    from openai_server import Error
    openai_server.default = Error(401, "Incorrect API key provided: sk-emb-0123456789")
    embeddings = Embeddings(model=MODEL, api_base=openai_server.url, api_key="sk-emb-0123456789")
    with pytest.raises(DspLMError) as info:
        embeddings.embed(["a text"])
    assert info.value.message == (f"embedding with {MODEL!r} failed: authentication failed (401): "
                                  "Incorrect API key provided: ***")
