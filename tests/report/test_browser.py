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
    assert shown == list(SECTIONS)
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
