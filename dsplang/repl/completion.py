"""Tab completion for the REPL: keywords, names in scope, attributes after `x.`, a
predictor's (or function's) keyword arguments inside its call, and meta-commands."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from dsplang.grammar import names
from dsplang.interpreter.scope import Scope
from dsplang.repl.introspect import attributes_of, parameter_names, resolve

KEYWORDS = tuple(sorted(names.KEYWORDS + names.COMPLETION_CONSTANTS))
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
ATTRIBUTE = re.compile(rf"({IDENT}(?:\s*\.\s*{IDENT})*)\s*\.\s*({IDENT})?$")
WORD = re.compile(rf"{IDENT}$")
CALLEE = re.compile(rf"({IDENT}(?:\s*\.\s*{IDENT})*)\s*$")
AFTER_DOT = re.compile(rf"\.\s*({IDENT})?$")
ARG_START = re.compile(rf"(?:^|,)\s*({IDENT})?$")
KWARG_NAME = re.compile(rf"(?:^|,)\s*({IDENT})\s*$")


@dataclass
class Bracket:
    """An open bracket: which one, where, and the keyword arguments written inside it so far."""

    opener: str
    start: int
    keywords: set[str] = field(default_factory=set)


def scan(text: str) -> tuple[bool, list[Bracket]]:
    """Whether `text` ends inside a string or comment, and the brackets open at its end."""
    brackets: list[Bracket] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            newline = text.find("\n", i)
            if newline < 0:
                return True, brackets
            i = newline
        elif c in "\"'":
            i = _string_end(text, i)
            if i < 0:
                return True, brackets
            continue
        elif c in "([{":
            brackets.append(Bracket(c, i))
        elif c in ")]}" and brackets:
            brackets.pop()
        elif c == "=" and brackets and brackets[-1].opener == "(" and _is_assign(text, i):
            found = KWARG_NAME.search(text[brackets[-1].start + 1:i])
            if found:
                brackets[-1].keywords.add(found.group(1))
        i += 1
    return False, brackets


def _string_end(text: str, start: int) -> int:
    """The index after the string literal opening at `start`; -1 when it is still open.
    A one-line string also ends at a line break (the parser reports that error)."""
    quote = text[start:start + 3] if text[start:start + 3] in ('"""', "'''") else text[start]
    i = start + len(quote)
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text.startswith(quote, i):
            return i + len(quote)
        elif text[i] == "\n" and len(quote) == 1:
            return i
        else:
            i += 1
    return -1


def _is_assign(text: str, i: int) -> bool:
    """Whether the `=` at `i` is a lone `=` (not part of ==, <=, >=, !=)."""
    before = text[i - 1] if i else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    return before not in "=<>!" and after != "="


class DspCompleter(Completer):
    """Completes .dsp code against the live scope returned by `get_scope`."""

    def __init__(self, get_scope: Callable[[], Scope], commands: Iterable[str] = ()):
        self.get_scope = get_scope
        self.commands = sorted(commands)
        self.paths = PathCompleter(expanduser=True)

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        text = document.text_before_cursor
        if text.lstrip().startswith(":") and "\n" not in text:
            yield from self._command(text, complete_event)
            return
        inside_literal, brackets = scan(text)
        if inside_literal:
            return
        if AFTER_DOT.search(text):
            attribute = ATTRIBUTE.search(text)
            if attribute and _follows_name_boundary(text, attribute.start()):
                yield from self._attributes(attribute.group(1), attribute.group(2) or "")
            return
        word = WORD.search(text)
        prefix = word.group(0) if word else ""
        if word and word.start() and text[word.start() - 1].isdigit():
            return
        yield from self._keyword_arguments(text, brackets, prefix)
        if prefix:
            yield from self._names(prefix)

    # ---------------------------------------------------------------- kinds of completion

    def _attributes(self, path: str, prefix: str) -> Iterator[Completion]:
        try:
            value = resolve(path, self.get_scope())
        except LookupError:
            return
        for name in attributes_of(value):
            if name.startswith(prefix):
                yield Completion(name, -len(prefix), display_meta=_meta(value, name))

    def _keyword_arguments(self, text: str, brackets: list[Bracket], prefix: str) -> Iterator[Completion]:
        """`name=` for each parameter not yet given, when the cursor is at an argument's start."""
        if not brackets or brackets[-1].opener != "(":
            return
        call = brackets[-1]
        if not ARG_START.search(text[call.start + 1:]):
            return
        callee = CALLEE.search(text[:call.start])
        if not callee or not _follows_name_boundary(text, callee.start()):
            return
        try:
            value = resolve(callee.group(1), self.get_scope())
        except LookupError:
            return
        for name in parameter_names(value):
            if name.startswith(prefix) and name not in call.keywords:
                yield Completion(f"{name}=", -len(prefix), display_meta="argument")

    def _names(self, prefix: str) -> Iterator[Completion]:
        """Names in scope (the session's own first, then builtins), then keywords."""
        scope = self.get_scope()
        seen: set[str] = set()
        level = scope
        while level is not None:
            for name in sorted(level.vars):
                if name.startswith(prefix) and name not in seen:
                    seen.add(name)
                    yield Completion(name, -len(prefix), display_meta=_type_label(level.vars[name]))
            level = level.parent
        for word in KEYWORDS:
            if word.startswith(prefix) and word not in seen:
                yield Completion(word, -len(prefix), display_meta="keyword")

    def _command(self, text: str, event: CompleteEvent) -> Iterator[Completion]:
        """Meta-command names; after `:load`/`:save` file paths; after `:preview` dotted names."""
        stripped = text.lstrip()
        name, space, rest = stripped.partition(" ")
        if not space:
            for command in self.commands:
                if command.startswith(name):
                    yield Completion(command, -len(name), display_meta="command")
        elif name in (":load", ":save"):
            yield from self.paths.get_completions(Document(rest.lstrip()), event)
        elif name == ":preview":
            attribute = ATTRIBUTE.search(rest)
            if attribute:
                yield from self._attributes(attribute.group(1), attribute.group(2) or "")
            else:
                word = WORD.search(rest)
                yield from (c for c in self._names(word.group(0) if word else "")
                            if c.display_meta_text != "keyword")


def _follows_name_boundary(text: str, start: int) -> bool:
    """False when the dotted name at `start` continues a longer expression (`f(x).a`, `"s".a`,
    `1.5`), whose value the completer cannot know without running code."""
    before = text[:start].rstrip()
    return not before or before[-1] not in ".)]}\"'" and not before[-1].isalnum() and before[-1] != "_"


def _type_label(value) -> str:
    """A short description of a value for the completion menu."""
    if value is None:
        return "none"
    if isinstance(value, type):
        return "type"
    return type(value).__name__


def _meta(owner, name: str) -> str:
    """The type label of `owner.name`; properties are not run (they may be slow or fail)."""
    if isinstance(getattr(type(owner), name, None), property):
        return "property"
    try:
        return _type_label(getattr(owner, name))
    except Exception:  # a property that fails is still worth offering
        return ""
