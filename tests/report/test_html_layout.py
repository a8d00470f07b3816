"""index.html layout: behaviour highlight colours apart from one another, from every run
colour and from the page; wide tables scroll inside their own box at 1400 px in headless
Chromium (the DevTools fixture of test_browser.py), with every column reachable."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pandas as pd
import report_factory as rf
from coloraide import Color
from test_browser import DevTools, browser  # noqa: F401  (the Chromium fixture)

from traceanalysis.behaviors.definitions import BEHAVIORS
from traceanalysis.report.highlight import slug
from traceanalysis.report.html import render_html, write_html
from traceanalysis.report.style import COLORBLIND

MIN_APART = 12.0  # CIEDE2000; 2.3 is a just-noticeable difference
PAGE = ("#ffffff", "#fcfcfd")  # the page and the trace background
TEXT = "#1d1d1f"
_RULE = re.compile(
    r"pre\.trace \.beh-([a-z0-9_]+), \.legend \.beh-\1 "
    r"\{ background: (#[0-9a-f]{6}); --hl-\1: \2; \}"
)


def _delta(a: str, b: str) -> float:
    return Color(a).delta_e(Color(b), method="2000")


def _highlights(html: str) -> dict[str, str]:
    """Behaviour slug -> background colour, read from the page's own style sheet."""
    style = html[html.index("<style>") : html.index("</style>")]
    return dict(_RULE.findall(style))


def test_highlight_colours_differ_from_each_other_runs_and_page(tmp_path: Path) -> None:
    html = render_html(rf.make_context(tmp_path, figures=False), tmp_path)
    colours = _highlights(html)
    assert set(colours) == {slug(b) for b in BEHAVIORS}  # every behaviour has its colour
    for (a, ca), (b, cb) in itertools.combinations(colours.items(), 2):
        assert _delta(ca, cb) >= MIN_APART, (a, b)
    for name, colour in colours.items():
        for run_colour in COLORBLIND:  # every colour a run can get (they cycle)
            assert _delta(colour, run_colour) >= MIN_APART, (name, run_colour)
        assert min(_delta(colour, p) for p in PAGE) >= 10, name  # visible on the page
        assert Color(colour).contrast(Color(TEXT)) >= 7, name  # the text stays readable
    # control: the palette the page used before (run colours tinted) fails the same check
    old = [COLORBLIND[i] for i in range(len(BEHAVIORS))]
    assert min(_delta(c, r) for c in old for r in COLORBLIND) < MIN_APART


def test_table_headers_break_at_underscores_and_stay_escaped(tmp_path: Path) -> None:
    ctx = rf.make_context(tmp_path, figures=False)
    ctx.tables["accuracy"] = ctx.tables["accuracy"].rename(columns={"status_ok": "<b>st_ok</b>"})
    html = render_html(ctx, tmp_path)
    assert "<th>n_<wbr>problems</th>" in html
    assert "&lt;b&gt;st_<wbr>ok&lt;/b&gt;" in html and "<b>st_" not in html


def _wide_accuracy(table: pd.DataFrame) -> pd.DataFrame:
    """The accuracy table as a run with 256 samples per problem makes it: pass@k with CIs for
    every power of two up to 256, maj@256 and every grade status."""
    wide = table[["run", "role", "n_problems", "n_samples"]].copy()
    for k in [2**i for i in range(9)]:
        wide[f"pass@{k}"], wide[f"pass@{k}_lo"], wide[f"pass@{k}_hi"] = 0.61, 0.55, 0.67
    wide["maj@256"], wide["maj@256_lo"], wide["maj@256_hi"] = 0.7, 0.6, 0.8
    for status in ("ok", "no_answer", "truncated", "timeout", "parse_error", "ungraded"):
        wide[f"status_{status}"] = 1 / 6
    return wide


_LAYOUT = """(() => {
  const doc = document.documentElement;
  const wraps = Array.from(document.querySelectorAll('.tablewrap'));
  const tables = wraps.map(w => {
    const r = w.getBoundingClientRect();
    const hint = w.nextElementSibling;
    return {id: w.querySelector('table').id, right: r.right, left: r.left,
      overflowX: getComputedStyle(w).overflowX, scrolls: w.scrollWidth > w.clientWidth + 1,
      flagged: w.classList.contains('scrolls'),
      hint: hint && hint.classList.contains('scrollhint') ? hint.textContent : null};
  });
  return {viewport: doc.clientWidth, page: doc.scrollWidth, tables: tables};
})()"""

