"""Checks of how standard library values are used (analysis/usage.py): each mistake `dsp check`
reports is the one a run of the same program reports, in the same words with the same hint
(the run goes through `dsplang.run` on a ScriptedLM); where the type is not known it is silent."""

from __future__ import annotations

import textwrap

import pytest
from checker_helpers import ok, problems

import dsplang
from dsplang.errors import DspError

QA = """
        signature QA:
            input question: str
            output answer: str
        use ScriptedLM({"": {"answer": "x", "reasoning": "r"}})
"""

# (name, program, (kind, line, col) of the static report); the message and hint are the run's.
CASES = [
    ("unknown predictor input", QA + """
        let qa = Predict(QA)
        let p = qa(questoin="hi")
    """, ("argument error", 7, 12)),
    ("unknown input, no close name", QA + """
        let qa = ChainOfThought(QA)
        let p = qa(text="hi")
    """, ("argument error", 7, 12)),
    ("unknown input of a string signature", """
        use ScriptedLM({"": {"answer": "x"}})
        let qa = Predict("question ->  answer: int")
        print(qa(questoin="typo"))
    """, ("argument error", 3, 10)),
    ("missing input", """
        signature QA:
            input context: str
            input question: str
            input extra: optional[str]
            output answer: str
        use ScriptedLM({"": {"answer": "x"}})
        let qa = Predict(QA)
        print(qa(question="no context given"))
    """, ("argument error", 8, 7)),
    ("positional predictor call", QA + """
        let qa = Predict(QA)
        let p = qa("hi")
    """, ("argument error", 7, 9)),
    ("positional call of a predictor made in place", QA + """
        let p = Predict("question -> answer")("hi")
    """, ("argument error", 6, 9)),
    ("positional call of a module attribute", QA + """
        module M:
            cot = ChainOfThought(QA)
            def forward(self, question):
                return self.cot(question)
        let p = M()(question="q")
    """, ("argument error", 9, 16)),
    ("positional call of a module attribute from outside", QA + """
        module M:
            p = Predict(QA)
        let m = M()
        m.p("q")
    """, ("argument error", 9, 1)),
    ("unknown prediction field", QA + """
        let qa = Predict(QA)
        let p = qa(question="hi")
        print(p.anwser)
    """, ("attribute error", 8, 7)),
    ("unknown field of a prediction read in place", QA + """
        module M:
            cot = ChainOfThought(QA)
            def forward(self, question):
                return self.cot(question=question).rationale
        print(M()(question="q"))
    """, ("attribute error", 9, 16)),
    ("record field of the wrong literal type", """
        type Passage:
            title: str
            score: int
        let p = Passage(title="a", score="high")
    """, ("type error", 4, 34)),
    ("record field given a number for a string", """
        type Passage:
            title: str
            score: optional[float]
        let p = Passage(5, 1.5)
    """, ("type error", 4, 17)),
    ("record field none when not optional", """
        type Passage:
            title: str
            score: float?
        let p = Passage(title=none, score=none)
    """, ("type error", 4, 23)),
    ("record with an unknown field", """
        type Passage:
            title: str
        let p = Passage(titel="a")
    """, ("type error", 3, 17)),
    ("record with too many values", """
        type Passage:
            title: str
        let p = Passage("a", "b")
    """, ("argument error", 3, 9)),
    ("record field given twice", """
        type Passage:
            title: str
        let p = Passage("a", title="b")
    """, ("argument error", 3, 22)),
    ("unknown optimizer setting", """
        let o = BootstrapFewShot(max_bootstraped_demos=4)
    """, ("argument error", 1, 26)),
    ("unknown optimizer setting, no close name", """
        let o = MIPROv2(metric=exact_match, colour="red")
    """, ("argument error", 1, 37)),
    ("a typo of a ReAct keyword", QA + """
        let agent = ReAct(QA, tool=[])
    """, ("argument error", 6, 23)),
    ("ChainOfThought over a signature with a reasoning input", """
        signature R:
            input reasoning: str
            output answer: str
        let r = ChainOfThought(R)
    """, ("value error", 4, 9)),
    ("ChainOfThought over a string with a reasoning input", """
        let r = ChainOfThought("reasoning ->   answer")
    """, ("value error", 1, 9)),
]


def runtime_error(src: str) -> DspError:
    with pytest.raises(DspError) as info:
        dsplang.run(src, "t.dsp")
    return info.value


@pytest.mark.parametrize("name, src, where", CASES, ids=[c[0] for c in CASES])
def test_reported_as_the_run_reports_it(name, src, where):
    src = textwrap.dedent(src).lstrip("\n")
    found = problems(src)
    assert len(found) == 1, found
    kind, line, col, message, hint = found[0]
    err = runtime_error(src)
    assert (kind, line, col) == where
    assert (kind, message, hint) == (err.kind, err.message, err.hint)


