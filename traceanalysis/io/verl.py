"""verl rollout dumps: ``<rollout_data_dir>/<step>.jsonl`` (``trainer.rollout_data_dir``).

One line per rollout::

    {"input": "<prompt>", "output": "<response>", "gts": "4", "score": 1.0, "step": 20,
     "acc": true, ...reward extra info...}

verl writes no problem id: responses are grouped by ``input`` and the problem id is a
hash of the prompt text (the same prompt gets the same id in every run). ``input`` is the
prompt as verl decoded it with ``skip_special_tokens=True`` (a chat prompt reads
``system\n...\nuser\n...\nassistant\n``); ``load_runs`` matches it to other tools' runs by
its normalised text, the hash staying in ``source_problem_id``. The sample index
is the order within the problem across the run's files, taken in step order. ``acc`` (when
present) or a binary ``score`` (+1/-1 or 1/0: positive is correct) becomes
``source_correct``; another score is no label (see :mod:`traceanalysis.io.rewards`).
"""

from __future__ import annotations

import pandas as pd

from traceanalysis.io.rewards import reward_columns
from traceanalysis.io.util import text_id
from traceanalysis.schema import Rejection

NAME = "verl"
# Fields of a dump line that are not rewards (everything else numeric is kept as a score).
_TEXT_FIELDS = {"input", "output", "gts", "step", "source_line", "source_file"}


def sniff(columns: set[str], first: dict) -> bool:
    """``input``/``output``/``score`` with ``step`` or ``gts``."""
    return {"input", "output", "score"} <= columns and bool({"step", "gts"} & columns)


def expand(frame: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[Rejection]]:
    """Rename to samples-table columns; ids from the prompt text."""
    out = pd.DataFrame(index=frame.index)
    out["problem_id"] = [text_id(p) for p in frame["input"].tolist()]
    out["prompt"] = frame["input"]
    out["response"] = frame["output"]
    if "gts" in frame.columns:
        out["gold"] = frame["gts"]
    if "step" in frame.columns:
        out["step"] = frame["step"]
    label = "acc" if "acc" in frame.columns else "score"
    numeric = [c for c in frame.columns if c not in _TEXT_FIELDS]
    for column, values in reward_columns(frame, label, numeric).items():
        out[column] = values
    out["_auto_idx"] = True
    out["source_line"] = frame["source_line"]
    return out, []
