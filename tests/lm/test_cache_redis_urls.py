"""DSP_CACHE_URL as a careless or hostile user sets it: URLs that do not parse, a database that
is not a number, passwords in odd places (never shown), and a server holding values that are
not cache entries under our keys (a miss, never a crash)."""

from __future__ import annotations

import warnings

import pytest
from loading import load_helper

from dsplang.lm import ScriptedLM
from dsplang.lm.cache import DspCacheWarning
from dsplang.lm.cache_redis import PREFIX, RedisStore, shown_url

redis_server = load_helper("lm/redis_server.py")


def ask(question: str) -> list[dict]:
    return [{"role": "user", "content": question}]


@pytest.mark.parametrize("url, shown", [
    ("redis://u:hunter2@h:6379/2", "redis://h:6379/2"),
    ("redis://h/0?password=hunter2", "redis://h/0"),
    ("unix://:hunter2@/tmp/r.sock?db=1", "unix:///tmp/r.sock"),
    ("redis://[::1]:6379/0", "redis://[::1]:6379/0"),
    ("redis://:hunter2@[::1", "redis://..."),                # does not parse
    ("redis://:hun/ter2@h/0", "redis://..."),                # a / in the password
    ("redis://:hun#ter2@h/0", "redis://..."),
    ("redis://:hun?ter2@h/0", "redis://..."),
    ("redis://h/0?password=hun@ter2", "redis://..."),
    ("u:hunter2@h:6379/0", "(not a URL)"),                   # no scheme: nothing of it is shown
    ("hunter2", "(not a URL)"),
])
def test_a_shown_url_never_holds_a_password(url, shown):
    assert shown_url(url) == shown


@pytest.mark.parametrize("url, reason", [
    ("redis://:hunter2@[::1", "not a valid URL (Invalid IPv6 URL)"),
    ("redis://:hunter2@localhost:hunter2/0", "redis://... cannot be used (not a valid URL (Port could not be cast to integer value as '***')"),
    ("redis://:hunter2@localhost/zero", "the database 'zero' is not a number"),
])
def test_a_url_that_does_not_parse_is_one_warning_and_the_run_goes_on(monkeypatch, url, reason):
    monkeypatch.setenv("DSP_CACHE_URL", url)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lm = ScriptedLM(["one"], cache=True)
        assert lm.request(ask("q")).text == "one"
        assert lm.request(ask("q")).cache_hit                 # the memory cache still answers
    [message] = [str(w.message) for w in caught if issubclass(w.category, DspCacheWarning)]
    assert reason in message and "hunter2" not in message


@pytest.mark.skipif(not redis_server.available(), reason="needs redis-server and the redis package")
def test_values_that_are_not_entries_read_as_misses(tmp_path):
    server = redis_server.RedisServer(tmp_path).start()
    try:
        store = RedisStore(server.url(), lambda value: "{}")
        client = server.client()
        for i, value in enumerate(['{"x": 1}', '{"texts": "abc"}', '{"texts": [1, 2]}', "[1]", "[" * 100_000]):
            client.set(f"{PREFIX}k{i}", value)
            assert store.get(f"k{i}") is None
        client.set(f"{PREFIX}good", '{"texts": ["hi"]}')
        assert store.get("good") == {"texts": ["hi"]} and store.broken is None
        store.close()
        client.close()
    finally:
        server.stop()
