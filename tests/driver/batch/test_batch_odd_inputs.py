"""`dsp batch` given what a hostile or careless user gives: outputs edited by hand or by other
tools, row numbers that are no rows, a binary input, duplicate and null keys, a name the
file binds further down."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import threading

import pytest
from loading import load_helper

from dsplang.cli import main
from dsplang.driver.batch.output import previous
from dsplang.errors import DspFileError

_rows = load_helper("driver/batch/batch_rows.py")
PROGRAM, read_output, rows, write_rows = _rows.PROGRAM, _rows.read_output, _rows.rows, _rows.write_rows

LINE = '{"row": 0, "outputs": {"answer": "a"}}\n'


@pytest.mark.parametrize("line", ['{"row": -1, "outputs": {}}', '{"row": true, "outputs": {}}',
                                  '{"row": 1.5, "outputs": {}}'])
def test_a_row_number_that_is_no_row_is_a_line_batch_did_not_write(tmp_path, line):
    out = tmp_path / "out.jsonl"
    out.write_text(LINE + line + "\n" + LINE)
    with pytest.raises(DspFileError, match=r"out.jsonl:2:1: .*not a line dsp batch writes"):
        previous(str(out), by_key=False, retry_errors=False)


def test_lines_of_rows_past_the_input_are_kept_but_not_counted(tmp_path):
    out = tmp_path / "out.jsonl"
    text = LINE + '{"row": 99999999999999, "outputs": {}}\n'       # as bits: 12 TB
    out.write_text(text)
    found = previous(str(out), by_key=False, retry_errors=False, rows=10)
    assert found.done.count == 1 and len(found.done.bits) == 1 and out.read_text() == text


def test_a_line_in_another_encoding_is_named_not_utf8(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_bytes(LINE.encode() + '{"row": 1, "outputs": {}}\n'.encode("utf-16") + LINE.encode())
    with pytest.raises(DspFileError, match="line 2 of the output file is not UTF-8 text"):
        previous(str(out), by_key=False, retry_errors=False)


def test_a_whole_last_line_without_a_newline_is_ended_before_lines_are_appended(batch_files):
    program, data, out = batch_files
    out.write_text(LINE.rstrip("\n"))
    main(["batch", str(program), "qa", "-i", str(data), "-o", str(out), "--quiet"])
    found = read_output(out)                                   # every line is JSON: none ran on
    assert sorted(r["row"] for r in found) == list(range(21))


def test_an_output_that_is_a_folder_says_so(batch_files, capsys):
    program, data, _ = batch_files
    assert main(["batch", str(program), "qa", "-i", str(data), "-o", str(data.parent)]) == 1
    assert f"file error: the output {data.parent} is a folder" in capsys.readouterr().err


def test_an_input_that_is_not_utf8_is_refused_before_any_row_runs(batch_files, capsys):
    program, data, out = batch_files
    data.write_bytes(data.read_bytes() + b'{"question": "caf\xe9?"}\n')
    assert main(["batch", str(program), "qa", "-i", str(data), "-o", str(out)]) == 1
    assert not out.exists()
    err = capsys.readouterr().err
    assert "in.jsonl:22:18: file error: the input is not UTF-8 text" in err and "nothing was run" in err


def test_duplicate_and_null_keys_are_error_lines_and_a_rerun_adds_nothing(tmp_path, capsys):
    (tmp_path / "qa.dsp").write_text(PROGRAM)
    data, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    items = [{"id": "a", **rows(1)[0]}, {"id": "b", **rows(2)[1]}, {"id": "a", **rows(3)[2]},
             {"id": None, **rows(1)[0]}]
    write_rows(data, items)
    args = ["batch", str(tmp_path / "qa.dsp"), "qa", "-i", str(data), "-o", str(out), "--key", "id", "--quiet"]
    assert main(args) == 1
    found = {r["row"]: r for r in read_output(out)}
    assert found[0]["outputs"] == {"answer": "Paris"} and found[1]["outputs"] == {"answer": "Rome"}
    assert found[2]["error"].endswith("in.jsonl:3:1: value error: the row's key field 'id' is \"a\", as an "
                                      "earlier row's is: keys must be unique (this row is not run)")
    assert found[3]["error"].endswith("in.jsonl:4:1: value error: the row's key field 'id' is null")
    before = out.read_text()
    main(args)
    assert out.read_text() == before
    capsys.readouterr()


def test_a_name_the_file_binds_further_down_is_in_the_hint(batch_files, capsys):
    program, data, out = batch_files
    assert main(["batch", str(program), "qaa", "-i", str(data), "-o", str(out)]) == 1
    assert "hint: did you mean 'qa'?" in capsys.readouterr().err


@pytest.mark.parametrize("options, message", [
    (["--inputs", ","], "argument error: --inputs names no field"),
    (["--key", "question", "--inputs", "question"], "--inputs names the --key field 'question'"),
])
def test_inputs_that_name_no_field_or_the_key_are_argument_errors(batch_files, capsys, options, message):
    program, data, out = batch_files
    assert main(["batch", str(program), "qa", "-i", str(data), "-o", str(out), *options]) == 1
    assert message in capsys.readouterr().err and not out.exists()


def _server(answer: bytes | None) -> tuple[socket.socket, int]:
    """A TCP server on a free port that answers each connection with `answer` and closes it
    (None: it accepts and never answers)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            if answer is None:
                with conn:
                    while conn.recv(100):           # read, never answer, until the client gives up
                        pass
            else:
                conn.recv(100)
                conn.sendall(answer)
                conn.close()
    threading.Thread(target=serve, daemon=True).start()
    return listener, listener.getsockname()[1]


