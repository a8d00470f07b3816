"""Write every aggregate table as CSV (12 significant digits) and LaTeX (booktabs, via Styler).

CSV keeps every row, with floats to 12 significant digits (:data:`CSV_FLOAT_FORMAT`): far
below any statistical error, and the same text on every machine even when a sum's last bits
differ (reruns compare equal with ``diff``). File names come from :func:`safe_stem` (a run
name such as ``Qwen/Qwen2.5-Math-7B::p0::0`` is part of some table names). The LaTeX
file is for pasting into a paper: three decimals, each value with its CI as
"value [lo, hi]" in one cell, ``\\toprule``/``\\midrule``/
``\\bottomrule`` rules (the ``booktabs`` package), special characters escaped, and long
tables cut to their first ``max_latex_rows`` rows with a comment saying so.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from traceanalysis.safenames import safe_stem
from traceanalysis.score.findings import TABLE_CAPTIONS as SCORE_CAPTIONS

TABLES_WRITER_VERSION = "3"  # bump when the CSV/LaTeX output of the same tables changes
CSV_FLOAT_FORMAT = "%.12g"  # 12 significant digits: equal text for equal results everywhere
TABLE_CAPTIONS = {
    "accuracy": "Accuracy (pass@1) and capability (pass@k, maj@k) per run, 95% bootstrap CIs over problems.",
    "passk": "pass@k for every k, 95% bootstrap CIs over problems.",
    "comparisons": "Run minus reference on the problems both graded, per metric: paired bootstrap 95% CI over problems and sign-flip permutation p.",
    "support": "Problems solved (at least once) by one run and never by the other, and how many survive per-problem Fisher tests at the stated FDR (Benjamini-Hochberg).",
    "crossing": "First k at which the pass@k curves of run and reference cross, with its paired bootstrap 95% interval (inf: no crossing).",
    "agreement": "Our grade vs the input's own scores, per run, on the responses both label: agreement, Cohen's kappa, both accuracies, disagreements.",
    "disagreements": "Responses where our grade and the input's own score differ.",
    "difficulty": "Accuracy by difficulty bin (reference model's success rate) and change vs the reference.",
    "entropy": "Mean answer entropy (bits) per run and difficulty bin.",
    "lexical": "Response length and lexicon rates by run, correctness and difficulty bin.",
    "behaviors": "Share of responses showing each cognitive behaviour, and mean count.",
    "audit": "Does a feature predict correctness? Pooled vs within-problem AUROC (informative problems), p from the within-problem permutation test, q Benjamini-Hochberg over all audit tests, problem fixed-effects logit (per SD).",
    "flexible": "Flexible-reasoning indicators per run (2505.21067).",
    **SCORE_CAPTIONS,
}
_PREFIX_CAPTIONS = {
    "transitions_": "Problems moving from the reference run's difficulty bin (rows) to {rest}'s bin (columns).",
    "word_freq_": "Most frequent tokens of {rest} (per 10k tokens).",
    "distinctive_": "Distinctive tokens, {rest} (log-odds with informative Dirichlet prior, Monroe et al. 2008).",
}


def table_caption(name: str) -> str:
    """The caption used for table ``name`` in LaTeX and the reports."""
    if name in TABLE_CAPTIONS:
        return TABLE_CAPTIONS[name]
    for prefix, text in _PREFIX_CAPTIONS.items():
        if name.startswith(prefix):
            return text.format(rest=name[len(prefix) :].replace("_vs_", " vs "))
    return name.replace("_", " ")


def to_latex(df: pd.DataFrame, name: str, *, max_rows: int = 60, precision: int = 3) -> str:
    """``df`` as a booktabs LaTeX table (Styler.to_latex), the first ``max_rows`` rows."""
    shown = merge_ci_columns(df.head(max_rows).reset_index(drop=True), precision)
    shown = shown.astype({c: "object" for c in shown.columns if shown[c].dtype == bool})
    shown = shown.rename(columns=_one_line).apply(_one_line_cells)
    styler = (
        shown.style.format(precision=precision, na_rep="--", escape="latex")
        .format_index(escape="latex", axis=1)
        .hide(axis="index")
    )
    body = styler.to_latex(
        hrules=True,
        caption=_latex_escape(table_caption(name)),
        label=f"tab:{safe_stem(name).replace('_', '-')}",
        position="htbp",
        position_float="centering",
        column_format="".join(
            "r" if pd.api.types.is_numeric_dtype(shown[c]) else "l" for c in shown.columns
        ),
    )
    stem = safe_stem(name)  # a comment ends at a line break: no user text in it
    header = f"% {stem}: requires \\usepackage{{booktabs}}\n"
    if len(df) > max_rows:
        header += f"% first {max_rows} of {len(df)} rows; every row is in {stem}.csv\n"
    return header + body


def merge_ci_columns(df: pd.DataFrame, precision: int = 3) -> pd.DataFrame:
    """Fold each ``X``, ``X_lo``, ``X_hi`` triple into one "value [lo, hi]" text column."""
    out = df.copy()
    for col in [c for c in df.columns if f"{c}_lo" in df.columns and f"{c}_hi" in df.columns]:
        if not all(pd.api.types.is_numeric_dtype(df[c]) for c in (col, f"{col}_lo", f"{col}_hi")):
            continue
        v, lo, hi = (
            df[c].to_numpy(dtype=float, na_value=np.nan) for c in (col, f"{col}_lo", f"{col}_hi")
        )
        out[col] = [
            "--" if np.isnan(a) else f"{a:.{precision}f}" if np.isnan(b) or np.isnan(c)
            else f"{a:.{precision}f} [{b:.{precision}f}, {c:.{precision}f}]"
            for a, b, c in zip(v, lo, hi, strict=True)
        ]  # fmt: skip
        out = out.drop(columns=[f"{col}_lo", f"{col}_hi"])
    return out


def write_tables(
    tables: dict[str, pd.DataFrame], out_dir: Path, *, max_latex_rows: int = 60
) -> dict[str, dict[str, Path]]:
    """Write ``<stem>.csv`` and ``<stem>.tex`` for every table (``stem`` =
    :func:`~traceanalysis.safenames.safe_stem` of its name: the name itself unless it has
    characters unsafe in a file name); returns name -> {"csv", "tex"}."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, dict[str, Path]] = {}
    for name in sorted(tables):
        df = tables[name]
        stem = safe_stem(name)
        csv_path, tex_path = out_dir / f"{stem}.csv", out_dir / f"{stem}.tex"
        write_csv(df, csv_path)
        tex_path.write_text(to_latex(df, name, max_rows=max_latex_rows), encoding="utf-8")
        written[name] = {"csv": csv_path, "tex": tex_path}
    return written


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """``df`` as CSV without its index, ``\\n`` line ends, floats as
    :data:`CSV_FLOAT_FORMAT`; returns ``path``."""
    df.to_csv(path, index=False, lineterminator="\n", float_format=CSV_FLOAT_FORMAT)
    return Path(path)


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}  # fmt: skip


def _latex_escape(text: str) -> str:
    return re.sub(r"[\\&%$#_{}~^]", lambda m: _LATEX_SPECIAL[m.group(0)], _one_line(text))


def _one_line(text: object) -> object:
    """Text with its line breaks as spaces (a blank line would end a LaTeX paragraph
    inside a cell or caption); anything else unchanged."""
    return " ".join(text.split()) if isinstance(text, str) else text


def _one_line_cells(column: pd.Series) -> pd.Series:
    if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
        return column.map(_one_line, na_action="ignore")
    return column
