"""The sandbox child's audit hook: what the untrusted code may not do, checked in-process.

It refuses, with a PermissionError naming the action: any socket use, starting or
signalling processes, loading native code through ctypes, changing resource limits,
reading files outside the work directory and the Python standard library, and writing,
creating, renaming or deleting anything outside the work directory.

It is a diagnostic aid, not a barrier: it turns the common mistakes of generated code into
clear errors. CPython's audit hooks are not a security boundary (the code can switch this
one off), so the layers in confine.py hold without it; the tests check that they do.
"""

from __future__ import annotations

import os
import sys

DENIED_PREFIXES = ("socket.", "subprocess.", "os.exec", "os.fork", "os.posix_spawn", "os.spawn",
                   "ctypes.", "pty.", "resource.", "_posixsubprocess", "winreg.", "_winapi.")
DENIED_EVENTS = frozenset({"os.system", "os.kill", "os.killpg", "os.startfile", "sys.addaudithook",
                           "os.add_dll_directory", "webbrowser.open", "sys.setprofile",
                           "sys.settrace", "sys.remote_exec"})
DENIED_MODULES = frozenset({"ctypes", "_ctypes", "_posixsubprocess", "multiprocessing",
                            "_multiprocessing", "_xxsubinterpreters", "_testcapi",
                            "_testinternalcapi", "resource"})
WRITE_EVENTS = frozenset({"os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown",
                          "os.chflags", "os.link", "os.symlink", "os.truncate", "os.utime",
                          "os.mkfifo", "os.mknod", "os.setxattr", "os.removexattr", "os.chdir"})
READ_EVENTS = frozenset({"os.listdir", "os.scandir", "glob.glob", "os.listxattr", "os.getxattr"})
READ_DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def install(workdir: str) -> None:
    """Add the hook: reads are allowed under `workdir` and sys.path, writes under `workdir`."""
    workdir = os.path.realpath(workdir)
    read_roots = tuple({os.path.realpath(p) for p in sys.path if p} | {workdir})
    realpath, fspath = os.path.realpath, os.fsdecode

    def inside(path, roots) -> bool:
        full = realpath(fspath(path))
        return any(full == r or full.startswith(r + os.sep) for r in roots)

    def hook(event: str, args: tuple) -> None:
        if event == "open":
            _check_open(args, inside, workdir, read_roots)
        elif event in WRITE_EVENTS:
            for path in _paths(event, args):
                if not inside(path, (workdir,)):
                    raise PermissionError(f"sandbox: {event} on {fspath(path)!r} is not allowed "
                                 f"(only inside the sandbox directory)")
        elif event in READ_EVENTS:
            path = args[0] if args and args[0] is not None else "."
            if _is_path(path) and not inside(path, read_roots):
                raise PermissionError(f"sandbox: listing {fspath(path)!r} is not allowed")
        elif event == "import":
            if args[0] in DENIED_MODULES:
                raise PermissionError(f"sandbox: importing {args[0]!r} is not allowed")
        elif event in DENIED_EVENTS or event.startswith(DENIED_PREFIXES):
            raise PermissionError(f"sandbox: {_describe(event)} is not allowed")

    sys.addaudithook(hook)


def _check_open(args: tuple, inside, workdir: str, read_roots: tuple) -> None:
    path, mode, flags = (tuple(args) + (None, None, None))[:3]
    if not _is_path(path):
        return
    writing = any(c in (mode or "") for c in "wax+") or bool((flags or 0) & WRITE_FLAGS)
    if writing:
        if not inside(path, (workdir,)) and os.fsdecode(path) != "/dev/null":
            raise PermissionError(f"sandbox: writing {os.fsdecode(path)!r} is not allowed "
                         f"(only inside the sandbox directory)")
    elif not inside(path, read_roots) and os.fsdecode(path) not in READ_DEVICES:
        raise PermissionError(f"sandbox: reading {os.fsdecode(path)!r} is not allowed "
                     f"(outside the sandbox directory)")


def _is_path(value) -> bool:
    return isinstance(value, (str, bytes, os.PathLike))


def _paths(event: str, args: tuple) -> list:
    count = 2 if event in ("os.rename", "os.link", "os.symlink") else 1
    return [a for a in args[:count] if _is_path(a)]


def _describe(event: str) -> str:
    if event.startswith("socket."):
        return f"network access ({event})"
    if event.startswith(("subprocess.", "os.exec", "os.fork", "os.posix_spawn", "os.spawn", "pty.")) \
            or event == "os.system":
        return f"starting a process ({event})"
    return event
