"""Runtime values of a program pickle: functions, lambdas, module classes and instances, global
scopes (only what later-running code needs), declared records and enums, Python modules by name."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import dsplang
from dsplang.context.lm import using
from dsplang.interpreter.values import MISSING, Function
from dsplang.lm.scripted import ScriptedLM
from dsplang.stdlib.example import Example

ROOT = Path(dsplang.__file__).resolve().parents[1]

PROGRAM = textwrap.dedent('''
    import json

    enum Mood:
        happy
        sad

    type Reply:
        text: str
        mood: Mood = Mood.happy

    signature Ask:
        """Answer the question."""
        input question: str
        output answer: str
        output mood: Mood

    let suffix = "!"
    let big_data = [1, 2, 3]

    def shout(text, times=2):
        return text * times + suffix

    def fact(n):
        return 1 if n <= 1 else n * fact(n - 1)

    module Asker(prefix: str = "Q: "):
        respond = Predict(Ask)
        count = 0

        def forward(question: str):
            self.count = self.count + 1
            let p = respond(question=prefix + question)
            return Prediction(answer=shout(p.answer), mood=p.mood, dumped=json.dumps([1]))

    let double = lambda x: x * 2
    let total = len(big_data)
''')


@pytest.fixture
def ns():
    return dsplang.run(PROGRAM, "prog.dsp")


def roundtrip(value):
    return pickle.loads(pickle.dumps(value))


def run_elsewhere(code: str, data: bytes) -> str:
    """Run `code` in a fresh Python with the pickle `data` on stdin; its stdout."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], input=data, capture_output=True,
                          env=env, timeout=120, cwd=str(ROOT))
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


def test_functions_and_lambdas_pickle_and_run(ns):
    assert roundtrip(ns.shout)("hi") == "hihi!"
    assert roundtrip(ns.shout)("a", times=3) == "aaa!"
    assert roundtrip(ns.fact)(5) == 120                  # recursion through the global scope
    assert roundtrip(ns.double)(21) == 42
    assert roundtrip(MISSING) is MISSING


def test_a_module_instance_pickles_with_its_state(ns):
    asker = ns.Asker(prefix="Question: ")
    asker.count = 5
    asker.respond.demos = [Example(question="q", answer="a", mood="sad")]
    copy = roundtrip(asker)
    assert copy.count == 5 and len(copy.respond.demos) == 1
    lm = ScriptedLM([{"answer": "yes", "mood": "sad"}])
    with using(lm):
        pred = copy(question="ok?")
    assert (pred.answer, pred.mood, pred.dumped) == ("yesyes!", ns.Mood.sad, "[1]")
    assert pred.mood is ns.Mood.sad                      # the same enum class in this process
    assert copy.count == 6 and asker.count == 5
    assert "Question: ok?" in lm.requests[0].messages[-1]["content"]
    assert [n for n, _ in copy.named_predictors()] == ["respond"]
    assert roundtrip(ns.Asker)().prefix == "Q: "         # the class itself


def test_only_what_later_code_names_is_sent_with_the_global_scope(ns):
    copy = roundtrip(ns.Asker())
    sent = copy.cls.closure.vars
    assert {"shout", "suffix", "json", "Asker", "Ask", "Mood", "Reply", "fact"} <= set(sent)
    assert "big_data" not in sent and "total" not in sent
    assert roundtrip(copy).cls.closure.vars.keys() == sent.keys()     # and again from the copy


def test_records_and_enums_pickle_as_the_same_classes(ns):
    reply = ns.Reply(text="hi", mood=ns.Mood.sad)
    again = roundtrip(reply)
    assert type(again) is ns.Reply and again == reply
    assert roundtrip(ns.Mood.happy) is ns.Mood.happy
    assert roundtrip(ns.Ask).output_names == ("answer", "mood")


def test_a_function_made_outside_a_program_says_why_it_cannot_pickle(ns):
    bare = Function("f", ns.shout.params, ns.shout.body, ns.shout.closure)
    with pytest.raises(TypeError, match="not made from a program's source"):
        pickle.dumps(bare)


def test_another_process_receives_a_program_and_calls_it(ns):
    data = pickle.dumps((ns.Asker(prefix="> "), ns.Reply(text="x"), ns.Reply(text="y")))
    out = run_elsewhere('''
        import pickle, sys
        from dsplang.context.lm import using
        from dsplang.lm.scripted import ScriptedLM
        asker, one, two = pickle.loads(sys.stdin.buffer.read())
        assert type(one) is type(two)          # one class for both records
        with using(ScriptedLM([{"answer": "4", "mood": "happy"}])):
            pred = asker(question="2+2?")
        print(pred.answer, repr(pred.mood), one.mood, type(one).__name__)
    ''', data)
    assert out.split() == ["44!", "Mood.happy", "happy", "Reply"]


def test_two_pickles_received_by_one_process_share_their_classes(ns):
    first, second = pickle.dumps(ns.Reply(text="a")), pickle.dumps(ns.Mood.sad)
    out = run_elsewhere(f'''
        import pickle
        one = pickle.loads({first!r})
        mood = pickle.loads({second!r})
        print(type(one.mood) is type(mood))
    ''', b"")
    assert out.strip() == "True"
