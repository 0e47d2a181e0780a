"""ProgramOfThought: generate code, run it in the sandbox, feed errors back, answer."""

from __future__ import annotations

import contextvars

import pytest

import dsplang
from dsplang.context.lm import using
from dsplang.errors import DspArgumentError, DspRuntimeError
from dsplang.lm.scripted import ScriptedLM
from dsplang.stdlib.modules.program_of_thought import ProgramOfThought, extract_code

BROKEN = "```python\ntotal = sum(range(1, 11)\nprint(total)\n```"
FIXED = "```python\ntotal = sum(range(1, 11))\nprint(total)\n```"
RAISES = "values = [1, 2]\nvalues[5]"


def user_text(request) -> str:
    return next(m["content"] for m in reversed(request.messages) if m["role"] == "user")


def test_code_that_fails_is_regenerated_with_the_error_then_answered_from_its_output():
    lm = ScriptedLM([
        {"reasoning": "add them", "generated_code": BROKEN},
        {"reasoning": "close the paren", "generated_code": FIXED},
        {"reasoning": "the code printed 55", "answer": "55"},
    ])
    with using(lm):
        pred = ProgramOfThought("question -> answer")(question="What is 1 + ... + 10?")
    assert pred.answer == "55" and pred.code_output == "55"
    assert pred.generated_code == "total = sum(range(1, 11))\nprint(total)"
    regenerate, answer = user_text(lm.requests[1]), user_text(lm.requests[2])
    assert "SyntaxError" in regenerate and "sum(range(1, 11)\n" in regenerate
    assert "55" in answer and "total = sum(range(1, 11))" in answer


def test_a_refused_action_is_feedback_too():
    lm = ScriptedLM([
        {"reasoning": "peek", "generated_code": "print(open('/etc/passwd').read())"},
        {"reasoning": "compute instead", "generated_code": "6 * 7"},
        {"reasoning": "42", "answer": "42"},
    ])
    with using(lm):
        pred = ProgramOfThought("question -> answer")(question="six times seven?")
    assert pred.answer == "42"
    assert "PermissionError" in user_text(lm.requests[1])


def test_when_every_attempt_fails_the_last_error_is_raised():
    lm = ScriptedLM([{"reasoning": "r", "generated_code": RAISES}] * 2)
    with using(lm), pytest.raises(DspRuntimeError) as caught:
        ProgramOfThought("question -> answer", max_iters=2)(question="q")
    assert "failed 2 times" in caught.value.message and "IndexError" in caught.value.message
    assert len(lm.requests) == 2


def test_predictors_have_paths_and_clones_are_independent():
    pot = ProgramOfThought("question -> answer")
    pot.set_path_hint("solve")
    names = [name for name, _ in pot.named_predictors()]
    assert names == ["code_generate.predict", "code_regenerate.predict", "generate_output.predict"]
    assert pot.code_generate.predict.name == "solve.code_generate.predict"
    copy = pot.clone()
    copy.generate_output.predict.demos.append("demo")
    assert pot.generate_output.predict.demos == []


def test_signatures_keep_the_inputs_and_outputs():
    pot = ProgramOfThought("a: int, b: int -> total: int")
    assert pot.code_generate.predict.signature.input_names == ("a", "b")
    assert pot.code_regenerate.predict.signature.input_names == ("a", "b", "previous_code", "error")
    assert pot.generate_output.predict.signature.output_names == ("reasoning", "total")


def test_limits_are_checked_and_positional_inputs_refused():
    assert ProgramOfThought("q -> a", limits={"cpu_seconds": 2}).limits.cpu_seconds == 2
    with pytest.raises(DspArgumentError, match="unknown limit") as caught:
        ProgramOfThought("q -> a", limits={"cpu_second": 2})
    assert "cpu_seconds" in caught.value.hint
    with pytest.raises(DspArgumentError, match="keyword arguments"):
        ProgramOfThought("q -> a")("what?")


@pytest.mark.parametrize("reply, code", [
    ("```python\nprint(1)\n```", "print(1)"),
    ("Here:\n```py\nx = 2\nx\n```\nDone.", "x = 2\nx"),
    ("print(3)", "print(3)"),
])
def test_code_is_taken_from_a_fenced_block(reply, code):
    assert extract_code(reply) == code


def test_end_to_end_from_a_dsp_program(capsys):
    source = '''
signature Word:
    """Count letters."""
    input word: str
    output count: int

use ScriptedLM([
    {"reasoning": "count", "generated_code": "print(len(word)"},
    {"reasoning": "fix", "generated_code": "word = 'strawberry'\\nprint(word.count('r'))"},
    {"reasoning": "printed 3", "count": 3},
])
let counter = ProgramOfThought(Word, max_iters=3)
let pred = counter(word="strawberry")
print(pred.count + 1)
print(pred.code_output)
'''
    contextvars.copy_context().run(dsplang.run, source, "pot.dsp")   # `use` stays inside
    assert capsys.readouterr().out == "4\n3\n"
