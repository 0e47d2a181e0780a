"""The Python API end to end, as a notebook would use it: configure a ScriptedLM, declare a
program from a .dsp string, build Examples in Python, evaluate, compile with BootstrapFewShot,
pickle the compiled program and call it in another process, and give a ReAct agent a Python
tool."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import dsplang

ROOT = Path(dsplang.__file__).resolve().parents[1]

PROGRAM = textwrap.dedent('''
    signature Capital:
        """Name the capital city of the country."""
        input country: str
        output city: str

    module Geo:
        find = Predict(Capital)

        def forward(country: str):
            return find(country=country)
''')

AGENT = textwrap.dedent('''
    module Agent:
        act = ReAct("question -> answer", tools=[population])

        def forward(question: str):
            return act(question=question)
''')

CAPITALS = {"France": "Paris", "Italy": "Rome", "Spain": "Madrid", "Peru": "Lima"}


def exact(example, prediction, trace=None):
    return example.city == prediction.city


# The notebook: its cells run at the top level of a fresh Python, as in a kernel.
NOTEBOOK = textwrap.dedent('''
    import json, multiprocessing, pickle, subprocess, sys
    import dsplang
    from api_worker import answer_in_worker

    def exact(example, prediction, trace=None):
        return example.city == prediction.city

    def main():
        out = {}
        # [1] the LM, for the whole session
        answers = {country: [{"city": city if country != "Peru" else "Cusco"}] for country, city in CAPITALS.items()}
        dsplang.configure(lm=dsplang.ScriptedLM(answers))
        # [2] a program declared in .dsp, data built in Python
        program = dsplang.run(PROGRAM).Geo()
        data = [dsplang.Example(country=c, city=city).with_inputs("country") for c, city in CAPITALS.items()]
        # [3] evaluate
        result = dsplang.evaluate(program, data, metric=exact, threads=2, display_progress=False)
        out["score"] = result.score
        out["records"] = result.to_records()
        out["result_html"] = result._repr_html_()
        out["program_html"] = program._repr_html_()
        # [4] compile
        optimizer = dsplang.BootstrapFewShot(metric=exact, max_bootstrapped_demos=2, max_labeled_demos=0,
                                             verbose=False)
        compiled = dsplang.compile(program, optimizer, trainset=data[:3])
        out["demos"] = [len(compiled.find.demos), len(program.find.demos)]
        prediction = compiled(country="France")
        out["prediction"] = prediction.to_dict(json=True)
        out["prediction_html"] = prediction._repr_html_()
        # [5] the compiled program in another process: a fresh Python, and a spawned worker
        done = subprocess.run([sys.executable, "-c", RECEIVER], input=pickle.dumps(compiled), capture_output=True,
                              timeout=120)
        out["receiver"] = json.loads(done.stdout) if done.returncode == 0 else done.stderr.decode()
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            out["worker"] = pool.apply(answer_in_worker, (compiled, "Peru"))
        print(json.dumps(out))

    if __name__ == "__main__":
        main()
''')

RECEIVER = textwrap.dedent('''
    import json, pickle, sys
    import dsplang
    program = pickle.loads(sys.stdin.buffer.read())
    lm = dsplang.ScriptedLM([{"city": "Madrid"}])
    with dsplang.context(lm=lm):
        pred = program(country="Spain")
    prompt = json.dumps(lm.requests[0].messages)
    print(json.dumps({"city": pred.city, "demos": len(program.find.demos),
                      "saw_demo": "France" in prompt or "Italy" in prompt}))
''')


def test_a_notebook_session(tmp_path):
    script = tmp_path / "notebook.py"
    script.write_text(f"PROGRAM = {PROGRAM!r}\nCAPITALS = {CAPITALS!r}\nRECEIVER = {RECEIVER!r}\n" + NOTEBOOK)
    paths = [str(ROOT), str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]
    done = subprocess.run([sys.executable, str(script)], capture_output=True, timeout=170, cwd=str(tmp_path),
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)})
    assert done.returncode == 0, done.stderr.decode()
    out = json.loads(done.stdout)

    assert out["score"] == 75.0
    assert out["records"][3] == {"index": 3, "country": "Peru", "city": "Lima", "pred_city": "Cusco",
                                 "score": 0.0, "error": None}
    assert "Cusco" in out["result_html"] and "75.0%" in out["result_html"]
    assert "Name the capital city" in out["program_html"] and "<td" in out["program_html"]
    assert out["demos"] == [2, 0]                     # the compiled copy has demos; the program is unchanged
    assert out["prediction"] == {"city": "Paris"} and "Paris" in out["prediction_html"]
    assert out["receiver"] == {"city": "Madrid", "demos": 2, "saw_demo": True}
    assert out["worker"] == "Lima"


@pytest.fixture
def scripted():
    lm = dsplang.ScriptedLM({"France": [{"city": "Paris"}]})
    with dsplang.context(lm=lm):
        yield lm


def test_a_python_function_is_a_react_tool(scripted):
    def population(city: str) -> str:
        """The population of a city."""
        return {"Paris": "2.1 million"}.get(city, "unknown")

    lm = dsplang.ScriptedLM([
        {"next_thought": "Look it up.", "next_tool_name": "population", "next_tool_args": {"city": "Paris"}},
        {"next_thought": "Done.", "next_tool_name": "finish", "next_tool_args": {}},
        {"reasoning": "The tool said so.", "answer": "2.1 million"},
    ])
    ns = dsplang.run(AGENT, env={"population": population})
    with dsplang.context(lm=lm):
        prediction = ns.Agent()(question="How many people live in Paris?")
    assert prediction.answer == "2.1 million"
    assert prediction.trajectory["observation_0"] == "2.1 million"


def test_a_python_metric_and_data_reach_a_dsp_program(scripted):
    data = [dsplang.Example(country="France", city="Paris").with_inputs("country")]
    ns = dsplang.run(PROGRAM + textwrap.dedent('''
        let result = evaluate(Geo(), data, metric=exact, display_progress=false)
    '''), env={"data": data, "exact": exact})
    assert ns.result.score == 100.0
