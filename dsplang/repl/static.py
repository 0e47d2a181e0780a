"""The static part of REPL completion: the scope model of what the session has run, and of
the input being typed on top of it.

Each input that ran (and each `:load`ed file) is walked once by the analysis that `dsp check`
and the language server use, its top-level scope chained onto the one before, so the names
the session declared are known with their kinds, declarations and inferred shapes. The text
being typed is analysed on top of that chain, so a parameter of a `def` still being written
is offered too. What only the running program knows (attributes of live Python objects) is
added by the completer from the live scope.
"""

from __future__ import annotations

from dsplang.analysis.checker import analyse_program, analyse_source
from dsplang.analysis.model import Binding, Model, Scope
from dsplang.analysis.source import Pos, split_lines
from dsplang.grammar import ast

TYPING = "<repl:typing>"


class StaticHistory:
    """The chained models of the inputs a session ran; `top` is the newest top-level scope."""

    def __init__(self) -> None:
        self.top: Scope | None = None
        self._typing: tuple[str, Pos, Model] | None = None

    def add(self, program: ast.Program, filename: str, source: str) -> Model:
        """Walk an input (already parsed and run) and make its names visible to later ones."""
        model = analyse_program(program, Model(filename, program, source), outer=self.top)
        self.top = model.top
        self._typing = None
        return model

    def reset(self) -> None:
        """Forget every input (`:reload` starts a fresh scope)."""
        self.top = None
        self._typing = None

    def typing(self, text: str, pos: Pos) -> Model:
        """The model of `text` (the input being typed, cursor at `pos`) on top of the history:
        with the cursor's line replaced by `pass` when that parses better, as a half-written
        call (an unclosed `(`) would otherwise hide the block around it."""
        if self._typing is not None and self._typing[:2] == (text, pos):
            return self._typing[2]
        model = analyse_source(text, TYPING, outer=self.top)
        lines = split_lines(text)
        if model.syntax_errors and 1 <= pos[0] <= len(lines):
            line = lines[pos[0] - 1]
            lines[pos[0] - 1] = line[:len(line) - len(line.lstrip())] + "pass"
            patched = analyse_source("\n".join(lines), TYPING, outer=self.top)
            if len(patched.syntax_errors) < len(model.syntax_errors):
                model = patched
        self._typing = (text, pos, model)
        return model

    def visible(self, text: str, pos: Pos) -> dict[str, Binding]:
        """The names bound at `pos` of the input being typed, the innermost first."""
        return self.typing(text, pos).visible(pos)
