"""save / load: the artifact format, round trips, shape checks, stale warnings, atomic writes."""

from __future__ import annotations

import json
import os

import pytest

import dsplang
from dsplang.driver import artifacts
from dsplang.errors import DspFileError, DspValueError
from dsplang.lm.client import LM
from dsplang.stdlib.example import Example
from dsplang.stdlib.modules.predict import Predict
from dsplang.stdlib.optimizers.bootstrap import BootstrapFewShot


def params(program):
    return artifacts.program_state(program)


@pytest.fixture
def compiled_outer(dsp, lm, train):
    program = BootstrapFewShot(metric=dsp.right, max_bootstrapped_demos=2, max_labeled_demos=3,
                               verbose=False).compile(dsp.Outer(), trainset=train)
    program.polish.signature = program.polish.signature.with_instructions("Polish the draft.") \
        .with_field_desc("draft", "a first answer")
    return program


def test_save_and_load_round_trip_nested_modules(dsp, lm, compiled_outer, tmp_path):
    path = str(tmp_path / "build" / "outer.json")
    artifacts.save(compiled_outer, path)
    fresh = dsp.Outer()
    artifacts.load(fresh, path)
    assert params(fresh) == params(compiled_outer)
    assert fresh.polish.signature.instructions == "Polish the draft."
    assert fresh.polish.signature.field("draft").desc == "a first answer"
    question = "What is the capital of Egypt?"
    assert fresh(question=question) == compiled_outer(question=question)


def test_the_file_marks_demos_and_holds_the_hashes(dsp, compiled_outer, tmp_path):
    path = tmp_path / "outer.json"
    artifacts.save(compiled_outer, str(path))
    data = json.loads(path.read_text())
    assert data["dsplang_artifact"] == 1 and data["language_version"] == dsplang.LANGUAGE_VERSION
    assert data["source_hash"].startswith("sha256:") and data["program"] == "Outer"
    demos = data["predictors"]["inner.cot.predict"]["demos"]
    assert [d.get("augmented", False) for d in demos] == [True, True, False]
    assert set(data["predictors"]) == {"inner.cot.predict", "polish"}
    assert data["predictors"]["polish"]["fields"]["draft"]["desc"] == "a first answer"


def test_secrets_are_never_written(dsp, tmp_path):
    predictor = Predict("question -> answer", lm=LM("openai/gpt-4o-mini", api_key="sk-secret", temperature=0.3))
    path = tmp_path / "p.json"
    artifacts.save(predictor, str(path))
    text = path.read_text()
    assert "sk-secret" not in text and "api_key" not in text
    assert json.loads(text)["predictors"]["self"]["lm"] == {"model": "openai/gpt-4o-mini", "temperature": 0.3}


def test_secrets_in_headers_nested_settings_and_urls_are_never_written(dsp, tmp_path):
    lm = LM("openai/gpt-4o-mini", max_tokens=100, aws_access_key_id="AKIA-1", api_keys=["sk-2"], auth="basic x",
            default_headers={"Authorization": "Bearer sk-3"}, extra_body={"api_key": "sk-4", "top_k": 5},
            api_base="https://alice:hunter2@proxy.example.com/v1")
    path = tmp_path / "p.json"
    artifacts.save(Predict("question -> answer", lm=lm), str(path))
    text = path.read_text()
    for secret in ("AKIA-1", "sk-2", "basic x", "sk-3", "sk-4", "hunter2", "alice"):
        assert secret not in text, secret
    assert json.loads(text)["predictors"]["self"]["lm"] == {
        "model": "openai/gpt-4o-mini", "api_base": "https://proxy.example.com/v1", "extra_body": {"top_k": 5},
        "max_tokens": 100}


def test_loading_into_another_shape_names_the_predictor(dsp, compiled_outer, tmp_path):
    path = str(tmp_path / "outer.json")
    artifacts.save(compiled_outer, path)
    capital = dsp.Capital()
    with pytest.raises(DspValueError, match="respond.predict") as info:
        artifacts.load(capital, path)
    assert "different shape" in info.value.message
    assert capital.respond.predict.demos == []


def test_loading_with_other_fields_names_the_predictor(dsp, tmp_path):
    path = str(tmp_path / "p.json")
    artifacts.save(Predict("question -> answer"), path)
    with pytest.raises(DspValueError, match="'self' has fields question, answer there"):
        artifacts.load(Predict("query -> answer"), path)


def test_a_changed_source_is_a_warning(dsp, compiled_outer, tmp_path):
    path = str(tmp_path / "outer.json")
    artifacts.save(compiled_outer, path)
    source = (tmp_path / "capital.dsp").read_text().replace("let draft =", "let first =").replace(
        "draft=draft.answer", "draft=first.answer")
    changed = tmp_path / "changed.dsp"
    changed.write_text(source)
    other = dsplang.load(str(changed)).Outer()
    with pytest.warns(artifacts.DspArtifactWarning, match="different version of Outer"):
        artifacts.load(other, path)
    assert params(other) == params(compiled_outer)


def test_an_unchanged_source_loads_quietly(dsp, compiled_outer, tmp_path, recwarn):
    path = str(tmp_path / "outer.json")
    artifacts.save(compiled_outer, path)
    artifacts.load(dsp.Outer(), path)
    assert not [w for w in recwarn if w.category is artifacts.DspArtifactWarning]


