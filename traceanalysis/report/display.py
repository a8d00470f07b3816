"""Tables as shown in the HTML and Markdown reports: which section, which rows, what format.

The report folder's ``tables/`` keeps every table in full; the rendered reports show a
readable view of each: numbers rounded, ``x_lo``/``x_hi`` columns folded into ``x [lo, hi]``,
long tables cut to their most telling rows with a note saying so.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd

from traceanalysis.report.context import SECTIONS
from traceanalysis.safenames import safe_stem

MAX_ROWS = 40
DISTINCTIVE_ROWS = 12  # per side
WORD_FREQ_ROWS = 20

# Table name prefixes -> report section (first match wins); anything else (a plugin's
# table) goes to "extra", the report's "Extra analyses".
_SECTION_PREFIXES = (
    ("passk", None),  # the full curve is a figure; the accuracy table lists powers of two
    ("accuracy", "accuracy"),
    ("agreement", "accuracy"),  # our grade vs the input's own scores
    ("disagreements", "accuracy"),
    ("comparisons", "accuracy"),  # paired deltas run - reference
    ("crossing", "accuracy"),
    ("support", "accuracy"),
    ("difficulty", "difficulty"),
    ("transitions_", "difficulty"),
    ("entropy", "difficulty"),
    ("lexical", "language"),
    ("distinctive_", "language"),
    ("word_freq_", "language"),
    ("behavior", "behaviors"),
    ("judge", "behaviors"),
    ("flexible", "flexible"),
    ("audit", "audit"),
    ("nll", "score"),
    ("steps", None),  # long: tables/steps.csv; the section shows a compact view
    ("onsets", "dynamics"),
)


@dataclass
class TableView:
    """One table ready to lay out: display cells (all strings), a caption and a note."""

    name: str
    frame: pd.DataFrame
    note: str = ""


def table_section(name: str) -> str | None:
    """The report section a table belongs to (None: shown only as a figure and a file)."""
    for prefix, section in _SECTION_PREFIXES:
        if name.startswith(prefix):
            return section
    return "extra"


def tables_by_section(tables: dict[str, pd.DataFrame]) -> dict[str, list[TableView]]:
    """Every non-empty table's view, grouped by section in SECTIONS order."""
    grouped: dict[str, list[TableView]] = {s: [] for s in SECTIONS}
    for name in sorted(tables, key=_table_order):
        table = tables[name]
        section = table_section(name)
        if section is None or table is None or table.empty:
            continue
        grouped[section].append(table_view(name, table))
    return grouped


def _table_order(name: str) -> tuple[int, str]:
    for i, (prefix, _) in enumerate(_SECTION_PREFIXES):
        if name.startswith(prefix):
            return i, name
    return len(_SECTION_PREFIXES), name


