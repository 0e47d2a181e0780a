"""The Pygments lexer (`pygmentize -l dsp`) over the editor fixtures."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import import_module, metadata
from pathlib import Path

import pytest
from pygments.token import Error, Keyword, Name, Number, Operator, Punctuation, String, Token

from dsplang.highlight import DspLexer

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "editors"
FIXTURE_FILES = sorted(FIXTURES.glob("*.dsp"))


def lex(text: str, **options) -> list[tuple]:
    return list(DspLexer(**options).get_tokens(text))


def tokens_on(name: str, line_contains: str) -> list[tuple]:
    """(type, text) pairs of the non-blank tokens on the first line containing `line_contains`."""
    source = (FIXTURES / name).read_text()
    line_no = next(i for i, line in enumerate(source.splitlines(), 1) if line_contains in line)
    result, line = [], 1
    for ttype, value in lex(source):
        for i, part in enumerate(value.split("\n")):
            line += i > 0
            if line == line_no and part.strip():
                result.append((ttype, part))
    return result


def ttype_of(name: str, line_contains: str, text: str, nth: int = 0):
    found = [ttype for ttype, value in tokens_on(name, line_contains) if value == text]
    assert len(found) > nth, f"no token {text!r} on the line with {line_contains!r} in {name}"
    return found[nth]


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=lambda path: path.name)
def test_no_error_tokens(fixture):
    errors = [(ttype, value) for ttype, value in lex(fixture.read_text()) if ttype in Error]
    assert errors == []


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=lambda path: path.name)
def test_round_trips_exactly(fixture):
    source = fixture.read_text()
    tokens = lex(source)
    assert "".join(value for _, value in tokens) == source
    assert all(value for _, value in tokens), "empty tokens"
    padded = "\n\n" + source + "\n\n"
    assert "".join(value for _, value in lex(padded)) == padded
    unterminated = source.rstrip("\n")
    assert "".join(value for _, value in lex(unterminated, ensurenl=False)) == unterminated


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=lambda path: path.name)
def test_every_prefix_lexes(fixture):
    # What the REPL highlights while a line is being typed: any prefix must lex and round-trip.
    source = fixture.read_text()
    cuts = sorted({i for i, ch in enumerate(source) if ch == "\n"} | set(range(0, len(source), 37)))
    for cut in cuts:
        prefix = source[:cut]
        assert "".join(value for _, value in lex(prefix, ensurenl=False)) == prefix


def test_keywords():
    m = "multihop.dsp"
    assert ttype_of(m, "compile qa", "compile") in Keyword
    assert ttype_of(m, "compile qa", "with") in Keyword
    assert ttype_of(m, "compile qa", "on") in Keyword
    assert ttype_of(m, "save qa", "to") in Keyword
    assert ttype_of(m, "ensure len", "ensure") in Keyword
    assert ttype_of(m, "let context = []", "let") is Keyword.Declaration
    assert ttype_of(m, "from tools import", "import") is Keyword.Namespace
    assert ttype_of(m, "for hop in", "in") is Operator.Word
    assert ttype_of(m, "def exact_match", "none") is Keyword.Constant
    assert ttype_of("optimize.dsp", "load fresh", "load") in Keyword
    assert ttype_of("optimize.dsp", "on train valset dev", "valset") in Keyword


def test_soft_keywords_are_names_elsewhere():
    o = "optimize.dsp"
    assert ttype_of(o, "let on =", "on") is Name.Variable
    assert ttype_of(o, "let to =", "to") is Name.Variable
    assert ttype_of(o, "let output =", "output") is Name.Variable
    assert ttype_of(o, "return output", "output") is Name
    assert ttype_of(o, "let data = load(", "load") is Name.Builtin


def test_declarations():
    m = "multihop.dsp"
    assert ttype_of(m, "signature GenerateQuery:", "signature") is Keyword.Declaration
    assert ttype_of(m, "signature GenerateQuery:", "GenerateQuery") is Name.Class
    assert ttype_of(m, "signature Classify =", "Classify") is Name.Class
    assert ttype_of(m, "module MultiHop", "MultiHop") is Name.Class
    assert ttype_of(m, "type Passage:", "Passage") is Name.Class
    assert ttype_of(m, "enum Sentiment", "Sentiment") is Name.Class
    assert ttype_of(m, "enum Sentiment", "negative") is Name.Constant
    assert ttype_of(m, "def forward", "forward") is Name.Function
    assert ttype_of(m, "def exact_match", "exact_match") is Name.Function


def test_types_in_type_positions():
    t = "types_and_signatures.dsp"
    assert ttype_of(t, "input  review", "input") in Keyword
    assert ttype_of(t, "input  review", "review") is Name.Attribute
    assert ttype_of(t, "input  review", "str") is Keyword.Type
    assert ttype_of(t, "output facts", "Citation") is Keyword.Type
    assert ttype_of(t, "output labels", "dict") is Keyword.Type
    assert ttype_of(t, "year: int?", "?") is Operator
    assert ttype_of(t, "signature Score", "reasons") is Name.Attribute
    assert ttype_of(t, "signature Score", "float") is Keyword.Type
    assert ttype_of(t, 'Predict("review', "int") is Keyword.Type
    assert ttype_of("control_flow.dsp", "def describe", "int") is Keyword.Type
    # Outside a type position `str` is the builtin function.
    assert ttype_of("control_flow.dsp", "str(a) + str(b)", "str") is Name.Builtin


def test_docstrings_and_field_descriptions():
    m = "multihop.dsp"
    doc = "Write one search query that helps answer the question."
    assert ttype_of(m, '"""Write one search query', doc) is String.Doc
    assert ttype_of(m, "output query", "a short web-search query") is String.Doc.Field
    assert ttype_of(m, "text: str", "the passage body") is String.Doc.Field
    assert ttype_of("control_flow.dsp", "'''Describe", "Describe a count in words.") is String.Doc
    assert ttype_of("types_and_signatures.dsp", "output summary", "a one-line summary") is String.Doc.Field
    # Strings elsewhere stay strings, even inside a type.
    assert ttype_of("types_and_signatures.dsp", 'literal["en"', "en") is String.Double
    assert ttype_of("control_flow.dsp", "A block string", "    A block string,") is String.Double


