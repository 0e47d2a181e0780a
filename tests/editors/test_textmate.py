"""The VS Code TextMate grammar, run through the engine VS Code uses, against snapshots.

`editors/vscode/test/tokenize.js` tokenizes the fixtures with vscode-textmate and
vscode-oniguruma. Set UPDATE_SNAPSHOTS=1 to rewrite `tests/fixtures/editors/*.dsp.tokens`.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "editors" / "vscode"
TOOL_DIR = EXTENSION / "test"
FIXTURES = ROOT / "tests" / "fixtures" / "editors"
FIXTURE_FILES = sorted(FIXTURES.glob("*.dsp"))


def _install_engine(node_dir: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: cannot install vscode-textmate for the grammar tests")
    command = "ci" if (node_dir / "package-lock.json").exists() else "install"
    result = subprocess.run([npm, command, "--no-audit", "--no-fund"], cwd=node_dir,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"npm {command} failed in {node_dir}:\n{result.stderr}"


@pytest.fixture(scope="module")
def tokenized() -> dict:
    """{fixture path: {"snapshot": str, "tokens": [...], "seconds": float}} from one node run."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the TextMate grammar is tested with vscode-textmate")
    if not (TOOL_DIR / "node_modules" / "vscode-textmate").is_dir():
        _install_engine(TOOL_DIR)
    started = time.perf_counter()
    result = subprocess.run([node, "tokenize.js", "--json", *map(str, FIXTURE_FILES)], cwd=TOOL_DIR,
                            capture_output=True, text=True, timeout=120)
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for entry in report.values():
        entry["seconds"] = seconds
    return report


def _tokens(report: dict, name: str) -> list[dict]:
    return report[str(FIXTURES / name)]["tokens"]


def scopes(report: dict, name: str, line_contains: str, text: str, nth: int = 0) -> list[str]:
    """Scopes of the `nth` token reading `text` on the first line containing `line_contains`."""
    lines = (FIXTURES / name).read_text().splitlines()
    line_no = next(i for i, line in enumerate(lines, 1) if line_contains in line)
    found = [t for t in _tokens(report, name) if t["line"] == line_no and t["text"] == text]
    assert len(found) > nth, f"no token {text!r} on line {line_no} of {name}: {lines[line_no - 1]!r}"
    return found[nth]["scopes"]


def test_fixtures_exist():
    assert len(FIXTURE_FILES) >= 4


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=lambda path: path.name)
def test_snapshot(tokenized, fixture):
    actual = tokenized[str(fixture)]["snapshot"]
    snapshot = fixture.with_name(fixture.name + ".tokens")
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(actual)
        return
    assert snapshot.exists(), f"{snapshot.name} is missing; run with UPDATE_SNAPSHOTS=1 to create it"
    expected = snapshot.read_text()
    if actual != expected:
        diff = difflib.unified_diff(expected.splitlines(), actual.splitlines(),
                                    "expected", "actual", lineterm="", n=2)
        shown = "\n".join(list(diff)[:80])
        pytest.fail(f"{snapshot.name} differs (UPDATE_SNAPSHOTS=1 accepts the change):\n{shown}")


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=lambda path: path.name)
def test_every_token_is_scoped_and_none_is_invalid(tokenized, fixture):
    for token in tokenized[str(fixture)]["tokens"]:
        if not token["text"].strip():
            continue
        where = f"{fixture.name}:{token['line']}: {token['text']!r}"
        assert len(token["scopes"]) > 1, f"unscoped token {where}"
        assert not any(scope.startswith("invalid") for scope in token["scopes"]), where


def test_tokenizing_is_fast(tokenized):
    assert next(iter(tokenized.values()))["seconds"] < 10


def test_keywords(tokenized):
    m = "multihop.dsp"
    assert "keyword.other.compile.dsp" in scopes(tokenized, m, "compile qa", "compile")
    assert "keyword.other.compile.dsp" in scopes(tokenized, m, "compile qa", "on")
    assert "keyword.other.save.dsp" in scopes(tokenized, m, "save qa", "to")
    assert "storage.type.let.dsp" in scopes(tokenized, m, "let context = []", "let")
    assert "keyword.control.assert.dsp" in scopes(tokenized, m, "ensure len", "ensure")
    assert "keyword.control.flow.dsp" in scopes(tokenized, m, "return pred", "return")
    assert "keyword.other.load.dsp" in scopes(tokenized, "optimize.dsp", "load fresh", "load")
    assert "keyword.other.compile.dsp" in scopes(tokenized, "optimize.dsp", "on train valset dev", "valset")


