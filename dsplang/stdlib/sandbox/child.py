"""The sandbox child: `python -I -S -B child.py` reads a JSON request on stdin, confines
itself (confine.py), runs the untrusted code and writes a JSON result to the result file
the parent named, then exits at once.

The result: {"ok", "stdout", "value" (repr of a final expression, or null), "error"
(the exception and the lines of the code it passed through, or null), "isolation"}.
The parent treats it as untrusted: the code can write that file itself.
"""

import ast
import importlib.util
import io
import json
import os
import sys
import traceback
import types

FILENAME = "<generated code>"
HERE = os.path.dirname(os.path.abspath(__file__))
SIBLINGS = ("protocol", "libc", "privileges", "rootfs", "syscall_filter", "confine", "guard")
SHOWN_FRAMES = 20
LIBSECCOMP = "libseccomp.so.2"
MAX_FD = 1 << 16


class _Capped(io.StringIO):
    """Captured output, cut off after `limit` characters."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.cut = False

    def write(self, text: str) -> int:
        room = self.limit - self.tell()
        if room <= 0:
            self.cut = True
            return len(text)
        if len(text) > room:
            self.cut = True
        return super().write(text[:room])


def run(code: str, output_limit: int, cut_mark: str, error_limit: int) -> dict:
    """Run `code` as a script; a final expression statement's value is kept (as in a REPL)."""
    out = _Capped(output_limit)
    sys.stdout = sys.stderr = out
    value = None
    try:
        tree = ast.parse(code, FILENAME)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        scope = {"__name__": "__main__", "__builtins__": __builtins__}
        exec(compile(tree, FILENAME, "exec"), scope)
        if last is not None:
            result = eval(compile(ast.Expression(last.value), FILENAME, "eval"), scope)
            value = None if result is None else repr(result)[:output_limit]
        error = None
    except SystemExit as exc:
        error = None if exc.code in (0, None) else _describe(exc, code, error_limit)
    except BaseException as exc:  # noqa: BLE001 - everything the code raises is its result
        error = _describe(exc, code, error_limit)
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    stdout = out.getvalue() + (cut_mark if out.cut else "")
    return {"ok": error is None, "stdout": stdout, "value": value, "error": error}


def _describe(exc: BaseException, code: str, limit: int) -> str:
    """The exception with the generated code's own frames only (not this runner's)."""
    message = "".join(traceback.format_exception_only(type(exc), exc)).rstrip()
    if isinstance(exc, SyntaxError) and exc.filename == FILENAME:
        return message[-limit:]
    lines = code.splitlines()
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == FILENAME]
    where = []
    for frame in frames:
        text = lines[frame.lineno - 1].strip() if frame.lineno and frame.lineno <= len(lines) else ""
        where.append(f"  line {frame.lineno}: {text}")
    if len(where) > SHOWN_FRAMES:
        half = SHOWN_FRAMES // 2
        where[half:-half] = [f"  ... {len(where) - 2 * half} more lines ..."]
    if isinstance(exc, MemoryError):
        message += " (the sandbox's memory limit was reached)"
    return "\n".join(where + [message])[-limit:]


def _load_confinement(seccomp_path):
    """Import the sibling modules, and pyseccomp from the file the parent named (-I -S
    leaves site-packages off sys.path); all before any confinement, since the new root
    holds neither."""
    sys.path.insert(0, HERE)
    try:
        import confine
        import guard
        import protocol
    finally:
        sys.path.remove(HERE)
    return confine, guard, protocol, _load_seccomp(seccomp_path)


def _load_seccomp(path):
    if not path:
        return None
    import ctypes
    # pyseccomp finds its libraries with ctypes.util.find_library, whose imports and
    # ldconfig run cost more than the rest of the child's start; the names are fixed.
    finder = types.ModuleType("ctypes.util")
    finder.find_library = {"seccomp": LIBSECCOMP}.get   # "c": None loads the process's own
    sys.modules["ctypes.util"], ctypes.util = finder, finder
    try:
        spec = importlib.util.spec_from_file_location("pyseccomp", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception:  # noqa: BLE001 - no libseccomp, or a broken install: no filter
        return None
    finally:
        del sys.modules["ctypes.util"], ctypes.util
    return module


def _forget_confinement() -> None:
    """Nothing of the confinement stays reachable by name from the untrusted code (it no
    longer matters for safety: the layers hold without the audit hook)."""
    for name in [n for n in sys.modules
                 if n in SIBLINGS or n == "pyseccomp" or n == "ctypes"
                 or n.startswith(("ctypes.", "_ctypes"))]:
        del sys.modules[name]


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]


def main() -> None:
    request = json.loads(sys.stdin.read())
    result_fd = os.open(request["result"], os.O_WRONLY | os.O_TRUNC)
    confine, guard, protocol, seccomp = _load_confinement(request["seccomp"])
    isolation = confine.isolate(request, seccomp)
    os.closerange(3, result_fd)
    os.closerange(result_fd + 1, MAX_FD)
    missing = [layer for layer in request["require"] if layer not in isolation]
    if missing:
        result = {"ok": False, "stdout": "", "value": None,
                  "error": f"RuntimeError: the sandbox could not apply {', '.join(missing)}, "
                           f"which this machine allows; the code was not run"}
    else:
        cut_mark, error_limit = protocol.CUT_MARK, protocol.ERROR_CHARS
        if request["audit_hook"]:
            guard.install(request["workdir"])
            isolation.append(protocol.AUDIT_HOOK)
        del confine, guard, protocol, seccomp
        _forget_confinement()
        result = run(request["code"], request["output_limit"], cut_mark, error_limit)
    result["isolation"] = isolation
    _write_all(result_fd, json.dumps(result).encode())
    os._exit(0)


if __name__ == "__main__":
    main()
