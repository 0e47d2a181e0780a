"""Tab completion for the REPL: keywords, names in scope, attributes after `x.`, a
predictor's (or function's) keyword arguments inside its call, and meta-commands.

Names, members and parameters come first from the static scope model of what the session
ran and of the input being typed (`static.StaticHistory`, the analysis `dsp check` and the
language server share); the live scope adds what only the running program knows: the
attributes and parameters of live Python objects, and names bound at run time only."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from dsplang.analysis.infer import call_parameters, members, resolve_chain, shape_of
from dsplang.analysis.model import Binding, Model
from dsplang.analysis.source import Pos
from dsplang.grammar import names
from dsplang.interpreter.scope import Scope
from dsplang.repl.introspect import attributes_of, parameter_names, resolve
from dsplang.repl.static import StaticHistory

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


# The static model at the cursor: the model of the input being typed, and the cursor in it.
Static = tuple[Model, Pos]


class DspCompleter(Completer):
    """Completes .dsp code against the static model of the session's inputs (`get_history`)
    and the live scope returned by `get_scope`."""

    def __init__(self, get_scope: Callable[[], Scope], commands: Iterable[str] = (),
                 get_history: Callable[[], StaticHistory] | None = None, words: Iterable[str] = ()):
        self.get_scope = get_scope
        self.get_history = get_history
        self.commands = sorted(commands)
        self.words = sorted(words)  # the REPL's own words (help, exit, quit)
        self.paths = PathCompleter(expanduser=True)

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        text = document.text_before_cursor
        if text.lstrip().startswith(":") and "\n" not in text:
            yield from self._command(text, complete_event)
            return
        inside_literal, brackets = scan(text)
        if inside_literal:
            return
        static = self._static(document.text, (document.cursor_position_row + 1, document.cursor_position_col + 1))
        if AFTER_DOT.search(text):
            attribute = ATTRIBUTE.search(text)
            if attribute and _follows_name_boundary(text, attribute.start()):
                yield from self._attributes(attribute.group(1), attribute.group(2) or "", static)
            return
        word = WORD.search(text)
        prefix = word.group(0) if word else ""
        if word and word.start() and text[word.start() - 1].isdigit():
            return
        yield from self._keyword_arguments(text, brackets, prefix, static)
        if prefix:
            yield from self._names(prefix, static)

    def _static(self, text: str, pos: Pos) -> Static | None:
        """The static model of `text` on top of the session's inputs, or None without one."""
        if self.get_history is None:
            return None
        return self.get_history().typing(text, pos), pos

    # ---------------------------------------------------------------- kinds of completion

    def _attributes(self, path: str, prefix: str, static: Static | None) -> Iterator[Completion]:
        """The members the static model knows (a module's attributes and methods, a record's
        fields, ...), then the attributes of the live value."""
        seen: set[str] = set()
        if static is not None:
            target = resolve_chain(static[0], _dotted(path), static[1])
            for name, binding in members(shape_of(target)).items():
                if name.startswith(prefix):
                    seen.add(name)
                    yield Completion(name, -len(prefix), display_meta=binding.describe())
        try:
            value = resolve(path, self.get_scope())
        except LookupError:
            return
        for name in attributes_of(value):
            if name.startswith(prefix) and name not in seen:
                yield Completion(name, -len(prefix), display_meta=_meta(value, name))

    def _keyword_arguments(self, text: str, brackets: list[Bracket], prefix: str,
                           static: Static | None) -> Iterator[Completion]:
        """`name=` for each parameter not yet given, when the cursor is at an argument's start."""
        if not brackets or brackets[-1].opener != "(":
            return
        call = brackets[-1]
        if not ARG_START.search(text[call.start + 1:]):
            return
        callee = CALLEE.search(text[:call.start])
        if not callee or not _follows_name_boundary(text, callee.start()):
            return
        found: list[str] = []
        if static is not None:
            target = resolve_chain(static[0], _dotted(callee.group(1)), static[1])
            found = [name for name, _ in call_parameters(target)]
        try:
            value = resolve(callee.group(1), self.get_scope())
            found += [name for name in parameter_names(value) if name not in found]
        except LookupError:
            pass
        for name in found:
            if name.startswith(prefix) and name not in call.keywords:
                yield Completion(f"{name}=", -len(prefix), display_meta="argument")

    def _names(self, prefix: str, static: Static | None = None) -> Iterator[Completion]:
        """Names the static model sees at the cursor, then the rest of the live scope's (the
        builtins among them), then keywords."""
        scope = self.get_scope()
        seen: set[str] = set()
        if static is not None:
            model, pos = static
            for name, binding in sorted(model.visible(pos).items()):
                if name.startswith(prefix):
                    seen.add(name)
                    yield Completion(name, -len(prefix), display_meta=_static_meta(binding, model, scope))
        level: Scope | None = scope
        while level is not None:
            for name in sorted(level.vars):
                if name.startswith(prefix) and name not in seen:
                    seen.add(name)
                    yield Completion(name, -len(prefix), display_meta=_type_label(level.vars[name]))
            level = level.parent
        for word in self.words:
            if word.startswith(prefix) and word not in seen:
                seen.add(word)
                yield Completion(word, -len(prefix), display_meta="repl")
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
            static = self._static("", (1, 1))
            if attribute:
                yield from self._attributes(attribute.group(1), attribute.group(2) or "", static)
            else:
                word = WORD.search(rest)
                yield from (c for c in self._names(word.group(0) if word else "", static)
                            if c.display_meta_text != "keyword")


def _follows_name_boundary(text: str, start: int) -> bool:
    """False when the dotted name at `start` continues a longer expression (`f(x).a`, `"s".a`,
    `1.5`), whose value the completer cannot know without running code."""
    adjacent = text[start - 1:start]
    if adjacent.isalnum() or adjacent == "_":   # `9abc.`: the name is part of a longer token
        return False
    before = text[:start].rstrip()   # a keyword and a space before it (`return x.`) are fine
    return not before or before[-1] not in ".)]}\"'"


def _dotted(path: str) -> list[str]:
    """`a . b.c` as ["a", "b", "c"]."""
    return [part.strip() for part in path.split(".")]


def _static_meta(binding: Binding, typing: Model, scope: Scope) -> str:
    """The menu label of a name the static model knows: its live value's type when it was
    bound by an input that ran, else what the model says it is (param, let, def, ...)."""
    if binding.model is not typing and scope.find(binding.name) is not None:
        return _type_label(scope.lookup(binding.name))
    return binding.home.describe()


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
