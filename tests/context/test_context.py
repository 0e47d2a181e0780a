"""The Run context: entered and restored as a unit, derived Runs share collectors, threads see it."""

from __future__ import annotations

import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from dsplang.context import feedback, trace
from dsplang.context.lm import current_lm, set_default, using
from dsplang.context.run import Options, Run, current, derived, entered, replace_current
from dsplang.lm import ScriptedLM
from dsplang.stdlib.modules.predict import Predict


def test_entered_is_restored_as_a_unit_even_after_an_error():
    before = current()
    run = Run(Options(show_prompts=True, recompile=True))
    with pytest.raises(RuntimeError):
        with entered(run) as inside:
            assert current() is inside is run
            set_default(ScriptedLM(["x"]))          # `use`: the rest of this run
            assert current().options.show_prompts
            raise RuntimeError("boom")
    assert current() is before
    assert not current().options.show_prompts and current().lm is None


def test_use_and_with_derive_runs_that_share_the_collectors():
    run = Run()
    outer, inner = ScriptedLM([{"answer": "outer"}]), ScriptedLM([{"answer": "inner"}])
    with entered(run):
        set_default(outer)
        used = current()
        assert used is not run and used.history is run.history and used.compiled is run.compiled
        with using(inner):
            assert current_lm() is inner
            Predict("question -> answer")(question="q")
        assert current_lm() is outer
    assert [call.model for call in run.history] == ["scripted"]
    assert run.usage.calls == 1


def test_replace_current_lasts_for_the_rest_of_the_context_only():
    def body():
        replace_current(options=Options(recompile=True))
        return current().options.recompile
    assert contextvars.copy_context().run(body) is True
    assert current().options.recompile is False


def test_threads_started_with_a_copied_context_see_the_run_and_its_traces():
    lm = ScriptedLM([{"answer": "a"}] * 4)
    predict = Predict("question -> answer")
    with entered(Run()) as run, using(lm), trace.collecting() as collected:
        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(contextvars.copy_context().run, predict, question=str(i)) for i in range(4)]
            assert [f.result().answer for f in futures] == ["a"] * 4
    assert len(collected.predictor_calls()) == 4 and len(run.history) == 4


def test_feedback_state_is_per_thread_and_per_run():
    marker = object()
    with entered(Run()) as first:
        feedback.note_call(marker, {"answer": "1"})
        seen = []
        worker = threading.Thread(target=contextvars.copy_context().run,
                                  args=(lambda: seen.append(feedback.last_call()),))
        worker.start()
        worker.join()
        assert seen == [(None, {})]                 # another thread: its own bookkeeping
        assert feedback.last_call() == (marker, {"answer": "1"})
        with entered(Run()):
            assert feedback.call_count() == 0       # another run: nothing shared
    assert first.feedback.calls == 1


def test_derived_changes_one_field_for_a_block():
    event = threading.Event()
    with derived(stop=event) as run:
        assert current().stop is event and run.history is not None
    assert current().stop is None
