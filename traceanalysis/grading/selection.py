"""Which grader grades which run: chosen from the run's golds, or forced (``--grader``).

Each gold is classified (:func:`gold_kind`): a single option letter A-J (``C``, ``(C)``,
``C)``, ``C) text``; not ``C. text``, which may be a name) is ``choice``; a gold with a
digit, a LaTeX command, a ``$`` or a math sign, a lone lower-case letter (a variable), or
no letter at all, is ``math``; other words and short phrases (Yes, No, True, False, names)
are ``text``, sentences of more than 8 words ``long``. A run whose golds are all of one
kind gets that grader; a run with no gold gets ``math`` (its ungraded path: answers
extracted, nothing judged); a mixed run gets the majority kind (ties: math, then choice,
then text, then long) and a note with the counts. No grader reads ``long`` golds
(TruthfulQA-style free answers): such a run gets ``source`` when its input carries its own
correctness labels, else ``text`` with a note that exact match is strict for them.
A mixed run read from several files (a folder of inspect_ai or lm-eval tasks, one file
per task) gets one grader per file when the files' golds choose differently.

A spec (``grade(df, grader=...)``, ``--grader``) is a grader name for every run, or
comma-separated ``RUN=NAME`` pairs with at most one bare ``NAME`` for the other runs
(``mcq=choice,text``); without a bare name the other runs are chosen from their golds.
``auto`` names the automatic choice explicitly.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from pathlib import PurePath

from traceanalysis.errors import InputError
from traceanalysis.grading.registry import get_grader

AUTO = "auto"
_MATH_SIGNS = re.compile(r"[\d\\^_=+*/<>(){}\[\]|$]|\bsqrt\b|\bpi\b|\binfty\b|\binfinity\b")
# A LaTeX command makes a gold math: MATH's "\text{Evelyn}" and "\text{(C)}" stay with
# math-verify, which reads them (the golden cases check its extraction).
_LETTER = re.compile(r"[^\W\d_]")  # a gold with no letter at all ("$$", "?") is no text
# Stricter than the choice grader's gold parsing: "A. Lincoln" is a name, not option A.
_LETTER_GOLD = re.compile(r"\(?[A-J]\)?|\(?[A-J]\)\s*\S.*", re.S)
_TIE_ORDER = ("math", "choice", "text", "long")

GraderSpec = str | Mapping[str, str] | None


def gold_kind(gold: str) -> str:
    """``choice``, ``math``, ``text`` or ``long`` (a sentence) for one non-empty gold."""
    text = gold.strip()
    if _LETTER_GOLD.fullmatch(text):
        return "choice"
    if _MATH_SIGNS.search(text) or re.fullmatch(r"[a-z]", text) or not _LETTER.search(text):
        return "math"
    return "long" if len(text.split()) > LONG_WORDS else "text"


Golds = Iterable[object] | Mapping[str, int]  # the golds, or each distinct gold's count


def _counts(golds: Golds) -> Counter[str]:
    if isinstance(golds, Mapping):
        return Counter({str(g): int(n) for g, n in golds.items()})
    return Counter(str(g) for g in golds if g is not None)


def auto_grader(golds: Golds, labelled: bool = False) -> tuple[str, str]:
    """``(grader, why)`` for one run from its golds; ``labelled``: the run carries source labels."""
    kinds: Counter[str] = Counter()
    for gold, n in _counts(golds).items():
        if gold.strip() and gold != "<NA>":  # each distinct gold classified once
            kinds[gold_kind(gold)] += n
    if not kinds:
        return "math", "no gold answer: math (answers extracted, nothing judged)"
    top = max(kinds.values())
    kind = next(k for k in _TIE_ORDER if kinds.get(k) == top)
    counts = ", ".join(f"{kinds[k]} {k}" for k in _TIE_ORDER if kinds.get(k))
    if kind != "long":
        if len(kinds) == 1:
            return kind, f"all {top} golds look like {_DESCRIBE[kind]}"
        return kind, f"mixed golds ({counts}): the majority, {kind}, grades every response"
    most = f"all {top} golds are" if len(kinds) == 1 else f"mixed golds ({counts}): most are"
    most += f" {_DESCRIBE['long']}, which no grader reads"
    if labelled:
        return "source", most + ": the input's own scores (source)"
    return "text", most + " well: text, whose exact match is strict for them"


LONG_WORDS = 8  # a text gold of more words is a sentence (TruthfulQA-style free answers)
_DESCRIBE = {
    "choice": "option letters (A-J)",
    "math": "math answers",
    "text": "short text answers",
    "long": f"sentences (more than {LONG_WORDS} words)",
}


def check_spec(spec: GraderSpec) -> None:
    """Check a spec's grammar and grader names before any input is read (run names later)."""
    parse_spec(spec, None)


