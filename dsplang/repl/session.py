"""The state of one REPL session and how one input runs in it.

A session keeps one Interpreter, one global scope and one `contextvars.Context` with the
session's Run entered in it; every input runs inside that context, so `use LM(...)`, the
session's trace and its usage persist from one input to the next. `:reload` starts a new
Run: nothing of the earlier one (its `use`, trace, compile state) reaches the reloaded file.
Each input is parsed on its own under the name `<repl:N>` (its text is registered for error
rendering by `parse`). Each input that ran, and each loaded file, is also walked by the static
analysis into `static` (a `StaticHistory`), which completion reads, and kept in `transcript`
(what `:save` writes).

Python's REPL habits hold: `_` is the last value printed, `help(x)` describes a value (and
`help()` lists the commands), and a bare `exit` or `quit` (or `exit()`) leaves. Those three
words are the REPL's only where the session has not bound them itself, and `help`/`exit`
inputs are not part of the transcript.

Ctrl-C: inputs run in the main thread, so SIGINT raises KeyboardInterrupt wherever the
input is — in the interpreter, in a `time.sleep` of a ScriptedLM, in a socket read of a
provider call. `run` catches it, prints `KeyboardInterrupt`, and the session goes on.
"""

from __future__ import annotations

import contextvars
import sys
import traceback
from contextlib import ExitStack

from dsplang.context import trace
from dsplang.context.lm import current_lm
from dsplang.context.run import entered
from dsplang.driver.host import new_interpreter
from dsplang.driver.run import RunOptions, new_run
from dsplang.errors import DspError, DspRuntimeError, render
from dsplang.grammar import ast
from dsplang.grammar.nesting import deep_enough
from dsplang.grammar.parser import parse
from dsplang.interpreter.declarations import DeclCompiler
from dsplang.lm import usage
from dsplang.lm.client import LM
from dsplang.lm.secrets import secret_values
from dsplang.repl import display, helptext
from dsplang.repl.commands import QUIT_WORDS, QuitSession, cmd_help, run_command
from dsplang.repl.saving import LAST_VALUE, Entry
from dsplang.repl.static import StaticHistory

DEBUG_HINT = "(use :debug to see tracebacks)"


