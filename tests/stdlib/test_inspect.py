"""inspect_history(n): the last n LM calls, readable."""

import dsplang


def test_inspect_history_prints_messages_reply_and_parsed_outputs(capsys):
    dsplang.run('use ScriptedLM([{"answer": "Paris"}, {"answer": "Rome"}])\n'
                'let qa = Predict("question -> answer")\n'
                'qa(question="Capital of France?")\n'
                'qa(question="Capital of Italy?")\n'
                'inspect_history(2)\n', "hist.dsp")
    out = capsys.readouterr().out
    assert out.count("question -> answer (question -> answer) on scripted at hist.dsp:") == 2
    assert "[system]" in out and "[user]" in out and "[reply]" in out
    assert "Capital of France?" in out and "Capital of Italy?" in out
    assert out.index("Paris") < out.index("Rome")
    assert "[parsed] answer='Rome'" in out


def test_inspect_history_with_nothing_to_show(capsys):
    dsplang.run("inspect_history(3)\n")
    assert capsys.readouterr().out == "(no LM calls yet)\n"
