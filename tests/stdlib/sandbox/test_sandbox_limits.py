"""The sandbox stops what untrusted code must not do, with a clear error, and keeps going."""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from dsplang.stdlib.sandbox import Limits, run_code

QUICK = Limits(cpu_seconds=1, wall_seconds=3, memory_mb=256)


def run(code: str, **overrides):
    started = time.monotonic()
    result = run_code(code, QUICK, **overrides)
    assert time.monotonic() - started < 5
    return result


def assert_stopped(result, *words: str):
    assert not result.ok
    assert result.error
    for word in words:
        assert word in result.error, result.error


def test_a_normal_computation_returns_what_it_printed_and_its_final_value():
    result = run("import math\nprint(sum(range(11)))\nmath.factorial(5)")
    assert result.ok and result.error is None
    assert result.stdout == "55\n" and result.value == "120"
    assert result.output == "55\n120"


def test_the_code_runs_as_another_process_in_a_throwaway_directory():
    code = (f"import os\nprint(os.getpid() != {os.getpid()})\nopen('note.txt', 'w').write('hi')\n"
            "print(open('note.txt').read(), os.listdir('.'))")
    result = run(code)
    assert result.ok, result.error
    assert result.stdout == "True\nhi ['note.txt']\n"


def test_an_exception_comes_back_with_the_line_of_the_code():
    result = run("x = 1\ny = x / 0\n")
    assert_stopped(result, "line 2: y = x / 0", "ZeroDivisionError: division by zero")


def test_an_infinite_loop_is_stopped_by_the_cpu_limit():
    assert_stopped(run("while True:\n    pass\n"), "TimeoutError", "CPU time limit of 1 s")


def test_sleeping_forever_is_stopped_by_the_wall_clock_limit():
    assert_stopped(run("import time\ntime.sleep(60)\n", wall_seconds=1.5),
                   "TimeoutError", "wall-clock limit of 1.5 s")


def test_a_memory_bomb_is_stopped_by_the_memory_limit():
    assert_stopped(run("data = 'x'\nwhile True:\n    data = data + data\n"), "MemoryError")
    assert_stopped(run("block = bytearray(4 * 1024 ** 3)"), "MemoryError")


def test_a_fork_bomb_is_stopped():
    assert_stopped(run("import os\nwhile True:\n    os.fork()\n"), "PermissionError", "os.fork")


def test_starting_a_program_is_stopped():
    assert_stopped(run("import subprocess\nsubprocess.run(['/bin/true'])\n"), "PermissionError")
    assert_stopped(run("import os\nos.system('true')\n"), "PermissionError", "os.system")


def test_reading_a_file_outside_the_sandbox_is_stopped(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    assert_stopped(run(f"print(open({str(secret)!r}).read())"), "PermissionError", "reading")
    assert_stopped(run("print(open('/etc/passwd').read())"), "PermissionError", "/etc/passwd")
    assert_stopped(run("import os\nprint(os.listdir('/'))"), "PermissionError")


def test_writing_outside_the_sandbox_is_stopped(tmp_path):
    target = tmp_path / "planted.txt"
    assert_stopped(run(f"open({str(target)!r}, 'w').write('x')"), "PermissionError", "writing")
    assert not target.exists()
    assert_stopped(run(f"import os\nos.remove({str(tmp_path)!r})"), "PermissionError")


def test_connecting_to_a_socket_is_stopped():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    port = server.getsockname()[1]
    accepted = []

    def accept():
        try:
            accepted.append(server.accept())
        except OSError:
            pass
    thread = threading.Thread(target=accept)
    thread.start()
    try:
        code = f"import socket\ns = socket.socket()\ns.connect(('127.0.0.1', {port}))\nprint('connected')"
        assert_stopped(run(code), "PermissionError", "network access")
    finally:
        thread.join()
        server.close()
    assert not accepted


def test_loading_native_code_is_stopped():
    assert_stopped(run("import ctypes"), "PermissionError", "ctypes")


def test_big_output_is_cut_off():
    result = run("print('x' * 100000)", output_chars=1000)
    assert result.ok and result.stdout.endswith("[output cut off]")
    assert len(result.stdout) < 1100


def test_a_syntax_error_is_reported():
    assert_stopped(run("def f(:\n  pass"), "SyntaxError")


def test_the_layers_applied_are_reported():
    result = run("1")
    assert "audit hook" in result.isolation and "resource limits" in result.isolation


@pytest.mark.skipif(os.geteuid() != 0, reason="namespaces need root here")
def test_as_root_the_code_also_runs_without_network_as_nobody_in_a_private_root():
    result = run("import os\nprint(os.getuid())")
    assert result.stdout == "65534\n"
    assert {"network namespace", "private read-only root", "unprivileged user"} <= set(result.isolation)
