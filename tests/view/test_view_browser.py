"""The page in a real browser: Playwright (PyPI) driving Debian's /usr/bin/chromium, no
browser download. Load, filter, search, the reasoning/final split, highlighting with
distinct colours, and one problem across all runs side by side, each checked against pandas.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from traceanalysis.io.think import split_think
from traceanalysis.view.serve import Server

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]  # fmt: skip
RGB = re.compile(r"rgba?\(\d+, \d+, \d+(?:, [\d.]+)?\)")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Chromium for the module."""
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server) -> Iterator[object]:
    """A fresh page on the app that records console errors and every request it makes.

    The checks read computed styles with ``evaluate``, which the page's own
    Content-Security-Policy (no eval) forbids, so this context bypasses it; the first test
    loads the page under its policy.
    """
    context = browser.new_context(bypass_csp=True, viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.errors, tab.requests = [], []
    tab.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    tab.on("request", lambda r: tab.requests.append(r.url))
    tab.goto(server.url)
    tab.wait_for_selector("article.sample")
    yield tab
    context.close()


def summary(tab) -> str:
    return tab.locator("#summary").inner_text()


def test_loads_under_its_policy_with_nothing_from_elsewhere(browser, server, samples) -> None:
    context = browser.new_context()
    tab = context.new_page()
    errors, requests = [], []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("request", lambda r: requests.append(r.url))
    tab.goto(server.url)
    sync_api.expect(tab.locator("#summary")).to_contain_text(f"of {len(samples):,} responses")
    assert tab.locator("article.sample").count() == 50
    assert not errors
    assert requests and all(url.startswith(server.url) for url in requests)
    context.close()


def test_filter_and_search_show_the_pandas_counts(page, samples: pd.DataFrame) -> None:
    page.select_option("#f-run", "rlvr")
    sync_api.expect(page.locator("#summary")).to_contain_text("of 400 responses")
    assert set(page.locator("article.sample").evaluate_all("a => a.map(x => x.dataset.run)")) == {
        "rlvr"
    }
    page.select_option("#f-run", "")
    page.select_option("#f-correct", "false")
    page.fill("#q", "Wait")
    page.press("#q", "Enter")
    text = samples["response"].str.lower()
    wrong = samples["correct"].eq(False).fillna(False)
    expected = int((text.str.contains("wait", regex=False) & wrong).sum())
    sync_api.expect(page.locator("#summary")).to_contain_text(f"of {expected:,} responses")
    hits = page.locator(".text .m.hit")
    assert hits.count() > 0
    assert {t.lower() for t in hits.all_inner_texts()} == {"wait"}
    assert page.locator(".verdict.ok").count() == 0
    assert not page.errors


def test_highlights_are_distinct_and_stack(page, samples: pd.DataFrame) -> None:
    swatches = page.locator("#legend .sw[data-label]").evaluate_all(
        "s => s.map(x => [x.dataset.label, getComputedStyle(x).backgroundColor])"
    )
    colours = dict(swatches)
    behaviors = [c[9:-8] for c in samples if c.startswith("behavior_") and c.endswith("_present")]
    assert set(behaviors) <= set(colours) and len(swatches) == len(colours)
    assert len(set(colours.values())) == len(colours)  # every behaviour and lexicon its own colour
    page.select_option("#f-run", "distill-knowledge")
    sync_api.expect(page.locator("#summary")).to_contain_text("of 400 responses")
    stacked = page.locator(".text .m.beh").evaluate_all(
        "s => s.filter(x => x.dataset.beh.includes(' '))"
        ".map(x => [x.dataset.beh, getComputedStyle(x).boxShadow])"
    )
    assert stacked, "no sentence with two behaviours on the page"
    for names, shadow in stacked:
        drawn = RGB.findall(shadow)
        assert drawn == [colours[n] for n in names.split()]  # one band per behaviour, in order
    lexical = page.locator(".text .m.lex").evaluate_all(
        "s => s.filter(x => !x.dataset.lex.includes(' '))"
        ".map(x => [x.dataset.lex, getComputedStyle(x).backgroundColor])"
    )
    assert lexical and all(colour == colours[name] for name, colour in lexical)


def test_reasoning_is_shown_apart_from_the_final_part(page, samples: pd.DataFrame, markup) -> None:
    page.select_option("#f-run", "thinker")
    sync_api.expect(page.locator("#summary")).to_contain_text("of 64 responses")
    first = page.locator("article.sample").first
    row = samples[samples["run"] == "thinker"].iloc[0]
    reasoning, final, _ = split_think(row["response"])
    assert first.locator(".part.reasoning .text").inner_text().strip() == reasoning
    assert first.locator(".part.final .text").inner_text().strip() == final
    assert first.locator(".part.final .m.ans").inner_text() == f"\\boxed{{{row['extracted']}}}"
    assert markup in first.locator(".part.final .text").inner_text()  # shown as text
    assert page.locator("article.sample img, article.sample b").count() == 0
    assert page.title() != "pwned" and not page.errors


def test_one_problem_across_all_runs_side_by_side(page, samples: pd.DataFrame) -> None:
    pid = "ops1-002"
    page.fill("#f-problem", pid)
    page.press("#f-problem", "Enter")
    sync_api.expect(page.locator("#summary")).to_contain_text("of 40 responses")
    page.locator(f'a.problem-link[data-problem="{pid}"]').first.click()
    page.wait_for_selector("#pv-grid .run-col article.sample")
    rows = samples[samples["problem_id"] == pid]
    columns = page.locator("#pv-grid .run-col")
    runs = columns.evaluate_all("c => c.map(x => x.dataset.run)")
    assert runs == ["base", "rlvr", "distill-knowledge", "distill-patterns", "thinker"]
    assert page.locator("#pv-info .gold").inner_text() == rows["gold"].iloc[0]
    for i, run in enumerate(runs):
        mine = rows[rows["run"] == run]
        verdicts = columns.nth(i).locator(".verdict").all_inner_texts()
        assert verdicts == ["correct" if c else "incorrect" for c in mine["correct"]]
        shown = columns.nth(i).locator(".extracted").all_inner_texts()
        assert shown == [e if isinstance(e, str) else "—" for e in mine["extracted"]]
    tops = page.locator("#pv-grid .run-col").evaluate_all(
        "c => c.map(x => Math.round(x.getBoundingClientRect().top))"
    )
    assert len(set(tops)) == 1  # the runs stand side by side, not one under the other
    page.click("#back")
    sync_api.expect(page.locator("#samples-view")).to_be_visible()
    assert not page.errors
    assert all(url.startswith(page.url.split("#")[0]) for url in page.requests)


def test_filters_live_in_the_url(browser, server, samples: pd.DataFrame) -> None:
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(server.url + "#run=rlvr&correct=false&offset=50")
    wrong = samples[(samples["run"] == "rlvr") & samples["correct"].eq(False).fillna(False)]
    sync_api.expect(tab.locator("#summary")).to_have_text(
        f"51–{min(100, len(wrong))} of {len(wrong):,} responses"
    )
    assert tab.locator("#f-run").input_value() == "rlvr"
    tab.select_option("#f-behavior", "verification")
    sync_api.expect(tab.locator("#summary")).to_contain_text("1–")
    assert "behavior=verification" in tab.url and "offset" not in tab.url
    context.close()


def test_the_step_filter_shows_only_with_steps(page, browser, samples, tmp_path) -> None:
    assert page.locator("#step-box").is_visible()  # the test report has a step column
    samples.drop(columns="step").to_parquet(tmp_path / "samples.parquet", index=False)
    with Server(tmp_path) as plain:
        context = browser.new_context()
        tab = context.new_page()
        tab.goto(plain.url)
        tab.wait_for_selector("article.sample")
        assert not tab.locator("#step-box").is_visible()
        context.close()