def format_value(value: object, column: str = "") -> str:
    """One cell as text: integers plain, floats to 3 decimals (p-values 3 significant), NA as –."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}" if abs(int(value)) >= 10_000 else str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        if math.isnan(x):
            return "–"
        if "p_value" in column:
            return f"{x:.3g}"
        if abs(x) >= 1000:
            return f"{x:,.0f}"
        if abs(x) >= 100:
            return f"{x:.1f}"
        return f"{x:.3f}"
    return str(value)


def fold_intervals(frame: pd.DataFrame) -> pd.DataFrame:
    """Display strings, with each ``x``/``x_lo``/``x_hi`` triple as ``x [lo, hi]``."""
    columns = list(frame.columns)
    out: dict[str, list[str]] = {}
    skip: set[str] = set()
    for col in columns:
        lo, hi = (f"{col}_lo", f"{col}_hi") if col != "value" else ("lo", "hi")
        if lo in frame.columns and hi in frame.columns:
            skip |= {lo, hi}
    for col in columns:
        if col in skip:
            continue
        values = [format_value(v, col) for v in frame[col].tolist()]
        lo, hi = (f"{col}_lo", f"{col}_hi") if col != "value" else ("lo", "hi")
        if lo in frame.columns and hi in frame.columns:
            los = [format_value(v, col) for v in frame[lo].tolist()]
            his = [format_value(v, col) for v in frame[hi].tolist()]
            values = [
                v if v == "–" or a == b == "–" else f"{v} [{a}, {b}]"
                for v, a, b in zip(values, los, his, strict=True)
            ]
        out[str(col)] = values
    return pd.DataFrame(out, index=range(len(frame)))


def _rows_for(name: str, table: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The rows (and columns) of ``table`` worth showing, and a note about what was cut."""
    full = f"full table in tables/{safe_stem(name)}.csv"
    if name.startswith("distinctive_") and "z" in table.columns:
        ranked = table.sort_values("z", ascending=False)
        if len(ranked) > 2 * DISTINCTIVE_ROWS:
            shown = pd.concat([ranked.head(DISTINCTIVE_ROWS), ranked.tail(DISTINCTIVE_ROWS)])
            return shown, (
                f"The {DISTINCTIVE_ROWS} most distinctive tokens each way of {len(table):,}; {full}."
            )
        return ranked, ""
    if name.startswith("word_freq_"):
        if len(table) > WORD_FREQ_ROWS:
            return table.head(WORD_FREQ_ROWS), f"Top {WORD_FREQ_ROWS} of {len(table):,}; {full}."
        return table, ""
    if name.startswith("transitions_") and {"ref_bin", "run_bin", "count"} <= set(table.columns):
        from traceanalysis.report.style import ordered_bins

        bins = ordered_bins(list(table["ref_bin"]) + list(table["run_bin"]))
        matrix = table.pivot_table(
            index="ref_bin", columns="run_bin", values="count", aggfunc="sum", fill_value=0,
            observed=False,
        ).reindex(index=bins, columns=bins, fill_value=0)  # fmt: skip
        matrix = matrix.astype(int).reset_index().rename(columns={"ref_bin": "reference bin"})
        matrix.columns = [str(c) for c in matrix.columns]
        return matrix, "Problem counts: reference bin (rows) to run bin (columns)."
    if name == "difficulty" and {"bin", "run", "accuracy"} <= set(table.columns):
        return _difficulty_wide(table), (
            "Accuracy (fraction) per bin and run; Δ columns: difference from the reference run "
            "on the same problems. Brackets: 95% bootstrap CIs over the problems of the bin "
            "(paired for Δ; none for a bin of one problem)."
        )
    if name == "entropy" and {"bin", "run", "mean_entropy"} <= set(table.columns):
        from traceanalysis.report.style import ordered_bins

        table = table.assign(bin=table["bin"].astype(str))
        wide = _wide(table, "bin", "mean_entropy", "{run}")
        order = [b for b in ["all", *ordered_bins(table["bin"])] if b in wide.index]
        wide = wide.reindex(list(dict.fromkeys(order))).rename_axis("bin").reset_index()
        return wide, "Mean answer entropy (bits) over the problems in each bin, per run."
    if name == "audit" and {"feature", "run", "auroc_pooled", "auroc_within"} <= set(table.columns):
        return _audit_wide(table), (
            "AUROC for telling correct from incorrect responses, over all bins: pooled, and "
            "within problems with a 95% CI (a value marked untested averages fewer "
            "informative problems than the audit tests: no CI, no test, verdict cannot tell). "
            "p- and q-values, fixed-effects coefficients, verdicts and per-bin rows are in "
            "tables/audit.csv."
        )
    if name == "behaviors" and {"behavior", "run", "share_present"} <= set(table.columns):
        return _behaviors_wide(table), (
            "Share of responses showing each behaviour (rule tagger); judge shares and "
            "judge-vs-rules Cohen's κ where an LLM judge ran. Mean counts in the CSV."
        )
    for col, keep in (("difficulty_bin", "all"), ("bin", "all")):
        if name in ("lexical", "audit") and col in table.columns:
            rows = table[table[col].astype(str) == keep]
            if 0 < len(rows) < len(table):
                rows = rows.drop(columns=col)
                return (
                    rows,
                    f"Rows over all difficulty bins; per-bin rows in tables/{safe_stem(name)}.csv.",
                )
    if len(table) > MAX_ROWS:
        return table.head(MAX_ROWS), f"First {MAX_ROWS} of {len(table):,} rows; {full}."
    return table, ""


def _wide(table: pd.DataFrame, index: str, value: str, label: str) -> pd.DataFrame:
    """``value`` per ``index`` row and run column (runs in order of appearance)."""
    runs = list(dict.fromkeys(table["run"].astype(str)))
    wide = table.assign(run=table["run"].astype(str)).pivot_table(
        index=index, columns="run", values=value, aggfunc="first", sort=False, observed=True
    )
    wide = wide.reindex(columns=runs)
    wide.columns = [label.format(run=r) for r in runs]
    return wide


