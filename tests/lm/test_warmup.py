"""litellm warmed up in the background once a program makes an LM that needs it, the import
time reported apart from latency, and a cached run that still never imports litellm. Each case
runs in a fresh Python (this process has litellm imported already)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openai_server as srv

ROOT = Path(__file__).resolve().parents[2]


def python(code: str, tmp_path: Path, timeout: float = 180) -> dict:
    """Run `code` in a fresh interpreter; it prints one JSON object last."""
    env = {**os.environ, "DSP_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    env.pop("LITELLM_LOCAL_MODEL_COST_MAP", None)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_making_an_lm_imports_litellm_in_the_background(tmp_path):
    seen = python(
        "import json, sys, time\n"
        "from dsplang.lm import warmup\n"
        "from dsplang.lm.client import LM\n"
        "LM('openai/test-model')\n"
        "made = 'litellm' in sys.modules\n"
        "deadline = time.monotonic() + 150\n"
        "while warmup.import_seconds() is None and time.monotonic() < deadline:\n"
        "    time.sleep(0.05)\n"
        "print(json.dumps({'at_once': made, 'thread': warmup.warm_thread().name,\n"
        "                  'imported': 'litellm' in sys.modules, 'seconds': warmup.import_seconds()}))\n",
        tmp_path)
    assert seen["at_once"] is False and seen["thread"] == "dsplang-litellm-warmup"
    assert seen["imported"] is True and seen["seconds"] > 0


def test_the_first_request_reports_the_import_apart_from_latency(tmp_path, openai_server):
    openai_server.default = srv.Reply("four")
    seen = python(
        "import json\n"
        "from dsplang.lm import usage\n"
        "from dsplang.lm.client import LM\n"
        f"lm = LM('openai/test-model', api_base={openai_server.url!r}, api_key='sk-test')\n"
        "with usage.track() as spent:\n"
        "    reply = lm.request([{'role': 'user', 'content': 'hi'}])\n"
        "    again = lm.request([{'role': 'user', 'content': 'hi again'}])\n"
        "print(json.dumps({'text': reply.text, 'import': reply.import_seconds, 'latency': reply.latency,\n"
        "                  'again': again.import_seconds, 'summary': spent.summary(),\n"
        "                  'logged': lm.history[0]['import_seconds']}))\n",
        tmp_path)
    assert seen["text"] == "four" and seen["import"] > 0.3 and seen["again"] == 0.0
    assert seen["latency"] < seen["import"] and seen["logged"] == seen["import"]
    assert f"litellm import {seen['import']:.1f} s" in seen["summary"]


def test_a_cached_run_calls_the_warm_up_off_and_never_imports_litellm(tmp_path, openai_server):
    openai_server.default = srv.Reply("[[ ## answer ## ]]\nParis\n\n[[ ## completed ## ]]")
    program = tmp_path / "cached.dsp"
    program.write_text(f'use LM("openai/test-model", api_base="{openai_server.url}", api_key="sk-test")\n'
                       'print(Predict("question -> answer")(question="Capital of France?").answer)\n')
    code = ("import json, sys, time\n"
            "from dsplang.driver.run import RunOptions, run_file\n"
            f"run_file({str(program)!r}, RunOptions(quiet=True))\n"
            "time.sleep(1.5)\n"        # three grace periods: a warm-up would have begun
            "print(json.dumps({'litellm': 'litellm' in sys.modules}))\n")
    first = python(code, tmp_path)                   # fills the cache (imports litellm for the call)
    second = python(code, tmp_path)
    assert first == {"litellm": True} and second == {"litellm": False}
    assert len(openai_server.requests) == 1
