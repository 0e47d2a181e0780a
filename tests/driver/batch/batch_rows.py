"""The batch tests' program, a QA module on a ScriptedLM, and rows for it (one LM failure):
imported by path (`load_helper("driver/batch/batch_rows.py")`), never through `conftest`."""

from __future__ import annotations

import json

PROGRAM = '''use ScriptedLM({"France": {"answer": "Paris"}, "Italy": {"answer": "Rome"}, "Spain": {"answer": "Madrid"}})

signature Answer:
    input question: str
    output answer: str

module QA:
    respond = Predict(Answer)
    def forward(question: str):
        return respond(question=question)

let qa = QA()
print("the statements after qa's do not run")
'''

COUNTRIES = ["France", "Italy", "Spain"]


def rows(n: int) -> list[dict]:
    """n rows; every 7th asks about a country the script does not know (an LM error)."""
    return [{"question": f"Capital of {'Narnia' if i % 7 == 3 else COUNTRIES[i % 3]}?"}
            for i in range(n)]


def write_rows(path, items: list[dict], extra: str = "") -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in items) + extra, encoding="utf-8")


def read_output(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
