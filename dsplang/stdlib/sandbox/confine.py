"""The sandbox child's confinement, applied before any untrusted code runs.

Layers (each one the machine allows; see docs/sandbox.md):

1. namespaces: new network, mount, IPC, UTS, cgroup and PID namespaces, as root directly,
   otherwise inside a new user namespace. The process then forks: the fork is pid 1 of the
   new PID namespace and runs the code; the process that forked only waits for it;
2. a private root (rootfs.py), entered with pivot_root, the host's root unmounted;
3. no privileges (privileges.py): no capability in any set, no_new_privs, `nobody` as root;
4. resource limits (`set_limits`);
5. a seccomp filter (syscall_filter.py), when pyseccomp and libseccomp are there.

The audit hook (guard.py) comes after these, as a diagnostic aid only: the layers above
hold without it. This module runs in a fresh `python -I -S` process and imports only the
standard library and its siblings.
"""

from __future__ import annotations

import os
import resource
import signal
import sys

import privileges
import rootfs
import syscall_filter
from libc import libc, prctl
from protocol import (
    NETWORK_NAMESPACE,
    NO_CAPABILITIES,
    PID_NAMESPACE,
    PRIVATE_ROOT,
    RESOURCE_LIMITS,
    SECCOMP,
    UNPRIVILEGED_USER,
    USER_NAMESPACE,
)

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x00020000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x08000000, 0x10000000, 0x20000000, 0x40000000
NAMESPACES = CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP | CLONE_NEWPID
PR_SET_PDEATHSIG = 1
LINUX = sys.platform.startswith("linux")


def isolate(request: dict, seccomp) -> list[str]:
    """Apply every layer the machine allows; the names of those applied. With a PID
    namespace this returns in the forked pid 1 only (the other process exits with it)."""
    workdir = request["workdir"]
    as_root = os.geteuid() == 0
    layers = _enter_namespaces(as_root) if LINUX else []
    if layers and _private_root(workdir, request["newroot"], request["disk_mb"], as_root):
        layers.append(PRIVATE_ROOT)
    else:
        if as_root:
            os.chown(workdir, privileges.NOBODY, privileges.NOBODY)
        os.chdir(workdir)
    if privileges.drop(as_root):
        layers.append(NO_CAPABILITIES)
    if PID_NAMESPACE in layers:
        # Dies with the process that forked it (set now: a change of uid clears it).
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if as_root and os.getuid() == privileges.NOBODY:
        layers.append(UNPRIVILEGED_USER)
    if set_limits(request["cpu_seconds"], request["memory_mb"], request["file_size_mb"],
                  request["open_files"]):
        layers.append(RESOURCE_LIMITS)
    if seccomp is not None and LINUX and _filter_syscalls(seccomp):
        layers.append(SECCOMP)
    return layers


def _enter_namespaces(as_root: bool) -> list[str]:
    uid, gid = os.getuid(), os.getgid()
    if as_root and libc().unshare(NAMESPACES) == 0:
        layers = [NETWORK_NAMESPACE, PID_NAMESPACE]
    elif libc().unshare(NAMESPACES | CLONE_NEWUSER) == 0 and _map_to_root(uid, gid):
        layers = [USER_NAMESPACE, NETWORK_NAMESPACE, PID_NAMESPACE]
    else:
        return []
    _become_pid_one()
    return layers


def _map_to_root(uid: int, gid: int) -> bool:
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


def _become_pid_one() -> None:
    """Fork into the new PID namespace; the parent waits and ends as its child ended."""
    pid = os.fork()
    if pid == 0:
        return
    status = os.waitpid(pid, 0)[1]
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig != signal.SIGKILL:
            signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1)


def _filter_syscalls(seccomp) -> bool:
    try:
        syscall_filter.install(seccomp)
    except OSError:
        return False                    # e.g. a kernel without seccomp filters
    return True


def _private_root(workdir: str, newroot: str, disk_mb: int, as_root: bool) -> bool:
    try:
        rootfs.build(workdir, newroot, disk_mb, as_root)
    except OSError:
        return False
    return True


def set_limits(cpu_seconds: float, memory_mb: int, file_size_mb: int, open_files: int) -> bool:
    """CPU time, address space, file size, open files, no child processes, no core files;
    whether the kernel took every one (macOS refuses some)."""
    cpu = max(1, int(cpu_seconds + 0.999))
    memory, size = memory_mb * 1024 * 1024, file_size_mb * 1024 * 1024
    # CPU soft and hard alike: as pid 1 of its namespace the child ignores SIGXCPU, so the
    # kernel's SIGKILL at the hard limit is what stops it.
    limits = [(resource.RLIMIT_CPU, cpu), (resource.RLIMIT_AS, memory), (resource.RLIMIT_FSIZE, size),
              (resource.RLIMIT_NOFILE, open_files), (resource.RLIMIT_NPROC, 0), (resource.RLIMIT_CORE, 0)]
    applied = 0
    for which, value in limits:
        try:
            resource.setrlimit(which, (value, value))
            applied += 1
        except (ValueError, OSError):
            pass
    # Past the file-size limit a write fails with an OSError instead of killing the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return applied == len(limits)
