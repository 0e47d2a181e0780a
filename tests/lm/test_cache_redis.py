"""The shared cache on a real redis-server (DSP_CACHE_URL): processes share it, no secret reaches
it, a server that is down or goes away is one warning and never a lost run."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from loading import load_helper

from dsplang.lm import LM, ScriptedLM
from dsplang.lm.cache import DspCacheWarning
from dsplang.lm.cache_redis import PREFIX

HERE = Path(__file__).parent
redis_server = load_helper("lm/redis_server.py")
pytestmark = pytest.mark.skipif(not redis_server.available(), reason="needs redis-server and the redis package")


def ask(question: str) -> list[dict]:
    return [{"role": "user", "content": question}]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    started = redis_server.RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield started
    finally:
        started.stop()


_next_db = iter(range(16))


@pytest.fixture
def db(server, monkeypatch):
    """A database of its own for each test (a fresh cache URL: no memory entries from another
    test), empty, and DSP_CACHE_URL pointing at it. Yields a client on it."""
    number = next(_next_db)
    client = server.client(number)
    client.flushdb()
    monkeypatch.setenv("DSP_CACHE_URL", server.url(number))
    yield client
    client.close()


def cache_warnings(caught) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, DspCacheWarning)]


def test_two_processes_share_their_entries(db):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    workers = [subprocess.Popen([sys.executable, str(HERE / "cache_worker.py"), tag, "40"], env=env,
                                stderr=subprocess.PIPE, text=True) for tag in ("a", "b")]
    for worker in workers:
        _, errors = worker.communicate(timeout=120)
        assert worker.returncode == 0, errors
        assert "DspCacheWarning" not in errors
    assert db.dbsize() == 40 * 2 + 40       # each worker's own entries, and the shared ones once
    for tag in ("a", "b"):
        reply = ScriptedLM([], cache=True).request(ask(f"question {tag}-7"))
        assert reply.cache_hit and reply.text == f"answer {tag}-7"


def test_keys_and_values_hold_no_secret_and_no_endpoint(db, openai_server):
    first = LM("openai/test-model", api_base=openai_server.url, api_key="sk-first-secret-1234",
               extra_body={"client_secret": "cs-hidden-5678"}, num_retries=0)
    assert first.request(ask("capital?")).text == "ok"
    stored = {key: db.get(key) for key in db.keys("*")}
    assert len(stored) == 1
    [(key, value)] = stored.items()
    assert key.startswith(PREFIX.encode())
    dump = repr(stored)
    for secret in ("sk-first-secret-1234", "cs-hidden-5678", "127.0.0.1", str(openai_server.url)):
        assert secret not in dump
    # another key, another endpoint: the same entry
    other = LM("openai/test-model", api_base="http://127.0.0.1:9/v1", api_key="sk-other-9999",
               extra_body={"client_secret": "cs-other"}, num_retries=0)
    assert other.request(ask("capital?")).cache_hit
    assert len(openai_server.requests) == 1


def test_the_memory_cache_stays_in_front(db):
    lm = ScriptedLM(["four"], cache=True)
    assert not lm.request(ask("2+2")).cache_hit
    db.flushdb()                             # gone from the server: memory still answers
    assert lm.request(ask("2+2")).cache_hit
    assert ScriptedLM(["five"], cache=True).request(ask("2+3")).text == "five"
    assert db.dbsize() == 1                   # a miss is still written through


def test_no_cache_wins(db, monkeypatch):
    assert ScriptedLM(["one"], cache=True).request(ask("q"), use_cache=False).text == "one"   # --no-cache
    monkeypatch.setenv("DSP_NO_CACHE", "1")
    assert ScriptedLM(["two"], cache=True).request(ask("q")).text == "two"
    assert db.dbsize() == 0
    monkeypatch.delenv("DSP_NO_CACHE")
    assert ScriptedLM(["three"], cache=True).request(ask("q")).text == "three"
    assert db.dbsize() == 1


def test_a_server_down_at_start_is_one_warning(monkeypatch):
    port = redis_server.free_port()            # nothing listens there
    monkeypatch.setenv("DSP_CACHE_URL", f"redis://:hunter2-password@127.0.0.1:{port}/0")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lm = ScriptedLM(["one", "two"], cache=True)
        assert lm.request(ask("a")).text == "one"
        assert lm.request(ask("a")).cache_hit          # the memory cache still works
        assert lm.request(ask("b")).text == "two"
    [message] = cache_warnings(caught)
    assert f"redis://127.0.0.1:{port}/0" in message and "in-memory cache only" in message
    assert "hunter2" not in message


def test_a_server_that_goes_away_mid_run_is_one_warning(tmp_path, monkeypatch):
    own = redis_server.RedisServer(tmp_path).start()
    try:
        monkeypatch.setenv("DSP_CACHE_URL", own.url())
        lm = ScriptedLM([f"answer {i}" for i in range(6)], cache=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert lm.request(ask("q0")).text == "answer 0"
            assert own.client().dbsize() == 1
            own.stop()
            assert [lm.request(ask(f"q{i}")).text for i in range(1, 6)] == [f"answer {i}" for i in range(1, 6)]
        assert len(cache_warnings(caught)) == 1
    finally:
        own.stop()


def test_a_url_that_is_not_redis_is_one_warning(monkeypatch):
    monkeypatch.setenv("DSP_CACHE_URL", "http://127.0.0.1:1/cache")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert ScriptedLM(["x", "y"], cache=True).request(ask("q")).text == "x"
        assert ScriptedLM(["y"], cache=True).request(ask("q")).cache_hit
    [message] = cache_warnings(caught)
    assert "redis://" in message


def test_dsp_run_with_the_server_down_warns_once_and_finishes(tmp_path, monkeypatch, capsys):
    from dsplang.cli import main
    port = redis_server.free_port()       # nothing listens there
    monkeypatch.setenv("DSP_CACHE_URL", f"redis://:hunter2-password@127.0.0.1:{port}/1")
    path = tmp_path / "qa.dsp"
    path.write_text('use ScriptedLM([{"answer": "Paris"}, {"answer": "Rome"}], cache=true)\n'
                    'let qa = Predict("question -> answer")\n'
                    'print(qa(question="France?").answer)\nprint(qa(question="Italy?").answer)\n')
    assert main(["run", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == "Paris\nRome\n"
    assert err.count("cannot be used") == 1 and "hunter2" not in err
    monkeypatch.setenv("DSP_CACHE_URL", f"redis://127.0.0.1:{port}/2")
    assert main(["run", str(path), "--no-cache"]) == 0       # the server is not even tried
    assert "cannot be used" not in capsys.readouterr().err
