"""The one table of names (grammar/names.py) against the places that must agree with it:
the Lark grammar's keywords and the builtins a run binds."""

from __future__ import annotations

import re
from pathlib import Path

from dsplang.driver import builtins
from dsplang.grammar import names

GRAMMAR = Path(names.__file__).with_name("dsp.lark").read_text()


def test_every_keyword_of_the_grammar_is_in_the_table():
    terminals = re.findall(r"^[A-Z_]+(?:\.\d+)?:\s*/([a-z]+)(?:\\b|\(\?=)", GRAMMAR, re.MULTILINE)
    reserved = re.search(r"^NAME:\s*/\(\?!\(\?:([^)]*)\)", GRAMMAR, re.MULTILINE).group(1).split("|")
    constants = re.search(r"^CONST:\s*/\(\?:([^)]*)\)", GRAMMAR, re.MULTILINE).group(1).split("|")
    assert len(terminals) > 30 and "valset" in terminals
    assert set(terminals) == set(names.KEYWORDS)
    assert set(reserved) - names.CONSTANTS <= set(names.KEYWORDS)
    assert set(constants) == set(names.CONSTANTS)


def test_keyword_groups_do_not_overlap_and_make_the_keywords():
    groups = (names.OPERATOR_WORDS, names.CONTROL_WORDS, names.DECLARATION_WORDS,
              names.IMPORT_WORDS, names.CLAUSE_WORDS)
    assert sum(len(g) for g in groups) == len(names.KEYWORDS) == len(set(names.KEYWORDS))
    assert set(names.COMPLETION_CONSTANTS) <= names.CONSTANTS


def test_the_builtins_a_run_binds_are_the_table():
    table = builtins.build()
    assert set(table) == names.BUILTINS | names.CONSTANTS
    assert all(table[name] is not None for name in names.BUILTINS)
    assert names.SIGNATURE_TAKERS <= names.LANGUAGE_BUILTINS
    assert names.ERROR_NAMES <= names.BUILTINS


def test_the_grammar_layer_reads_no_higher_layer():
    source = Path(names.__file__).read_text()
    imported = re.findall(r"^(?:from|import) (dsplang[\w.]*)", source, re.MULTILINE)
    assert imported == ["dsplang.errors"]