def _difficulty_wide(table: pd.DataFrame) -> pd.DataFrame:
    """Bins as rows, each run's accuracy (and delta vs the reference) as columns."""
    from traceanalysis.report.style import ordered_bins

    table = table.assign(bin=table["bin"].astype(str))
    bins = ordered_bins(table["bin"])
    shown = table.assign(  # "x [lo, hi]" where the table has the bin's bootstrap CI
        **{
            f"_{col}": fold_intervals(table[[c for c in (col, lo, hi) if c in table.columns]]
                                      .rename(columns={lo: f"{col}_lo", hi: f"{col}_hi"}))[col]
            .to_numpy()
            for col, lo, hi in (("accuracy", "accuracy_lo", "accuracy_hi"),
                                ("delta_vs_reference", "delta_lo", "delta_hi"))
            if col in table.columns
        }
    )  # fmt: skip
    parts = [_wide(shown, "bin", "_accuracy", "{run}")]
    if "delta_vs_reference" in table.columns:
        delta = _wide(table, "bin", "delta_vs_reference", "Δ {run}")
        nonzero = [c for c in delta.columns if delta[c].fillna(0).abs().sum() > 0]
        parts.append(_wide(shown, "bin", "_delta_vs_reference", "Δ {run}")[nonzero])
    wide = pd.concat(parts, axis=1).reindex(bins)
    if "n_problems" in table.columns:
        wide.insert(0, "problems", table.groupby("bin")["n_problems"].max().reindex(bins))
    return wide.rename_axis("bin").reset_index()


def _audit_wide(table: pd.DataFrame) -> pd.DataFrame:
    """Features as rows; per run, pooled AUROC and within-problem AUROC [CI] (bin "all")."""
    if "bin" in table.columns:
        table = table[table["bin"].astype(str) == "all"]
    table = table.assign(feature=table["feature"].astype(str))
    within = fold_intervals(table[["auroc_within", "auroc_within_lo", "auroc_within_hi"]]
                            if "auroc_within_lo" in table.columns else table[["auroc_within"]])  # fmt: skip
    shown = within["auroc_within"].to_numpy(dtype=object)
    if {"auroc_within_lo", "n_problems_within"} <= set(table.columns):
        # a mean over fewer informative problems than the audit tests: no CI, no test
        untested = table["auroc_within"].notna() & table["auroc_within_lo"].isna()
        for i in np.flatnonzero(untested.to_numpy()):
            k = int(table["n_problems_within"].iloc[i])
            shown[i] = f"{shown[i]} (untested: {k} informative problem{'' if k == 1 else 's'})"
    table = table.assign(_within=shown)
    runs = list(dict.fromkeys(table["run"].astype(str)))
    parts = []
    for run in runs:
        rows = table[table["run"].astype(str) == run].set_index("feature")
        parts.append(rows["auroc_pooled"].rename(f"{run} pooled"))
        parts.append(rows["_within"].rename(f"{run} within"))
    wide = pd.concat(parts, axis=1)
    features = list(dict.fromkeys(table["feature"]))
    wide = wide.reindex(features)
    labels = (
        dict(zip(table["feature"], table["label"].astype(str), strict=True))
        if "label" in table
        else {}
    )
    wide.index = [labels.get(f, f) for f in features]
    return wide.rename_axis("feature").reset_index()


def _behaviors_wide(table: pd.DataFrame) -> pd.DataFrame:
    """Behaviours as rows, each run's share (and judge share, kappa) as columns."""
    table = table.assign(behavior=table["behavior"].astype(str))
    parts = [_wide(table, "behavior", "share_present", "{run}")]
    for column, label in (("judge_share_present", "{run} (judge)"), ("kappa", "κ {run}")):
        if column in table.columns and table[column].notna().any():
            parts.append(_wide(table, "behavior", column, label))
    return pd.concat(parts, axis=1).rename_axis("behaviour").reset_index()


def table_view(name: str, table: pd.DataFrame) -> TableView:
    """The display view of one named table (DESIGN.md names)."""
    rows, note = _rows_for(name, table)
    if "label" in rows.columns:  # a readable label replaces the machine names beside it
        rows = rows.drop(
            columns=[c for c in ("feature", "indicator", "column") if c in rows.columns]
        )
        rows = rows[["label", *(c for c in rows.columns if c != "label")]]
    if name == "flexible" and "auroc_within" in rows.columns:
        note = (note + " value: pooled rate per 1k tokens, or share of responses; "
                "auroc_within: the audit's within-problem AUROC of the per-response measure "
                "(for a rate, each response's own rate per 1k tokens).").strip()  # fmt: skip
    if name == "lexical":
        hidden = ("_present_share", "_per_response", "_mean_per_1k")
        rows = rows[[c for c in rows.columns if not c.endswith(hidden)]]
        if "tokenizer" in rows.columns:  # the page names it for people; the CSV keeps the id
            from traceanalysis.report.style import tokenizer_name

            rows = rows.assign(tokenizer=rows["tokenizer"].map(lambda t: tokenizer_name(str(t))))
        note = (note + " Pooled rates: total matches per 1,000 reference tokens of the row "
                "(L_pooled_per_1k); the mean of per-response rates (L_mean_per_1k), "
                "per-response counts and presence shares are in the CSV.").strip()  # fmt: skip
    return TableView(name=name, frame=fold_intervals(rows.reset_index(drop=True)), note=note)
