"""What the LM-facing statements do at run time: `use`, `with`, `compile`, `save`, `load`.

The evaluator hands these statements here with their evaluated operands and span.
"""

from __future__ import annotations

from contextlib import contextmanager

from dsplang.context import lm as run_lm
from dsplang.context import retriever as run_retriever
from dsplang.context.run import current
from dsplang.driver import artifacts
from dsplang.errors import DspError, DspFileError, DspTypeError, DspValueError, Span, a_type, checked_path
from dsplang.lm.cache import canonical_json
from dsplang.stdlib import program as prog
from dsplang.stdlib.optimizers.report import CompileReport
from dsplang.stdlib.program import lm_settings
from dsplang.version import LANGUAGE_VERSION


def _is_lm(value) -> bool:
    return callable(getattr(value, "request", None))


def use(value, span: Span) -> None:
    """`use EXPR`: the default LM (or, given a retriever, the default retriever) for what follows."""
    if _is_lm(value):
        run_lm.set_default(value)
        return
    if run_retriever.is_retriever(value):
        run_retriever.set_default(value)
        return
    raise DspTypeError(f"`use` needs an LM or a retriever, not {a_type(value)}", span,
                       hint='for example: use LM("openai/gpt-4o-mini") or use BM25("corpus/")')


@contextmanager
def entering(value, span: Span):
    """`with EXPR:` — an LM or a retriever for the block only, or any Python context manager."""
    if _is_lm(value):
        with run_lm.using(value):
            yield value
        return
    if run_retriever.is_retriever(value):
        with run_retriever.using(value):
            yield value
        return
    if hasattr(value, "__enter__") and hasattr(value, "__exit__"):
        with value as entered:
            yield entered
        return
    raise DspTypeError(f"`with` needs an LM, a retriever or a context manager, not {a_type(value)}",
                       span)


def compile_program(node, program, optimizer, trainset, valset):
    """`compile NAME = PROGRAM with OPTIMIZER on TRAINSET [valset VALSET]`: the compiled copy.

    The result is also written to the build folder (see `artifacts.build_path`); when the file
    there was made from the same program source and parameters, data, optimizer settings and
    LM, it is loaded instead of compiling again (unless `dsp run --recompile`).
    """
    if isinstance(optimizer, type) and hasattr(optimizer, "empty_result"):
        raise DspTypeError(f"`compile ... with` needs an optimizer, not the class {optimizer.__name__} itself",
                           node.span, hint=f"call it: with {optimizer.__name__}(...)")
    if not callable(getattr(optimizer, "compile", None)) or not hasattr(optimizer, "empty_result"):
        raise DspTypeError(f"`compile ... with` needs an optimizer, not {a_type(optimizer)}",
                           node.span,
                           hint="for example: compile qa = QA() with BootstrapFewShot(metric=exact_match) on train")
    try:
        return _compile(node, program, optimizer, trainset, valset)
    except DspError as err:
        raise err.with_span(node.span)


def _compile(node, program, optimizer, trainset, valset):
    path = artifacts.build_path(node.span.file, node.name, node.span.line)
    origin = _origin(program, optimizer, trainset, valset)
    run = current()
    if not run.options.recompile:
        reused = _reuse(node, path, origin, program, optimizer, trainset)
        if reused is not None:
            return reused
    compiled = optimizer.compile(program, trainset=trainset, valset=valset)
    report = getattr(optimizer, "report", None)
    if report is not None:
        origin.update(scores=report.scores_json(), run=report.run_json())
    artifacts.remember(compiled, origin)
    try:
        artifacts.write(path, artifacts.document(compiled, origin=origin))
        run.compiled.wrote(node.name, path)
    except (DspFileError, DspValueError) as err:
        if run.options.must_write:
            raise type(err)(f"{err.message}; the compiled program was not written", node.span,
                            hint=err.hint if isinstance(err, DspValueError)
                            else "set DSP_BUILD_DIR to a folder you can write") from None
        artifacts.warn(f"{err.message}; the compiled program was not cached")
        return compiled
    _warn_incomplete(node, path, report)
    return compiled


def _warn_incomplete(node, path: str, report) -> None:
    """A compile some of whose LM calls failed is written, but marked (`run.failed_calls`) so
    that it is never reused: the next run compiles again."""
    import os
    failed = (report.usage if report is not None else {}).get("failed_calls") or 0
    if failed:
        artifacts.warn(f"{node.name}: {failed} LM call{'s' if failed != 1 else ''} failed during the compile, "
                       f"so {os.path.relpath(path)} is not reused: the next run compiles again")


def _origin(program, optimizer, trainset, valset) -> dict:
    """What decides a compile's result, and the key that says an artifact is current."""
    programs = program if isinstance(program, (list, tuple)) else [program]
    prog.check_examples(trainset, "trainset")
    if valset is not None:
        prog.check_examples(valset, "valset")
    origin = {"data_hash": prog.data_hash(trainset, valset),
              "optimizer": {"name": type(optimizer).__name__, "settings": optimizer.settings()},
              "lm": _current_lm_settings()}
    key = {**origin, "language_version": LANGUAGE_VERSION, "source_hash": prog.source_hash(program),
           "parameters": [artifacts.program_state(p) for p in programs]}
    origin["reuse_key"] = prog.sha256(canonical_json(key))
    return origin


def _current_lm_settings() -> dict | None:
    try:
        return lm_settings(run_lm.current_lm())
    except DspError:
        return None


def _reuse(node, path: str, origin: dict, program, optimizer, trainset):
    """The program loaded from a current artifact at `path`, or None."""
    import os
    import sys
    if not os.path.exists(path):
        return None
    try:
        data = artifacts.read(path)
        if data.get("reuse_key") != origin["reuse_key"] or artifacts.incomplete(data):
            return None
        result = optimizer.empty_result(program, trainset)
        artifacts.apply_state(result, data["predictors"], path)
    except (DspFileError, DspValueError):
        return None
    artifacts.remember(result, {**origin, "scores": data.get("scores"), "run": data.get("run")})
    optimizer.report = CompileReport.from_json(type(optimizer).__name__, prog.describe(program), data.get("scores"),
                                               data.get("run"))
    current().compiled.wrote(node.name, path)
    if getattr(optimizer, "verbose", True):
        print(f"dsp: {node.name}: using {os.path.relpath(path)} (up to date; "
              "`--recompile` compiles again)", file=sys.stderr, flush=True)
    return result


def save_program(node, program, path):
    """`save NAME to PATH`."""
    try:
        artifacts.save(program, _path(path, node), node.span)
    except DspError as err:
        raise err.with_span(node.span)


def load_program(node, program, path):
    """`load NAME from PATH`: NAME's parameters are replaced by the file's."""
    try:
        artifacts.load(program, _path(path, node), node.span)
    except DspError as err:
        raise err.with_span(node.span)


def _path(path, node) -> str:
    import os
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if not isinstance(path, str):
        raise DspTypeError(f"a file path must be a string, not {a_type(path)}", node.span)
    return checked_path(path, node.span)
