"""dsplang.configure / context / settings: on the one Run context, per thread and per task."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

import dsplang
from dsplang.context.lm import current_lm
from dsplang.errors import DspArgumentError, DspTypeError


def at_top_level(fn):
    """Run `fn` as a notebook cell would: in no entered Run (tests run in one of their own)."""
    return contextvars.Context().run(fn)


@pytest.fixture
def restore_default():
    yield
    at_top_level(lambda: dsplang.configure(lm=None, retriever=None, show_prompts=False, cache=True))


def test_configure_sets_the_default_every_thread_sees(restore_default):
    lm = dsplang.ScriptedLM([{"a": 1}])
    seen = []

    def cell():
        dsplang.configure(lm=lm, show_prompts=True)
        worker = threading.Thread(target=lambda: seen.append((current_lm(), dsplang.settings.show_prompts)))
        worker.start()
        worker.join(timeout=30)
        return dsplang.settings.lm
    assert at_top_level(cell) is lm
    assert seen == [(lm, True)]


def test_a_model_string_is_made_an_lm_and_none_clears_it(restore_default):
    def cell():
        dsplang.configure(lm="openai/gpt-4o-mini")
        first = dsplang.settings.lm
        dsplang.configure(lm=None)
        return first, dsplang.settings.lm
    first, cleared = at_top_level(cell)
    assert isinstance(first, dsplang.LM) and first.model == "openai/gpt-4o-mini" and cleared is None


def test_context_overrides_for_the_block_only():
    outer, inner = dsplang.ScriptedLM([]), dsplang.ScriptedLM([])
    with dsplang.context(lm=outer):
        with dsplang.context(lm=inner, cache=False):
            assert current_lm() is inner and dsplang.settings.cache is False
        assert current_lm() is outer and dsplang.settings.cache is True


def test_context_is_per_asyncio_task():
    first, second = dsplang.ScriptedLM([]), dsplang.ScriptedLM([])

    async def task(lm):
        with dsplang.context(lm=lm):
            await asyncio.sleep(0.01)          # the other task enters its own block meanwhile
            return current_lm() is lm

    async def both():
        return await asyncio.gather(task(first), task(second))
    assert asyncio.run(both()) == [True, True]


def test_context_is_per_thread():
    lms = [dsplang.ScriptedLM([]) for _ in range(4)]
    barrier = threading.Barrier(4, timeout=30)
    results: list[bool] = []

    def work(lm):
        with dsplang.context(lm=lm):
            barrier.wait()                   # all four blocks are open at once
            results.append(current_lm() is lm)
    threads = [threading.Thread(target=work, args=(lm,)) for lm in lms]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results == [True] * 4


def test_unknown_and_bad_settings_are_clear_errors():
    with pytest.raises(DspArgumentError, match="no setting 'show_prompt'") as err:
        dsplang.configure(show_prompt=True)
    assert err.value.hint == "did you mean 'show_prompts'?"
    with pytest.raises(DspArgumentError, match="context\\(\\) has no setting 'adapter'"):
        with dsplang.context(adapter="json"):
            pass
    with pytest.raises(DspTypeError, match="search\\(query, k\\)"):
        dsplang.configure(retriever=42)
    with pytest.raises(AttributeError, match="no setting 'nope'"):
        dsplang.settings.nope      # noqa: B018


def test_a_program_run_from_python_starts_with_the_callers_settings():
    lm = dsplang.ScriptedLM([{"answer": "4"}])
    with dsplang.context(lm=lm, show_prompts=False):
        ns = dsplang.run('let shown = Predict("question -> answer")(question="2+2?").answer\n')
    assert ns.shown == "4"
    before = dsplang.settings.lm
    dsplang.run('use ScriptedLM([])\n')               # `use` in a program stays in its run
    assert dsplang.settings.lm is before
