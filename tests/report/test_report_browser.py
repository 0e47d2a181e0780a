"""The report in a real browser: Debian's headless Chromium renders it with no console message
(no script error, no blocked load or script under the page's CSP), the hostile text of a trace
stays text in the live DOM, and a screenshot goes to the test's artifacts."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from loading import load_helper

from dsplang.report.build import write_report

hostile = load_helper("report/hostile_trace.py")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium: apt-get install -y chromium"),
              pytest.mark.time_limit(150)]
CONSOLE = re.compile(r":CONSOLE[(:]\d+")      # a console message, as --enable-logging=stderr prints it


def chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    command = [str(CHROMIUM), "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
               "--no-default-browser-check", f"--user-data-dir={profile}", "--virtual-time-budget=3000",
               "--enable-logging=stderr", "--v=0", *args, page.resolve().as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def console_messages(done: subprocess.CompletedProcess) -> list[str]:
    return [line for line in done.stderr.splitlines() if CONSOLE.search(line)]


def keep_artifact(path: Path) -> None:
    folder = os.environ.get("DSP_TEST_ARTIFACTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        shutil.copy(path, Path(folder) / path.name)


def test_the_report_renders_without_console_errors(report_run, tmp_path):
    shot = tmp_path / "dsp-report.png"
    done = chromium(report_run.report, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,2400",
                    "--hide-scrollbars")
    assert shot.exists(), done.stderr[-2000:]
    keep_artifact(shot)
    assert console_messages(done) == []
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 50_000      # a page drawn, not a blank one


def test_hostile_text_stays_text_in_the_browser(tmp_path):
    page = tmp_path / "hostile.html"
    write_report(str(hostile.hostile_trace(tmp_path)), str(page))
    done = chromium(page, tmp_path / "profile", "--dump-dom")
    dom = done.stdout
    assert "<title>dsp report" in dom and "pwned" not in dom.split("</title>")[0]
    assert "<img" not in dom and "<svg onload" not in dom
    assert "&lt;img src=x onerror=alert(1)&gt;" in dom
    assert console_messages(done) == []
