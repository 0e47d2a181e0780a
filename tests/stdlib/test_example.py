"""Example: fields by name, copying, and the mistakes a user makes building one."""

from __future__ import annotations

import pytest

from dsplang.errors import DspTypeError
from dsplang.stdlib.example import Example


def test_fields_by_name_or_copied_from_a_dict_or_an_example():
    base = Example(question="2+2?", answer="4").with_inputs("question")
    assert Example({"question": "q"}, answer="a").to_dict() == {"question": "q", "answer": "a"}
    copy = Example(base, answer="four")
    assert copy.answer == "four" and copy.input_keys == ("question",) and base.answer == "4"


@pytest.mark.parametrize("args", [("What is 2+2?",), (["q", "a"],), ("q", "a"), (4,)])
def test_positional_values_are_refused_not_dropped(args):
    with pytest.raises(DspTypeError, match="takes its fields by name"):
        Example(*args)


def test_examples_and_predictions_survive_copy_deepcopy_and_pickle():
    import copy
    import pickle

    from dsplang.stdlib.prediction import Prediction
    example = Example(question="q", answer="a").with_inputs("question")
    for made in (copy.copy(example), copy.deepcopy(example), pickle.loads(pickle.dumps(example))):
        assert made == example and made.input_keys == ("question",)
    pred = Prediction(answer="a", completions=[{"answer": "a"}, {"answer": "b"}])
    again = copy.deepcopy(pred)
    assert again.answer == "a" and again.completions == pred.completions


def test_dsp_run_trace_writes_a_program_with_demos(tmp_path, capsys):
    """The trace deep-copies each call's record, demos (Examples) included."""
    import json

    from dsplang.cli import main
    source = tmp_path / "t.dsp"
    source.write_text('use ScriptedLM({"": {"answer": "4"}})\n'
                      'let train = [Example(question="2+2?", answer="4").with_inputs("question")]\n'
                      'compile qa = Predict("question -> answer") with LabeledFewShot(k=1, verbose=false) on train\n'
                      'print(qa(question="3+1?").answer)\n')
    trace_file = tmp_path / "trace.jsonl"
    assert main(["run", str(source), "--trace", str(trace_file)]) == 0, capsys.readouterr().err
    records = [json.loads(line) for line in trace_file.read_text().splitlines()]
    record = next(r for r in records if r["kind"] == "predictor_call")
    assert "2+2?" in json.dumps(record["messages"])
