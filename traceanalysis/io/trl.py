"""TRL GRPO completion logs: ``completions/completions_<step>.parquet`` (``log_completions``).

Columns: ``step``, ``prompt``, ``completion``, one column per reward function (e.g.
``accuracy_reward``, ``format_reward``) and ``advantage``. Prompts and completions may be
chat message lists (conversational datasets); their text content is used.

No problem id: responses are grouped by prompt and the id is a hash of the prompt text
(kept in ``source_problem_id`` when ``load_runs`` matches problems across runs by the
normalised prompt: TRL logs the prompt with its chat template applied, or decoded without
special tokens, or as messages);
sample index = order within the problem across the run's files (step order). The first
reward column whose name mentions accuracy/correct gives ``source_correct`` when it is
binary (1/0 or +1/-1: positive is correct; see :mod:`traceanalysis.io.rewards`); with
none, it stays null. Every reward column is kept in ``source_scores``.
"""

from __future__ import annotations

import re

import pandas as pd

from traceanalysis.io.rewards import reward_columns
from traceanalysis.io.util import message_text, text_id
from traceanalysis.schema import Rejection

NAME = "trl"
_LABEL = re.compile(r"accura|correct", re.IGNORECASE)


def sniff(columns: set[str], first: dict) -> bool:
    """``prompt`` and ``completion`` plus ``step`` or ``advantage``."""
    return {"prompt", "completion"} <= columns and bool({"step", "advantage"} & columns)


def expand(frame: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[Rejection]]:
    """Rename to samples-table columns; ids from the prompt text."""
    prompts = [message_text(p) for p in frame["prompt"].tolist()]
    out = pd.DataFrame(index=frame.index)
    out["problem_id"] = [text_id(p) for p in prompts]
    out["prompt"] = prompts
    out["response"] = [message_text(c) for c in frame["completion"].tolist()]
    if "step" in frame.columns:
        out["step"] = frame["step"]
    label = next((c for c in frame.columns if _LABEL.search(str(c))), None)
    rewards = [c for c in frame.columns if "reward" in str(c).lower()]
    for column, values in reward_columns(frame, label, rewards).items():
        out[column] = values
    out["_auto_idx"] = True
    out["source_line"] = frame["source_line"]
    return out, []
