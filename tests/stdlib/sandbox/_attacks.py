"""Escape attempts against the sandbox, for test_escapes.py.

Each attack is code for the sandbox. Every step it tries prints `blocked <step> <error>`
or, if the step got through, `ESCAPED <step> ...`; `expect` lists what must show in the
stdout or error. Most attacks run with the audit hook left out (`audit_hook=False`): the
other layers must hold alone. The `hook_*` attacks run with the hook and switch it off
themselves, as the issue's escapes did.

`run_all(targets)` runs every attack and returns {name: result as a dict}. Run as a script
(`python _attacks.py`, targets as JSON on stdin) it prints that dict as JSON: that is how
the tests run the attacks as an unprivileged user.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

QUICK = {"cpu_seconds": 1, "wall_seconds": 8, "memory_mb": 256}

PRELUDE = '''
import json, os, sys
T = json.loads({targets!r})

def attempt(step, call):
    try:
        got = call()
    except BaseException as exc:
        print("blocked", step, type(exc).__name__)
    else:
        print("ESCAPED", step, repr(got)[:300])

def c_call(libc, name, *args):
    import ctypes
    if getattr(libc, name)(*args) == -1:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return "done"

def chroot_escape():
    os.mkdir("j")
    os.chroot("j")
    for _ in range(40):
        os.chdir("..")
    os.chroot(".")
    return open(T["secret_path"]).read()

def read_and_write_outside():
    attempt("read secret", lambda: open(T["secret_path"]).read())
    attempt("read passwd", lambda: open("/etc/passwd").read())
    attempt("write outside", lambda: open(T["outside_dir"] + "/planted.txt", "w").write("x"))
'''

DISABLE_HOOK_BY_GC = '''
import gc
patched = 0
for obj in gc.get_objects():
    if type(obj) is type(attempt) and obj.__name__ == "hook" and obj.__code__.co_argcount == 2:
        names = obj.__code__.co_freevars
        source = ("def outer():\\n" + "".join(f"    {n} = None\\n" for n in names)
                  + "    def hook(event, args):\\n"
                  + (f"        ({', '.join(names)},)\\n" if names else "")
                  + "        return None\\n    return hook\\n")
        scope = {}
        exec(source, scope)
        obj.__code__ = scope["outer"]().__code__
        patched += 1
print("hooks patched:", patched)
'''

LOAD_CTYPES_BY_PATH = '''
import glob, importlib.util

def load(name, path, package=None):
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=package)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module

dynload = next(p for p in sys.path if p.endswith("lib-dynload"))
load("_ctypes", glob.glob(dynload + "/_ctypes.*.so")[0])
folder = os.path.join(os.path.dirname(os.__file__), "ctypes")
ctypes = load("ctypes", os.path.join(folder, "__init__.py"), [folder])
libc = ctypes.CDLL(None, use_errno=True)
print("ctypes loaded by path")
'''

LIBC_ATTACKS = '''
attempt("libc unshare", lambda: c_call(libc, "unshare", 0x10000000 | 0x00020000))
attempt("libc mount", lambda: c_call(libc, "mount", b"none", b"/tmp", b"tmpfs", 0, None))
os.makedirs("k", exist_ok=True)
attempt("libc chroot", lambda: c_call(libc, "chroot", b"k"))
attempt("libc socket", lambda: c_call(libc, "socket", 2, 1, 0))
attempt("libc setuid", lambda: c_call(libc, "setuid", 0))
attempt("libc ptrace parent", lambda: c_call(libc, "ptrace", 16, T["parent_pid"], None, None))
attempt("libc kill parent", lambda: c_call(libc, "kill", T["parent_pid"], 0))
attempt("libc fork", lambda: c_call(libc, "fork"))
if __import__("platform").machine() == "x86_64":     # raw system call numbers
    attempt("libc pivot_root", lambda: c_call(libc, "syscall", 155, b"k", b"k"))
    attempt("libc clone newuser", lambda: c_call(libc, "syscall", 56, 0x10000000 | 17, 0, 0, 0, 0))
    attempt("libc process_vm_readv", lambda: c_call(libc, "syscall", 310, T["parent_pid"], 0, 0, 0, 0, 0))
    attempt("libc bpf", lambda: c_call(libc, "syscall", 321, 0, None, 0))
    attempt("libc io_uring", lambda: c_call(libc, "syscall", 425, 1, None))
'''


@dataclasses.dataclass(frozen=True)
class Attack:
    code: str
    expect: tuple[str, ...] = ()
    ok: bool = True                 # the code itself ends normally
    hook: bool = False              # run with the audit hook (the attack removes it)
    limits: dict = dataclasses.field(default_factory=dict)


ATTACKS = {
    "chroot_escape": Attack(
        'attempt("chroot escape", chroot_escape)\nread_and_write_outside()',
        ("blocked chroot escape PermissionError", "blocked read secret FileNotFoundError",
         "blocked read passwd FileNotFoundError")),
    "etc_passwd": Attack(
        'attempt("read passwd", lambda: open("/etc/passwd").read())\n'
        'attempt("read shadow", lambda: open("/etc/shadow").read())',
        ("blocked read passwd FileNotFoundError",)),
    "proc_environ": Attack('''
import glob
texts = []
for path in glob.glob("/proc/*/environ"):
    try:
        texts.append(open(path, "rb").read().decode("latin-1"))
    except OSError:
        pass
print("secret in /proc" if any(T["env_secret"] in t for t in texts) else "no secret in /proc")
attempt("canary environ", lambda: open(f"/proc/{T['canary_pid']}/environ", "rb").read())
attempt("parent environ", lambda: open(f"/proc/{T['parent_pid']}/environ", "rb").read())
''', ("no secret in /proc", "blocked canary environ", "blocked parent environ")),
    "parent_files": Attack('''
attempt("read secret", lambda: open(T["secret_path"]).read())
attempt("list secret folder", lambda: os.listdir(os.path.dirname(T["secret_path"])))
attempt("parent's root", lambda: open(f"/proc/{T['parent_pid']}/root" + T["secret_path"]).read())
attempt("parent's cwd", lambda: os.listdir(f"/proc/{T['parent_pid']}/cwd"))
''', ("blocked read secret FileNotFoundError", "blocked list secret folder FileNotFoundError")),
    "write_outside": Attack('''
attempt("outside folder", lambda: open(T["outside_dir"] + "/planted.txt", "w").write("x"))
attempt("tmp", lambda: open(T["tmp_target"], "w").write("x"))
attempt("python installation", lambda: open(os.path.join(sys.prefix, "planted.txt"), "w").write("x"))
attempt("stdlib module", lambda: open(os.__file__, "a").write("#"))
attempt("root", lambda: os.mkdir("/planted"))
''', ("blocked python installation", "blocked stdlib module")),
    "tcp_socket": Attack('''
import socket
def tcp():
    s = socket.socket()
    s.settimeout(2)
    s.connect(("127.0.0.1", T["tcp_port"]))
attempt("tcp connect", tcp)
attempt("udp send", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", T["tcp_port"])))
''', ("blocked tcp connect PermissionError", "blocked udp send PermissionError")),
    "unix_socket": Attack('''
import socket
def unix(address):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(2)
    s.connect(address)
attempt("unix path", lambda: unix(T["unix_path"]))
attempt("unix abstract", lambda: unix("\\0" + T["unix_abstract"]))
attempt("socketpair", socket.socketpair)
''', ("blocked unix path PermissionError", "blocked unix abstract PermissionError")),
    "processes": Attack('''
import subprocess
def system():
    status = os.system("true")
    if status != 0:
        raise OSError(status, "os.system failed")
def fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    return os.waitpid(pid, 0)
attempt("subprocess", lambda: subprocess.run(["/bin/true"]))
attempt("os.system", system)
attempt("fork", fork)
attempt("posix_spawn", lambda: os.waitpid(os.posix_spawn("/bin/true", ["true"], {}), 0))
attempt("pty fork", lambda: __import__("pty").fork())
attempt("exec", lambda: os.execv("/bin/true", ["true"]))
''', ("blocked subprocess PermissionError", "blocked fork PermissionError",
      "blocked posix_spawn PermissionError", "blocked exec PermissionError")),
    "ctypes": Attack('import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n' + LIBC_ATTACKS,
                     ("blocked libc unshare", "blocked libc chroot")),
    "ctypes_by_path": Attack(LOAD_CTYPES_BY_PATH + LIBC_ATTACKS,
                             ("ctypes loaded by path", "blocked libc unshare", "blocked libc mount")),
    "signals": Attack('''
import signal
attempt("kill parent", lambda: os.kill(T["parent_pid"], signal.SIGKILL))
attempt("kill canary", lambda: os.kill(T["canary_pid"], signal.SIGKILL))
attempt("killpg canary", lambda: os.killpg(T["canary_pid"], signal.SIGKILL))
attempt("kill getppid", lambda: os.kill(os.getppid(), signal.SIGKILL))
attempt("kill everything", lambda: os.kill(-1, signal.SIGKILL))
''', ("blocked kill parent", "blocked kill canary", "blocked kill everything")),
    "pid_enumeration": Attack('''
def probe(pid):
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return type(exc).__name__
    return "alive"
print("alive:", [pid for pid in range(1, 40000) if probe(pid) == "alive"])
host = {probe(T["parent_pid"]), probe(T["canary_pid"]), probe(T["free_pid"])}
print("host pids tell apart" if len(host) > 1 else "host pids look alike")
''', ("alive: [1]", "host pids look alike")),
    "capabilities": Attack('print(open("/proc/self/status").read())', (
        "CapEff:\t0000000000000000", "CapPrm:\t0000000000000000", "CapInh:\t0000000000000000",
        "CapBnd:\t0000000000000000", "CapAmb:\t0000000000000000", "NoNewPrivs:\t1",
        "Seccomp:\t2")),
    "memory_bomb": Attack("data = 'x'\nwhile True:\n    data = data + data\n", ("MemoryError",), ok=False),
    "memory_block": Attack("block = bytearray(4 * 1024 ** 3)", ("MemoryError",), ok=False),
    "cpu_bomb": Attack("while True:\n    pass\n", ("CPU time limit of 1 s",), ok=False),
    "fork_bomb": Attack("while True:\n    os.fork()\n", ("PermissionError",), ok=False),
    "disk_bomb": Attack('''
try:
    open("big", "wb").write(b"x" * (8 << 20))
except OSError as exc:
    print("blocked file", exc.errno)
os.remove("big")
written = 0
try:
    for i in range(100):
        with open(f"f{i}", "wb") as f:
            for _ in range(2):
                f.write(b"x" * (1 << 20))
                written += 1
except OSError as exc:
    print("blocked disk", exc.errno, "after", written, "MB")
''', ("blocked file 27", "blocked disk 28"), limits={"disk_mb": 8, "file_size_mb": 4}),
    "fd_bomb": Attack('''
files = []
try:
    while True:
        files.append(open("/dev/null"))
except OSError as exc:
    print("blocked fds", exc.errno, len(files) < 64)
''', ("blocked fds 24 True",)),
    "huge_output": Attack('''
print("x" * 10 ** 7)
os.write(1, b"y" * 10 ** 7)
os.write(2, b"z" * 10 ** 7)
''', ("[output cut off]",), limits={"output_chars": 1000}),
    "huge_result": Attack('''
chunk = b" " * (1 << 20)
try:
    for _ in range(64):
        os.write(3, chunk)
except OSError:
    pass
os._exit(0)
''', ("result is not valid",), ok=False),
    "forged_result": Attack('''
os.write(3, json.dumps({"ok": True, "stdout": "forged", "value": 12345, "error": None,
                        "isolation": "forged"}).encode())
os._exit(0)
''', ("result is not valid",), ok=False),
    "hook_via_sys_modules": Attack('''
guard = sys.modules.get("guard")
print("guard reachable" if guard else "guard not reachable")
attempt("import guard", lambda: __import__("guard"))
attempt("import confine", lambda: __import__("confine"))
if guard:
    for name in ("DENIED_EVENTS", "DENIED_PREFIXES", "DENIED_MODULES", "WRITE_EVENTS", "READ_EVENTS"):
        setattr(guard, name, type(getattr(guard, name))())
    guard._check_open = lambda *args: None
attempt("chroot escape", chroot_escape)
read_and_write_outside()
''', ("guard not reachable", "blocked import guard ModuleNotFoundError",
      "blocked chroot escape PermissionError"), hook=True),
    "hook_via_gc": Attack(DISABLE_HOOK_BY_GC + '''
attempt("chroot escape", chroot_escape)
read_and_write_outside()
attempt("kill canary", lambda: os.kill(T["canary_pid"], 0))
''' + LOAD_CTYPES_BY_PATH + LIBC_ATTACKS,
        ("hooks patched: 1", "blocked chroot escape PermissionError",
         "blocked read passwd FileNotFoundError", "ctypes loaded by path"), hook=True),
}


def run_all(targets: dict) -> dict[str, dict]:
    """Every attack against `targets`, two at a time; {name: SandboxResult as a dict}."""
    from dsplang.stdlib.sandbox import run_code

    targets = {**targets, "parent_pid": os.getpid()}

    def run(name: str) -> dict:
        attack = ATTACKS[name]
        code = PRELUDE.format(targets=json.dumps(targets)) + attack.code
        result = run_code(code, audit_hook=attack.hook, **{**QUICK, **attack.limits})
        return dataclasses.asdict(result)

    with ThreadPoolExecutor(2) as pool:
        return dict(zip(ATTACKS, pool.map(run, ATTACKS)))


if __name__ == "__main__":
    print(json.dumps(run_all(json.loads(sys.stdin.read()))))
