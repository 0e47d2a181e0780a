"""Code actions over stdio: the "did you mean" of a diagnostic as a quick fix, its edit carried
in the diagnostic's `data`."""

from __future__ import annotations

import pytest
from lsp_client import LspClient

LIB = '''\
signature Lookup:
    input topic: str
    output page: str
'''

PROGRAM = '''\
import "lib.dsp" as lib
import "lbi.dsp"

signature QA:
    input question: str
    output answer: str

let question = "Why?"
let qa = Predict(QA)
let pred = qa(questoin=qustion)
print(pred.anwser, lib.Lookpu)
let optimizer = BootstrapFewShot(max_bootstraped_demos=2)
let x: lsit[str] = []
try:
    pass
except ValueEror:
    pass
print(len([]), zzzzzz)
'''

FIXES = sorted([   # (line, old, new)
    (1, "lbi.dsp", "lib.dsp"),
    (9, "questoin", "question"),                  # a predictor's input
    (9, "qustion", "question"),                   # a name
    (10, "Lookpu", "Lookup"),                     # a declaration of an imported file
    (10, "anwser", "answer"),                     # a prediction's field
    (11, "max_bootstraped_demos", "max_bootstrapped_demos"),
    (12, "lsit", "list"),                         # a type
    (15, "ValueEror", "ValueError"),              # an error name
])


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    root = tmp_path_factory.mktemp("actions")
    (root / "lib.dsp").write_text(LIB)
    path = root / "doc.dsp"
    lsp = LspClient(cwd=root)
    lsp.initialize(root)
    lsp.open(path, PROGRAM)
    found = lsp.diagnostics(path)
    yield lsp, root, path, found
    assert lsp.close() == 0


def actions(lsp, path, diagnostics, only=None) -> list[dict]:
    context = {"diagnostics": diagnostics}
    if only is not None:
        context["only"] = only
    where = diagnostics[0]["range"] if diagnostics else {"start": {"line": 0, "character": 0},
                                                         "end": {"line": 0, "character": 0}}
    return lsp.request("textDocument/codeAction", {"textDocument": {"uri": path.as_uri()},
                                                   "range": where, "context": context}) or []


def apply(text: str, edits: list[dict]) -> str:
    lines = text.split("\n")
    for edit in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]),
                       reverse=True):
        start, end = edit["range"]["start"], edit["range"]["end"]
        assert start["line"] == end["line"]
        line = lines[start["line"]]
        lines[start["line"]] = line[:start["character"]] + edit["newText"] + line[end["character"]:]
    return "\n".join(lines)


def test_initialize_advertises_quick_fixes(session):
    lsp, root, _, _ = session
    other = LspClient(cwd=root)
    try:
        assert other.initialize(root)["capabilities"]["codeActionProvider"]["codeActionKinds"] == ["quickfix"]
    finally:
        assert other.close() == 0


def test_every_did_you_mean_carries_its_edit(session):
    _, _, _, found = session
    fixes = sorted((d["range"]["start"]["line"], d["data"]["fix"]["old"], d["data"]["fix"]["new"])
                   for d in found if "data" in d)
    assert fixes == FIXES
    for diagnostic in found:
        if "data" in diagnostic:
            where = diagnostic["data"]["fix"]["range"]
            line = PROGRAM.splitlines()[where["start"]["line"]]
            assert line[where["start"]["character"]:where["end"]["character"]] == diagnostic["data"]["fix"]["old"]
    assert not any("data" in d for d in found if "zzzzzz" in d["message"])   # no close name: no fix


def test_applying_every_quick_fix_clears_the_diagnostics(session):
    lsp, root, _, found = session
    fixable = [d for d in found if "data" in d]
    edits = []
    for diagnostic in fixable:
        (action,) = actions(lsp, root / "doc.dsp", [diagnostic])
        assert action["kind"] == "quickfix" and action["isPreferred"]
        assert action["diagnostics"] == [diagnostic]
        fix = diagnostic["data"]["fix"]
        assert action["title"] == f"Change '{fix['old']}' to '{fix['new']}'"
        (change,) = action["edit"]["changes"].values()
        edits += change
    fixed = apply(PROGRAM, edits)
    path = root / "fixed.dsp"
    lsp.open(path, fixed)
    remaining = lsp.diagnostics(path)
    assert [d["message"].splitlines()[0] for d in remaining] == ["name error: name 'zzzzzz' is not defined"]


def test_a_diagnostic_without_data_is_matched_to_the_documents(session):
    lsp, root, _, found = session
    diagnostic = next(d for d in found if d["range"]["start"]["line"] == 15)
    bare = {k: v for k, v in diagnostic.items() if k != "data"}
    (action,) = actions(lsp, root / "doc.dsp", [bare])
    (change,) = action["edit"]["changes"][(root / "doc.dsp").as_uri()]
    assert change["newText"] == "ValueError"


def test_no_action_when_stale_or_not_asked_for(session):
    lsp, root, _, found = session
    diagnostic = next(d for d in found if d["range"]["start"]["line"] == 15)
    assert actions(lsp, root / "doc.dsp", [diagnostic], only=["refactor"]) == []
    assert len(actions(lsp, root / "doc.dsp", [diagnostic], only=["quickfix"])) == 1
    path = root / "doc.dsp"
    lsp.change(path, PROGRAM.replace("ValueEror", "KeyError"), version=2)
    lsp.diagnostics(path, version=2)
    assert actions(lsp, path, [diagnostic]) == []        # the word is no longer there
    lsp.change(path, PROGRAM, version=3)
    lsp.diagnostics(path, version=3)
