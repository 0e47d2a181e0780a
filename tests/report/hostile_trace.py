"""Trace records whose every text is hostile HTML, for the escaping tests of `dsp report`
(the page's and the browser's)."""

from __future__ import annotations

import json

HOSTILE = ("</script><script>document.title='pwned'</script><img src=x onerror=alert(1)>"
           "<style>body{display:none}</style>\"'><svg onload=alert(2)>&amp;")


def hostile_trace(tmp_path):
    """A trace file in `tmp_path` with a record of each kind, all text hostile."""
    call = {"kind": "predictor_call", "path": HOSTILE, "signature": HOSTILE, "model": HOSTILE,
            "inputs": {"question": HOSTILE}, "messages": [{"role": HOSTILE, "content": HOSTILE},
                                                          {"role": "user", "content": [{"type": "text", "text": HOSTILE}]}],
            "replies": [HOSTILE], "error": HOSTILE, "prompt_tokens": 5, "span_id": "a1", "phase": HOSTILE,
            "candidate": HOSTILE, "start": 1.0, "end": 2.0, "cost": 0.5}
    compile_report = {"kind": "compile_report", "optimizer": HOSTILE, "program": HOSTILE, "stopped": HOSTILE,
                      "candidates": [{"label": HOSTILE, "score": 10.0, "note": HOSTILE}], "chosen": 0}
    example = {"kind": "example_score", "evaluation": HOSTILE, "metric": HOSTILE, "example": {HOSTILE: HOSTILE},
               "inputs": [HOSTILE], "prediction": {"answer": HOSTILE}, "score": 0.0, "error": HOSTILE,
               "call_count": 1, "call_ids": ["a1"]}
    assertion = {"kind": "ensure_record", "message": HOSTILE, "passed": False, "span": HOSTILE}
    path = tmp_path / "hostile.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in (call, compile_report, example, assertion,
                                                            {"kind": HOSTILE})), encoding="utf-8")
    return path

