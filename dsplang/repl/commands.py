"""The REPL's meta-commands (`:help`, `:load FILE`, `:inspect 3`, ...).

Each handler takes the session and the text after the command name, prints its result,
and raises a DspError for a mistake (the session renders it). They run inside the
session's context, so `:lm` changes the LM that later inputs use.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Protocol

from dsplang.context.lm import current_lm, set_default
from dsplang.errors import (
    DspArgumentError,
    DspError,
    DspFileError,
    DspNameError,
    DspValueError,
    a_type,
    checked_path,
    did_you_mean,
)
from dsplang.lm.client import LM
from dsplang.repl import display
from dsplang.repl.introspect import predictors_of, resolve
from dsplang.repl.saving import Entry, session_text
from dsplang.stdlib.adapters import ChatAdapter


class Session(Protocol):
    """What the commands use of the REPL session (`dsplang.repl.session.Session`, which
    imports this module to dispatch `:` inputs)."""

    debug: bool
    inputs: list[str]
    transcript: list[Entry]
    loaded: str | None
    last_traceback: str | None
    scope: Any
    usage: Any

    def load(self, path: str) -> None: ...
    def reload(self) -> None: ...
    def predictor_calls(self) -> list: ...
    def secrets(self) -> list[str]: ...


Handler = Callable[[Session, str], None]


class QuitSession(Exception):
    """Raised by `:quit` to end the session."""


def cmd_help(session: Session, arg: str) -> None:
    """show this help"""
    print("Type .dsp statements or expressions; an expression's value is printed and kept as _.")
    print("A block (after a line ending in ':') ends with an empty line. Tab completes;")
    print("help(x) describes x; Ctrl-C cancels the running input; Ctrl-D, exit or :quit leaves.\n")
    width = max(len(usage) for usage in USAGES.values())
    for name, usage in USAGES.items():
        print(f"  {usage:<{width}}  {COMMANDS[name].__doc__}")


def cmd_load(session: Session, arg: str) -> None:
    """run FILE into the session (its names join the scope)"""
    session.load(_required(arg, ":load FILE"))
    print(f"loaded {arg}")


def cmd_reload(session: Session, arg: str) -> None:
    """re-run the last loaded file in a fresh scope"""
    session.reload()
    print(f"reloaded {session.loaded}")


def cmd_inspect(session: Session, arg: str) -> None:
    """the last N LM calls in full: messages, replies, parsed outputs, tokens (default 1)"""
    count = _count(arg, 1)
    calls = session.predictor_calls()
    if not calls:
        print("no LM calls yet")
        return
    first = max(0, len(calls) - count)
    for number, call in enumerate(calls[first:], first + 1):
        print(display.call_detail(number, call))


def cmd_trace(session: Session, arg: str) -> None:
    """one line per predictor call of the session: path, signature, latency, tokens, cache"""
    calls = session.predictor_calls()
    if not calls:
        print("no LM calls yet")
        return
    for number, call in enumerate(calls, 1):
        print(display.call_row(number, call))
    print(session.usage.summary())


def cmd_lm(session: Session, arg: str) -> None:
    """show the default LM, or set it to MODEL (a litellm model string)"""
    if arg:
        set_default(LM(arg))
        session.transcript.append(Entry("lm", arg))
    try:
        print(repr(current_lm()))
    except DspError as err:
        print(f"no LM is configured: {err.hint}" if err.hint else err.message)


def cmd_preview(session: Session, arg: str) -> None:
    """the messages PREDICTOR would send, with {placeholders} for its inputs"""
    path = _required(arg, ":preview PREDICTOR")
    try:
        value = resolve(path, session.scope)
    except LookupError:
        hint = did_you_mean(path.split(".")[0], session.scope.visible_names())
        raise DspNameError(f"{path!r} is not defined", hint=hint) from None
    found = predictors_of(value, path)
    if not found:
        raise DspValueError(f"{path} is {a_type(value)}, not a predictor or module")
    for label, predictor in found:
        signature = predictor.signature
        adapter = predictor.adapter or ChatAdapter()
        inputs = {name: "{" + name + "}" for name in signature.input_names}
        messages = adapter.format(signature, predictor.demos, inputs)
        print(f"{display.RULE}\n{label} ({signature.name})\n\n{display.messages_text(messages)}")


def cmd_save(session: Session, arg: str) -> None:
    """write the loaded file and the inputs that ran to PATH, as a .dsp file (no credentials)"""
    path = _required(arg, ":save PATH")
    text = session_text(session.transcript, session.secrets())
    try:
        with open(os.path.expanduser(checked_path(path)), "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise DspFileError(f"cannot write {path}: {exc.strerror}") from None
    inputs = sum(entry.kind != "file" for entry in session.transcript)
    print(f"saved {inputs} input{'s' if inputs != 1 else ''} to {path}")


def cmd_debug(session: Session, arg: str) -> None:
    """show the last error's traceback and tracebacks from now on (`:debug off` stops)"""
    session.debug = arg.lower() not in ("off", "no", "0", "false")
    if session.debug and session.last_traceback:
        print(session.last_traceback, end="")
    print(f"tracebacks {'on' if session.debug else 'off'}")


def cmd_quit(session: Session, arg: str) -> None:
    """leave the REPL (also Ctrl-D)"""
    raise QuitSession


COMMANDS: dict[str, Handler] = {
    ":help": cmd_help, ":load": cmd_load, ":reload": cmd_reload, ":inspect": cmd_inspect,
    ":trace": cmd_trace, ":lm": cmd_lm, ":preview": cmd_preview, ":save": cmd_save,
    ":debug": cmd_debug, ":quit": cmd_quit,
}
USAGES = {
    ":help": ":help", ":load": ":load FILE", ":reload": ":reload", ":inspect": ":inspect [N]",
    ":trace": ":trace", ":lm": ":lm [MODEL]", ":preview": ":preview PREDICTOR",
    ":save": ":save PATH", ":debug": ":debug [off]", ":quit": ":quit",
}
# Words the REPL itself understands as an input of their own: `help(x)`, `exit`, `quit`.
QUIT_WORDS = ("exit", "quit")
REPL_WORDS = ("help", *QUIT_WORDS)
ALIASES = {":q": ":quit", ":exit": ":quit", ":h": ":help", ":?": ":help"}


def run_command(session: Session, line: str) -> None:
    """Run one meta-command line like `:inspect 2`."""
    name, _, arg = line.partition(" ")
    name = ALIASES.get(name, name)
    handler = COMMANDS.get(name)
    if handler is None:
        raise DspNameError(f"unknown command {name}",
                           hint=did_you_mean(name, COMMANDS) or "type :help to list the commands")
    handler(session, arg.strip())


def _required(arg: str, usage: str) -> str:
    if not arg:
        raise DspArgumentError(f"usage: {usage}")
    return arg


def _count(arg: str, default: int) -> int:
    if not arg:
        return default
    if not arg.isdigit() or int(arg) < 1:
        raise DspArgumentError(f"expected a positive number, got {arg!r}")
    return int(arg)
