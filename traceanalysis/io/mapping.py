"""``--columns`` mapping: any table whose columns can be named for the samples table.

``problem_id=idx,response=output,gold=gt`` renames the source's ``idx``, ``output`` and
``gt``; a source name may be a dotted path into nested records (``response=out.text``).
Without a ``problem_id`` mapping (and no ``problem_id`` column), responses are grouped by
``prompt`` and the problem id is a hash of the prompt text.
"""

from __future__ import annotations

import pandas as pd

from traceanalysis.errors import InputError
from traceanalysis.io import native
from traceanalysis.io.util import get_path, text_id
from traceanalysis.schema import CORE_COLUMNS, Rejection

NAME = "mapped"
ALLOWED = set(CORE_COLUMNS) - {"role", "source_file", "source_line"} | {"correct", "score"}


def check_mapping(columns: dict[str, str]) -> None:
    """Raise InputError when a mapping names a target that is not a samples-table column."""
    unknown = sorted(set(columns) - ALLOWED)
    if unknown:
        raise InputError(
            f"--columns: unknown target column(s) {', '.join(unknown)}; "
            f"expected some of {', '.join(sorted(ALLOWED))}"
        )


def apply_mapping(frame: pd.DataFrame, columns: dict[str, str], file: str) -> pd.DataFrame:
    """A copy of ``frame`` with the mapped source columns renamed to ours.

    Raises InputError naming the file when a mapped source column does not exist.
    """
    check_mapping(columns)
    out = frame.copy()
    for ours, theirs in columns.items():
        if theirs in frame.columns:
            out[ours] = frame[theirs]
            continue
        head, _, rest = theirs.partition(".")
        if rest and head in frame.columns:
            out[ours] = [get_path(v, rest) for v in frame[head].tolist()]
            continue
        raise InputError(
            f"--columns: no column {theirs!r} (found: {', '.join(map(str, frame.columns[:20]))})",
            file=file,
        )
    return out


def expand(
    frame: pd.DataFrame, file: str, columns: dict[str, str]
) -> tuple[pd.DataFrame, list[Rejection]]:
    """Rename by ``columns`` then read the result as native rows."""
    mapped = apply_mapping(frame, columns, file)
    if "problem_id" not in mapped.columns:
        if "prompt" not in mapped.columns:
            raise InputError(
                "--columns must map problem_id (or prompt, to group responses by prompt)",
                file=file,
            )
        mapped["problem_id"] = [text_id(p) for p in mapped["prompt"].tolist()]
    if "response" not in mapped.columns:
        raise InputError("--columns must map response", file=file)
    return native.expand(mapped, file)