def test_the_messages_read_well():
    """A few in full, as a user sees them."""
    found = [problems(textwrap.dedent(src).lstrip("\n"))[0][3:] for name, src, _ in CASES
             if name in ("unknown predictor input", "positional call of a module attribute",
                         "unknown prediction field", "record field of the wrong literal type",
                         "unknown optimizer setting")]
    assert found == [
        ("signature QA has no input 'questoin'", "did you mean 'question'?"),
        ("cot.predict: a predictor takes keyword arguments, not positional ones", "its inputs are: question"),
        ("the prediction has no field 'anwser'", "did you mean 'answer'?"),
        ("Passage: field 'score': Input should be a valid integer, unable to parse string as an integer", None),
        ("BootstrapFewShot() got an unknown keyword argument 'max_bootstraped_demos'",
         "did you mean 'max_bootstrapped_demos'?"),
    ]


# ---------------------------------------------------------------- silence where types are not known

SILENT = [
    ("a predictor given as a parameter", QA + """
        def ask(p):
            return p(questoin="hi").anwser
    """),
    ("a signature made at run time", QA + """
        let sig = Signature("question -> answer")
        let qa = Predict(sig)
        print(qa(questoin="hi").anwser)
    """),
    ("keyword arguments spread from a dict", QA + """
        let qa = Predict(QA)
        let args = {"question": "hi"}
        print(qa(**args).answer)
    """),
    ("a predictor reassigned", QA + """
        let qa = Predict(QA)
        qa = Predict("text -> label")
        print(qa(text="hi").label)
    """),
    ("a predictor attribute reassigned in a method", QA + """
        module M:
            p = Predict(QA)
            def swap(self):
                self.p = Predict("text -> label")
                return self.p(text="t").label
    """),
    ("a prediction field added before it is read", QA + """
        let p = Predict(QA)(question="q")
        p.score = 1
        p["source"] = "web"
        print(p.score, p.source, p.answer)
    """),
    ("a prediction's own attributes", QA + """
        let p = Predict(QA)(question="q", config={"temperature": 0.5})
        print(p.completions, p.keys(), p.get("answer"), p.to_dict(), p.items(), p.values())
    """),
    ("a predictor passed to a module: its name is the module's", QA + """
        let qa = Predict(QA)
        module M:
            q = qa
        let m = M()
        def later():
            return qa("x")
    """),
    ("an optional input left out", """
        signature QA:
            input question: str
            input context: optional[str]
            input hint: str?
            output answer: str
        let qa = Predict(QA)
        def ask():
            return qa(question="q")
    """),
    ("other predictors' inputs and predictions are their own", QA + """
        let pot = ProgramOfThought(QA)
        let mcc = MultiChainComparison(QA)
        def ask():
            return [pot(question="q").code, mcc([], question="q").rationale]
    """),
    ("a name shadowing an optimizer", """
        def BootstrapFewShot(**settings):
            return settings
        let o = BootstrapFewShot(max_bootstraped_demos=4)
    """),
    ("LM settings given to predictors", QA + """
        let agent = ReAct(QA, tools=[], temperature=0.2, n=1)
        let cot = ChainOfThought(QA, temperature=0.2, rationale_desc="why")
    """),
    ("optimizer settings spread from a dict", """
        let settings = {"max_bootstrapped_demos": 2}
        let o = BootstrapFewShot(**settings)
    """),
    ("record literals pydantic accepts, and types it cannot tell", """
        enum Mood: happy, sad
        type Passage:
            title: str
            score: int
            weight: float
            ok: bool
            mood: Mood
            tags: list[str]
            extra: optional[int]
        let p = Passage(title="a", score="5", weight=2, ok=true, mood="HAPPY", tags=["x"], extra=none)
        let q = Passage("a", 3, -1.5, false, "sad", [], -2)
    """),
    ("a record from a Python import", """
        from tools import lookup as Passage
        let p = Passage(titel="a", score="high")
    """),
]


@pytest.mark.parametrize("name, src", SILENT, ids=[c[0] for c in SILENT])
def test_silent_when_the_type_is_not_known(name, src, project):
    path = project("t.dsp", src)
    from dsplang.analysis.checker import check_file
    assert [(e.kind, e.span.line, e.message) for e in check_file(path)] == []


def test_chain_of_thought_keeps_a_signature_s_own_reasoning_output():
    """The run merges a `reasoning` output into ChainOfThought's own (as DSPy does), so the
    check says nothing, and the prediction's fields are the signature's."""
    src = """
        signature QA:
            input question: str
            output reasoning: str
            output answer: str
        use ScriptedLM({"": {"reasoning": "r", "answer": "x"}})
        let qa = ChainOfThought(QA)
        let p = qa(question="hi")
        let r = [p.reasoning, p.answer]
    """
    ok(src)
    assert dsplang.run(textwrap.dedent(src).lstrip("\n")).r == ["r", "x"]


def test_every_unknown_keyword_and_field_is_reported_where_it_is_written():
    assert problems(QA + """
        let qa = Predict(QA)
        let p = qa(questoin="a", text="b")
        let o = COPRO(metric=exact_match, bredth=2, dept=1)
    """) == [
        ("argument error", 7, 12, "signature QA has no input 'questoin'", "did you mean 'question'?"),
        ("argument error", 7, 26, "signature QA has no input 'text'", "its inputs are: question"),
        ("argument error", 8, 35, "COPRO() got an unknown keyword argument 'bredth'", "did you mean 'breadth'?"),
        ("argument error", 8, 45, "COPRO() got an unknown keyword argument 'dept'", "did you mean 'depth'?"),
    ]
