"""The page: self-contained, and every text from the trace shown as text, never as markup."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from importlib.resources import files

from loading import load_helper

from dsplang.report.build import write_report

hostile = load_helper("report/hostile_trace.py")



class Elements(HTMLParser):
    """Every start tag with its attributes; the text of each <script> and <style>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.raw: dict[str, list[str]] = {"script": [], "style": []}
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in self.raw:
            self._in = tag
            self.raw[tag].append("")

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in:
            self.raw[self._in][-1] += data


def parsed(html: str) -> Elements:
    found = Elements()
    found.feed(html)
    return found


def test_hostile_text_from_the_trace_is_shown_as_text(tmp_path):
    out = tmp_path / "r.html"
    write_report(str(hostile.hostile_trace(tmp_path)), str(out))
    html = out.read_text(encoding="utf-8")
    found = parsed(html)
    tags = {tag for tag, _ in found.tags}
    assert "img" not in tags and "b" not in tags
    assert [tag for tag, _ in found.tags].count("script") == 1 and [t for t, _ in found.tags].count("style") == 1
    assert found.raw["script"] == [files("dsplang.report").joinpath("script.js").read_text()]
    handlers = [(tag, name) for tag, attrs in found.tags for name in attrs if name.startswith("on")]
    assert handlers == []
    assert "pwned" in html and "&lt;/script&gt;&lt;script&gt;document.title=" in html
    assert html.count("&lt;img src=x onerror=alert(1)&gt;") >= 10      # every place it was shown


def test_the_page_loads_nothing_and_pins_its_script_and_style(report_run):
    found = parsed(report_run.html)
    assert not [(t, a) for t, a in found.tags if {"src", "href"} & set(a)]
    assert re.findall(r"https?://[^\s\"'<]+", report_run.html) == ["http://www.w3.org/2000/svg"] * \
        report_run.html.count("http://www.w3.org/2000/svg")
    csp = next(a["content"] for t, a in found.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp
    for kind in ("script", "style"):
        digest = base64.b64encode(hashlib.sha256(found.raw[kind][0].encode()).digest()).decode()
        assert f"{kind}-src 'sha256-{digest}'" in csp


def test_the_real_run_is_all_there(report_run):
    html = report_run.html
    assert "BootstrapFewShotWithRandomSearch on QA" in html
    assert html.count('class="chosen"') == 1 and "bootstrap seed 0: 2 traces" in html
    assert "Evaluation 1: 80.0% (exact_match over 5 examples)" in html
    # the worst example is the hostile question, shown with its prompt (linked by span id)
    worst = html[html.index("The 5 worst examples"):]
    assert worst.index("example 5 · score 0") < worst.index("example 1 · score 1")
    assert "prompt 1: respond.predict · scripted" in worst
    rounds = re.sub(r"<[^>]+>|\s+", " ", html[html.index("<h3>Rounds</h3>"):html.index('<section id="usage">')])
    assert re.sub(" +", " ", rounds).count("1 building 6 candidates") == 1
    assert re.search(r"2 scoring 6 on 5 examples \S+ ms 30 [\d,]+ \$0.0000 6 80.0% 80.0%", re.sub(" +", " ", rounds))
