"""save / load: the artifact format, round trips, shape checks, stale warnings, atomic writes."""

from __future__ import annotations

import json
import os

import pytest

import dsplang
from dsplang.errors import DspFileError, DspValueError
from dsplang.lm.client import LM
from dsplang.stdlib import artifacts
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
    ('{"hello": 1}', "not a compiled-program file")])
def test_missing_or_corrupt_files_are_file_errors_naming_the_path(dsp, tmp_path, content, message):
    path = tmp_path / "qa.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(DspFileError, match=message) as info:
        artifacts.load(dsp.Capital(), str(path))
    assert str(path) in info.value.message


@pytest.mark.parametrize("change, message", [
    ({"instructions": 5}, "instructions that are not text"),
    ({"lm": {"temperature": 0}}, "an lm entry without a model name"),
    ({"demos": [1, 2]}, "demos that are not a list of objects"),
    ({"fields": {"question": "q", "answer": {}}}, "fields that are not objects"),
    ({"config": []}, "a config that is not an object")])
def test_a_hand_edited_file_with_wrong_types_is_refused_before_anything_changes(dsp, tmp_path, change, message):
    path = tmp_path / "p.json"
    artifacts.save(Predict("question -> answer"), str(path))
    data = json.loads(path.read_text())
    data["predictors"]["self"].update(change)
    path.write_text(json.dumps(data))
    target = Predict("question -> answer")
    with pytest.raises(DspValueError, match=message) as info:
        artifacts.load(target, str(path))
    assert "predictor 'self'" in info.value.message and target.demos == []


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
