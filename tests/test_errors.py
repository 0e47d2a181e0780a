"""errors.SOURCES: the text an error excerpt or a declaration's text is read from."""

from __future__ import annotations

import copy
import os
import pickle

from dsplang.errors import SOURCES, DspValueError, SourceName, SourceRegistry, Span, render
from dsplang.grammar.parser import parse


def test_a_span_reads_the_text_it_was_parsed_from_after_the_file_is_parsed_again():
    old = parse("let a = 1\nlet b = 2\n", "edited.dsp").body[1].span
    new = parse("let a = 1\nlet changed = 3\n", "edited.dsp").body[1].span
    assert old.file == new.file == "edited.dsp" and old == Span("edited.dsp", 2, 1, 2, 10)
    assert SOURCES.line(old.file, 2) == "let b = 2"
    assert SOURCES.line(new.file, 2) == "let changed = 3"
    assert SOURCES.line("edited.dsp", 2) == "let changed = 3"      # a plain name: the latest parse
    assert render(DspValueError("bad", old)).splitlines()[1].endswith("| let b = 2")


def test_a_file_read_from_disk_is_read_again_when_it_changes(tmp_path):
    path = tmp_path / "on_disk.dsp"
    path.write_text("first\n")
    registry = SourceRegistry()
    assert registry.line(str(path), 1) == "first"
    path.write_text("second, longer\n")
    os.utime(path, ns=(1, 1))                  # a new mtime even on a coarse clock
    assert registry.line(str(path), 1) == "second, longer"
    assert registry.line(str(tmp_path / "missing.dsp"), 1) is None


def test_the_registry_keeps_the_latest_text_of_a_bounded_number_of_files():
    registry = SourceRegistry(size=3)
    for i in range(10):
        registry.add(f"<file {i}>", f"text {i}\n")
    assert [registry.line(f"<file {i}>", 1) for i in (0, 6, 7, 8, 9)] == [None, None, "text 7", "text 8", "text 9"]
    kept = registry.add("<file 0>", "kept by its spans\n")
    registry.add("<file 11>", "x")
    registry.add("<file 12>", "x")
    registry.add("<file 13>", "x")
    assert registry.line("<file 0>", 1) is None and registry.line(kept, 1) == "kept by its spans"


def test_a_source_name_is_its_file_name_and_keeps_its_text_when_copied_or_pickled():
    name = SourceName("a.dsp", "x = 1\n")
    assert name == "a.dsp" and hash(name) == hash("a.dsp") and f"{name}:1" == "a.dsp:1"
    assert copy.deepcopy(name) is name and copy.copy(name) is name
    again = pickle.loads(pickle.dumps(Span(name, 1, 1, 1, 2)))
    assert again.file == "a.dsp" and again.file.lines() == ["x = 1"]
