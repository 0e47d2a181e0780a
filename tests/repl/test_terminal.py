"""The real `dsp repl` in a pseudo-terminal (pexpect): what a person at the keyboard sees.

The terminal is an xterm of fixed size without cursor-position reports, so prompt_toolkit
renders as it would for a user; assertions look for text that is printed in one piece
(program output, error text, one highlighted token of the input line).
"""

from __future__ import annotations

import os
import sys
import time

import pytest

pexpect = pytest.importorskip("pexpect")

PROMPT = ">>>"
TIMEOUT = 8


class Repl:
    """A running `dsp repl` with helpers to type lines and wait for the prompt."""

    def __init__(self, workdir, *args: str, preexec_fn=None):
        env = dict(os.environ, DSP_REPL_HISTORY=str(workdir / "history"), DSP_NO_LOCAL_LM="1",
                   DSP_CACHE_DIR=str(workdir / "cache"), TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1")
        env.pop("DSP_LM", None)
        self.child = pexpect.spawn(sys.executable, ["-m", "dsplang.cli", "repl", *args], env=env,
                                   cwd=str(workdir), encoding="utf-8", timeout=TIMEOUT,
                                   dimensions=(40, 160), preexec_fn=preexec_fn)
        self.prompt()

    def prompt(self) -> None:
        self.child.expect_exact(PROMPT)

    def line(self, text: str) -> None:
        """Type `text` and Enter, then wait for the next prompt."""
        self.child.send(text + "\r")
        self.prompt()

    def expect(self, text: str) -> None:
        self.child.expect_exact(text)

    def tab(self, typed: str, added: str) -> None:
        """Type `typed`, press Tab, and wait until the text the completion `added` is drawn
        (the renderer may redraw only the new characters)."""
        self.child.send(typed)
        time.sleep(0.2)
        self.child.send("\t")
        self.expect(added)

    def quit(self) -> None:
        time.sleep(0.1)
        self.child.sendeof()
        self.child.expect(pexpect.EOF)
        self.child.close()


@pytest.fixture
def repl(tmp_path):
    made = Repl(tmp_path)
    yield made
    made.child.close(force=True)


def test_expression_value_is_printed(repl):
    repl.child.send('"xy" + "z" * 2\r')
    repl.expect("'xyzz'")
    repl.prompt()
    repl.quit()


def test_completion_of_names_attributes_and_keyword_arguments(repl):
    repl.tab("pri", "nt")
    repl.child.send('("hel" + "lo")\r')
    repl.expect("hello")
    repl.prompt()
    repl.line('let qa = Predict("question -> answer")')
    repl.tab("qa.sig", "nature")
    repl.child.send(".name\r")
    repl.expect("'question -> answer'")
    repl.prompt()
    repl.line('use ScriptedLM([{"answer": "done"}])')
    repl.tab("qa(", "question")
    repl.child.send('"q").answer\r')
    repl.expect("'done'")
    repl.prompt()
    repl.quit()


def test_multi_line_block_then_call(repl):
    repl.child.send("def twice(s):\r")
    repl.expect("...")
    repl.child.send("return s + s\r")
    repl.child.send("\r")
    repl.prompt()
    repl.child.send('twice("ab")\r')
    repl.expect("'abab'")
    repl.prompt()
    repl.quit()


def test_a_nested_block_header_waits_for_its_body_and_exit_leaves(repl):
    repl.child.send("module M():\r")
    repl.child.send("x = 1\r")
    repl.child.send("def forward(n):\r")
    repl.expect("...")
    repl.child.send("return n + x\r")
    repl.child.send("\r")
    repl.prompt()
    repl.child.send("M()(41)\r")
    repl.expect("42")
    repl.prompt()
    repl.child.send("exit\r")
    repl.child.expect(pexpect.EOF)


def test_ctrl_c_cancels_a_slow_lm_call_and_keeps_the_session(repl):
    repl.line('use ScriptedLM([{"answer": "x"}], delay=10)')
    repl.line('let qa = Predict("question -> answer")')
    repl.child.send('qa(question="slow")\r')
    time.sleep(1.0)
    started = time.monotonic()
    repl.child.sendintr()
    repl.expect("KeyboardInterrupt")
    repl.prompt()
    assert time.monotonic() - started < 3
    repl.child.send('"still" + "-alive"\r')
    repl.expect("'still-alive'")
    repl.prompt()
    repl.quit()


def test_ctrl_c_interrupts_even_when_the_repl_was_started_ignoring_sigint(tmp_path):
    import signal
    repl = Repl(tmp_path, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        repl.line('use ScriptedLM([{"answer": "x"}], delay=10)')
        repl.child.send('Predict("question -> answer")(question="slow")\r')
        time.sleep(1.0)
        repl.child.sendintr()
        repl.expect("KeyboardInterrupt")
        repl.prompt()
        repl.quit()
    finally:
        repl.child.close(force=True)


def test_error_is_rendered_and_the_session_continues(repl):
    repl.child.send('prnt("x")\r')
    repl.expect("<repl:1>:1:1: name error: name 'prnt' is not defined")
    repl.expect("^^^^")
    repl.expect("did you mean 'print'?")
    repl.prompt()
    repl.child.send('"ok" * 2\r')
    repl.expect("'okok'")
    repl.prompt()
    repl.quit()


def test_history_is_kept_across_sessions(tmp_path):
    first = Repl(tmp_path)
    first.child.send('"from" + "-history"\r')
    first.expect("'from-history'")
    first.prompt()
    first.quit()
    second = Repl(tmp_path)
    time.sleep(0.2)
    second.child.send("\x1b[A")  # Up
    second.expect('"-history"')
    second.child.send("\r")
    second.expect("'from-history'")
    second.prompt()
    second.quit()


def test_inspect_after_a_scripted_call(repl):
    repl.line('use ScriptedLM([{"answer": "Paris"}])')
    repl.line('let qa = Predict("question -> answer")')
    repl.child.send('qa(question="capital of France?").answer\r')
    repl.expect("'Paris'")
    repl.prompt()
    repl.child.send(":inspect\r")
    repl.expect("call 1:")
    repl.expect("capital of France?")
    repl.expect("[parsed outputs]")
    repl.prompt()
    repl.quit()


def test_load_and_a_file_given_on_the_command_line(tmp_path):
    (tmp_path / "lib.dsp").write_text('def greet(name):\n    return "hello " + name\n')
    repl = Repl(tmp_path)
    repl.child.send(":load lib.dsp\r")
    repl.expect("loaded lib.dsp")
    repl.prompt()
    repl.child.send('greet("bob")\r')
    repl.expect("'hello bob'")
    repl.prompt()
    repl.quit()
    started = Repl(tmp_path, "lib.dsp")
    started.child.send('greet("ann")\r')
    started.expect("'hello ann'")
    started.prompt()
    started.quit()
