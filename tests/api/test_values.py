"""Predictions, examples and evaluation results as data: JSON, records, HTML, pickles."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import dsplang

ROOT = Path(dsplang.__file__).resolve().parents[1]

TYPED = '''
enum Mood:
    happy
    sad

type Person:
    name: str
    mood: Mood

let example = Example(question="who?", person=Person(name="Ann", mood=Mood.sad)).with_inputs("question")
let prediction = Prediction(person=Person(name="Bob", mood=Mood.happy), tags=["a", "b"], score=0.5)
'''


def test_to_dict_json_gives_plain_data_and_keeps_values_otherwise():
    ns = dsplang.run(TYPED)
    data = ns.prediction.to_dict(json=True)
    assert data == {"person": {"name": "Bob", "mood": "happy"}, "tags": ["a", "b"], "score": 0.5}
    assert json.loads(json.dumps(data)) == data
    assert type(ns.prediction.to_dict()["person"]).__name__ == "Person"     # typed values as they are
    assert ns.example.to_dict(json=True)["person"] == {"name": "Ann", "mood": "sad"}


def test_evaluation_records_are_flat_rows_and_failures_have_their_message():
    data = [dsplang.Example(q=str(i), a=str(i)).with_inputs("q") for i in range(3)]

    def program(q):
        if q == "2":
            raise ValueError("no answer for 2")
        return dsplang.Prediction(a=q)
    result = dsplang.evaluate(program, data, metric=lambda ex, pred: ex.a == pred.a, display_progress=False)
    records = result.to_records()
    assert records[0] == {"index": 0, "q": "0", "a": "0", "pred_a": "0", "score": 1.0, "error": None}
    assert records[2]["score"] == 0.0 and "no answer for 2" in records[2]["error"] and "pred_a" not in records[2]
    assert all(isinstance(v, (str, int, float, type(None))) for r in records for v in r.values())
    try:
        import pandas
    except ImportError:
        return
    assert list(pandas.DataFrame(records)["score"]) == [1.0, 1.0, 0.0]


def test_html_views_escape_their_text():
    pred = dsplang.Prediction(answer="<b>bold</b>")
    assert "&lt;b&gt;bold&lt;/b&gt;" in pred._repr_html_() and "<b>bold" not in pred._repr_html_()
    example = dsplang.Example(q="x", a="y").with_inputs("q")
    assert "input" in example._repr_html_()


def test_predictions_and_examples_pickle_into_another_process():
    ns = dsplang.run(TYPED)
    data = pickle.dumps((ns.example, ns.prediction))
    code = ("import pickle, sys, json; ex, pred = pickle.loads(sys.stdin.buffer.read()); "
            "print(json.dumps([ex.to_dict(json=True), list(ex.input_keys), pred.to_dict(json=True), "
            "repr(pred.person.mood)]))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    example, inputs, prediction, mood = json.loads(done.stdout)
    assert example == {"question": "who?", "person": {"name": "Ann", "mood": "sad"}} and inputs == ["question"]
    assert prediction["person"] == {"name": "Bob", "mood": "happy"} and mood == "Mood.happy"
