"""Find references and rename over stdio: both read the uses the scope model records."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsp_client import LspClient

PROGRAM = '''\
import "lib.dsp"

def tally(limit):
    let total = 0
    for step in range(limit):
        total = total + step
    save total to "total.json"
    return f"{total} after {limit}"

let total = 3
print(total, tally(total), shout("x"))
'''
LIB = '''\
def shout(text):
    return text
'''


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """A server with doc.dsp (which imports lib.dsp) open."""
    root = tmp_path_factory.mktemp("refs")
    (root / "lib.dsp").write_text(LIB)
    path = root / "doc.dsp"
    path.write_text(PROGRAM)
    lsp = LspClient(cwd=root)
    lsp.initialize(root)
    lsp.open(path, PROGRAM)
    lsp.diagnostics(path)
    yield lsp, root, path
    assert lsp.close() == 0


def where(locations) -> list[tuple[str, int, int, int]]:
    return sorted((Path(loc["uri"]).name, loc["range"]["start"]["line"], loc["range"]["start"]["character"],
                   loc["range"]["end"]["character"]) for loc in locations)


def references(lsp, path, line, character, declaration=True):
    return lsp.request("textDocument/references", {
        "textDocument": {"uri": path.as_uri()}, "position": {"line": line, "character": character},
        "context": {"includeDeclaration": declaration}})


def rename(lsp, path, line, character, new_name):
    return lsp.request("textDocument/rename", {
        "textDocument": {"uri": path.as_uri()}, "position": {"line": line, "character": character},
        "newName": new_name})


def test_initialize_advertises_references_and_rename(session):
    lsp, root, _ = session
    other = LspClient(cwd=root)
    try:
        caps = other.initialize(root)["capabilities"]
        assert caps["referencesProvider"] and caps["renameProvider"]
    finally:
        assert other.close() == 0


def test_references_of_a_local_follow_its_scope(session):
    lsp, _, path = session
    found = where(references(lsp, path, 5, 17))     # `total` in `total = total + step`
    assert found == [("doc.dsp", 3, 8, 13), ("doc.dsp", 5, 8, 13), ("doc.dsp", 5, 16, 21),
                     ("doc.dsp", 6, 9, 14), ("doc.dsp", 7, 14, 19)]
    assert ("doc.dsp", 3, 8, 13) not in where(references(lsp, path, 5, 17, declaration=False))


def test_references_from_the_declaration_and_of_the_outer_name(session):
    lsp, _, path = session
    assert where(references(lsp, path, 9, 5)) == [("doc.dsp", 9, 4, 9), ("doc.dsp", 10, 6, 11),
                                                  ("doc.dsp", 10, 19, 24)]
    assert where(references(lsp, path, 2, 5)) == [("doc.dsp", 2, 4, 9), ("doc.dsp", 10, 13, 18)]


def test_references_of_an_imported_name_include_its_declaration_there(session):
    lsp, _, path = session
    assert where(references(lsp, path, 10, 28)) == [("doc.dsp", 10, 27, 32), ("lib.dsp", 0, 4, 9)]


def test_rename_edits_the_declaration_and_every_use(session):
    lsp, _, path = session
    edit = rename(lsp, path, 4, 9, "i")              # the loop variable `step`
    edits = edit["changes"][path.as_uri()]
    assert sorted((e["range"]["start"]["line"], e["range"]["start"]["character"]) for e in edits) == \
        [(4, 8), (5, 24)]
    assert {e["newText"] for e in edits} == {"i"}
    edits = rename(lsp, path, 3, 9, "subtotal")["changes"][path.as_uri()]
    assert len(edits) == 5                            # let, two in the loop, save, the f-string


def test_rename_is_refused_where_other_places_could_not_follow(session):
    lsp, _, path = session
    prepare = "textDocument/prepareRename"
    assert lsp.at(prepare, path, 4, 9) is not None    # a loop variable can be renamed
    assert lsp.at(prepare, path, 2, 5) is None        # a top-level def: other files may import it
    assert lsp.at(prepare, path, 2, 11) is None       # a parameter: callers may name it
    assert lsp.at(prepare, path, 10, 28) is None      # declared in another file
    assert rename(lsp, path, 4, 9, "while") is None   # a keyword
    assert rename(lsp, path, 4, 9, "total") is None   # would capture the uses of the outer `total`
    assert rename(lsp, path, 3, 9, "step") is None    # the loop inside already binds `step`
    assert rename(lsp, path, 4, 9, "print") is None   # would shadow a builtin
