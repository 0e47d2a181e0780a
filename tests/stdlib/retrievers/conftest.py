"""Fixtures for the retriever tests: small corpora on disk, and no retriever left set."""

from __future__ import annotations

import json

import pytest

from dsplang.context import retriever as retrieval_context

PARIS = "# Paris\n\nParis is the capital of France.\nIt lies on the Seine.\n\nThe Eiffel Tower is in Paris.\n"
ROME = "Rome is the capital of Italy.\n\nThe Colosseum is an amphitheatre in Rome.\n"
TOKYO = "Tokyo is the capital of Japan.\n\n\nMount Fuji can be seen from Tokyo on clear days.\n"
ROWS = [{"id": "p1", "title": "Lima", "text": "Lima is the capital of Peru."},
        {"text": "Machu Picchu is a citadel in the Andes."},
        {"id": 3, "text": "The Amazon river flows through Peru and Brazil."}]


@pytest.fixture(autouse=True)
def _no_retriever_left_set():
    yield
    retrieval_context.set_default(None)


@pytest.fixture
def folder_corpus(tmp_path):
    root = tmp_path / "corpus"
    (root / "europe").mkdir(parents=True)
    (root / "europe" / "paris.md").write_text(PARIS)
    (root / "europe" / "rome.txt").write_text(ROME)
    (root / "tokyo.txt").write_text(TOKYO)
    (root / ".hidden.txt").write_text("Paris Paris Paris capital France")
    (root / "notes.csv").write_text("not,a,corpus,file")
    return root


@pytest.fixture
def jsonl_corpus(tmp_path):
    path = tmp_path / "peru.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n\n")
    return path
