"""The behaviour tagger's cost grows linearly with the length of one response."""

from __future__ import annotations

import random
import time

from traceanalysis.behaviors.tagger import tag_texts

WORDS = (
    "wait let me check the answer again so x equals 3 and then we verify it . "
    "Alternatively , try another approach ! Hmm maybe"
).split()


def _cpu_seconds(text: str, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        tag_texts([text])
        best = min(best, time.process_time() - start)
    return best


def test_four_times_the_text_costs_about_four_times_as_much() -> None:
    rng = random.Random(0)
    text = " ".join(rng.choice(WORDS) for _ in range(700_000))[:4_000_000]
    tag_texts([text[:5000]])  # patterns and spaCy built once
    small, large = _cpu_seconds(text[:1_000_000], 2), _cpu_seconds(text, 1)
    # linear: ~4-5x; the quadratic search back for line breaks it replaced gave ~9x
    assert large / small < 6.5, (small, large)