class Session:
    """One interpreter, scope, context, trace and list of inputs, kept across inputs."""

    def __init__(self, options: RunOptions | None = None, debug: bool = False):
        self.options = options or RunOptions()
        self.debug = debug
        self.context = contextvars.copy_context()
        self._exits = ExitStack()
        self.trace, self.usage = self.context.run(self._start)
        self.interp = new_interpreter(self.options.limits)
        self.scope = self.interp.new_globals()
        self.static = StaticHistory()
        self.count = 0
        self.inputs: list[str] = []
        self.transcript: list[Entry] = []
        self.loaded: str | None = None
        self.last_traceback: str | None = None
        self._closed = False

    def _start(self) -> tuple[trace.Trace, usage.UsageTotals]:
        """Enter a new Run with the session's options and open its trace (in the session's context)."""
        run = self._exits.enter_context(entered(new_run(self.options)))
        return self._exits.enter_context(trace.collecting()), run.usage

    def close(self) -> None:
        """Close the trace and tracker (inside the context they were opened in)."""
        if not self._closed:
            self._closed = True
            self.context.run(self._exits.close)

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---------------------------------------------------------- one input

    def run(self, text: str) -> None:
        """Run one input (a meta-command or code), printing its value or its error.
        Raises QuitSession for `:quit`; every other failure is printed and the session goes on."""
        if not text.strip():
            return
        try:
            if text.lstrip().startswith(":"):
                self.context.run(run_command, self, text.strip())
            else:
                self.context.run(self.execute, text)
        except QuitSession:
            raise
        except KeyboardInterrupt:
            print("KeyboardInterrupt", file=sys.stderr)
        except Exception as exc:  # the REPL is an edge: render every error once, keep going
            self.report(exc)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()

    def execute(self, text: str) -> None:
        """Parse and run code; a lone expression's value is printed with repr unless it is none."""
        self.count += 1
        filename = f"<repl:{self.count}>"
        program = parse(text, filename)
        body = program.body
        if not body and program.doc is not None:  # a lone string parses as a docstring
            self._ran(text, "value")
            self._show(program.doc)
            return
        if len(body) == 1 and isinstance(body[0], ast.ExprStmt):
            expr = body[0].expr
            if self._repl_word(expr, QUIT_WORDS):
                raise QuitSession
            if self._repl_word(expr, ("help",)):
                self._help(expr, filename)
                return
            value = self._evaluate(expr, filename)
            self._ran(text, "value")
            self._show(value)
            return
        self.interp.execute(program, filename, self.scope)
        self._ran(text, "code")
        self.static.add(program, filename, text)

    def _ran(self, text: str, kind: str) -> None:
        self.inputs.append(text)
        self.transcript.append(Entry(kind, text))

    def _show(self, value) -> None:
        """Print a value (none is not printed) and keep it as `_`."""
        if value is None:
            return
        self.scope.declare(LAST_VALUE, value)
        print(display.value_text(value))

    def _repl_word(self, expr: ast.Node, words: tuple[str, ...]) -> bool:
        """Whether `expr` is one of the REPL's words (`exit`, `quit()`, `help(x)`) that the
        session has not bound itself."""
        args: tuple[ast.Node, ...] = ()
        name = expr
        if isinstance(expr, ast.Call):
            if expr.keywords:
                return False
            name, args = expr.func, expr.args
        if not isinstance(name, ast.Name) or name.id not in words or self.scope.find(name.id) is not None:
            return False
        return len(args) <= (1 if name.id == "help" else 0)

    def _help(self, expr: ast.Node, filename: str) -> None:
        """`help` or `help()`: the REPL's help; `help(x)`: what x is."""
        args = expr.args if isinstance(expr, ast.Call) else ()
        if not args:
            cmd_help(self, "")
            return
        arg = args[0]
        value = self._evaluate(arg, filename)
        name = arg.id if isinstance(arg, ast.Name) else None
        home = self.scope.find(name) if name is not None else None
        print(helptext.describe(value, name, builtin=home is not None and home.parent is None))

    def _evaluate(self, expr: ast.Node, filename: str):
        """The value of `expr`, with the recursion limit `Interpreter.execute` also uses."""
        with deep_enough():
            try:
                return DeclCompiler(self.interp, filename).expr(expr)(self.scope)
            except RecursionError:
                raise DspRuntimeError("maximum recursion depth exceeded", expr.span) from None

    # ---------------------------------------------------------- files

    def load(self, path: str) -> None:
        """Run the file `path` into the session's scope; it becomes the file `:reload` re-runs."""
        self.loaded = path
        importer = self.interp.importer
        source = importer.read(path, None)
        program = parse(source, path)
        with importer.running(path):  # so an import cycle back to this file is named
            self.interp.execute(program, path, self.scope)
        self.static.add(program, path, source)
        self.transcript.append(Entry("file", source, path))

    def reload(self) -> None:
        """Re-run the last loaded file in a fresh interpreter, scope and Run (re-reading its
        imports). Called inside the session's context, like every command."""
        if self.loaded is None:
            raise DspRuntimeError("no file loaded yet", hint="use :load FILE first")
        self._exits.close()
        self.trace, self.usage = self._start()
        self.interp = new_interpreter(self.options.limits)
        self.scope = self.interp.new_globals()
        self.static.reset()
        self.inputs.clear()
        self.transcript.clear()
        self.load(self.loaded)

    # ---------------------------------------------------------- errors

    def report(self, exc: BaseException) -> None:
        """Print a user error as in files; an internal error as one line and a hint."""
        self.last_traceback = "".join(traceback.format_exception(exc))
        if self.debug:
            print(self.last_traceback, end="", file=sys.stderr)
        if isinstance(exc, DspError):
            print(render(exc), file=sys.stderr)
            return
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        if not self.debug:
            print(DEBUG_HINT, file=sys.stderr)

    def predictor_calls(self) -> list[trace.PredictorCall]:
        return self.trace.predictor_calls()

    def secrets(self) -> list[str]:
        """The credentials `:save` must not write: those of the session's LMs (the default
        one and any the scope holds) and the values of secret-named environment variables.
        Called inside the session's context, like every command."""
        settings: dict = {}
        lms = [value for value in self.scope.vars.values() if isinstance(value, LM)]
        try:
            lms.append(current_lm())
        except DspError:
            pass
        for number, lm in enumerate(lms):
            settings[f"lm{number}"] = lm.kwargs
        return secret_values(settings)
