"""`dsp check` reports a `save`/`load` path written with a NUL character (no file system
allows one, so the run would fail there), with the run's words, at the path."""

from checker_helpers import ok, one

PROGRAM = """
    let train = []
    compile qa = Predict("q -> a") with LabeledFewShot() on train
    let n = 1
"""


def test_a_nul_in_a_saved_path():
    assert one(PROGRAM + '    save qa to "qa\\x00.json"\n') == (
        "file error", 4, 12, "a file path cannot contain a NUL character: 'qa\\x00.json'", None)


def test_a_nul_in_the_text_of_a_loaded_f_string_path():
    kind, line, col, message, _ = one(PROGRAM + '    load qa from f"run{n}\\x00.json"\n')
    assert (kind, line, col) == ("file error", 4, 14) and "cannot contain a NUL character" in message


def test_ordinary_paths_are_not_reported():
    ok(PROGRAM + '    save qa to "qa.json"\n    load qa from f"run{n}.json"\n    save qa to "dir/" + "x.json"\n')
