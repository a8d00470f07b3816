"""Compare the tables of two report folders value by value (issue 14, "same results").

    python benchmarks/compare_tables.py REPORT_A REPORT_B [--rtol 1e-9] [--show 5]

Every ``tables/*.csv`` of the two folders: the same set of files, the same columns in the
same order, the same number of rows in the same order, and every cell equal. Cells are
read as text: equal text is equal; otherwise both must be numbers, integers equal exactly
and other numbers within a relative tolerance (``--rtol``, default 1e-9, for floats whose
summation order changed; with an absolute floor of ``--atol`` 1e-12 for values near 0).
Empty cells (NaN) equal only empty cells. Strings must be equal exactly.

When both folders have ``samples.parquet``, its columns other than the free text and the
input paths (:data:`IGNORED_SAMPLE_COLUMNS`) are compared the same way, rows sorted by
run, problem_id, sample_idx.

Prints one line per file (``same`` with the largest relative and absolute difference of
its numbers, or ``DIFFERENT`` with the first ``--show`` differences); exits 1 on any
difference.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

IGNORED_SAMPLE_COLUMNS = ("response", "prompt", "reasoning", "source_file")
SORT_KEYS = ("run", "problem_id", "sample_idx")
INTEGER = re.compile(r"^[+-]?\d+$")


@dataclass
class FileResult:
    """What comparing one file found."""

    name: str
    problems: list[str] = field(default_factory=list)
    max_rel: float = 0.0
    max_abs: float = 0.0
    n_cells: int = 0

    def line(self, show: int) -> str:
        """The file's summary line, with its first ``show`` differences when it differs."""
        if not self.problems:
            return (
                f"same       {self.name}: {self.n_cells:,} cells; largest difference of "
                f"numbers: relative {self.max_rel:.3g}, absolute {self.max_abs:.3g}"
            )
        numbers = (
            f"; largest difference of numbers: relative {self.max_rel:.3g}, "
            f"absolute {self.max_abs:.3g}"
            if self.n_cells
            else ""
        )
        head = [f"DIFFERENT  {self.name}: {len(self.problems):,} difference(s){numbers}"]
        return "\n".join(head + [f"    {p}" for p in self.problems[:show]])


def compare_column(a: pd.Series, b: pd.Series, rtol: float, atol: float) -> tuple:
    """Compare two text columns cell by cell: (positions that differ, max rel, max abs)."""
    sa = a.astype("string").fillna("").to_numpy(dtype=object)
    sb = b.astype("string").fillna("").to_numpy(dtype=object)
    unequal = np.flatnonzero(sa != sb)
    both = pd.DataFrame({"a": sa, "b": sb})
    na = pd.to_numeric(both["a"], errors="coerce").to_numpy(dtype=float)
    nb = pd.to_numeric(both["b"], errors="coerce").to_numpy(dtype=float)
    numeric = np.isfinite(na) & np.isfinite(nb)
    with np.errstate(divide="ignore", invalid="ignore"):  # inf - inf, 0 / 0: not compared
        diff = np.abs(na - nb)
        scale = np.maximum(np.abs(na), np.abs(nb))
        rel = np.where(scale > 0, diff / scale, 0.0)
    max_rel = float(rel[numeric].max()) if numeric.any() else 0.0
    max_abs = float(diff[numeric].max()) if numeric.any() else 0.0
    bad = []
    for i in unequal:
        integers = INTEGER.match(sa[i]) and INTEGER.match(sb[i])
        close = numeric[i] and (diff[i] <= atol or rel[i] <= rtol)
        same_inf = sa[i] in ("inf", "-inf") and sa[i] == sb[i]
        if integers or not (close or same_inf):
            bad.append(int(i))
    return bad, max_rel, max_abs