_REACH = """(() => {
  const w = document.getElementById('table-accuracy').closest('.tablewrap');
  w.scrollIntoView();
  const heads = Array.from(w.querySelectorAll('thead th'));
  const inside = el => { const a = el.getBoundingClientRect(), b = w.getBoundingClientRect();
    return a.left >= b.left - 1 && a.right <= b.right + 1; };
  const before = {last: inside(heads[heads.length - 1]), lastText: heads[heads.length - 1].textContent,
    scrollbarOnScreen: w.getBoundingClientRect().bottom <= window.innerHeight + 1};
  w.scrollLeft = w.scrollWidth;
  return {before: before, last: inside(heads[heads.length - 1]), first: inside(heads[0]),
    firstText: heads[0].textContent, hint: w.nextElementSibling.textContent};
})()"""


def _open(browser: DevTools, path: Path) -> None:  # noqa: F811
    for domain in ("Page", "Runtime"):
        browser.call(f"{domain}.enable")
    browser.call(
        "Emulation.setDeviceMetricsOverride", width=1400, height=900, deviceScaleFactor=1,
        mobile=False,
    )  # fmt: skip
    browser.call("Page.navigate", url=path.resolve().as_uri())
    browser.wait_for("Page.loadEventFired", timeout=120)
    assert browser.evaluate("document.documentElement.dataset.browserReady") == "1"


def test_wide_tables_scroll_inside_their_box_at_1400px(
    browser: DevTools,  # noqa: F811
    tmp_path: Path,
) -> None:
    ctx = rf.make_context(tmp_path, figures=False)
    ctx.tables["accuracy"] = _wide_accuracy(ctx.tables["accuracy"])
    path = write_html(ctx, tmp_path / "index.html")
    _open(browser, path)
    layout = browser.evaluate(_LAYOUT)
    assert layout["page"] <= layout["viewport"]  # the page itself never scrolls sideways
    wide = [t for t in layout["tables"] if t["scrolls"]]
    assert [t["id"] for t in wide] == ["table-accuracy"]
    for t in layout["tables"]:
        assert t["left"] >= 0 and t["right"] <= layout["viewport"], t["id"]  # box on the page
        assert t["flagged"] == t["scrolls"], t["id"]
        assert (t["hint"] is not None) == t["scrolls"], t["id"]
    assert wide[0]["overflowX"] == "auto"
    assert re.fullmatch(r"\d+ of 20 columns in view: .*", wide[0]["hint"])
    reach = browser.evaluate(_REACH)
    assert reach["before"]["lastText"] == "status_ungraded"
    assert reach["before"]["scrollbarOnScreen"]  # the box is at most 75% of the window high
    assert not reach["before"]["last"]  # hidden at first ...
    assert reach["last"] and reach["first"] and reach["firstText"] == "run"  # ... reachable,
    # and the run column stays in view while the table scrolls

    # control: without the table box's own scrolling the same page does widen the window
    browser.evaluate(
        "(() => { const s = document.createElement('style');"
        " s.textContent = '.tablewrap { overflow: visible !important; max-width: none !important; }';"
        " document.head.appendChild(s); })()"
    )
    assert browser.evaluate("document.documentElement.scrollWidth") > layout["viewport"]


def test_highlight_colours_apply_in_the_browser(
    browser: DevTools,  # noqa: F811
    tmp_path: Path,
) -> None:
    ctx = rf.make_context(tmp_path, figures=False)
    path = write_html(ctx, tmp_path / "index.html")
    _open(browser, path)
    shown = browser.evaluate(
        "Object.fromEntries(Array.from(document.querySelectorAll('.legend .key[class*=beh-]'))"
        ".map(k => [k.className.split(' ').find(c => c.startsWith('beh-')).slice(4),"
        " getComputedStyle(k).backgroundColor]))"
    )
    expected = _highlights(path.read_text(encoding="utf-8"))
    assert set(shown) == set(expected)
    rgb = {name: "rgb({}, {}, {})".format(*(int(c[i : i + 2], 16) for i in (1, 3, 5)))
           for name, c in expected.items()}  # fmt: skip
    for name in expected:
        assert shown[name] == rgb[name], name  # the style sheet applies (CSP allows it)
    # text in two behaviours shows both: one as background, the other as a bottom stripe
    both = browser.evaluate(
        "(() => { const pre = document.querySelector('pre.trace');"
        " const s = document.createElement('span');"
        " s.className = 'beh beh-verification beh-self_reflection'; s.textContent = 'both';"
        " pre.appendChild(s); const one = document.createElement('span');"
        " one.className = 'beh beh-backtracking'; one.textContent = 'one'; pre.appendChild(one);"
        " const c = getComputedStyle(s), d = getComputedStyle(one);"
        " return {bg: c.backgroundColor, shadow: c.boxShadow, oneBg: d.backgroundColor,"
        " oneShadow: d.boxShadow}; })()"
    )
    assert both["bg"] == rgb["self_reflection"] and rgb["verification"] in both["shadow"]
    assert both["oneBg"] == rgb["backtracking"]
    assert rgb["verification"] not in both["oneShadow"]  # no stripe of an absent behaviour
