"""Dropping every privilege of the sandbox child before the untrusted code runs.

Inside a user namespace the child is uid 0 with every capability of that namespace (enough
to mount, chroot or unshare again); as real root it has them all. Either way it ends with
no capability in any set (effective, permitted, inheritable, ambient, bounding), with
securebits that keep uid 0 from regaining any, and with no_new_privs; real root also
becomes `nobody`.
"""

from __future__ import annotations

import ctypes
import os
import sys

from libc import check, libc, prctl

PR_CAPBSET_READ, PR_CAPBSET_DROP = 23, 24
PR_SET_SECUREBITS, PR_SET_NO_NEW_PRIVS = 28, 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
# NOROOT and NO_CAP_AMBIENT_RAISE, each locked; KEEP_CAPS and NO_SETUID_FIXUP locked off.
SECUREBITS = 0b11101011
CAPABILITY_VERSION_3 = 0x20080522
MAX_CAPABILITY = 63
NOBODY = 65534


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def drop(as_root: bool) -> bool:
    """Drop everything; whether the child is left with no capability at all (Linux only:
    elsewhere root only becomes `nobody`)."""
    linux = sys.platform.startswith("linux")
    if linux:
        _drop_bounding_set()
        _try(lambda: prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL))
        _try(lambda: prctl(PR_SET_SECUREBITS, SECUREBITS))
        _try(lambda: prctl(PR_SET_NO_NEW_PRIVS, 1))
    if as_root:
        _try(_become_nobody)
    if not linux:
        return False
    header, data = _Header(CAPABILITY_VERSION_3, 0), (_Data * 2)()
    check(libc().capset(ctypes.byref(header), data), "capset")
    return _none_left()


def _become_nobody() -> None:
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def _drop_bounding_set() -> None:
    for cap in range(MAX_CAPABILITY + 1):
        if _capbset(PR_CAPBSET_DROP, cap) != 0:
            break                       # EINVAL past the kernel's last capability, or EPERM


def _capbset(option: int, cap: int) -> int:
    return libc().prctl(option, ctypes.c_ulong(cap), ctypes.c_ulong(0), ctypes.c_ulong(0),
                        ctypes.c_ulong(0))


def _none_left() -> bool:
    header, data = _Header(CAPABILITY_VERSION_3, 0), (_Data * 2)()
    check(libc().capget(ctypes.byref(header), data), "capget")
    if any(d.effective or d.permitted or d.inheritable for d in data):
        return False
    return not any(_capbset(PR_CAPBSET_READ, cap) == 1 for cap in range(MAX_CAPABILITY + 1))


def _try(call) -> None:
    """What the kernel refuses (an old kernel's missing prctl option, securebits without
    CAP_SETPCAP, a container's root that may not change uid) leaves that layer out."""
    try:
        call()
    except OSError:
        pass
