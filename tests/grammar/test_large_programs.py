"""Large programs: the parser's own loop over the grammar's tables builds exactly what
Lark's loop builds; the garbage collector is kept out of parsing and compiling; `dsp fmt`
parses an unchanged file once. (Timings are in benchmarks/large_program.py.)"""

from __future__ import annotations

import functools
import gc
import sys
from pathlib import Path

import pytest

from dsplang.fmt import equivalence as fmt_equivalence
from dsplang.fmt import tokens as fmt_tokens
from dsplang.grammar import parser
from dsplang.grammar.postlex import DspIndenter, ParseState
from dsplang.grammar.transform import DspTransformer

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = sorted([*ROOT.glob("examples/*.dsp"), *ROOT.glob("tests/programs/*.dsp")])
sys.path.insert(0, str(ROOT / "benchmarks"))
from large_program import straight_line  # noqa: E402

BROKEN = ["let x = = 1\n", "if x\n    pass\n", "print(1\n", "x = 'abc\n", "let 3 = 4\n",
          "def f(:\n", "x = [1, 2\ny = 3\n", "compile x = y with\n", "a b\n", "x = 1 +\n", "$\n"]


def with_larks_loop(text: str, filename: str):
    """The tree (or the error) Lark's own parse loop gives with the same tables, post-lexer
    and transformer (Lark's callbacks filtering each rule's children)."""
    st = ParseState(filename)
    transformer = DspTransformer(st, functools.partial(parser._parse_field, filename))
    lark = parser.make_lark(DspIndenter(st), transformer)
    try:
        return lark.parse(text, start="start")
    except parser.UnexpectedInput as exc:
        return parser.convert(exc, st, text, parser._grammar().words)
    except parser.DspSyntaxError as err:        # from the post-lexer
        return err


def with_our_loop(text: str, filename: str):
    try:
        return parser._run(text, "start", ParseState(filename))
    except parser.DspSyntaxError as err:
        return err


@pytest.mark.parametrize("text", [p.read_text(encoding="utf-8") for p in PROGRAMS] + BROKEN,
                         ids=[p.name for p in PROGRAMS] + [repr(t) for t in BROKEN])
def test_the_parse_loop_builds_what_larks_loop_builds(text):
    text = parser._normalize(text)
    ours, theirs = with_our_loop(text, "x.dsp"), with_larks_loop(text, "x.dsp")
    if isinstance(theirs, parser.DspSyntaxError):
        assert (str(ours), ours.hint) == (str(theirs), theirs.hint)
    else:
        assert ours == theirs


def collections_during(action) -> int:
    """How many garbage collections ran while `action()` ran."""
    count = [0]

    def note(phase, info):
        if phase == "start":
            count[0] += 1
    gc.callbacks.append(note)
    try:
        action()
    finally:
        gc.callbacks.remove(note)
    return count[0]


def test_no_garbage_collection_while_a_long_program_is_parsed():
    source = straight_line(3000)
    assert collections_during(lambda: parser.parse(source, "long.dsp")) == 0
    assert collections_during(lambda: parser.parse_recovering(source + "let = 1\n", "long.dsp")) == 0
    assert gc.isenabled()


def test_a_parsed_tree_goes_to_the_oldest_generation_without_a_collection():
    """No young collection walks the tree once the collector is back on."""
    program = parser.parse(straight_line(3000), "long.dsp")
    assert gc.get_count()[0] < 100 and gc.get_freeze_count() == 0
    oldest = {id(obj) for obj in gc.get_objects(generation=2)}
    assert id(program) in oldest and id(program.body[-1].value) in oldest


def test_a_program_is_compiled_with_the_collector_paused_and_run_kept_apart_from_it(monkeypatch, tmp_path):
    import dsplang
    from dsplang.interpreter.declarations import DeclCompiler
    enabled = []
    real = DeclCompiler.stmt
    monkeypatch.setattr(DeclCompiler, "stmt", lambda self, node: enabled.append(gc.isenabled()) or real(self, node))
    (tmp_path / "gc_probe_for_tests.py").write_text("import gc\n\ndef frozen():\n    return gc.get_freeze_count()\n")
    source = "from gc_probe_for_tests import frozen\n" + straight_line(50) + "let kept = frozen()\n"
    names = dsplang.run(source, str(tmp_path / "long.dsp"))
    assert enabled and not any(enabled)
    assert names.kept > 0 and gc.get_freeze_count() == 0 and gc.isenabled()


def test_fmt_parses_a_file_once_when_it_is_already_formatted(monkeypatch):
    from dsplang.fmt import format_source
    source = straight_line(200)
    calls = []
    real = parser.parse
    counting = lambda *a, **k: calls.append(a) or real(*a, **k)  # noqa: E731
    for module in (parser, fmt_tokens, fmt_equivalence):     # every module that calls parse
        monkeypatch.setattr(module, "parse", counting)
    assert format_source(source, "long.dsp") == source
    assert len(calls) == 1
    calls.clear()
    changed = source.replace("let v7 = v5 + 7 * (3 - 1) // 2", "let v7 = v5+7*(3-1)//2")
    assert format_source(changed, "long.dsp") == source
    assert len(calls) == 2          # the file, then the one statement that changed, alone
