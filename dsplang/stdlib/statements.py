"""What the LM-facing statements do at run time: `use`, `with`, `compile`, `save`, `load`.

The evaluator hands these statements here with their evaluated operands and span.
"""

from __future__ import annotations

from contextlib import contextmanager

from dsplang.errors import DspNotAvailableError, DspTypeError, Span


def _is_lm(value) -> bool:
    return callable(getattr(value, "request", None))


def use(value, span: Span) -> None:
    """`use EXPR`: the default LM for what follows."""
    if _is_lm(value):
        from dsplang.lm import context
        context.set_default(value)
        return
    raise DspTypeError(f"`use` needs an LM, not a {type(value).__name__}", span,
                       hint='for example: use LM("openai/gpt-4o-mini")')


@contextmanager
def entering(value, span: Span):
    """`with EXPR:` — an LM for the block only, or any Python context manager."""
    if _is_lm(value):
        from dsplang.lm import context
        with context.using(value):
            yield value
        return
    if hasattr(value, "__enter__") and hasattr(value, "__exit__"):
        with value as entered:
            yield entered
        return
    raise DspTypeError(f"`with` needs an LM or a context manager, not a {type(value).__name__}",
                       span)


def compile_program(interp, node, program, optimizer, trainset, valset):
    raise DspNotAvailableError("`compile` is not available yet in this version of dsplang", node.span)


def save_program(interp, node, program, path):
    raise DspNotAvailableError("`save` is not available yet in this version of dsplang", node.span)


def load_program(interp, node, program, path):
    raise DspNotAvailableError("`load ... from` is not available yet in this version of dsplang", node.span)
