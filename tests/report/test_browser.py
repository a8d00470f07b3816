"""index.html in headless Chromium over the DevTools protocol: loads from disk with no
console errors and no network, shows every section, filters work, and a ``<script>`` or
``onerror=`` inside a trace never runs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import report_factory as rf
import websockets.sync.client as websockets_sync

from traceanalysis.report.context import SECTIONS
from traceanalysis.report.html import write_html

SHOWN = [s for s in SECTIONS if s != "extra"]

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
START_TIMEOUT = 90.0


class DevTools:
    """A minimal DevTools protocol client for one page target."""

    def __init__(self, ws: Any):
        self.ws = ws
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, timeout: float = 60.0, **params: Any) -> dict[str, Any]:
        """Send a command and wait for its result, keeping the events that arrive meanwhile."""
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, event: str, timeout: float = 60.0) -> dict[str, Any]:
        """Wait for the first event named ``event`` (already received ones count)."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self.events:
                if message.get("method") == event:
                    return message
            message = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            self.events.append(message)

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")


@pytest.fixture
def browser(tmp_path: Path):
    """Headless Chromium with remote debugging on 127.0.0.1 (port chosen by Chromium)."""
    profile = tmp_path / "profile"
    proc = subprocess.Popen(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--no-first-run",
            "--disable-extensions", "--disable-sync", "--no-default-browser-check",
            f"--user-data-dir={profile}", "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0", "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + START_TIMEOUT
        while not (port_file.exists() and port_file.read_text().strip()):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chromium did not start (exit code {proc.poll()})")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as resp:
            targets = json.load(resp)
        page = next(t for t in targets if t.get("type") == "page")
        url = page["webSocketDebuggerUrl"]
        with websockets_sync.connect(url, max_size=None, open_timeout=START_TIMEOUT) as ws:
            yield DevTools(ws)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def _errors(events: list[dict[str, Any]]) -> list[str]:
    """Console errors, uncaught exceptions and error log entries among ``events``."""
    found = []
    for e in events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Runtime.exceptionThrown":
            found.append(json.dumps(params["exceptionDetails"])[:300])
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            found.append(json.dumps(params.get("args"))[:300])
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            found.append(params["entry"].get("text", "")[:300])
    return found


def test_report_page_in_headless_chromium(browser: DevTools, tmp_path: Path) -> None:
    ctx = rf.make_context(tmp_path)
    path = write_html(ctx, tmp_path / "index.html")
    for domain in ("Page", "Runtime", "Log", "Network"):
        browser.call(f"{domain}.enable")
    browser.call("Page.navigate", url=path.resolve().as_uri())
    browser.wait_for("Page.loadEventFired", timeout=120)

    assert browser.evaluate("document.readyState") == "complete"
    assert browser.evaluate("document.documentElement.dataset.browserReady") == "1"  # own JS ran
    # every section present, in order, and laid out (visible, non-zero height)
    shown = browser.evaluate(
        "Array.from(document.querySelectorAll('section[data-section]'))"
        ".filter(s => s.offsetHeight > 0).map(s => s.dataset.section)"
    )
    assert shown == SHOWN  # 'extra' only with a plugin's tables
    assert browser.evaluate("document.querySelectorAll('figure.fig svg').length") == len(
        ctx.figures
    )
    # the injected script and onerror handler never ran; the trace shows them as text
    assert browser.evaluate("typeof window.__pwned") == "undefined"
    assert browser.evaluate("document.scripts.length") == 1
    assert (
        browser.evaluate("document.querySelectorAll('pre.trace img, pre.trace script').length") == 0
    )
    traces = browser.evaluate(
        "Array.from(document.querySelectorAll('pre.trace')).map(p => p.textContent)"
    )
    assert sum("<script>window.__pwned = 1;</script>" in t for t in traces) == 3
    assert any('onerror="window.__pwned=2"' in t for t in traces)
    # filters: run, then correctness, narrow the list; counts match the data attributes
    total = len(ctx.examples)
    assert browser.evaluate("document.getElementById('f-count').textContent") == (
        f"{total} of {total} responses shown"
    )
    visible = (
        "(() => { const s = document.getElementById(ID); s.value = VALUE;"
        " s.dispatchEvent(new Event('change'));"
        " return Array.from(document.querySelectorAll('details.example')).filter(d => !d.hidden).length; })()"
    )
    n_r1 = int((ctx.examples["run"] == "r1-distill").sum())
    assert (
        browser.evaluate(visible.replace("ID", "'f-run'").replace("VALUE", "'r1-distill'")) == n_r1
    )
    n_r1_ok = int(((ctx.examples["run"] == "r1-distill") & ctx.examples["correct"]).sum())
    assert (
        browser.evaluate(visible.replace("ID", "'f-correct'").replace("VALUE", "'true'")) == n_r1_ok
    )
    # no console errors and nothing fetched but the page itself
    assert _errors(browser.events) == []
    urls = [
        e["params"]["request"]["url"]
        for e in browser.events
        if e.get("method") == "Network.requestWillBeSent"
    ]
    assert urls and all(u.startswith(("file://", "data:")) for u in urls), urls

    # control: the same checks do catch a script that runs and a console error
    control = tmp_path / "control.html"
    control.write_text(
        '<!DOCTYPE html><title>c</title><img src=x onerror="window.__pwned=2">'
        "<script>console.error('boom')</script>",
        encoding="utf-8",
    )
    browser.events.clear()
    browser.call("Page.navigate", url=control.resolve().as_uri())
    browser.wait_for("Page.loadEventFired", timeout=120)
    deadline = time.monotonic() + 30
    while browser.evaluate("typeof window.__pwned") == "undefined" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert browser.evaluate("window.__pwned") == 2
    assert any("boom" in e for e in _errors(browser.events))


def test_grading_banner_is_the_first_thing_on_the_page(browser: DevTools, tmp_path: Path) -> None:
    import pandas as pd

    ctx = rf.make_context(tmp_path)
    ctx.tables["agreement"] = pd.DataFrame([
        {"run": "qwen-base", "n_both": 30, "agreement": 1.0, "kappa": 1.0,
         "accuracy_ours": 0.5, "accuracy_source": 0.5, "n_disagree": 0},
        {"run": "qwen-zero-rl", "n_both": 30, "agreement": 1 / 3, "kappa": 0.0,
         "accuracy_ours": 0.0, "accuracy_source": 2 / 3, "n_disagree": 20},
    ])  # fmt: skip
    ctx.tables["disagreements"] = pd.DataFrame({
        "run": ["qwen-zero-rl"] * 20, "problem_id": [f"p{i}" for i in range(20)],
        "sample_idx": [0] * 20, "gold": ["Yes"] * 20, "extracted": [None] * 20,
        "correct": [False] * 20, "source_correct": [True] * 20,
    })  # fmt: skip
    long_why = "mixed golds (15 math, 6 choice, 6 text): the majority, math, grades every one"
    ctx.graders = {
        "qwen-zero-rl": {"grader": "math", "why": "golds look like math"},
        "qwen-base": {"grader": "text", "why": long_why * 3},
    }
    path = write_html(ctx, tmp_path / "index.html")
    for domain in ("Page", "Runtime", "Log"):
        browser.call(f"{domain}.enable")
    browser.call("Page.navigate", url=path.resolve().as_uri())
    browser.wait_for("Page.loadEventFired", timeout=120)
    box = browser.evaluate(
        "(() => { const b = document.getElementById('grading-disagreement');"
        " const r = b.getBoundingClientRect();"
        " const first = document.querySelector('section[data-section]').getBoundingClientRect();"
        " return {top: r.top, height: r.height, below: first.top, view: window.innerHeight,"
        " text: b.innerText, color: getComputedStyle(b).borderTopColor,"
        " overflow: b.querySelector('.tablewrap').scrollWidth"
        " - b.querySelector('.tablewrap').clientWidth}; })()"
    )
    assert box["height"] > 0 and box["top"] < box["view"]  # on screen without scrolling
    assert box["overflow"] <= 0  # a long grader explanation wraps: every number is in view
    assert box["top"] + box["height"] <= box["below"]  # above every section and finding
    text = " ".join(box["text"].split())
    assert "disagree on 20 responses in 1 run" in text
    assert "qwen-zero-rl 20 (66.7%) 0.0% 66.7% 30 math: golds look like math" in text
    assert "qwen-base" in text  # every run scored by both is shown, agreeing ones too
    assert box["color"] == "rgb(179, 38, 30)"  # the warning style applied (CSP allows it)
    # the link leads to the disagreement table on the same page
    scrolled = browser.evaluate(
        "(() => { document.querySelector('#grading-disagreement a[href^=\"#\"]').click();"
        " const t = document.getElementById('table-disagreements');"
        " return {found: !!t, top: t ? t.getBoundingClientRect().top : null,"
        " rows: t ? t.tBodies[0].rows.length : 0, y: window.scrollY}; })()"
    )
    assert scrolled["found"] and scrolled["rows"] == 20 and scrolled["y"] > 0
    assert abs(scrolled["top"]) < 50
    assert _errors(browser.events) == []