@pytest.mark.skipif(not importlib.util.find_spec("ray"), reason="needs ray (the [ray] extra)")
def test_a_ray_address_where_another_server_listens_or_nothing_answers_is_an_error_at_once(
        batch_files, capsys, monkeypatch):
    from dsplang.stdlib import ray_runner
    monkeypatch.setattr(ray_runner, "_CONNECT_SECONDS", 0.5)
    program, data, out = batch_files
    web, web_port = _server(b"HTTP/1.0 400 Bad request\r\n\r\n")        # Ray retried it for minutes
    silent, silent_port = _server(None)
    try:
        for address in (f"127.0.0.1:{web_port}", f"ray://127.0.0.1:{web_port}", f"127.0.0.1:{silent_port}"):
            assert main(["batch", str(program), "qa", "-i", str(data), "-o", str(out), "--ray", address]) == 1
    finally:
        web.close()
        silent.close()
    err = capsys.readouterr().err
    assert f"runtime error: 127.0.0.1:{web_port} is not a Ray cluster: the server there does not speak" in err
    assert f"ray://127.0.0.1:{web_port} is not a Ray cluster" in err
    assert f"cannot connect to the Ray cluster at 127.0.0.1:{silent_port}: it does not answer" in err
    assert not out.exists()                             # no row was run, and no file is left


def test_an_input_that_is_a_pipe_is_refused_before_it_is_opened(batch_files, capsys):
    program, data, out = batch_files
    fifo = data.parent / "rows.fifo"
    os.mkfifo(fifo)                # no writer: opening it would wait; read once, a rerun finds it empty
    assert main(["batch", str(program), "qa", "-i", str(fifo), "-o", str(out)]) == 1
    assert f"the input {fifo} is not a regular file (a pipe or a device)" in capsys.readouterr().err


def _dsp_batch(program, data, *args: str, **popen) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen([sys.executable, "-m", "dsplang.cli", "batch", str(program), "qa", "-i", str(data),
                             "--quiet", *args], env=env, text=True, **popen)


def test_an_output_that_is_a_pipe_is_written_to_and_a_closed_one_is_a_file_error(batch_files):
    program, data, _ = batch_files
    proc = _dsp_batch(program, data, "-o", "/dev/stdout", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=60)       # it read the pipe for earlier rows, and waited forever
    assert proc.returncode == 1 and len(out.splitlines()) == 21 and "21 rows: 17 answered" in err
    proc = _dsp_batch(program, data, "-o", "/dev/stdout", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()                            # the reader went away (`| head -1`)
    _, err = proc.communicate(timeout=60)
    assert "file error: cannot write the output to /dev/stdout: Broken pipe" in err
    assert "internal error" not in err and proc.returncode == 1


def test_an_output_an_editor_saved_with_a_bom_and_crlf_still_reads(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"\xef\xbb\xbf" + LINE.replace("\n", "\r\n").encode() + b'{"row": 1, "outputs": {}}\r\n')
    assert previous(str(out), by_key=False, retry_errors=False).done.count == 2
