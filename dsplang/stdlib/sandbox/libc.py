"""The C library calls the sandbox child confines itself with (`os` lacks them in 3.11)."""

from __future__ import annotations

import ctypes
import os

_libc = None


def libc():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def check(result: int, what: str) -> None:
    """Raise the C call's errno as an OSError when it failed."""
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def prctl(option: int, arg: int = 0, what: str = "prctl") -> None:
    check(libc().prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0),
                       ctypes.c_ulong(0)), what)


def forget() -> None:
    """Drop the loaded library so nothing left behind hands it to the untrusted code."""
    global _libc
    _libc = None