def compare_frames(name: str, a: pd.DataFrame, b: pd.DataFrame, rtol: float, atol: float):
    """Compare two tables: columns, rows, then every cell; a :class:`FileResult`."""
    result = FileResult(name)
    if list(a.columns) != list(b.columns):
        only_a = [c for c in a.columns if c not in b.columns]
        only_b = [c for c in b.columns if c not in a.columns]
        result.problems.append(
            f"columns differ: only in A {only_a}, only in B {only_b}"
            + ("" if only_a or only_b else " (same names, other order)")
        )
        common = [c for c in a.columns if c in b.columns]
        a, b = a[common], b[common]
    if len(a) != len(b):
        result.problems.append(f"rows: A has {len(a):,}, B has {len(b):,}")
        return result
    cells = []
    for column in a.columns:
        bad, rel, abs_ = compare_column(a[column], b[column], rtol, atol)
        result.max_rel, result.max_abs = max(result.max_rel, rel), max(result.max_abs, abs_)
        result.n_cells += len(a)
        for i in bad:
            cells.append(
                f"row {i} column {column!r}: A {str(a[column].iloc[i])!r} "
                f"B {str(b[column].iloc[i])!r}"
            )
    if cells and _same_rows_other_order(a, b):
        cells.insert(0, "the same rows in another order")
    result.problems += cells
    return result


def _same_rows_other_order(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Whether the two tables hold the same rows (as text) in a different order."""
    rows_a = sorted(map(tuple, a.astype("string").fillna("").to_numpy().tolist()))
    rows_b = sorted(map(tuple, b.astype("string").fillna("").to_numpy().tolist()))
    return rows_a == rows_b


def read_csv(path: Path) -> pd.DataFrame:
    """A table CSV with every cell as text (empty cells as "")."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def read_samples(path: Path) -> pd.DataFrame:
    """samples.parquet without the ignored columns, sorted by run, problem_id, sample_idx."""
    df = pd.read_parquet(path)
    df = df.drop(columns=[c for c in IGNORED_SAMPLE_COLUMNS if c in df.columns])
    keys = [k for k in SORT_KEYS if k in df.columns]
    df = df.sort_values(keys, kind="stable").reset_index(drop=True)
    # numbers as repr-exact text, like the CSVs, so one comparison serves both
    for column in df.columns:
        if pd.api.types.is_float_dtype(df[column]):
            df[column] = df[column].map(lambda x: "" if pd.isna(x) else repr(float(x)))
    return df


def compare_reports(a: Path, b: Path, rtol: float, atol: float) -> list[FileResult]:
    """Compare every table CSV (and samples.parquet) of two report folders."""
    names_a = {p.name for p in (a / "tables").glob("*.csv")}
    names_b = {p.name for p in (b / "tables").glob("*.csv")}
    results = []
    if names_a != names_b or not names_a:
        problem = FileResult("tables/*.csv")
        problem.problems.append(
            f"files only in A: {sorted(names_a - names_b)}; only in B: {sorted(names_b - names_a)}"
            if names_a or names_b
            else "no tables/*.csv in either folder"
        )
        results.append(problem)
    for name in sorted(names_a & names_b):
        table_a, table_b = read_csv(a / "tables" / name), read_csv(b / "tables" / name)
        results.append(compare_frames(f"tables/{name}", table_a, table_b, rtol, atol))
    if (a / "samples.parquet").is_file() and (b / "samples.parquet").is_file():
        sa, sb = read_samples(a / "samples.parquet"), read_samples(b / "samples.parquet")
        common = [c for c in sa.columns if c in sb.columns]
        result = compare_frames("samples.parquet", sa[common], sb[common], rtol, atol)
        only = sorted(set(sa.columns) ^ set(sb.columns))
        if only:
            result.problems.insert(0, f"columns in only one of the two (not compared): {only}")
        results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    """Command line: compare two report folders; 0 when equal, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report_a", type=Path)
    parser.add_argument("report_b", type=Path)
    parser.add_argument("--rtol", type=float, default=1e-9, help="relative tolerance")
    parser.add_argument("--atol", type=float, default=1e-12, help="absolute floor near 0")
    parser.add_argument("--show", type=int, default=5, help="differences shown per file")
    args = parser.parse_args(argv)
    for folder in (args.report_a, args.report_b):
        if not (folder / "tables").is_dir():
            parser.error(f"{folder} has no tables/ folder")
    results = compare_reports(args.report_a, args.report_b, args.rtol, args.atol)
    for result in results:
        print(result.line(args.show))
    different = [r for r in results if r.problems]
    print(
        f"\n{len(results) - len(different)} of {len(results)} files equal "
        f"(numbers: relative tolerance {args.rtol:g}, absolute {args.atol:g}; integers and "
        f"text exact); {len(different)} different"
    )
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
