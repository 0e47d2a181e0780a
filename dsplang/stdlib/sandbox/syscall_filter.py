"""The sandbox child's seccomp filter, built with pyseccomp (ctypes over libseccomp).

Every other system call is allowed; the ones below fail with EPERM, so the code gets a
PermissionError. System calls of another ABI (32-bit x86 on x86-64, x32) kill the process.
"""

from __future__ import annotations

import errno
import os

DENIED = (
    # network
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
    # new processes and programs (glibc's fork and posix_spawn are clone or clone3)
    "clone", "clone3", "fork", "vfork", "execve", "execveat",
    # other processes
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_open", "pidfd_getfd",
    "pidfd_send_signal", "process_madvise", "kcmp", "setsid", "setpgid",
    # the filesystem tree and namespaces
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "open_tree", "move_mount",
    "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "name_to_handle_at",
    "open_by_handle_at", "quotactl",
    # identities and privileges
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid",
    "setgroups", "capset", "personality",
    # the kernel itself
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "bpf",
    "perf_event_open", "keyctl", "add_key", "request_key", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "userfaultfd", "reboot", "swapon", "swapoff", "acct", "syslog",
    "iopl", "ioperm", "settimeofday", "clock_settime", "clock_adjtime", "sethostname",
    "setdomainname", "vhangup", "fanotify_init", "lookup_dcookie", "uselib",
)
# Signals go to the process itself only (its first argument is its own pid).
SELF_ONLY = ("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")


def install(seccomp) -> None:
    """Load the filter into this process (`seccomp` is the pyseccomp module)."""
    refuse = seccomp.ERRNO(errno.EPERM)
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    rules.set_attr(seccomp.Attr.ACT_BADARCH, seccomp.KILL_PROCESS)
    for name in DENIED:
        _add(rules, refuse, name)
    others = seccomp.Arg(0, seccomp.NE, os.getpid())
    for name in SELF_ONLY:
        _add(rules, refuse, name, others)
    rules.load()


def _add(rules, action: int, name: str, *args) -> None:
    try:
        rules.add_rule(action, name, *args)
    except OSError as exc:
        # A system call this architecture or libseccomp version does not know cannot be made.
        if exc.errno not in (errno.EINVAL, errno.EDOM, errno.EFAULT):
            raise
