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
present) or ``score > 0`` becomes ``source_correct``.
"""

from __future__ import annotations

import pandas as pd

from traceanalysis.io.util import text_id
from traceanalysis.schema import Rejection

NAME = "verl"


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
    out["source_correct"] = frame["acc"] if "acc" in frame.columns else frame["score"]
    out["_auto_idx"] = True
    out["source_line"] = frame["source_line"]
    return out, []
