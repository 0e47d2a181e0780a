"""The sandbox child's private root: a read-only tmpfs holding the Python installation, the
system libraries and a few devices, a size-limited tmpfs as the work directory and a fresh
/proc for the child's own PID namespace; `pivot_root` makes it `/` and the old root is
unmounted, so no path, `..` or later `chroot` leads back to the host's files.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys

from libc import check, libc
from privileges import NOBODY

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
MNT_DETACH = 2
# pivot_root has no C library wrapper: its system call number per architecture.
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}

SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin")
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")
FILES = ("/etc/ld.so.cache",)


def build(workdir: str, newroot: str, disk_mb: int, as_root: bool) -> None:
    """Make `newroot` the root (with `workdir` writable in it) and chdir to `workdir`."""
    number = SYS_PIVOT_ROOT.get(platform.machine())
    if number is None:
        raise OSError(f"pivot_root: unknown system call number on {platform.machine()}")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", newroot, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0755")
    bound: list[str] = []
    for path in _read_only_paths():
        if any(path == b or path.startswith(b + "/") for b in bound):
            continue
        _bind_read_only(path, newroot + path)
        bound.append(path)
    owner = f",uid={NOBODY},gid={NOBODY}" if as_root else ""
    inside = newroot + workdir
    os.makedirs(inside, mode=0o755, exist_ok=True)
    _mount("tmpfs", inside, "tmpfs", MS_NOSUID | MS_NODEV, f"size={disk_mb}m,mode=0700{owner}")
    _mount_proc(newroot + "/proc")
    _mount(None, newroot, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4m,mode=0755")
    os.chdir(newroot)
    # pivot_root(".", ".") stacks the old root on top of the new one; unmounting it (with
    # everything under it) leaves the new root alone.
    check(libc().syscall(number, b".", b"."), "pivot_root")
    check(libc().umount2(b".", MNT_DETACH), "umount old root")
    os.chdir(workdir)


def _mount_proc(target: str) -> None:
    """A read-only /proc showing only the sandbox's own processes; none if the kernel refuses."""
    os.mkdir(target, 0o555)
    try:
        _mount("proc", target, "proc", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except OSError:
        os.rmdir(target)


def _mount(source, target, fstype, flags: int, data=None) -> None:
    enc = (lambda s: None if s is None else s.encode())  # noqa: E731
    check(libc().mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
          f"mount {target}")


def _read_only_paths() -> list[str]:
    prefixes = {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, sys.exec_prefix)}
    wanted = list(SYSTEM_DIRS) + sorted(prefixes, key=len) + list(DEVICES) + list(FILES)
    return [p for p in wanted if os.path.lexists(p)]


def _bind_read_only(source: str, target: str) -> None:
    """`target` mirrors `source` read-only (a symlink is copied as a symlink)."""
    os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
    if os.path.islink(source):
        os.symlink(os.readlink(source), target)
        return
    if os.path.isdir(source):
        os.makedirs(target, mode=0o755, exist_ok=True)
    else:
        open(target, "w").close()
    _mount(source, target, None, MS_BIND | MS_REC)
    readonly = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID
    if not source.startswith("/dev/"):
        readonly |= MS_NODEV
    _mount(None, target, None, readonly)
