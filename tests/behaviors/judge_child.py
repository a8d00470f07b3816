"""Child process for the kill test: judges N responses against URL with cache CACHE."""

from __future__ import annotations

import sys

import pandas as pd

from traceanalysis.behaviors import JudgeConfig, judge_behaviors


def frame(n: int) -> pd.DataFrame:
    """N distinct responses, each with one '#verification' marker."""
    return pd.DataFrame(
        {"run": ["k"] * n, "response": [f"reply {i} #verification" for i in range(n)]}
    )


if __name__ == "__main__":
    url, cache, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    judge_behaviors(
        frame(n), JudgeConfig("openai:fake-judge", base_url=url, concurrency=2, cache_path=cache)
    )
