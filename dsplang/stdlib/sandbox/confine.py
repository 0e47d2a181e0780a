"""The sandbox child's confinement, applied before any untrusted code runs.

Layers, strongest first (each one that the machine allows; see docs/sandbox.md):

1. namespaces: a new network namespace (no interface but a downed loopback), mount, IPC
   and UTS namespaces — as root directly, otherwise inside a new user namespace;
2. a private root: a tmpfs holding read-only bind mounts of the Python installation and
   the system libraries only, plus the work directory (a size-limited tmpfs), then chroot;
3. dropping to user `nobody` (as real root) with no_new_privs set;
4. resource limits (`set_limits`), applied by the caller after this.

This module runs in a fresh `python -I -S` process; it imports only the standard library.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT = 1, 2, 4, 32
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS = 38
NOBODY = 65534

SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin")
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")
FILES = ("/etc/ld.so.cache",)

_libc = None


def _c():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source, target, fstype, flags: int, data=None) -> None:
    enc = (lambda s: None if s is None else s.encode())
    _check(_c().mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {target}")


def isolate(workdir: str, newroot: str, disk_mb: int) -> list[str]:
    """Apply every confinement layer the machine allows; the names of those applied."""
    layers: list[str] = []
    as_root = os.geteuid() == 0
    if not _unshare(as_root):
        return layers
    layers.append("network namespace")
    try:
        _private_root(workdir, newroot, disk_mb, as_root)
        layers.append("private read-only root")
    except OSError:
        return layers
    if as_root:
        _drop_privileges()
        layers.append("unprivileged user")
    return layers


def _unshare(as_root: bool) -> bool:
    flags = CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS
    if as_root and _c().unshare(flags) == 0:
        return True
    uid, gid = os.getuid(), os.getgid()
    if _c().unshare(flags | CLONE_NEWUSER) != 0:
        return False
    try:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"0 {uid} 1")
        _write("/proc/self/gid_map", f"0 {gid} 1")
    except OSError:
        return False
    return True


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _private_root(workdir: str, newroot: str, disk_mb: int, as_root: bool) -> None:
    """Build the new root in a tmpfs at `newroot`, then chroot into it with cwd `workdir`."""
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
    _mount(None, newroot, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4m,mode=0755")
    os.chroot(newroot)
    os.chdir(workdir)


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


def _drop_privileges() -> None:
    _check(_c().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl")
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def set_limits(cpu_seconds: float, memory_mb: int, file_size_mb: int, open_files: int) -> None:
    """CPU time, address space, file size, open files, no child processes, no core files."""
    cpu = max(1, int(cpu_seconds + 0.999))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    size = file_size_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Past the file-size limit a write fails with an OSError instead of killing the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def forget_ctypes() -> None:
    """Drop ctypes from sys.modules so the untrusted code's `import ctypes` is seen (and
    refused) by the audit hook."""
    global _libc
    _libc = None
    for name in [n for n in sys.modules if n == "ctypes" or n.startswith(("ctypes.", "_ctypes"))]:
        del sys.modules[name]
