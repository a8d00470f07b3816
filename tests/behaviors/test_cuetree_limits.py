"""The cue rewrite stays small on user cues with many optional groups."""

from __future__ import annotations

import re
import time

from traceanalysis.text.guard import fast


def test_many_optional_groups_do_not_blow_up():
    # 2**20 ways to expand: the rewrite must stop distributing long before that.
    pattern = re.compile(r"\b" + "".join(f"(?:w{i} )?" for i in range(20)) + r"end\b")
    start = time.perf_counter()
    rebuilt = fast(pattern)
    assert time.perf_counter() - start < 10
    assert len(rebuilt.pattern) < 2_000_000
    for text in ("w0 w5 w19 end", "end", "w3 w2 end", "xend", "w1 w1 end"):
        got = [m.span() for m in rebuilt.finditer(text)]
        assert got == [m.span() for m in pattern.finditer(text)], text
