"""Matching problems across runs: one ``problem_id`` that means the same problem in every run.

Tools name problems differently (lm-eval ``task/doc_id``, Qwen-Math ``idx``, verl and TRL a
hash of the prompt, OpenAI Batch its ``custom_id``). :func:`match_problems` gives every row
a ``problem_id`` shared by all runs that hold that problem, and keeps the id the tool wrote
in ``source_problem_id``. The key (docs/input-formats.md, "Matching problems across runs"):

- **benchmark id** when the runs' ids come from one id space: runs whose ids overlap form a
  group, and the ids are checked against the prompts: where two runs both have a prompt
  for an id, the normalised prompts must agree (one containing the other counts, for
  few-shot prompts). One clash and the whole group falls back to prompts.
- **prompt** otherwise: the normalised prompt text (:func:`normalise_prompt`). The id kept is
  the benchmark id of a run that has one for that problem (of the run holding the most
  problems; ties: run order), else ``p-<12 hex>`` (SHA-1 of the normalised prompt).

Runs with prompt-hash ids (verl, TRL, ``--columns`` without ``problem_id``) always match by
prompt. A problem found in one run only is listed as unmatched, with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from traceanalysis.io.match_graph import Components, id_groups, prompt_hash_id, unique_ids
from traceanalysis.io.prompt_text import normalise_prompt
from traceanalysis.io.util import text_id

KEY_ID = "benchmark id"
KEY_PROMPT = "prompt"
KEY_MIXED = "mixed"
_HASH_ID = r"[0-9a-f]{12}"


class MatchReport(dict):
    """``df.attrs["problem_match"]``: shared (not deep-copied) when pandas copies attrs."""

    def __deepcopy__(self, memo: dict) -> MatchReport:
        return self


def _occurrences(df: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per (run, problem_id) in order of first appearance, and each row's code."""
    grouped = df.groupby(["run", "problem_id"], sort=False, dropna=False, observed=True)
    codes = grouped.ngroup().to_numpy()
    occ = grouped.agg(
        source=("source_problem_id", "first"), prompt=("prompt", "first")
    ).reset_index()
    occ["has_prompt"] = occ["prompt"].notna() & occ["prompt"].ne("")
    return occ, codes


def _hash_runs(occ: pd.DataFrame) -> set[str]:
    """Runs whose every id is the 12-hex hash of its prompt text (verl, TRL, mapped)."""
    looks = occ["problem_id"].str.fullmatch(_HASH_ID).fillna(False)
    out = set()
    for run, part in occ[looks].groupby("run", sort=False):
        if looks[occ["run"] == run].all() and part["has_prompt"].all():
            prompts, ids = part["prompt"].tolist(), part["problem_id"].tolist()
            if all(text_id(p) == i for p, i in zip(prompts, ids, strict=True)):
                out.add(str(run))
    return out


def _agree(a: str, b: str) -> bool:
    """Same question: equal, or one inside the other (a few-shot prompt holds examples)."""
    return not a or not b or a in b or b in a


def _clashes(occ: pd.DataFrame, groups: dict[str, int]) -> dict[int, list[dict]]:
    """Per id group: the ids whose prompts disagree between runs (only differing raw
    prompts are normalised, so runs from one tool cost no text work)."""
    sub = occ[occ["run"].isin(groups) & occ["has_prompt"]]
    sub = sub.assign(group=sub["run"].map(groups))
    shared = sub.groupby(["group", "problem_id"], observed=True)["prompt"].transform("nunique")
    out: dict[int, list[dict]] = {}
    for (group, pid), part in sub[shared > 1].groupby(["group", "problem_id"], sort=False):
        texts = [normalise_prompt(p) for p in part["prompt"].tolist()]
        first = texts[0]
        for run, text in zip(part["run"].tolist()[1:], texts[1:], strict=True):
            if not _agree(first, text):
                runs = [str(part["run"].iloc[0]), str(run)]
                out.setdefault(int(group), []).append({"problem_id": str(pid), "runs": runs})
                break
    return out


def _report(
    key: str, counts: dict[str, int], n: int, unmatched: list[dict], clashes: list[dict]
) -> MatchReport:
    return MatchReport(
        key=key, counts=counts, n_problems=n, unmatched=unmatched, clashes=clashes[:20]
    )


def _reason(node: Mapping, fmt: str | None, by_id: bool, why: str | None) -> str:
    """Why a problem found in one run only matched nothing."""
    if why:
        return why
    if not node["has_prompt"]:
        if fmt == "openai_batch":
            return "no prompt: OpenAI Batch output without its batch input file beside it"
        return "its id is in no other run, and it has no prompt to match by"
    if by_id:
        return "no problem with the same id or the same prompt in another run"
    return "no problem with the same prompt in another run"


