"""`dsp check --format json` (analysis/report.py): one JSON document on stdout in the documented
schema, nothing on stderr, and the exit status of the text report."""

from __future__ import annotations

import json
import textwrap

from dsplang.cli import EXIT_ERROR, EXIT_OK, main

KEYS = ["file", "line", "col", "end_line", "end_col", "severity", "code", "kind", "message", "hint"]


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return str(path)


def test_problems_as_json(tmp_path, capsys):
    bad = write(tmp_path, "qa.dsp", """
        signature QA:
            input question: str
            output answer: str
        let qa = Predict(QA)
        let p = qa(questoin="hi")
        print(qaa)
    """)
    good = write(tmp_path, "good.dsp", 'print("hi")\n')
    assert main(["check", "--format", "json", bad, good]) == EXIT_ERROR
    out, err = capsys.readouterr()
    assert err == ""
    report = json.loads(out)
    assert report["version"] == 1 and report["count"] == 2
    assert report["files"] == [{"file": bad, "ok": False, "problems": 2},
                               {"file": good, "ok": True, "problems": 0}]
    first, second = report["problems"]
    assert list(first) == KEYS
    assert first == {"file": bad, "line": 5, "col": 12, "end_line": 5, "end_col": 25, "severity": "error",
                     "code": "argument-error", "kind": "argument error",
                     "message": "signature QA has no input 'questoin'", "hint": "did you mean 'question'?"}
    assert (second["line"], second["code"], second["message"], second["hint"]) == \
        (6, "name-error", "name 'qaa' is not defined", "did you mean 'qa'?")


def test_clean_files_exit_zero_with_an_empty_list(tmp_path, capsys):
    good = write(tmp_path, "good.dsp", 'print("hi")\n')
    assert main(["check", "--format", "json", good]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert report == {"version": 1, "files": [{"file": good, "ok": True, "problems": 0}], "problems": [],
                      "count": 0}


def test_syntax_errors_and_unreadable_files(tmp_path, capsys):
    broken = write(tmp_path, "broken.dsp", "if x > 1\n    pass\n")
    missing = str(tmp_path / "missing.dsp")
    assert main(["check", "--format", "json", broken, missing]) == EXIT_ERROR
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert [(p["file"], p["kind"], p["line"]) for p in problems] == \
        [(broken, "syntax error", 1), (missing, "file error", None)]
    assert problems[1]["col"] is None and problems[1]["message"].startswith("no such file")


def test_text_is_still_the_default(tmp_path, capsys):
    good = write(tmp_path, "good.dsp", 'print("hi")\n')
    assert main(["check", good]) == EXIT_OK
    assert capsys.readouterr().out == f"{good}: ok\n"
