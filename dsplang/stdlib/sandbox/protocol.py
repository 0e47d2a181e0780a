"""What the sandbox parent (runner.py) and child (child.py) agree on: the names of the
confinement layers and the size of what the child reports.

The child imports this file by path in a `python -I -S` process, so it imports nothing.
"""

USER_NAMESPACE = "user namespace"
NETWORK_NAMESPACE = "network namespace"
PID_NAMESPACE = "pid namespace"
PRIVATE_ROOT = "private read-only root"
NO_CAPABILITIES = "no capabilities"
UNPRIVILEGED_USER = "unprivileged user"
SECCOMP = "seccomp filter"
RESOURCE_LIMITS = "resource limits"
AUDIT_HOOK = "audit hook"

LAYERS = (USER_NAMESPACE, NETWORK_NAMESPACE, PID_NAMESPACE, PRIVATE_ROOT, NO_CAPABILITIES,
          UNPRIVILEGED_USER, SECCOMP, RESOURCE_LIMITS, AUDIT_HOOK)
# Without any of these the code can reach the user's files, the network or other processes.
ESSENTIAL = (NETWORK_NAMESPACE, PID_NAMESPACE, PRIVATE_ROOT, NO_CAPABILITIES, SECCOMP)

RESULT_FIELDS = ("ok", "stdout", "value", "error", "isolation")
CUT_MARK = "\n[output cut off]"
ERROR_CHARS = 10_000
