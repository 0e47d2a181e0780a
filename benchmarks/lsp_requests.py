"""The language server's requests on a large document, timed in-process (no JSON-RPC).

Generates a program of LINES lines (default 10,000): blocks of a signature, a module with a
predictor and a `forward`, a function with a loop and f-strings, predictor calls and
records, repeated with fresh names. Then prints the seconds of:

- the analysis of the document (what every request of a version shares);
- semantic tokens of the whole document, first (computed) and again (cached per version),
  and of a 100-line range;
- signature help inside a predictor call, in the parsed document, and while that call is
  still open (the document then has a syntax error: the line is analysed again as `pass`);
- the code actions of a misspelled name;
- workspace symbols for a query over FILES copies of the program in a folder, first (every
  file parsed) and again (cached by modification time).

Target: each request under 1 s at 10,000 lines once the version is analysed (the analysis,
shared by all of them, is the larger cost; semantic tokens are the slowest request), and again
(cached) under 0.1 s.

Run: python benchmarks/lsp_requests.py [LINES] [FILES]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types

from dsplang.lsp.analysis import Project
from dsplang.lsp.diagnostics import analysis_diagnostics
from dsplang.lsp.fixes import code_actions
from dsplang.lsp.semantic_tokens import semantic_tokens
from dsplang.lsp.signature_help import signature_help
from dsplang.lsp.workspace_symbols import WorkspaceIndex

BLOCK = '''\
signature Ask{i}:
    """Answer question {i}."""
    input question: str "the question"
    input context: list[str]
    output answer: str

type Note{i}:
    text: str
    score: float = 0.5

module Helper{i}(hops: int = 2):
    respond = ChainOfThought(Ask{i})
    def forward(self, question):
        let pred = self.respond(question=question, context=[])
        return pred

def tally{i}(limit, k: int = 3):
    let total = 0
    for step in range(limit):
        total = total + step * k
    return f"{{total}} after {{limit}}"

let qa{i} = Predict(Ask{i})
let note{i} = Note{i}(text=tally{i}(3), score=0.1)
print(qa{i}(question="Why {i}?", context=[note{i}.text]).answer, Helper{i}(hops=1))
'''


def program(lines: int) -> str:
    block_lines = BLOCK.count("\n") + 1
    return "\n".join(BLOCK.format(i=i) for i in range(max(lines // block_lines, 1)))


def timed(what: str, run) -> object:
    started = time.perf_counter()
    result = run()
    print(f"{what:<52} {time.perf_counter() - started:8.3f} s")
    return result


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    files = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    text = program(lines)
    count = text.count("\n") + 1
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "big.dsp")
        Path(path).write_text(text)
        print(f"{count} lines, {len(text) / 1e6:.1f} MB")
        analysis = timed("analysis", lambda: Project().analyse(path, text))
        tokens = timed("semantic tokens, whole document", lambda: semantic_tokens(analysis))
        print(f"  ({len(tokens.data) // 5} tokens)")
        timed("semantic tokens again (cached)", lambda: semantic_tokens(analysis))
        middle = count // 2
        timed("semantic tokens of 100 lines", lambda: semantic_tokens(
            analysis, within=types.Range(types.Position(middle, 0), types.Position(middle + 100, 0))))
        call_line = next(i for i, line in enumerate(analysis.lines) if line.startswith("print(qa"))
        at = types.Position(call_line, analysis.lines[call_line].index("context="))
        help_ = timed("signature help in a predictor call", lambda: signature_help(analysis, at))
        assert help_ is not None
        open_call = text + '\nlet typed = qa0(question="x", '
        typing = Project().analyse(path, open_call)
        end = types.Position(len(typing.lines) - 1, len(typing.lines[-1]))
        help_ = timed("signature help in an open call (first)", lambda: signature_help(typing, end))
        assert help_ is not None
        timed("signature help in an open call (again)", lambda: signature_help(typing, end))
        misspelled = Project().analyse(path, text + "\nprint(qa0(questoin=1))\n")
        found = analysis_diagnostics(misspelled)
        bad = [d for d in found if d.data]
        uri = Path(path).as_uri()
        actions = timed("code actions of a misspelling", lambda: code_actions(
            uri, misspelled.lines, bad, found))
        assert actions
        for n in range(files):
            (Path(folder) / f"copy{n}.dsp").write_text(text)
        index = WorkspaceIndex()
        found_symbols = timed(f"workspace symbols, {files} files (first)", lambda: index.search("Helper1", [folder]))
        print(f"  ({len(found_symbols)} symbols)")
        timed(f"workspace symbols, {files} files (again)", lambda: index.search("Helper1", [folder]))


if __name__ == "__main__":
    main()