def _unmatched(nodes: pd.DataFrame, runs: Mapping, ids: str, note: dict[str, str]) -> list[dict]:
    """The report entries for ``nodes`` (problems of one run only); ``ids`` names the column
    holding their final id, ``note`` maps node index -> reason, or run -> reason suffix."""
    out = []
    for i, node in zip(nodes.index.tolist(), nodes.to_dict("records"), strict=True):
        run = str(node["run"])
        fmt = getattr(runs.get(run), "format", None)
        reason = _reason(node, fmt, node.get("by_id", True), note.get(i))
        out.append(
            {
                "run": run,
                "problem_id": str(node[ids]),
                "source_problem_id": str(node["source"]),
                "reason": reason + note.get(run, ""),
            }
        )
    return out


def match_problems(df: pd.DataFrame, runs: Mapping[str, object] | None = None) -> pd.DataFrame:
    """A copy of ``df`` whose ``problem_id`` names the same problem in every run.

    ``runs`` maps run names to their :class:`~traceanalysis.schema.RunInfo` (for the run
    order and the format). ``source_problem_id`` keeps the id the input wrote (filled from
    ``problem_id`` where a reader left it empty). Rows are never added or dropped, and no
    two problems of one run ever get the same id. The outcome is in
    ``attrs["problem_match"]``: ``key`` (``"benchmark id"``, ``"prompt"`` or ``"mixed"``),
    ``counts`` (problems matched by each key), ``n_problems``, ``unmatched`` (one
    ``{"run", "problem_id", "source_problem_id", "reason"}`` per problem found in one run
    only) and ``clashes`` (up to 20 ids whose prompts disagree between runs). Always
    ``sum(counts) + len(unmatched) == n_problems``; with one run every problem counts under
    its own key and nothing is unmatched.
    """
    runs = dict(runs or {})
    out = df.copy()
    for column in ("source_problem_id", "prompt"):  # a frame built by hand may lack them
        if column not in out.columns:
            out[column] = pd.Series(pd.NA, index=out.index, dtype="string")
    out["source_problem_id"] = out["source_problem_id"].fillna(out["problem_id"])
    nodes, codes = _occurrences(out)
    present = set(nodes["run"].tolist())
    order = [r for r in runs if r in present]
    order += [r for r in dict.fromkeys(nodes["run"].tolist()) if r not in order]
    hashed = _hash_runs(nodes)
    if len(order) <= 1:
        key = KEY_PROMPT if hashed else KEY_ID
        n = int(nodes["problem_id"].nunique())
        out.attrs["problem_match"] = _report(key, {key: n} if n else {}, n, [], [])
        return out
    groups = id_groups(nodes[~nodes["run"].isin(hashed)])
    clashes = _clashes(nodes, groups)
    if not hashed and len(set(groups.values())) == 1 and not clashes:
        return _shared_ids(out, nodes, runs)
    return _by_prompt(out, nodes, codes, runs, order, hashed, groups, clashes)


def _shared_ids(df: pd.DataFrame, nodes: pd.DataFrame, runs: Mapping) -> pd.DataFrame:
    """Every run shares one id space: ids unchanged; count and list the unmatched."""
    n_runs = nodes.groupby("problem_id", observed=True)["run"].transform("nunique")
    unmatched = _unmatched(nodes[n_runs < 2], runs, "problem_id", {})
    n = int(nodes["problem_id"].nunique())
    counts = {KEY_ID: n - len(unmatched)} if n > len(unmatched) else {}
    df.attrs["problem_match"] = _report(KEY_ID, counts, n, unmatched, [])
    return df


def _pairs(frame: pd.DataFrame, by: list[pd.Series]) -> list[tuple[int, int]]:
    """(first node, other node) for every node after the first of its group, in order."""
    nodes = pd.Series(frame.index, index=frame.index)
    first = nodes.groupby(by, sort=False).transform("first")
    later = first != nodes
    return list(zip(first[later].tolist(), nodes[later].tolist(), strict=True))


Clashes = dict[int, list[dict]]  # id group -> ids whose prompts disagree