@pytest.mark.parametrize("content, message", [
    (None, "no such file"), ("{not json", "not a valid compiled-program file"),
    ('{"hello": 1}', "not a compiled-program file"), ("[" * 100_000, "its JSON is nested too deeply")])
def test_missing_or_corrupt_files_are_file_errors_naming_the_path(dsp, tmp_path, content, message):
    path = tmp_path / "qa.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(DspFileError, match=message) as info:
        artifacts.load(dsp.Capital(), str(path))
    assert str(path) in info.value.message


@pytest.mark.parametrize("change, message", [
    ({"instructions": 5}, "'predictors.self.instructions': Input should be a valid string"),
    ({"lm": {"temperature": 0}}, "'predictors.self.lm.model': Field required"),
    ({"demos": [1, 2]}, "'predictors.self.demos.0': Input should be a valid dictionary"),
    ({"fields": {"question": "q", "answer": {}}}, "'predictors.self.fields.question': Input should be"),
    ({"config": []}, "'predictors.self.config': Input should be a valid dictionary")])
def test_a_hand_edited_file_with_wrong_types_is_refused_before_anything_changes(dsp, tmp_path, change, message):
    path = tmp_path / "p.json"
    artifacts.save(Predict("question -> answer"), str(path))
    data = json.loads(path.read_text())
    data["predictors"]["self"].update(change)
    path.write_text(json.dumps(data))
    target = Predict("question -> answer")
    with pytest.raises(DspValueError, match=message) as info:
        artifacts.load(target, str(path))
    assert "is not a valid compiled-program file" in info.value.message and target.demos == []


def test_saving_what_is_not_a_program_is_a_type_error_and_keeps_the_file(dsp, tmp_path):
    from dsplang.errors import DspTypeError
    path = tmp_path / "p.json"
    artifacts.save(Predict("question -> answer"), str(path))
    before = path.read_text()
    with pytest.raises(DspTypeError, match="an int is not a program"):
        artifacts.save(5, str(path))
    assert path.read_text() == before


def test_a_failed_write_leaves_the_old_file_and_no_temporary(dsp, compiled_outer, tmp_path, monkeypatch):
    path = tmp_path / "outer.json"
    artifacts.save(dsp.Outer(), str(path))
    before = path.read_text()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(artifacts.json, "dump", crash)
    with pytest.raises(KeyboardInterrupt):
        artifacts.save(compiled_outer, str(path))
    assert path.read_text() == before
    assert sorted(os.listdir(tmp_path)) == ["capital.dsp", "outer.json"]


def _corrupt(data: dict, how: str) -> None:
    entry = data["predictors"]["self"]
    if how == "future":
        data["dsplang_artifact"] = 99
    elif how == "no signature":
        del entry["signature"]
    elif how == "unknown type":
        entry["fields"]["answer"]["type"] = "strr"
    elif how == "fields text":
        entry["fields"] = "nope"
    elif how == "many demos":
        entry["demos"] = [{"question": "q", "answer": "a"}] * 200_000


@pytest.mark.parametrize("how, problem", [
    ("future", "it was written by a newer dsplang (format 99); this one reads format 1"),
    ("no signature", "field 'predictors.self.signature': Field required"),
    ("unknown type", "predictor 'self' has field 'answer' as output 'strr' there but as output 'str' here"),
    ("fields text", "field 'predictors.self.fields': Input should be a valid dictionary"),
    ("many demos", "field 'predictors.self.demos': 200,000 demos, more than the 1,000 a predictor may hold")])
def test_a_bad_file_is_an_error_at_the_load_statement_and_changes_nothing(tmp_path, monkeypatch, capsys, how, problem):
    from dsplang.cli import main
    monkeypatch.chdir(tmp_path)
    artifacts.save(Predict("question -> answer"), "p.json")
    data = json.loads((tmp_path / "p.json").read_text())
    _corrupt(data, how)
    (tmp_path / "p.json").write_text(json.dumps(data))
    (tmp_path / "main.dsp").write_text('let p = Predict("question -> answer")\n'
                                       'load p from "p.json"\n'
                                       'print(len(p.demos))\n')
    assert main(["run", "main.dsp"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("main.dsp:2:1: value error: p.json ")
    assert problem in err.splitlines()[0] and "Traceback" not in err


def test_a_predictor_with_more_demos_than_a_file_holds_is_not_saved(tmp_path):
    path = tmp_path / "p.json"
    demos = [Example(question="q", answer="a")] * (artifacts.MAX_DEMOS + 1)
    with pytest.raises(DspValueError, match="'self' has 1,001 demos, more than the 1,000"):
        artifacts.save(Predict("question -> answer", demos=demos), str(path))
    assert not path.exists()


def test_a_file_of_an_older_compile_without_failed_calls_still_loads(dsp, tmp_path):
    path = tmp_path / "p.json"
    artifacts.save(Predict("question -> answer"), str(path))
    data = json.loads(path.read_text())
    data["run"] = {"calls": 3, "cache_hits": 0, "prompt_tokens": 1, "completion_tokens": 2, "cost": None,
                   "wall_time": 0.5}
    path.write_text(json.dumps(data))
    artifacts.load(Predict("question -> answer"), str(path))