def test_soft_keywords_are_names_outside_their_statements(tokenized):
    o = "optimize.dsp"
    assert "variable.other.declaration.dsp" in scopes(tokenized, o, "let on =", "on")
    assert "variable.other.declaration.dsp" in scopes(tokenized, o, "let valset =", "valset")
    assert "variable.other.declaration.dsp" in scopes(tokenized, o, "let output =", "output")
    assert "support.function.dsp" in scopes(tokenized, o, 'let data = load(', "load")


def test_declaration_names(tokenized):
    m = "multihop.dsp"
    assert "entity.name.type.signature.dsp" in scopes(tokenized, m, "signature GenerateQuery:", "GenerateQuery")
    assert "entity.name.type.signature.dsp" in scopes(tokenized, m, "signature Classify =", "Classify")
    assert "entity.name.type.module.dsp" in scopes(tokenized, m, "module MultiHop", "MultiHop")
    assert "entity.name.type.record.dsp" in scopes(tokenized, m, "type Passage:", "Passage")
    assert "entity.name.type.enum.dsp" in scopes(tokenized, m, "enum Sentiment", "Sentiment")
    assert "variable.other.enummember.dsp" in scopes(tokenized, m, "enum Sentiment", "neutral")
    assert "entity.name.function.dsp" in scopes(tokenized, m, "def forward", "forward")


def test_types_and_fields(tokenized):
    t = "types_and_signatures.dsp"
    assert "storage.modifier.field.dsp" in scopes(tokenized, t, "input  review", "input")
    assert "variable.other.field.dsp" in scopes(tokenized, t, "input  review", "review")
    assert "support.type.dsp" in scopes(tokenized, t, "output facts", "list")
    assert "entity.name.type.dsp" in scopes(tokenized, t, "output facts", "Citation")
    assert "keyword.operator.optional.dsp" in scopes(tokenized, t, "year: int?", "?")
    assert "support.type.primitive.dsp" in scopes(tokenized, t, 'signature Score', "float")
    assert "support.type.primitive.dsp" in scopes(tokenized, "control_flow.dsp", "def describe", "int")


def test_docstrings_and_field_descriptions(tokenized):
    m = "multihop.dsp"
    doc = scopes(tokenized, m, '"""Write one search query', "Write one search query that helps answer the question.")
    assert "string.quoted.docstring.multi.dsp" in doc
    assert "string.quoted.double.description.dsp" in scopes(tokenized, m, "output query", "a short web-search query")
    assert "string.quoted.docstring.multi.dsp" in scopes(
        tokenized, "optimize.dsp", '"""A ReAct agent', "A ReAct agent over two tools, checked by a comparison step.")
    # An ordinary triple-quoted string is not a docstring.
    assert "string.quoted.double.triple.dsp" in scopes(tokenized, "control_flow.dsp", "A block string", "    A block string,")


def test_fstring_interpolation_is_code(tokenized):
    c = "control_flow.dsp"
    brace = scopes(tokenized, c, 'return f"one {label}"', "{")
    assert "punctuation.section.interpolation.begin.dsp" in brace
    inner = scopes(tokenized, c, 'return f"one {label}"', "label")
    assert "string.interpolated.double.dsp" in inner
    assert "meta.embedded.expression.dsp" in inner and inner[-1] == "variable.other.readwrite.dsp"
    assert scopes(tokenized, c, "thirds", "//")[-1] == "keyword.operator.arithmetic.dsp"
    assert scopes(tokenized, c, "thirds", ">4")[-1] == "constant.other.format-spec.dsp"
    assert scopes(tokenized, c, "thirds", "{{")[-1] == "constant.character.escape.dsp"
    call = scopes(tokenized, c, "let nested", "describe")
    assert call[-1] == "entity.name.function.call.dsp" and "meta.embedded.expression.dsp" in call


