"""`dsp repl`: a prompt_toolkit prompt (dsp highlighting, completion, multi-line input,
a history file) feeding a Session. Without a terminal on stdin, lines are read plainly."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.document import Document
from prompt_toolkit.filters import Condition
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.lexers import PygmentsLexer

from dsplang.driver.run import RunOptions
from dsplang.grammar.parser import is_complete
from dsplang.highlight import DspLexer
from dsplang.repl.commands import ALIASES, COMMANDS, REPL_WORDS
from dsplang.repl.completion import DspCompleter
from dsplang.repl.session import QuitSession, Session
from dsplang.version import __version__

PROMPT, CONTINUATION, INDENT = ">>> ", "... ", "    "
DEDENTERS = ("return", "pass", "break", "continue", "raise")


def history_path() -> Path:
    """$DSP_REPL_HISTORY, else $XDG_DATA_HOME/dsplang/repl_history, else ~/.local/share/...."""
    override = os.environ.get("DSP_REPL_HISTORY", "").strip()
    if override:
        return Path(override).expanduser()
    data = os.environ.get("XDG_DATA_HOME", "").strip() or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(data) / "dsplang" / "repl_history"


def ready(text: str) -> bool:
    """Whether Enter should run `text` now rather than start a new line: a meta-command, or a
    complete statement. Inside a block, an empty last line ends the block."""
    if not text.strip() or text.lstrip().startswith(":"):
        return True
    lines = text.split("\n")
    if _opens_block(lines[-1]):
        return False
    if len(lines) > 1 and not lines[-1].strip():
        return is_complete(text.rstrip() + "\n\n")
    return is_complete(text)


def _opens_block(line: str) -> bool:
    """Whether a line ends with the `:` of a block header (`def f():`, `if x:  # why`)."""
    code = line.split("#", 1)[0].rstrip() if "#" in line and "\"" not in line and "'" not in line \
        else line.rstrip()
    return code.endswith(":") and not code.lstrip().startswith(":")


def next_indent(document: Document) -> str:
    """The indentation for a new line: the current line's, one level deeper after a `:`,
    one level shallower after `return`/`pass`/`break`/`continue`/`raise`."""
    line = document.current_line_before_cursor
    indent = line[:len(line) - len(line.lstrip())]
    code = line.strip()
    if code.endswith(":"):
        return indent + INDENT
    if code.split(" ")[0] in DEDENTERS:
        return indent[:-len(INDENT)]
    return indent


def key_bindings() -> KeyBindings:
    """Enter runs a complete input or opens a new indented line; Tab and Backspace in
    leading whitespace indent and dedent by one level."""
    bindings = KeyBindings()
    at_indentation = Condition(lambda: _current_document().current_line_before_cursor.strip() == "")
    bindings.add("enter")(_enter)
    bindings.add("tab", filter=at_indentation)(_indent)
    bindings.add("backspace", filter=at_indentation)(_dedent)
    return bindings


def _enter(event) -> None:
    """Close a completion menu with a chosen entry; else run the input or add a line."""
    buffer = event.current_buffer
    state = buffer.complete_state
    if state is not None and state.current_completion is not None:
        buffer.complete_state = None  # keep the chosen completion, close the menu
        return
    document = buffer.document
    one_line = "\n" not in document.text
    if ready(document.text) and (one_line or document.is_cursor_at_the_end):
        buffer.validate_and_handle()
    else:
        buffer.insert_text("\n" + next_indent(document))


def _indent(event) -> None:
    event.current_buffer.insert_text(INDENT)


def _dedent(event) -> None:
    """Backspace in leading whitespace: back to the previous indentation level."""
    line = event.current_buffer.document.current_line_before_cursor
    width = len(line) % len(INDENT) or len(INDENT)
    event.current_buffer.delete_before_cursor(min(width, len(line)) or 1)


def _current_document() -> Document:
    from prompt_toolkit.application.current import get_app
    return get_app().current_buffer.document


def _history() -> History:
    path = history_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
    except OSError as exc:
        print(f"dsp: history is not saved ({path}: {exc.strerror})", file=sys.stderr)
        return InMemoryHistory()
    return FileHistory(str(path))


def prompt_session(session: Session) -> PromptSession:
    """The prompt_toolkit session: highlighting, completion, multi-line input, history."""
    commands = list(COMMANDS) + list(ALIASES)
    return PromptSession(
        PROMPT, multiline=True, prompt_continuation=CONTINUATION,
        lexer=PygmentsLexer(DspLexer), completer=DspCompleter(lambda: session.scope, commands,
                                                                     lambda: session.static, REPL_WORDS),
        complete_while_typing=False, history=_history(), auto_suggest=AutoSuggestFromHistory(),
        key_bindings=key_bindings(), enable_open_in_editor=False)


def _let_ctrl_c_interrupt() -> None:
    """A shell that starts a command in the background without job control makes it ignore
    SIGINT; someone typing into this REPL still expects Ctrl-C to stop a running input."""
    import signal
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def main(file: str | None = None, options: RunOptions | None = None, debug: bool = False) -> int:
    """Run the REPL until Ctrl-D, `exit` or `:quit`; FILE, when given, is loaded first."""
    session = Session(options, debug)
    try:
        if file:
            session.run(f":load {file}")
        if sys.stdin.isatty():
            _interactive(session)
        else:
            _piped(session)
    except QuitSession:
        pass
    finally:
        session.close()
        if session.usage.calls:
            print(session.usage.summary(), file=sys.stderr)
    return 0


def _interactive(session: Session) -> None:
    _let_ctrl_c_interrupt()
    print(f"dsp {__version__} repl - :help lists the commands, Ctrl-D quits")
    prompt = prompt_session(session)
    while True:
        try:
            text = prompt.prompt()
        except KeyboardInterrupt:
            continue
        except EOFError:
            return
        try:
            session.run(text)
        except KeyboardInterrupt:  # arrived between two steps of `run`
            print("KeyboardInterrupt", file=sys.stderr)


def _piped(session: Session) -> None:
    """Read stdin line by line, running each input as soon as it is complete."""
    lines: list[str] = []
    for raw in sys.stdin:
        lines.append(raw.rstrip("\n"))
        text = "\n".join(lines)
        if ready(text):
            session.run(text)
            lines = []
    if lines:
        session.run("\n".join(lines))
