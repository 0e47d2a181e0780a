"""A call whose first argument is a string literal, such as `Predict("text -> label: Sentiment")`.

The callee's value decides: a class with a true `takes_signature` attribute (the predictor
classes, `Signature`) receives a signature made from the string with the caller's types;
any other callee receives the string. The string is parsed once, when the call is
compiled; the signature is made by the host at run time and kept for the call site while
the type names it uses still mean the same values.
"""

from __future__ import annotations

from collections.abc import Callable

from dsplang.errors import DspSyntaxError, Span
from dsplang.grammar import ast
from dsplang.grammar.parser import parse_sigspec
from dsplang.interpreter.host import Host, TypeLookup
from dsplang.interpreter.scope import Scope


class SignatureCall:
    """One call site's signature string: its parsed form, and the signature last made from it."""

    __slots__ = ("text", "span", "host", "sigspec", "error", "made")

    def __init__(self, text: str, span: Span, host: Host) -> None:
        self.text, self.span, self.host = text, span, host
        self.sigspec: ast.SigSpec | None = None
        self.error: DspSyntaxError | None = None
        self.made: tuple[tuple[tuple[str, type], ...], object] | None = None    # ((name, type) pairs read, signature)
        try:
            self.sigspec = parse_sigspec(text, span)   # refuses a text without "->" at once
        except DspSyntaxError as err:                  # raised only if the callee takes a signature
            self.error = err

    @staticmethod
    def takes_signature(f: object) -> bool:
        return isinstance(f, type) and getattr(f, "takes_signature", False) is True

    def signature(self, type_lookup: Callable[[Scope], TypeLookup], scope: Scope) -> object:
        """The signature for this run of the call: the one made before if its types are unchanged."""
        if self.error is not None:
            raise self.error
        made = self.made
        if made is not None:
            read, signature = made
            if not read:
                return signature
            lookup = type_lookup(scope)
            if all(lookup(name, self.span) is value for name, value in read):
                return signature
        read_now: list[tuple[str, type]] = []
        lookup = type_lookup(scope)

        def recording(name: str, span: Span) -> type:
            value = lookup(name, span)
            read_now.append((name, value))
            return value
        sigspec = self.sigspec      # set whenever error is None
        signature = self.host.signature_from_spec(self.text, sigspec, recording, self.span)  # type: ignore[arg-type]
        self.made = (tuple(read_now), signature)
        return signature
