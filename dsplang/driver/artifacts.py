"""Compiled-program files: what `save`, `load` and `compile` write and read (JSON).

A file holds, per predictor path: the signature's instructions and field descriptions, the
demos (bootstrapped ones carry `"augmented": true`), the predictor's LM settings (never
secrets such as `api_key`) and config; plus the language version, a hash of the program's
source, of the training data, the optimizer and its settings, the scores, and how the
compile ran (`run`: LM calls, tokens, cost, wall time — the only part that differs between
two identical compiles). Writes are atomic: a temporary file replaced in one step.

A predictor on a fine-tuned local model (`local/MODEL+lora=ADAPTER`, from BootstrapFinetune)
has its adapter file copied beside the JSON file (`STEM.ADAPTER-NAME`) and named there by its
file name alone; a load resolves that name against the JSON file's folder, so the two move
together.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
import weakref
from pathlib import Path
from typing import Any

from dsplang.context.run import current
from dsplang.driver import artifact_schema as schema
from dsplang.driver.artifact_schema import FORMAT, MAX_DEMOS
from dsplang.errors import DspFileError, DspValueError, Span
from dsplang.grammar import ast
from dsplang.lm import local
from dsplang.lm.client import LM
from dsplang.stdlib import program as prog
from dsplang.stdlib.example import Example
from dsplang.stdlib.program import program_state
from dsplang.version import LANGUAGE_VERSION, __version__

BUILD_DIR = ".dsp-build"

# What a compiled program came from (optimizer, data, scores), so `save` can write it too.
_ORIGIN: weakref.WeakKeyDictionary[Any, dict] = weakref.WeakKeyDictionary()


class DspArtifactWarning(UserWarning):
    """A compiled-program file is stale, or could not be written (the run goes on)."""


def warn(message: str) -> None:
    """Shown by the CLI as one `dsp: warning: ...` line on stderr."""
    warnings.warn(message, DspArtifactWarning, stacklevel=2)


# ------------------------------------------------------------------ program state


def apply_state(program, saved: dict[str, dict], path: str, span: Span | None = None) -> None:
    """Replace the parameters of `program` with `saved`; nothing changes if the shapes differ."""
    current = prog.named_predictors(program)
    _check_shape(current, saved, path, span, prog.describe(program))
    folder = os.path.dirname(os.path.abspath(path))
    resolved = {name: _with_adapter_at(saved[name], folder, path, span) for name, _ in current}
    for name, predictor in current:
        _apply_one(predictor, resolved[name])


def _check_shape(current: list, saved: dict, path: str, span, program_name: str) -> None:
    names = [name for name, _ in current]
    for name in names:
        if name not in saved:
            raise DspValueError(f"{path} was saved from a program of a different shape: it has no "
                                f"predictor {name!r}, which {program_name} has", span,
                                hint="its predictors are: " + (", ".join(saved) or "(none)"))
    for name in saved:
        if name not in names:
            raise DspValueError(f"{path} was saved from a program of a different shape: its predictor "
                                f"{name!r} is not in {program_name}", span,
                                hint="the program's predictors are: " + ", ".join(names))
    for name, predictor in current:
        mine = [f.name for f in predictor.signature.fields]
        theirs = list(saved[name]["fields"])
        if mine != theirs:
            raise DspValueError(f"{path} was saved from a program of a different shape: predictor "
                                f"{name!r} has fields {', '.join(theirs) or '(none)'} there but "
                                f"{', '.join(mine)} here", span)
        for field in predictor.signature.fields:
            there = saved[name]["fields"][field.name]
            if (there["type"], there["direction"]) != (field.type_name, field.direction):
                raise DspValueError(f"{path} was saved from a program of a different shape: predictor "
                                    f"{name!r} has field {field.name!r} as {there['direction']} "
                                    f"{there['type']!r} there but as {field.direction} {field.type_name!r} here",
                                    span)


def _apply_one(predictor, state: dict) -> None:
    signature = predictor.signature
    if state.get("instructions"):
        signature = signature.with_instructions(state["instructions"])
    for name, info in state.get("fields", {}).items():
        signature = signature.with_field_desc(name, info.get("desc"))
    predictor.signature = signature
    predictor.demos = [Example(d) for d in state.get("demos", [])]
    predictor.config = {**predictor.config, **state.get("config", {})}
    saved_lm = state.get("lm")
    if predictor.lm is None and saved_lm and saved_lm.get("model") != "scripted":
        settings = dict(saved_lm)
        predictor.lm = LM(settings.pop("model"), **settings)


# ------------------------------------------------------------------ fine-tuned adapters


def _adapter_of(state: dict) -> tuple[str, str] | None:
    """(base model, adapter path) of a predictor state on a fine-tuned local model, else None."""
    model = (state.get("lm") or {}).get("model")
    if not isinstance(model, str) or not model.startswith(local.PROVIDER + "/"):
        return None
    base, adapter = local.split_adapter(model)
    return None if adapter is None else (base, adapter)


def _with_adapter_at(state: dict, folder: str, path: str, span: Span | None) -> dict:
    """`state` with its adapter path (relative to the JSON file's folder) made absolute; a
    DspFileError when the adapter file is not there."""
    found = _adapter_of(state)
    if found is None:
        return state
    base, adapter = found
    full = os.path.join(folder, adapter)
    if not os.path.isfile(full):
        raise DspFileError(f"{path} names the LoRA adapter {adapter!r}, which is not in {folder}", span,
                           hint="keep the .lora.gguf file beside the JSON file, or compile the program again")
    return {**state, "lm": {**state["lm"], "model": local.with_adapter(base, full)}}


def _portable_adapters(data: dict, path: str) -> dict:
    """The document with each adapter copied beside `path` and named by its file name; older
    adapter copies of the same file that it no longer names are removed."""
    predictors = data.get("predictors")
    if not isinstance(predictors, dict) or not any(_adapter_of(s) for s in predictors.values()):
        return data
    folder = Path(os.path.abspath(path)).parent
    stem = Path(path).stem
    kept, out = set(), {}
    for name, state in predictors.items():
        found = _adapter_of(state)
        if found is None:
            out[name] = state
            continue
        base, adapter = found
        source = Path(adapter)
        target = folder / (source.name if source.name.startswith(stem + ".") else f"{stem}.{source.name}")
        if not source.is_file():
            raise DspFileError(f"cannot save {path}: its LoRA adapter {adapter} is missing")
        if not target.is_file() or target.stat().st_size != source.stat().st_size:
            folder.mkdir(parents=True, exist_ok=True)
            partial = target.with_name("." + target.name + ".tmp")
            shutil.copyfile(source, partial)
            os.replace(partial, target)
        kept.add(target.name)
        out[name] = {**state, "lm": {**state["lm"], "model": local.with_adapter(base, target.name)}}
    for old in folder.glob(f"{stem}.*.lora.gguf"):
        if old.name not in kept:
            old.unlink(missing_ok=True)
    return {**data, "predictors": out}


# ------------------------------------------------------------------ documents


def document(program, *, source_hash: str | None = None, origin: dict | None = None) -> dict:
    """The JSON document of a compiled program (`origin`: how `compile` made it). A predictor
    with more demos than a file may hold (`MAX_DEMOS`) is a value error: it could not be loaded."""
    origin = origin if origin is not None else _ORIGIN.get(program, {})
    for path, predictor in prog.named_predictors(program):
        if len(predictor.demos) > MAX_DEMOS:
            raise DspValueError(f"predictor {path!r} has {len(predictor.demos):,} demos, more than the "
                                f"{MAX_DEMOS:,} a saved program may hold per predictor",
                                hint="give it fewer demos (e.g. a smaller max_labeled_demos= or k=)")
    return {
        "dsplang_artifact": FORMAT,
        "language_version": LANGUAGE_VERSION,
        "dsplang_version": __version__,
        "program": prog.describe(program),
        "source_hash": source_hash or prog.source_hash(program),
        "data_hash": origin.get("data_hash"),
        "optimizer": origin.get("optimizer"),
        "lm": origin.get("lm"),
        "reuse_key": origin.get("reuse_key"),
        "scores": origin.get("scores"),
        "run": origin.get("run"),
        "predictors": program_state(program),
    }


def remember(program, origin: dict) -> None:
    """Note how `program` was compiled, for a later `save`."""
    try:
        _ORIGIN[program] = origin
    except TypeError:
        pass


def write(path: str, data: dict, span: Span | None = None) -> None:
    """Write JSON atomically: a temporary file next to `path`, then `os.replace`."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        data = _portable_adapters(data, path)
        fd, temp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    except OSError as err:
        raise DspFileError(f"cannot write {path}: {err.strerror}", span) from None
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temp, 0o666 & ~mask)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except BaseException as err:
        if os.path.exists(temp):
            os.unlink(temp)
        if isinstance(err, OSError):
            raise DspFileError(f"cannot write {path}: {err.strerror}", span) from None
        raise


