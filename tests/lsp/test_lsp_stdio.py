"""`dsp lsp` as an editor sees it: a subprocess speaking JSON-RPC over stdio."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lsp_client import LspClient

WORKSPACE = Path(__file__).parent / "workspace"


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """A copy of the workspace folder (main.dsp imports lib.dsp)."""
    target = tmp_path_factory.mktemp("ws")
    for path in WORKSPACE.iterdir():
        shutil.copy(path, target / path.name)
    return target


@pytest.fixture(scope="module")
def client(root):
    """One server for the module; it must exit cleanly (code 0) after shutdown/exit."""
    lsp = LspClient(cwd=root)
    lsp.initialize(root)
    main = root / "main.dsp"
    lsp.open(main, main.read_text())
    assert lsp.diagnostics(main) == []
    yield lsp
    assert lsp.close() == 0


def position_of(path: Path, needle: str, offset: int = 0) -> tuple[int, int]:
    """(line, character) of the first `needle` in a file, moved `offset` characters in."""
    for number, line in enumerate(path.read_text().splitlines()):
        if needle in line:
            return number, line.index(needle) + offset
    raise AssertionError(f"{needle!r} not in {path}")


def hover_text(client, path, needle, offset=1) -> str:
    result = client.at("textDocument/hover", path, *position_of(path, needle, offset))
    assert result is not None, needle
    return result["contents"]["value"]


def labels(result) -> list[str]:
    items = result["items"] if isinstance(result, dict) else result
    return [item["label"] for item in items]


def test_initialize_advertises_the_features(root):
    lsp = LspClient(cwd=root)
    try:
        caps = lsp.initialize(root)["capabilities"]
        for feature in ("hoverProvider", "definitionProvider", "documentSymbolProvider"):
            assert caps[feature]
        assert "." in caps["completionProvider"]["triggerCharacters"]
    finally:
        assert lsp.close() == 0


def test_diagnostics_report_every_problem_and_clear_when_fixed(client, root):
    path = root / "broken.dsp"
    text = "let x = = 1\nprint(undefined_name)\n\ndef f(a):\n    return a +\n\nprint(also_missing)\n"
    client.open(path, text)
    found = client.diagnostics(path, version=1)
    messages = [d["message"] for d in found]
    assert any(m.startswith("syntax error") for m in messages)
    assert any("'undefined_name' is not defined" in m for m in messages)
    assert any("'also_missing' is not defined" in m for m in messages)
    lines = sorted(d["range"]["start"]["line"] for d in found)
    assert lines[0] == 0 and 6 in lines
    fixed = "let x = 1\nprint(x)\n\ndef f(a):\n    return a + 1\n\nprint(f(x))\n"
    client.change(path, fixed, version=2)
    assert client.diagnostics(path, version=2) == []


def test_hover_signature_shows_fields_types_and_descriptions(client, root):
    text = hover_text(client, root / "main.dsp", "signature Summarize", len("signature S"))
    assert "Summarize the passages." in text
    assert "`input passages: list[Passage]` — what to summarize" in text
    assert "`output summary: str`" in text


def test_hover_predictor_attribute_shows_its_signature(client, root):
    main = root / "main.dsp"
    text = hover_text(client, main, "qa.respond(", len("qa.r"))
    assert "Predict predictor on signature lib.Answer" in text
    assert "`input question: str`" in text and "usually 1-5 words" in text
    cot = hover_text(client, main, "summarize(passages", 2)
    assert "ChainOfThought" in cot and "`output reasoning: str`" in cot


def test_hover_function_type_enum_and_builtin(client, root):
    main = root / "main.dsp"
    assert "Upper-case the text" in hover_text(client, main, "shout(pred")
    assert "def shout(text)" in hover_text(client, main, "shout(pred")
    assert "`text: str` — the passage body" in hover_text(client, main, "type Passage", 6)
    assert "enum Mood: happy, sad" in hover_text(client, main, "Mood.happy")
    assert "the number of items" in hover_text(client, main, "len([])")


def test_completion_offers_keywords_names_and_builtins(client, root):
    main = root / "main.dsp"
    line, _ = position_of(main, "let s = summarize")
    found = labels(client.at("textDocument/completion", main, line, 8))
    for expected in ("question", "k", "self", "summarize", "qa", "Passage", "print", "let", "return"):
        assert expected in found


def test_completion_after_a_dot_lists_module_attributes(client, root):
    path = root / "typing.dsp"
    text = (root / "main.dsp").read_text() + "let x = qa.\nlet y = lib.\nlet z = Mood.\n"
    client.open(path, text)
    client.diagnostics(path)
    last = len(text.splitlines())
    assert set(labels(client.at("textDocument/completion", path, last - 3, 11))) == {
        "k", "summarize", "respond", "forward"}
    assert set(labels(client.at("textDocument/completion", path, last - 2, 12))) == {
        "Answer", "shout"}
    assert set(labels(client.at("textDocument/completion", path, last - 1, 13))) == {"happy", "sad"}


def test_completion_in_a_predictor_call_offers_its_inputs(client, root):
    path = root / "call.dsp"
    text = (root / "main.dsp").read_text() + "let again = qa.respond(\n"
    client.open(path, text)
    client.diagnostics(path)
    found = labels(client.at("textDocument/completion", path, len(text.splitlines()) - 1, 23))
    assert found[0] == "question="


def test_definition_of_local_and_imported_names(client, root):
    main = root / "main.dsp"
    local = client.at("textDocument/definition", main, *position_of(main, "Summarize)", 2))
    assert local[0]["uri"] == main.as_uri()
    assert local[0]["range"]["start"]["line"] == position_of(main, "signature Summarize")[0]
    imported = client.at("textDocument/definition", main, *position_of(main, "shout(pred", 1))
    assert imported[0]["uri"] == (root / "lib.dsp").as_uri()
    assert imported[0]["range"]["start"] == {"line": 6, "character": 4}
    dotted = client.at("textDocument/definition", main, *position_of(main, "lib.Answer", 5))
    assert dotted[0]["uri"] == (root / "lib.dsp").as_uri()
    assert dotted[0]["range"]["start"]["line"] == 1
    path = client.at("textDocument/definition", main, *position_of(main, '"lib.dsp"', 2))
    assert path[0]["uri"] == (root / "lib.dsp").as_uri()


def test_document_symbols_outline_the_file(client, root):
    symbols = client.request("textDocument/documentSymbol",
                             {"textDocument": {"uri": (root / "main.dsp").as_uri()}})
    by_name = {s["name"]: s for s in symbols}
    assert list(by_name) == ["Passage", "Mood", "Summarize", "Pipeline", "qa", "pred"]
    assert [c["name"] for c in by_name["Summarize"]["children"]] == ["passages", "summary"]
    assert [c["name"] for c in by_name["Pipeline"]["children"]] == ["summarize", "respond", "forward"]
    assert [c["name"] for c in by_name["Mood"]["children"]] == ["happy", "sad"]


def test_formatting_returns_one_whole_document_edit(client, root):
    path = root / "messy.dsp"
    client.open(path, "let x=1\nprint( x )\n")
    client.diagnostics(path)
    edits = client.request("textDocument/formatting", {"textDocument": {"uri": path.as_uri()},
                                                       "options": {"tabSize": 4, "insertSpaces": True}})
    assert [e["newText"] for e in edits] == ["let x = 1\nprint(x)\n"]
    broken = root / "broken_fmt.dsp"
    client.open(broken, "let x = = 1\n")
    client.diagnostics(broken)
    assert client.request("textDocument/formatting", {"textDocument": {"uri": broken.as_uri()},
                                                      "options": {"tabSize": 4, "insertSpaces": True}}) == []


EMOJI = 'let answer = 1\nprint("😀", answr)\nprint("😀😀😀😀😀😀😀", answer)\n'


def test_positions_after_an_emoji_are_utf16_code_units(client, root):
    path = root / "emoji.dsp"
    client.open(path, EMOJI)
    (found,) = client.diagnostics(path)
    assert found["range"] == {"start": {"line": 1, "character": 12},
                              "end": {"line": 1, "character": 17}}
    where = len('print("😀😀😀😀😀😀😀", '.encode("utf-16-le")) // 2
    result = client.at("textDocument/hover", path, 2, where)
    assert "let answer = 1" in result["contents"]["value"]
    assert result["range"]["start"] == {"line": 2, "character": where}
    defined = client.at("textDocument/definition", path, 2, where + 1)
    assert defined[0]["range"]["start"] == {"line": 0, "character": 4}


def test_a_client_that_prefers_utf8_gets_utf8_positions(root):
    lsp = LspClient(cwd=root)
    try:
        agreed = lsp.initialize(root, {"general": {"positionEncodings": ["utf-8", "utf-16"]}})
        assert agreed["capabilities"]["positionEncoding"] == "utf-8"
        path = root / "emoji8.dsp"
        lsp.open(path, EMOJI)
        (found,) = lsp.diagnostics(path)
        assert found["range"]["start"] == {"line": 1, "character": 14}
        where = len('print("😀😀😀😀😀😀😀", '.encode())
        result = lsp.at("textDocument/hover", path, 2, where)
        assert result["range"]["start"] == {"line": 2, "character": where}
    finally:
        assert lsp.close() == 0


def test_a_file_nested_too_deeply_gets_a_diagnostic_not_a_traceback(root):
    """One level past the nesting limit is a published syntax error; at the limit the file
    is served like any other (hover answers), and the server logs nothing."""
    from dsplang.grammar.nesting import MAX_DEPTH
    lsp = LspClient(cwd=root)
    try:
        lsp.initialize(root)
        deep, ok = root / "deep.dsp", root / "ok.dsp"
        lsp.open(deep, "let x = " + "-" * (MAX_DEPTH - 1) + "1\n")
        [found] = lsp.diagnostics(deep)
        assert found["message"].startswith(f"syntax error: nesting too deep: more than {MAX_DEPTH} levels")
        assert found["range"]["start"]["line"] == 0
        lsp.open(ok, "let x = " + "-" * (MAX_DEPTH - 2) + "1\nprint(x)\n")
        assert lsp.diagnostics(ok) == []
        assert "x" in lsp.at("textDocument/hover", ok, 1, 7)["contents"]["value"]
        lsp.request("shutdown")
        lsp.notify("exit")
        assert lsp.proc.wait(timeout=30) == 0
        assert lsp.proc.stderr.read().decode() == ""
    finally:
        if lsp.proc.poll() is None:
            lsp.proc.kill()