def _by_prompt(
    df: pd.DataFrame,
    nodes: pd.DataFrame,
    codes: np.ndarray,
    runs: Mapping,
    order: list[str],
    hashed: set[str],
    groups: dict[str, int],
    clashes: Clashes,
) -> pd.DataFrame:
    """Join by id inside clash-free id groups, then by normalised prompt across all runs."""
    # Runs holding more problems come first (then run order): their ids are the ones kept,
    # so the matched ids come from as few id spaces as possible.
    held = nodes["run"].value_counts()
    ranking = sorted(order, key=lambda r: (-int(held[r]), order.index(r)))
    nodes = nodes.assign(rank=nodes["run"].map({r: i for i, r in enumerate(ranking)}))
    comps = Components(nodes["run"].tolist())
    trusted = {run: g for run, g in groups.items() if g not in clashes}
    sizes = pd.Series(trusted).value_counts()
    trusted = {run: g for run, g in trusted.items() if sizes[g] > 1}
    by_id = nodes[nodes["run"].isin(trusted)]
    for first, other in _pairs(by_id, [by_id["run"].map(trusted), by_id["problem_id"]]):
        comps.union(first, other)
    id_roots = comps.snapshot()
    cache: dict[str, str] = {}  # runs of one tool repeat the same raw prompts
    keys = []
    for prompt, has in zip(nodes["prompt"].tolist(), nodes["has_prompt"].tolist(), strict=True):
        if has and prompt not in cache:
            cache[prompt] = normalise_prompt(prompt)
        keys.append(cache[prompt] if has else "")
    nodes["key"] = keys
    note: dict = {}
    keyed = nodes[nodes["key"] != ""]
    per_run = keyed.groupby(["run", "key"], sort=False)["key"].transform("size")
    for i, n in per_run[per_run > 1].items():
        note[i] = f"its prompt is shared by {n} problems of this run: cannot tell them apart"
    usable = keyed[per_run < 2].sort_values("rank", kind="stable")
    crowded = keyed[per_run > 1].groupby("key", sort=False)["run"].first()  # key -> a run
    for i, key, run in zip(usable.index, usable["key"], usable["run"], strict=True):
        if key in crowded.index and crowded[key] != run:  # reason if it stays unmatched
            note[i] = f"its prompt is shared by several problems of run {crowded[key]}"
    for first, other in _pairs(usable, [usable["key"]]):
        if not comps.union(first, other):
            note.setdefault(
                other,
                "same prompt as a problem of another run that is "
                "already matched to a different problem of this run",
            )
    nodes["root"] = comps.snapshot()
    nodes["id_root"] = id_roots
    nodes["by_id"] = ~nodes["run"].isin(hashed)
    for run, g in groups.items():
        if g in clashes:
            example = clashes[g][0]
            note[run] = (
                f" (ids not used: id {example['problem_id']!r} has different prompts in "
                f"runs {example['runs'][0]} and {example['runs'][1]})"
            )
    return _assign(df, nodes, codes, runs, hashed, note, clashes)


def _assign(
    df: pd.DataFrame,
    nodes: pd.DataFrame,
    codes: np.ndarray,
    runs: Mapping,
    hashed: set[str],
    note: dict,
    clashes: Clashes,
) -> pd.DataFrame:
    """Name every component, write the ids into the rows and the report into attrs."""
    grouped = nodes.groupby("root", sort=False)
    n_runs = grouped["run"].transform("nunique")
    via_id = grouped["id_root"].transform("nunique").eq(1)
    ranked = nodes.sort_values("rank", kind="stable")
    first = ranked.groupby("root", sort=False).first()
    bench = ranked[~ranked["run"].isin(hashed)].groupby("root", sort=False)
    bench = bench[["problem_id", "rank"]].first().reindex(first.index)
    keys = first["key"].where(first["key"] != "", "id:" + first["run"] + "\0" + first["problem_id"])
    candidates = bench["problem_id"].astype(object)
    missing = candidates.isna()
    candidates[missing] = [prompt_hash_id(k) for k in keys[missing].tolist()]

    def members(root: object) -> str:
        part = ranked[ranked["root"] == root]
        return "\0".join((part["run"] + "/" + part["problem_id"]).tolist())

    priority = bench["rank"].fillna(len(runs) + len(nodes)).astype(int)  # p- ids last
    final = unique_ids(candidates, priority, keys.astype(object), members)
    nodes["final"] = nodes["root"].map(final)
    df["problem_id"] = pd.array(nodes["final"].to_numpy()[codes], dtype="string")
    unmatched = _unmatched(nodes[n_runs < 2], runs, "final", note)
    found = n_runs >= 2  # (assigning a Series to an empty frame would take its rows)
    matched = pd.DataFrame({"root": nodes["root"][found], "via_id": via_id[found]})
    matched = matched.drop_duplicates("root")
    counts = {KEY_ID: int(matched["via_id"].sum()), KEY_PROMPT: int((~matched["via_id"]).sum())}
    counts = {k: v for k, v in counts.items() if v}
    key = KEY_MIXED if len(counts) == 2 else next(iter(counts), KEY_PROMPT)
    all_clashes = [c for group in clashes.values() for c in group]
    n = int(nodes["root"].nunique())
    df.attrs["problem_match"] = _report(key, counts, n, unmatched, all_clashes)
    return df


def describe(report: Mapping) -> str:
    """One line for ``attrs["problem_match"]``: the key, the counts per key, the unmatched."""
    counts = ", ".join(f"{n} by {key}" for key, n in report["counts"].items()) or "none matched"
    unmatched = len(report["unmatched"])
    return (
        f"{report['n_problems']} problem(s), matched across runs by {report['key']} "
        f"({counts}); {unmatched} found in one run only"
    )