def read(path: str, span: Span | None = None) -> dict:
    """A compiled-program file, or a DspFileError naming the path."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise DspFileError(f"no such file: {path}", span,
                           hint=f"relative paths are read from the current directory, {os.getcwd()}") from None
    except IsADirectoryError:
        raise DspFileError(f"{path} is a folder, not a compiled-program file", span) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DspFileError(f"{path} is not a valid compiled-program file: {err}", span) from None
    except OSError as err:
        raise DspFileError(f"cannot read {path}: {err.strerror}", span) from None
    except RecursionError:
        raise DspFileError(f"{path} is not a valid compiled-program file: its JSON is nested too deeply",
                           span) from None
    if not isinstance(data, dict) or "dsplang_artifact" not in data or "predictors" not in data:
        raise DspFileError(f"{path} is not a compiled-program file (no dsplang_artifact/predictors entries)", span)
    wrong = schema.problem(data)
    if wrong is not None:
        raise DspValueError(f"{path} is not a valid compiled-program file: {wrong}", span,
                            hint="compile the program again to rewrite the file")
    return data


def incomplete(data: dict) -> bool:
    """Whether a read file comes from a compile some of whose LM calls failed (never reused)."""
    return bool((data.get("run") or {}).get("failed_calls"))


def save(program, path: str, span: Span | None = None) -> None:
    """`save NAME to PATH`."""
    prog.named_predictors(program)            # a type error for what is not a program
    write(path, document(program), span)


def load(program, path: str, span: Span | None = None) -> None:
    """`load NAME from PATH`: replace the parameters of `program`; warn if its source changed."""
    data = read(path, span)
    apply_state(program, data["predictors"], path, span)
    if data.get("source_hash") and data["source_hash"] != prog.source_hash(program):
        warn(f"{path} was compiled from a different version of {prog.describe(program)} "
             "(its source changed since); compile it again to refresh it")
    remember(program, {k: data.get(k) for k in ("data_hash", "optimizer", "lm", "reuse_key", "scores", "run")})


def build_path(dsp_file: str | None, name: str, line: int | None = None) -> str:
    """Where a compile statement's artifact lives: `.dsp-build/STEM.NAME.json` next to the file
    (next to the current directory for a program without a file); env DSP_BUILD_DIR replaces
    the `.dsp-build` folder. When another `compile` statement (at another `line`) of the same
    file already used that name in this run (the Run's `compiled.claimed`), the name gets its
    line: `STEM.NAME@LINE.json`, so the two do not overwrite each other's artifact."""
    stem = "main" if not dsp_file or dsp_file.startswith("<") else \
        os.path.splitext(os.path.basename(dsp_file))[0]
    build = build_folder(dsp_file)
    path = os.path.join(build, f"{stem}.{name}.json")
    first = current().compiled.claim(path, line)
    if line is not None and first != line:
        path = os.path.join(build, f"{stem}.{name}@{line}.json")
    return path


def build_folder(dsp_file: str | None) -> str:
    """The build folder of a program: DSP_BUILD_DIR, else `.dsp-build` next to the file."""
    if not dsp_file or dsp_file.startswith("<"):
        folder = os.getcwd()
    else:
        folder = os.path.dirname(os.path.abspath(dsp_file))
    return os.environ.get("DSP_BUILD_DIR") or os.path.join(folder, BUILD_DIR)


def check_writable(folder: str) -> None:
    """Make `folder` if needed and write a scratch file in it; a DspFileError if that fails
    (`dsp compile` checks before it spends any LM call)."""
    try:
        os.makedirs(folder, exist_ok=True)
        fd, scratch = tempfile.mkstemp(dir=folder, prefix=".write-check.")
        os.close(fd)
        os.unlink(scratch)
    except (OSError, ValueError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        raise DspFileError(f"cannot write compiled programs to {folder}: {reason}",
                           hint="set DSP_BUILD_DIR to a folder you can write") from None


def run_compile_only(interp, path: str):
    """`dsp compile FILE`: every import and declaration of the file, and its other top-level
    statements up to and including the last `compile` (evaluation and printing after it are
    skipped). Each compile statement writes (or reuses) its artifact in the build folder."""
    program = interp.parse_file(path)
    last = max((i for i, node in enumerate(program.body) if isinstance(node, ast.CompileStmt)), default=None)
    if last is None:
        raise DspValueError(f"{path} has no top-level `compile` statement, so there is nothing to compile",
                        hint="use `dsp run` to run it")
    check_writable(build_folder(path))
    return interp.run_through(program, path, last)
