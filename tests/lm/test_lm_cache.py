"""The reply cache: keys, memory and SQLite layers, threads, processes, a damaged file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import pytest

from dsplang.errors import DspLMError
from dsplang.lm import ScriptedLM, cache, usage
from dsplang.lm.cache import DspCacheWarning, cache_key

HERE = Path(__file__).parent
MSGS = [{"role": "user", "content": "hello"}]


def ask(question: str) -> list[dict]:
    return [{"role": "user", "content": question}]


def read_back(question: str) -> str:
    """The cached answer for `question`; fails if it is not in the cache."""
    reply = ScriptedLM([], cache=True).request(ask(question))
    assert reply.cache_hit
    return reply.text


def cache_file() -> Path:
    return Path(os.environ["DSP_CACHE_DIR"]) / cache.FILENAME


def test_key_changes_with_every_reply_shaping_part():
    base = cache_key("m", MSGS, {"temperature": 0.0, "max_tokens": 50})
    variants = [cache_key("m2", MSGS, {"temperature": 0.0, "max_tokens": 50}),
                cache_key("m", ask("other"), {"temperature": 0.0, "max_tokens": 50}),
                cache_key("m", MSGS, {"temperature": 0.7, "max_tokens": 50}),
                cache_key("m", MSGS, {"temperature": 0.0, "max_tokens": 51}),
                cache_key("m", MSGS, {"temperature": 0.0, "max_tokens": 50}, n=2),
                cache_key("m", MSGS, {"temperature": 0.0, "max_tokens": 50}, rollout_id=1)]
    assert len({base, *variants}) == 7


def test_key_ignores_secrets_endpoints_and_order():
    base = cache_key("m", MSGS, {"temperature": 0.0, "max_tokens": 5})
    same = cache_key("m", MSGS, {
        "max_tokens": 5, "temperature": 0.0, "api_key": "sk-1", "api_base": "http://x/v1",
        "base_url": "http://y", "aws_secret_access_key": "s", "aws_session_token": "t",
        "extra_headers": {"Authorization": "Bearer z"}, "timeout": 3, "num_retries": 1})
    assert base == same


def test_key_handles_pydantic_response_formats():
    from pydantic import BaseModel

    class Out(BaseModel):
        answer: str

    class Other(BaseModel):
        answer: int

    assert cache_key("m", MSGS, {"response_format": Out}) != \
        cache_key("m", MSGS, {"response_format": Other})


def test_repeat_request_is_a_hit_and_free():
    first = ScriptedLM(["four"], cache=True).request(MSGS)
    with usage.track() as spent:
        again = ScriptedLM([], cache=True).request(MSGS)
    assert not first.cache_hit and first.usage.completion_tokens == 1
    assert again.cache_hit and again.text == "four" and again.usage.total_tokens == 0
    assert spent.summary().startswith("LM: 1 call (1 cached), 0 prompt + 0 completion")


def test_changed_parameter_or_rollout_is_a_miss_but_api_key_is_not():
    lm = ScriptedLM(["a", "b", "c"], cache=True, temperature=0.0, api_key="sk-1")
    assert lm.request(MSGS).text == "a"
    assert lm.request(MSGS, temperature=0.5).text == "b"
    assert lm.request(MSGS, rollout_id=2).text == "c"
    assert lm.copy(api_key="sk-2", api_base="http://elsewhere").request(MSGS).cache_hit


def test_sqlite_layer_answers_when_memory_is_cleared():
    ScriptedLM(["stored"], cache=True).request(MSGS)
    cache.get_cache().clear_memory()
    assert read_back("hello") == "stored"
    assert cache_file().exists()


def test_cache_dir_env_is_respected(tmp_path, monkeypatch):
    ScriptedLM(["first"], cache=True).request(MSGS)
    monkeypatch.setenv("DSP_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert not ScriptedLM(["second"], cache=True).request(MSGS).cache_hit
    assert (tmp_path / "elsewhere" / cache.FILENAME).exists()


def test_cache_can_be_switched_off(monkeypatch):
    ScriptedLM(["a"], cache=True).request(MSGS)
    assert ScriptedLM(["b"], cache=True).request(MSGS, use_cache=False).text == "b"
    monkeypatch.setenv("DSP_NO_CACHE", "1")
    assert ScriptedLM(["c"], cache=True).request(MSGS).text == "c"
    monkeypatch.delenv("DSP_NO_CACHE")
    assert ScriptedLM(["d"], cache=False).request(MSGS).text == "d"
    assert ScriptedLM([], cache=True).request(MSGS).text == "a"


def test_failed_requests_are_not_stored():
    with pytest.raises(DspLMError):
        ScriptedLM([], cache=True).request(MSGS)
    assert ScriptedLM(["now"], cache=True).request(MSGS).text == "now"


def test_eight_threads_write_at_once_without_loss():
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for j in range(40):
                ScriptedLM([f"a{t}-{j}"], cache=True).request(ask(f"q{t}-{j}"))
        except BaseException as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    cache.get_cache().clear_memory()
    assert all(read_back(f"q{t}-{j}") == f"a{t}-{j}" for t in range(8) for j in range(40))


def test_two_processes_write_at_once_without_loss():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    workers = [subprocess.Popen([sys.executable, str(HERE / "cache_worker.py"), tag, "200"],
                                env=env, stderr=subprocess.PIPE, text=True)
               for tag in ("p1", "p2")]
    for worker in workers:
        _, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
        assert "Warning" not in err, err
    for j in range(200):
        assert read_back(f"question p1-{j}") == f"answer p1-{j}"
        assert read_back(f"question p2-{j}") == f"answer p2-{j}"
        assert read_back(f"shared-{j}") == f"shared answer {j}"
    with sqlite3.connect(cache_file()) as conn:
        assert conn.execute("SELECT COUNT(*) FROM replies").fetchone()[0] == 600


def test_a_corrupt_cache_file_warns_once_and_is_left_alone():
    path = cache_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    garbage = b"this is not a database" * 500
    path.write_bytes(garbage)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lm = ScriptedLM(["one", "two"], cache=True)
        assert lm.request(MSGS).text == "one"
        assert lm.request(MSGS).cache_hit
        assert lm.request(ask("another")).text == "two"
    reports = [w for w in caught if issubclass(w.category, DspCacheWarning)]
    assert len(reports) == 1
    assert str(path) in str(reports[0].message)
    assert "in-memory cache only" in str(reports[0].message)
    assert path.read_bytes() == garbage


def test_an_unusable_cache_directory_warns_once(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("DSP_CACHE_DIR", str(blocker))
    with pytest.warns(DspCacheWarning, match="cannot be used"):
        assert ScriptedLM(["x"], cache=True).request(MSGS).text == "x"
    assert ScriptedLM([], cache=True).request(MSGS).cache_hit


def test_import_and_cache_hits_do_not_load_litellm():
    script = ("import sys\n"
              "from dsplang.lm import LM, ScriptedLM\n"
              "ScriptedLM(['a'], model='openai/m', cache=True).request([{'role': 'user', "
              "'content': 'q'}])\n"
              "assert LM('openai/m', cache=True).request([{'role': 'user', 'content': 'q'}])"
              ".cache_hit\n"
              "print('litellm' in sys.modules)\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
