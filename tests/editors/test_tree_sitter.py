"""The tree-sitter grammar (editors/tree-sitter-dsp), with the real tree-sitter CLI.

The CLI is Debian 13's tree-sitter-cli 0.22.6, unpacked by editors/tools/debian-tool.sh (npm's
tree-sitter-cli downloads its binary from outside the npm registry when it installs). The
tests check that the committed src/parser.c is what `tree-sitter generate` makes of
grammar.js, run `tree-sitter test` (the corpus in test/corpus and the highlight assertions in
test/highlight), and parse every .dsp file of examples/ and tests/ that dsplang's own parser
accepts, which must give a tree without ERROR or MISSING nodes.
"""

from __future__ import annotations

import filecmp
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from loading import load_helper

from dsplang.errors import DspError
from dsplang.grammar import names
from dsplang.grammar.parser import parse

node_tools = load_helper("editors/node_tools.py")

ROOT = node_tools.ROOT
GRAMMAR = ROOT / "editors" / "tree-sitter-dsp"
GENERATED = ("parser.c", "grammar.json", "node-types.json")


@pytest.fixture(scope="module")
def cli(tmp_path_factory) -> tuple[str, dict]:
    """(the tree-sitter executable, the environment to run it in)."""
    node_tools.node()  # `tree-sitter generate` runs grammar.js on Node
    executable = node_tools.debian_tool("tree-sitter", "tree-sitter-cli")
    config = tmp_path_factory.mktemp("tree-sitter-config")
    (config / "config.json").write_text(json.dumps({"parser-directories": [str(ROOT / "editors")]}))
    env = {"PATH": shutil.os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(config),
           "TREE_SITTER_DIR": str(config), "TREE_SITTER_LIBDIR": str(tmp_path_factory.mktemp("tree-sitter-lib")),
           "NO_COLOR": "1"}
    version = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=30, env=env)
    assert version.returncode == 0 and version.stdout.startswith("tree-sitter 0.22."), version
    return executable, env


def run(cli, *args: str, cwd: Path = GRAMMAR, timeout: float = 120) -> subprocess.CompletedProcess:
    executable, env = cli
    return subprocess.run([executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def test_committed_parser_is_generated_from_grammar_js(cli, tmp_path):
    shutil.copy(GRAMMAR / "grammar.js", tmp_path)
    shutil.copy(GRAMMAR / "package.json", tmp_path)
    result = run(cli, "generate", "--no-bindings", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    stale = [name for name in GENERATED if not filecmp.cmp(tmp_path / "src" / name, GRAMMAR / "src" / name, shallow=False)]
    assert not stale, (f"src/{', src/'.join(stale)} differ from what grammar.js generates: run "
                       "`tree-sitter generate --no-bindings` in editors/tree-sitter-dsp and commit src/")


def test_corpus_and_highlight_tests(cli):
    result = run(cli, "test", timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    passed = re.findall(r"✓", output)
    assert "✗" not in output
    corpus = sum(line == "=" * 60 for path in (GRAMMAR / "test" / "corpus").glob("*.txt")
                 for line in path.read_text().splitlines()) // 2
    highlight_files = sorted((GRAMMAR / "test" / "highlight").glob("*.dsp"))
    assert corpus >= 20 and len(highlight_files) >= 2
    assert len(passed) == corpus + len(highlight_files), output
    assertions = sum(int(n) for n in re.findall(r"\((\d+) assertions\)", output))
    assert assertions >= 80, output


def dsp_files() -> list[Path]:
    return sorted(path for folder in ("examples", "tests") for path in (ROOT / folder).rglob("*.dsp")
                  if "node_modules" not in path.parts)


def accepted_by_dsplang(path: Path) -> bool:
    """The rule for which files must parse: those dsplang's own parser accepts (the others are
    syntax-error fixtures and the Faust and Developer Studio files of tests/editors/foreign)."""
    try:
        parse(path.read_text(encoding="utf-8"), str(path))
    except (DspError, UnicodeDecodeError):
        return False
    return True


def test_every_program_parses_without_errors(cli):
    files = dsp_files()
    valid = [path for path in files if accepted_by_dsplang(path)]
    invalid = sorted(set(files) - set(valid))
    assert len(valid) >= 80 and len(invalid) <= 10, invalid
    result = run(cli, "parse", "--quiet", "--stat", *map(str, valid), cwd=ROOT, timeout=300)
    failed = [line.split("\t")[0].strip() for line in result.stdout.splitlines()
              if "(ERROR" in line or "(MISSING" in line]
    assert not failed, "tree-sitter found errors in files dsplang accepts:\n" + "\n".join(failed)
    summary = re.search(r"Total parses: (\d+); successful parses: (\d+)", result.stdout)
    assert summary and summary.group(1) == summary.group(2) == str(len(valid)), result.stdout[-2000:]


def test_rejected_fixtures_are_errors_where_the_statement_shows_it(cli):
    # A syntax error inside a line is an ERROR node too. (A statement cut off at a line break,
    # as in err_syntax_expr.dsp, is not: like tree-sitter-python, the grammar lets an
    # expression continue on the next line when the statement cannot end.)
    result = run(cli, "parse", "--quiet", "--stat", str(ROOT / "tests" / "programs" / "err_syntax_colon.dsp"),
                 *map(str, sorted((ROOT / "tests" / "editors" / "foreign").glob("*.dsp"))), cwd=ROOT)
    assert result.stdout.count("(ERROR") == 4, result.stdout


def _query_words(query: str, capture_prefix: str) -> set[str]:
    """The quoted words of patterns (or bracketed lists) whose capture starts with capture_prefix."""
    words: set[str] = set()
    for group, capture in re.findall(r'(\[[^\]]*\]|"[a-z]+")\s*@([\w.]+)', query):
        if capture.startswith(capture_prefix):
            words |= set(re.findall(r'"([A-Za-z_]+)"', group))
    return words


def test_keywords_are_the_table_of_names():
    query = (GRAMMAR / "queries" / "highlights.scm").read_text()
    keywords = _query_words(query, "keyword")
    # One-word statements are named nodes, highlighted as keywords too.
    keywords |= {"pass", "break", "continue"} if "(pass_statement) @keyword" in query else set()
    assert keywords == set(names.KEYWORDS)
    grammar = json.loads((GRAMMAR / "src" / "grammar.json").read_text())
    spellings = {member["value"] for rule in ("true", "false", "none") for member in grammar["rules"][rule]["members"]}
    assert spellings == set(names.CONSTANTS)


def test_builtin_and_type_names_are_the_table_of_names():
    query = (GRAMMAR / "queries" / "highlights.scm").read_text()
    (builtins,) = re.findall(r'#match\? @function\.builtin "\^\(([^)]*)\)\$"', query)
    lowercase = {name for name in names.BUILTINS if name[0].islower()}
    assert set(builtins.split("|")) == lowercase
    (types,) = re.findall(r'#match\? @type\.builtin "\^\(([^)]*)\)\$"', query)
    assert set(types.split("|")) == set(names.TYPE_NAMES)


@pytest.mark.parametrize("query", ["highlights.scm", "locals.scm"])
def test_queries_run_on_every_example(cli, query):
    examples = sorted((ROOT / "examples").glob("*.dsp"))
    result = run(cli, "query", str(GRAMMAR / "queries" / query), *map(str, examples), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("capture:") > 100 * len(examples) // 10
