"""Semantic tokens over stdio: names coloured by what the scope model says they are, keywords,
strings, numbers and comments around them; the whole document and a range."""

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

# a comment
signature QA:
    """Answer briefly."""
    input question: str "the question"
    output answer: str

enum Tone: calm, angry

module RAG(hops: int = 2):
    respond = ChainOfThought(QA)
    def forward(self, question):
        return self.respond(question=question)

def shout(text):
    let loud = f"{text}!"
    return loud

let qa = Predict(lib.Lookup)
let pred = qa(topic="🙂 x")
print(pred.page, Tone.calm, shout("hi"), len([1, 2.5]))
'''


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    root = tmp_path_factory.mktemp("tokens")
    (root / "lib.dsp").write_text(LIB)
    path = root / "doc.dsp"
    lsp = LspClient(cwd=root)
    legend = lsp.initialize(root)["capabilities"]["semanticTokensProvider"]["legend"]
    lsp.open(path, PROGRAM)
    lsp.diagnostics(path)
    yield lsp, path, legend
    assert lsp.close() == 0


def decode(data: list[int], legend: dict, text: str) -> list[tuple[int, str, str, set[str]]]:
    """(line, token text, type, modifiers) of each token; text cut in UTF-16 code units."""
    lines = text.splitlines()
    out, line, start = [], 0, 0
    for i in range(0, len(data), 5):
        delta_line, delta_start, length, kind, bits = data[i:i + 5]
        line += delta_line
        start = start + delta_start if delta_line == 0 else delta_start
        units = lines[line].encode("utf-16-le")
        word = units[2 * start:2 * (start + length)].decode("utf-16-le")
        modifiers = {m for j, m in enumerate(legend["tokenModifiers"]) if bits >> j & 1}
        out.append((line, word, legend["tokenTypes"][kind], modifiers))
    return out


@pytest.fixture(scope="module")
def tokens(session):
    lsp, path, legend = session
    result = lsp.request("textDocument/semanticTokens/full", {"textDocument": {"uri": path.as_uri()}})
    return decode(result["data"], legend, PROGRAM)


def kinds(tokens, line: int) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(word, kind, tuple(sorted(mods))) for number, word, kind, mods in tokens if number == line]


def test_legend(session):
    _, _, legend = session
    for kind in ("namespace", "type", "enum", "enumMember", "function", "method", "parameter", "variable",
                 "property", "keyword", "string", "number", "comment"):
        assert kind in legend["tokenTypes"]
    assert {"declaration", "readonly", "defaultLibrary"} <= set(legend["tokenModifiers"])


def test_declarations_and_their_fields(tokens):
    assert kinds(tokens, 0) == [("import", "keyword", ()), ('"lib.dsp"', "string", ()), ("as", "keyword", ()),
                                ("lib", "namespace", ("declaration",))]
    assert kinds(tokens, 2) == [("# a comment", "comment", ())]
    assert kinds(tokens, 3) == [("signature", "keyword", ()), ("QA", "interface", ("declaration",))]
    assert kinds(tokens, 4) == [('"""Answer briefly."""', "string", ("documentation",))]
    assert kinds(tokens, 5) == [("input", "keyword", ()), ("question", "property", ("declaration",)),
                                ("str", "type", ("defaultLibrary",)), ('"the question"', "string", ("documentation",))]
    assert kinds(tokens, 8) == [("enum", "keyword", ()), ("Tone", "enum", ("declaration",)),
                                ("calm", "enumMember", ("declaration", "readonly")),
                                ("angry", "enumMember", ("declaration", "readonly"))]


def test_modules_methods_parameters_and_locals(tokens):
    assert kinds(tokens, 10) == [("module", "keyword", ()), ("RAG", "class", ("declaration",)),
                                 ("hops", "parameter", ("declaration",)), ("int", "type", ("defaultLibrary",)),
                                 ("2", "number", ())]
    assert kinds(tokens, 11) == [("respond", "property", ("declaration",)),
                                 ("ChainOfThought", "class", ("defaultLibrary",)), ("QA", "interface", ())]
    assert kinds(tokens, 12)[:2] == [("def", "keyword", ()), ("forward", "method", ("declaration",))]
    assert kinds(tokens, 13) == [("return", "keyword", ()), ("self", "parameter", ()),
                                 ("respond", "property", ()), ("question", "parameter", ()),
                                 ("question", "parameter", ())]
    assert kinds(tokens, 16) == [("let", "keyword", ()), ("loud", "variable", ("declaration",)),
                                 ('f"{', "string", ()), ("text", "parameter", ()), ('}!"', "string", ())]


def test_uses_members_keywords_and_builtins(tokens):
    assert kinds(tokens, 19) == [("let", "keyword", ()), ("qa", "variable", ("declaration",)),
                                 ("Predict", "class", ("defaultLibrary",)), ("lib", "namespace", ()),
                                 ("Lookup", "interface", ())]
    assert kinds(tokens, 20) == [("let", "keyword", ()), ("pred", "variable", ("declaration",)),
                                 ("qa", "variable", ()), ("topic", "parameter", ()), ('"🙂 x"', "string", ())]
    assert kinds(tokens, 21) == [("print", "function", ("defaultLibrary",)), ("pred", "variable", ()),
                                 ("page", "property", ()), ("Tone", "enum", ()), ("calm", "enumMember", ("readonly",)),
                                 ("shout", "function", ()), ('"hi"', "string", ()),
                                 ("len", "function", ("defaultLibrary",)), ("1", "number", ()), ("2.5", "number", ())]


def test_a_range_gives_the_tokens_of_its_lines(session, tokens):
    lsp, path, legend = session
    result = lsp.request("textDocument/semanticTokens/range", {
        "textDocument": {"uri": path.as_uri()},
        "range": {"start": {"line": 19, "character": 0}, "end": {"line": 20, "character": 0}}})
    assert decode(result["data"], legend, PROGRAM) == [t for t in tokens if t[0] in (19, 20)]


def test_a_broken_document_still_gets_tokens(session):
    lsp, path, legend = session
    broken = path.with_name("broken.dsp")
    text = "let x = (1 +\nprint(x, \"unterminated\n"
    lsp.open(broken, text)
    lsp.diagnostics(broken)
    result = lsp.request("textDocument/semanticTokens/full", {"textDocument": {"uri": broken.as_uri()}})
    found = decode(result["data"], legend, text)
    assert ("let", "keyword") in [(w, k) for _, w, k, _ in found]
    assert (1, '"unterminated', "string", set()) in found