def parse_spec(spec: GraderSpec, runs: list[str] | None) -> tuple[str, dict[str, str]]:
    """``(default, {run: grader})`` from a spec; checks every grader and (given runs) run name."""
    if spec is None:
        return AUTO, {}
    if isinstance(spec, Mapping):
        items = [(str(k), str(v)) for k, v in spec.items()]
        default = AUTO
    else:
        items, default = [], AUTO
        bare = []
        for part in (p.strip() for p in str(spec).split(",")):
            if not part:
                continue
            run, sep, name = part.rpartition("=")
            if sep:
                if not run.strip() or not name.strip():
                    raise InputError(f"--grader: expected NAME or RUN=NAME, got {part!r}")
                items.append((run.strip(), name.strip()))
            else:
                bare.append(name)
        if len(bare) > 1:
            raise InputError(f"--grader: more than one grader for the other runs: {bare}")
        if bare:
            default = bare[0]
    if default != AUTO:
        get_grader(default)
    per_run: dict[str, str] = {}
    for run, name in items:
        if runs is not None and run not in runs:
            raise InputError(f"--grader: no run named {run!r} (runs: {', '.join(runs)})")
        if run in per_run:
            raise InputError(f"--grader: run {run!r} is named twice")
        if name != AUTO:
            get_grader(name)
        per_run[run] = name
    return default, per_run


def _mixed(golds: Golds) -> bool:
    kinds = {gold_kind(g) for g in _counts(golds) if g.strip() and g != "<NA>"}
    return len(kinds) > 1


def _by_file(files: Mapping[str, Golds], labelled: bool) -> dict[str, object] | None:
    """One grader per input file of a mixed run (a folder of tasks), or None if one fits all."""
    if len(files) < 2:
        return None
    per_file = {}
    for file, golds in files.items():
        name, why = auto_grader(golds, labelled)
        per_file[file] = {"grader": name, "why": why}
    names = sorted({g["grader"] for g in per_file.values()})
    if len(names) < 2:
        return None
    parts = "; ".join(
        f"{PurePath(f).name}: {g['grader']} ({g['why']})" for f, g in per_file.items()
    )
    why = f"mixed golds, one grader per input file: {parts}"
    return {"grader": "+".join(names), "why": why, "files": per_file}


def choose_graders(
    golds: Mapping[str, Mapping[str, Golds]],
    spec: GraderSpec,
    labelled_runs: Collection[str] = (),
) -> dict[str, dict[str, object]]:
    """``{run: {"grader": name, "why": reason}}`` for every run (the report states it).

    ``golds``: ``{run: {input file: golds}}`` (a list, or ``{gold: count}``); ``labelled_runs``: the runs whose input
    carries its own correctness labels. A run chosen automatically whose golds are mixed
    and which comes from several files (inspect_ai and lm-eval write one per task) gets one
    grader per file when the files differ: ``grader`` is then ``"choice+math+text"`` and
    ``files`` holds ``{file: {"grader", "why"}}``.
    """
    runs = list(golds)
    default, per_run = parse_spec(spec, runs)
    chosen: dict[str, dict[str, object]] = {}
    for run in runs:
        name = per_run.get(run, default)
        if name != AUTO:
            how = f"--grader {run}={name}" if run in per_run else f"--grader {name}"
            chosen[run] = {"grader": name, "why": f"forced ({how})"}
            continue
        labelled = run in labelled_runs
        pooled: Counter[str] = Counter()
        for file_golds in golds[run].values():
            pooled.update(_counts(file_golds))
        split = _by_file(golds[run], labelled) if _mixed(pooled) else None
        if split is not None:
            chosen[run] = split
        else:
            grader_name, why = auto_grader(pooled, labelled)
            chosen[run] = {"grader": grader_name, "why": why}
    return chosen
