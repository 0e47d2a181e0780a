"""Workspace symbols over stdio: the top-level declarations of the workspace's .dsp files and
of open documents, filtered by a query; hidden folders and node_modules are not searched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lsp_client import LspClient

FILES = {
    "qa.dsp": 'signature Answer:\n    input question: str\n    output answer: str\n\n'
              'def helper(x):\n    return x\n\nlet answer_count = 3\n',
    "sub/rag.dsp": 'module RAG(hops: int = 2):\n    def forward(self, question):\n        return question\n\n'
                   'type Passage:\n    text: str\n\nenum Tone: calm, angry\n',
    ".git/hidden.dsp": "def in_git():\n    pass\n",
    "node_modules/pkg/dep.dsp": "def in_node_modules():\n    pass\n",
    ".dsp-build/cache.dsp": "def in_build_cache():\n    pass\n",
    "notes.txt": "def not_dsp():\n",
}


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    root = tmp_path_factory.mktemp("wsym")
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    lsp = LspClient(cwd=root)
    lsp.initialize(root)
    yield lsp, root
    assert lsp.close() == 0


def search(lsp, query: str) -> list[tuple[str, str, int]]:
    """(name, file relative to its folder's parent, line) of each symbol found."""
    found = lsp.request("workspace/symbol", {"query": query}) or []
    return [(s["name"], Path(s["location"]["uri"].removeprefix("file://")).name, s["location"]["range"]["start"]["line"])
            for s in found]


def test_initialize_advertises_workspace_symbols(session):
    lsp, root = session
    other = LspClient(cwd=root)
    try:
        assert other.initialize(root)["capabilities"]["workspaceSymbolProvider"]
    finally:
        assert other.close() == 0


def test_every_top_level_declaration_of_the_workspace(session):
    lsp, _ = session
    names = {name for name, _, _ in search(lsp, "")}
    assert names == {"Answer", "helper", "answer_count", "RAG", "Passage", "Tone"}


def test_symbols_carry_kind_location_and_file(session):
    lsp, root = session
    (symbol,) = lsp.request("workspace/symbol", {"query": "Passage"})
    assert symbol["kind"] == 23                                   # Struct
    assert symbol["location"]["uri"] == (root / "sub" / "rag.dsp").as_uri()
    assert symbol["location"]["range"]["start"] == {"line": 4, "character": 5}
    assert symbol["containerName"] == "rag.dsp"
    kinds = {s["name"]: s["kind"] for s in lsp.request("workspace/symbol", {"query": ""})}
    assert kinds == {"Answer": 11, "helper": 12, "answer_count": 13, "RAG": 5, "Passage": 23, "Tone": 10}


def test_the_query_filters_and_ranks(session):
    lsp, _ = session
    assert [name for name, _, _ in search(lsp, "answer")] == ["Answer", "answer_count"]
    assert [name for name, _, _ in search(lsp, "rag")] == ["RAG"]
    assert [name for name, _, _ in search(lsp, "hlpr")] == ["helper"]   # letters in order
    assert search(lsp, "zzz") == []


def test_open_documents_and_changed_files(session):
    lsp, root = session
    path = root / "qa.dsp"
    lsp.open(path, FILES["qa.dsp"] + "\ndef typed_not_saved():\n    pass\n")
    lsp.diagnostics(path)
    assert [name for name, _, _ in search(lsp, "typed")] == ["typed_not_saved"]
    outside = root.parent / f"{root.name}-outside.dsp"
    outside.write_text("def far_away():\n    pass\n")
    lsp.open(outside, outside.read_text())
    lsp.diagnostics(outside)
    assert [name for name, _, _ in search(lsp, "far_away")] == ["far_away"]
    rag = root / "sub" / "rag.dsp"
    rag.write_text(FILES["sub/rag.dsp"] + "\ndef added_on_disk():\n    pass\n")
    stamp = rag.stat().st_mtime_ns + 5_000_000_000
    os.utime(rag, ns=(stamp, stamp))
    assert [name for name, _, _ in search(lsp, "added_on")] == ["added_on_disk"]


def test_a_folder_added_to_the_workspace_is_searched(session):
    lsp, root = session
    extra = root.parent / f"{root.name}-extra"
    extra.mkdir()
    (extra / "more.dsp").write_text("signature Extra:\n    input a: str\n    output b: str\n")
    lsp.notify("workspace/didChangeWorkspaceFolders", {"event": {
        "added": [{"uri": extra.as_uri(), "name": "extra"}], "removed": []}})
    assert [name for name, _, _ in search(lsp, "Extra")] == ["Extra"]