def test_extension_manifest_matches_grammar():
    manifest = json.loads((EXTENSION / "package.json").read_text())
    grammar = json.loads((EXTENSION / "syntaxes" / "dsp.tmLanguage.json").read_text())
    (language,) = manifest["contributes"]["languages"]
    (contributed,) = manifest["contributes"]["grammars"]
    assert language["id"] == "dsp" and ".dsp" in language["extensions"]
    assert contributed["language"] == "dsp"
    assert contributed["scopeName"] == grammar["scopeName"] == "source.dsp"
    assert (EXTENSION / contributed["path"]).is_file()
    assert (EXTENSION / language["configuration"]).is_file()


def test_language_configuration():
    config = json.loads((EXTENSION / "language-configuration.json").read_text())
    assert config["comments"]["lineComment"] == "#"
    assert config["folding"]["offSide"] is True
    closing = {pair["open"]: pair["close"] for pair in config["autoClosingPairs"]}
    assert closing['"""'] == '"""' and closing['"'] == '"' and closing["("] == ")"
    increase = re.compile(config["indentationRules"]["increaseIndentPattern"])
    for line in ("signature Answer:", "    def forward(question: str):  # comment", "with LM('x'):"):
        assert increase.search(line), line
    for line in ("let x = 1  # note: no block", "    input question: str", "# comment:"):
        assert not increase.search(line), line
    decrease = re.compile(config["indentationRules"]["decreaseIndentPattern"])
    assert decrease.search("    else:") and not decrease.search("    elsewhere = 1")


def test_layout_across_lines(tokenized):
    lay = "layout.dsp"
    # A comment at column 0 and blank lines do not end a signature block.
    assert "storage.modifier.field.dsp" in scopes(tokenized, lay, "output summary: str", "output")
    # The block ends at the first column-0 code line.
    assert "meta.signature.dsp" not in scopes(tokenized, lay, "let after_block", "let")
    # A docstring after a parameter list spread over several lines.
    doc = scopes(tokenized, lay, "Score a prediction.", "    Score a prediction.")
    assert "string.quoted.docstring.multi.dsp" in doc
    assert "variable.parameter.function.dsp" in scopes(tokenized, lay, "scale: float", "scale")
    assert "support.function.builtin.dsp" in scopes(tokenized, lay, "scale: float", "max")
    # A signature string on the line after `ChainOfThought(`.
    assert "variable.other.field.dsp" in scopes(tokenized, lay, '"document, style -> summary"', "style")
    # `on` of a compile statement whose optimizer call spans lines.
    assert "keyword.other.compile.dsp" in scopes(tokenized, lay, ") on [Example", "on")
    # Interpolations in a triple-quoted f-string spanning lines.
    assert "meta.embedded.expression.dsp" in scopes(tokenized, lay, "continued {len", "len")


def _keyword_words(grammar) -> tuple[set[str], set[str]]:
    """(keywords, constants): the words the grammar's patterns scope as keywords or constants."""
    keywords: set[str] = set()
    constants: set[str] = set()
    if isinstance(grammar, list):
        for item in grammar:
            found = _keyword_words(item)
            keywords |= found[0]
            constants |= found[1]
        return keywords, constants
    if not isinstance(grammar, dict):
        return keywords, constants
    captures = {**grammar.get("captures", {}), **grammar.get("beginCaptures", {})}
    pattern = grammar.get("match") or grammar.get("begin") or ""
    name = grammar.get("name")
    scoped = [(name, pattern)] if isinstance(name, str) and isinstance(pattern, str) else []
    groups = re.findall(r"\((?!\?)([^()]*)\)", pattern)
    scoped += [(capture.get("name", ""), groups[int(i) - 1]) for i, capture in captures.items()
               if isinstance(capture, dict) and 0 < int(i) <= len(groups)]
    for scope, text in scoped:
        words = set(re.findall(r"[A-Za-z_]+", re.sub(r"\[[^\]]*\]|\\.", " ", text)))
        if scope.startswith("constant.language"):
            constants |= words
        elif scope.startswith("keyword.") or (scope.startswith("storage.") and "string" not in scope
                                                and "format" not in scope):
            keywords |= words
    for value in grammar.values():
        found = _keyword_words(value)
        keywords |= found[0]
        constants |= found[1]
    return keywords, constants


def test_keywords_are_the_table_of_names():
    from dsplang.grammar import names

    grammar = json.loads((EXTENSION / "syntaxes" / "dsp.tmLanguage.json").read_text())
    keywords, constants = _keyword_words(grammar)
    assert keywords == set(names.KEYWORDS)
    assert constants == set(names.CONSTANTS)