def test_fstring_interpolation_is_code():
    c = "control_flow.dsp"
    assert ttype_of(c, 'return f"one {label}"', "f") is String.Affix
    assert ttype_of(c, 'return f"one {label}"', "{") is String.Interpol
    assert ttype_of(c, 'return f"one {label}"', "label") is Name
    assert ttype_of(c, 'return f"one {label}"', "}") is String.Interpol
    assert ttype_of(c, "thirds", "//") is Operator
    assert ttype_of(c, "thirds", ":>4") is String.Interpol
    assert ttype_of(c, "thirds", "{{") is String.Escape
    assert ttype_of(c, "let nested", "len") is Name.Builtin
    assert ttype_of(c, "let nested", "apples") is String.Single


def test_literals_builtins_and_punctuation():
    c = "control_flow.dsp"
    assert ttype_of(c, "let nums", "3.14") is Number.Float
    assert ttype_of(c, "let nums", "1e-3") is Number.Float
    assert ttype_of(c, "let nums", "42") is Number.Integer
    assert ttype_of(c, "let flags", "True") is Keyword.Constant
    assert ttype_of(c, "let flags", "none") is Keyword.Constant
    assert ttype_of(c, "escaped", "\\t") is String.Escape
    assert ttype_of(c, "let squares", "**") is Operator
    assert ttype_of(c, "let squares", "[") is Punctuation
    assert ttype_of(c, "# Statements", "# Statements and expressions, one of each.") in Token.Comment
    assert ttype_of("multihop.dsp", "use LM", "LM") is Name.Builtin
    assert ttype_of("multihop.dsp", "for hop in", "range") is Name.Builtin
    assert ttype_of("optimize.dsp", "BestOfN(", "BestOfN") is Name.Builtin


def test_registered_as_pygments_entry_point():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    target = pyproject["project"]["entry-points"]["pygments.lexers"]["dsp"]
    module, _, attr = target.partition(":")
    assert getattr(import_module(module), attr) is DspLexer
    lexer = DspLexer()
    assert lexer.name == "dsp" and {"dsp", "dsplang"} <= set(lexer.aliases) and "*.dsp" in lexer.filenames


def test_found_by_name_when_installed():
    installed = [ep for ep in metadata.entry_points(group="pygments.lexers") if ep.value == "dsplang.highlight:DspLexer"]
    if not installed:
        pytest.skip("dsplang is not pip-installed, so its pygments entry point is not registered")
    from pygments.lexers import get_lexer_by_name, get_lexer_for_filename

    assert isinstance(get_lexer_by_name("dsp"), DspLexer)
    assert isinstance(get_lexer_for_filename("multihop.dsp"), DspLexer)


def test_import_is_light():
    code = ("import sys, time; t = time.perf_counter(); import dsplang.highlight; "
            "print(time.perf_counter() - t); "
            "print(','.join(m for m in sys.modules if m.split('.')[0] in "
            "('litellm', 'lark', 'pydantic', 'optuna', 'prompt_toolkit', 'rich')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, check=True)
    seconds, heavy = result.stdout.splitlines()
    assert heavy == ""
    assert float(seconds) < 1.0


def test_unterminated_string_ends_at_the_line():
    tokens = lex('let a = "open\nlet b = 1\n')
    assert (Keyword.Declaration, "let") in tokens[tokens.index((String.Double, "open")):]
    assert (Number.Integer, "1") in tokens


def test_layout_across_lines():
    lay = "layout.dsp"
    assert ttype_of(lay, "output summary: str", "output") in Keyword
    assert ttype_of(lay, "output summary: str", "summary") is Name.Attribute
    assert ttype_of(lay, "end: int", "exclusive") is String.Doc.Field
    assert ttype_of(lay, "Score a prediction.", "    Score a prediction.") is String.Doc
    assert ttype_of(lay, "scale: float", "float") is Keyword.Type
    assert ttype_of(lay, "scale: float", "max") is Name.Builtin
    assert ttype_of(lay, '"document, style -> summary"', "style") is Name.Attribute
    assert ttype_of(lay, ") on [Example", "on") in Keyword
    assert ttype_of(lay, "continued {len", "len") is Name.Builtin
    assert ttype_of(lay, "let prompt", ":>8") is String.Interpol
    # Code after a block at column 0 is code again.
    assert ttype_of(lay, "print(after_block)", "print") is Name.Builtin


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=lambda path: path.name)
def test_fixtures_are_valid_programs(fixture):
    # The highlighters are checked against these files, so they must be real .dsp programs.
    parser = pytest.importorskip("dsplang.grammar.parser", reason="the parser is not available yet")
    parser.parse(fixture.read_text(), str(fixture))
