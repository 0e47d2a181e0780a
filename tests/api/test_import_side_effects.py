"""`import dsplang` (and running programs) leaves the host's environment and litellm alone:
checked in fresh Python processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import dsplang

ROOT = Path(dsplang.__file__).resolve().parents[1]

SNAPSHOT = textwrap.dedent('''
    import json, logging, os, sys
    LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm")

    def snapshot(litellm):
        return {"suppress_debug_info": litellm.suppress_debug_info, "cache": repr(litellm.cache),
                "telemetry": type(getattr(litellm, "telemetry", None)).__name__,
                "levels": [logging.getLogger(n).level for n in LOGGERS]}
''')


def run_python(code: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "LITELLM_LOCAL_MODEL_COST_MAP"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, "-c", SNAPSHOT + textwrap.dedent(code)], capture_output=True,
                          text=True, env=env, timeout=170, cwd=str(ROOT))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    result = next(line for line in lines if line.startswith("RESULT "))
    return {**json.loads(result.removeprefix("RESULT ")), "printed": lines}


@pytest.mark.time_limit(180)
def test_import_and_a_scripted_run_change_nothing_and_litellm_is_imported_offline():
    out = run_python('''
        before = dict(os.environ)
        import dsplang
        same_after_import = dict(os.environ) == before
        with dsplang.context(lm=dsplang.ScriptedLM([{"answer": "4"}])):
            dsplang.run('let a = Predict("question -> answer")(question="2+2?").answer')
        scripted_clean = dict(os.environ) == before and "litellm" not in sys.modules
        from dsplang.lm.client import _import_litellm
        litellm = _import_litellm()            # what the first real LM call does
        from litellm.litellm_core_utils.get_model_cost_map import _cost_map_source_info as info
        print("RESULT", json.dumps({"import": same_after_import, "scripted": scripted_clean,
                          "env_after_litellm": dict(os.environ) == before, "price_table": info.source,
                          "settings": snapshot(litellm)}))
    ''')
    assert out["import"] and out["scripted"] and out["env_after_litellm"]
    assert out["price_table"] == "local"                      # imported without the network
    assert out["settings"]["suppress_debug_info"] is False    # litellm's own defaults, untouched
    assert out["settings"]["telemetry"] != "bool"             # (dsplang used to set it to False)


@pytest.mark.time_limit(180)
def test_a_failing_real_call_leaves_the_hosts_litellm_settings_and_prints_no_banner():
    out = run_python('''
        os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
        import litellm
        litellm.cache = litellm.Cache(type="local")          # the host's own litellm cache
        logging.getLogger("LiteLLM").setLevel(logging.DEBUG)
        before = snapshot(litellm)
        import dsplang
        lm = dsplang.LM("openai/gpt-4o-mini", api_base="http://127.0.0.1:9/v1", api_key="sk-test",
                        num_retries=0, cache=False)
        try:
            lm.request([{"role": "user", "content": "hi"}])
        except dsplang.DspError as err:
            failed = type(err).__name__
        print("RESULT", json.dumps({"same": snapshot(litellm) == before, "failed": failed,
                          "cost_map_kept": os.environ.get("LITELLM_LOCAL_MODEL_COST_MAP")}))
    ''')
    assert out["same"] and out["failed"] == "DspLMError" and out["cost_map_kept"] == "True"
    assert not any("Give Feedback" in line for line in out["printed"])
