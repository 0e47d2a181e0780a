"""The sandbox child: `python -I -S -B child.py` reads a JSON request on stdin, confines
itself (confine.py, guard.py), runs the untrusted code and writes a JSON result to the
result file the parent named.

The result: {"ok", "stdout", "value" (repr of a final expression, or null), "error"
(the exception and the lines of the code it passed through, or null), "isolation"}.
"""

import ast
import io
import json
import os
import sys
import traceback

FILENAME = "<generated code>"


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


def run(code: str, output_limit: int) -> dict:
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
        error = None if exc.code in (0, None) else _describe(exc, code)
    except BaseException as exc:  # noqa: BLE001 - everything the code raises is its result
        error = _describe(exc, code)
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    stdout = out.getvalue() + ("\n[output cut off]" if out.cut else "")
    return {"ok": error is None, "stdout": stdout, "value": value, "error": error}


def _describe(exc: BaseException, code: str) -> str:
    """The exception with the generated code's own frames only (not this runner's)."""
    lines = code.splitlines()
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == FILENAME]
    if isinstance(exc, SyntaxError) and exc.filename == FILENAME:
        return "".join(traceback.format_exception_only(type(exc), exc)).rstrip()
    where = []
    for frame in frames:
        text = lines[frame.lineno - 1].strip() if frame.lineno and frame.lineno <= len(lines) else ""
        where.append(f"  line {frame.lineno}: {text}")
    message = "".join(traceback.format_exception_only(type(exc), exc)).rstrip()
    if isinstance(exc, MemoryError):
        message += " (the sandbox's memory limit was reached)"
    return "\n".join(where + [message])


def main() -> None:
    request = json.loads(sys.stdin.read())
    sys.stdin.close()
    result_fd = os.open(request["result"], os.O_WRONLY | os.O_TRUNC)
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import confine
    import guard
    sys.path.remove(here)
    workdir = request["workdir"]
    isolation = confine.isolate(workdir, request["newroot"], request["disk_mb"])
    if "private read-only root" not in isolation:
        os.chdir(workdir)
    confine.set_limits(request["cpu_seconds"], request["memory_mb"], request["file_size_mb"],
                       request["open_files"])
    confine.forget_ctypes()
    guard.install(workdir)
    isolation += ["resource limits", "audit hook"]
    result = run(request["code"], request["output_limit"])
    result["isolation"] = isolation
    os.write(result_fd, json.dumps(result).encode())


if __name__ == "__main__":
    main()
