"""The feature functions behind `dsp lsp`, called directly on documents being typed."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.workspace import PositionCodec

from dsplang.lsp.analysis import Project
from dsplang.lsp.completion import completion
from dsplang.lsp.definition import definition
from dsplang.lsp.diagnostics import diagnostics
from dsplang.lsp.hover import hover

WORKSPACE = Path(__file__).parent / "workspace"
PROGRAM = '''\
type Passage:
    title: str
    text: str

signature Answer:
    input question: str
    output answer: str

module Bot(style: str = "brief"):
    respond = ChainOfThought(Answer)

    def forward(question: str, passage: Passage):
        let pred = respond(question=question)
        return pred
'''


def analyse(text: str):
    return Project().analyse(str(WORKSPACE / "doc.dsp"), text)


def end_of(text: str, line: int) -> types.Position:
    """The position at the end of (0-based) `line`."""
    return types.Position(line, len(text.splitlines()[line]))


def labels(result: types.CompletionList) -> list[str]:
    return [item.label for item in result.items]


def with_line(text: str, line: str) -> str:
    """PROGRAM with `line` added at the end of forward's body."""
    return text + "        " + line + "\n"


def test_completion_inside_an_unclosed_call_in_a_method():
    text = with_line(PROGRAM, "let again = respond(")
    found = labels(completion(analyse(text), end_of(text, 14)))
    assert found[0] == "question="
    assert "pred" in found and "style" in found


def test_completion_skips_keywords_already_given():
    text = with_line(PROGRAM, 'let again = self.respond(question="q", ')
    found = labels(completion(analyse(text), end_of(text, 14)))
    assert "question=" not in found


def test_completion_of_self_record_params_and_predictions():
    text = with_line(PROGRAM, "let a = self.")
    assert set(labels(completion(analyse(text), end_of(text, 14)))) == {"style", "respond", "forward"}
    text = with_line(PROGRAM, "let b = passage.")
    assert set(labels(completion(analyse(text), end_of(text, 14)))) == {"title", "text"}
    text = with_line(PROGRAM, "let c = pred.")
    assert set(labels(completion(analyse(text), end_of(text, 14)))) == {"reasoning", "answer"}


def test_no_completion_in_comments_or_strings():
    text = with_line(PROGRAM, "# pre")
    assert labels(completion(analyse(text), end_of(text, 14))) == []
    text = with_line(PROGRAM, 'print("pre')
    assert labels(completion(analyse(text), end_of(text, 14))) == []


def test_hover_on_self_attribute_and_parameter():
    text = with_line(PROGRAM, "print(self.respond, style)")
    analysis = analyse(text)
    attr = hover(analysis, types.Position(14, 19)).contents.value
    assert "ChainOfThought predictor on signature Answer" in attr
    param = hover(analysis, types.Position(14, 29)).contents.value
    assert '(parameter) style: str = ...' in param


def test_definition_of_parameter_and_let_in_a_method():
    analysis = analyse(PROGRAM)
    param = definition(analysis, types.Position(12, 37))[0]
    assert (param.range.start.line, param.range.start.character) == (11, 16)
    let = definition(analysis, types.Position(13, 16))[0]
    assert (let.range.start.line, let.range.start.character) == (12, 12)


def test_a_broken_statement_does_not_hide_other_problems_or_echo():
    text = "let x = foo(\nprint(x)\nprint(nope)\n"
    messages = [d.message for d in diagnostics(text, str(WORKSPACE / "doc.dsp"))]
    assert any(m.startswith("syntax error: unclosed '('") for m in messages)
    assert any("'nope' is not defined" in m for m in messages)
    assert not any("'x' is not defined" in m for m in messages)


def test_diagnostic_carries_the_hint():
    text = "let answer = 1\nprint(answr)\n"
    (found,) = diagnostics(text, str(WORKSPACE / "doc.dsp"))
    assert found.range.start == types.Position(1, 6)
    assert "did you mean 'answer'?" in found.message


def test_imported_file_edits_are_seen_and_cycles_end(tmp_path):
    buffers = {}
    project = Project(buffers.get)
    lib, main = str(tmp_path / "lib.dsp"), str(tmp_path / "main.dsp")
    buffers[lib] = 'import "main.dsp"\ndef helper():\n    """Old words."""\n    return 1\n'
    text = 'import "lib.dsp"\nprint(helper())\n'
    buffers[main] = text
    where = types.Position(1, 7)
    assert "Old words." in hover(project.analyse(main, text), where).contents.value
    buffers[lib] = buffers[lib].replace("Old", "New")
    assert "New words." in hover(project.analyse(main, text), where).contents.value


def test_hover_and_definition_of_a_keyword_argument():
    analysis = analyse(PROGRAM)
    where = types.Position(12, 30)       # respond(question=...)
    assert "(input field) question: str" in hover(analysis, where).contents.value
    (found,) = definition(analysis, where)
    assert (found.range.start.line, found.range.start.character) == (5, 10)


EMOJI_PROGRAM = '''\
def greet(mark = "😀", name = "you"):
    return mark + name
print("😀😀😀😀😀😀😀", greet)
'''


def utf16_at(text: str, line: int, needle: str) -> types.Position:
    """The LSP (UTF-16) position of `needle` on (0-based) `line` of `text`."""
    before = text.splitlines()[line].split(needle)[0]
    return types.Position(line, len(before.encode("utf-16-le")) // 2)


def test_diagnostic_after_an_emoji_counts_utf16_code_units():
    text = 'let answer = 1\nprint("😀", answr)\n'
    (found,) = diagnostics(text, str(WORKSPACE / "doc.dsp"))
    assert found.range == types.Range(types.Position(1, 12), types.Position(1, 17))
    utf8 = PositionCodec(types.PositionEncodingKind.Utf8)
    (found,) = diagnostics(text, str(WORKSPACE / "doc.dsp"), utf8)
    assert found.range == types.Range(types.Position(1, 14), types.Position(1, 19))


def test_hover_and_definition_of_a_name_after_emoji():
    analysis = analyse(EMOJI_PROGRAM)
    where = utf16_at(EMOJI_PROGRAM, 2, "greet)")
    found = hover(analysis, where)
    assert "def greet(mark" in found.contents.value
    assert found.range == types.Range(where, types.Position(2, where.character + len("greet")))
    (defined,) = definition(analysis, where)
    assert defined.range.start == types.Position(0, 4)


def test_definition_of_a_parameter_declared_after_an_emoji():
    analysis = analyse(EMOJI_PROGRAM)
    (found,) = definition(analysis, utf16_at(EMOJI_PROGRAM, 1, "name"))
    start = utf16_at(EMOJI_PROGRAM, 0, "name")
    assert found.range == types.Range(start, types.Position(0, start.character + len("name")))


def test_completion_after_a_dot_that_follows_an_emoji():
    text = with_line(PROGRAM, 'print("😀", passage.)')
    where = utf16_at(text, 14, ")")
    assert set(labels(completion(analyse(text), where))) == {"title", "text"}
