"""Runs, problems and one problem across runs: the :class:`SampleStore` queries that
summarise the table rather than page through it (a mixin over its connection and lock)."""

from __future__ import annotations

import threading
from typing import Any

from traceanalysis.view.filters import Facets, quote

PER_RUN = 64  # samples per run in the side-by-side view


class Catalog:
    """The summary queries; :class:`~traceanalysis.view.query.SampleStore` supplies the
    connection, lock, columns, facets and ``_scalar`` / ``_records``."""

    _con: Any
    _lock: threading.Lock
    columns: list[str]
    facets: Facets

    def _scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        raise NotImplementedError

    def _records(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        raise NotImplementedError

    def runs(self) -> list[dict[str, Any]]:
        """One record per run, in role order: model, role, samples, problems, accuracy."""
        model = "any_value(model)" if "model" in self.columns else "NULL"
        role = "any_value(role)" if "role" in self.columns else "NULL"
        graded = (
            "count(correct), coalesce(count_if(correct), 0)"
            if "correct" in self.columns
            else "0, 0"
        )
        with self._lock:
            rows = self._con.execute(
                f"SELECT run, {model}, {role}, count(*), count(DISTINCT problem_id), {graded} "
                "FROM s GROUP BY run"
            ).fetchall()
        by_name = {str(r[0]): r for r in rows}
        out = []
        for name in self.facets.runs:
            _, model_id, role_name, n, problems, n_graded, n_correct = by_name[name]
            out.append({
                "run": name, "model": model_id, "role": role_name, "n_samples": int(n),
                "n_problems": int(problems), "n_graded": int(n_graded),
                "n_correct": int(n_correct),
                "accuracy": (n_correct / n_graded) if n_graded else None,
            })  # fmt: skip
        return out

    def problems(self, text: str | None, offset: int, limit: int) -> dict[str, Any]:
        """Problems (id, gold, difficulty; per run: samples, graded, correct), paged;
        ``text`` keeps the problem ids that contain it."""
        gold = "any_value(gold)" if "gold" in self.columns else "NULL"
        col = self.facets.bin_column
        diff = f"any_value({quote(col)})" if col else "NULL"
        correct = (
            "count(correct), coalesce(count_if(correct), 0)"
            if "correct" in self.columns
            else "0, 0"
        )
        cond, params = "", []
        if text:
            cond, params = "WHERE contains(lower(problem_id), ?)", [text.lower()]
        with self._lock:
            total = int(self._scalar(f"SELECT count(DISTINCT problem_id) FROM s {cond}", params))
            rows = self._con.execute(
                f"WITH p AS (SELECT problem_id, min(rid) AS first FROM s {cond} GROUP BY 1 "
                "ORDER BY first LIMIT ? OFFSET ?) "
                f"SELECT s.problem_id, {gold}, {diff}, run, count(*), {correct} "
                "FROM s JOIN p USING (problem_id) GROUP BY s.problem_id, run, p.first "
                "ORDER BY p.first",
                [*params, limit, offset],
            ).fetchall()
        found: dict[str, dict[str, Any]] = {}
        for pid, gold_text, bin_name, run, n, n_graded, n_correct in rows:
            item = found.setdefault(
                str(pid),
                {
                    "problem_id": str(pid),
                    "gold": gold_text,
                    "difficulty_bin": bin_name,
                    "runs": {},
                },  # fmt: skip
            )
            item["runs"][str(run)] = {
                "n": int(n), "n_graded": int(n_graded), "n_correct": int(n_correct)
            }  # fmt: skip
        rank = {name: i for i, name in enumerate(self.facets.runs)}
        for item in found.values():  # runs in role order, as everywhere else
            item["runs"] = dict(sorted(item["runs"].items(), key=lambda kv: rank.get(kv[0], 0)))
        return {"total": total, "offset": offset, "limit": limit, "rows": list(found.values())}

    def problem(self, problem_id: str, per_run: int = PER_RUN) -> dict[str, Any] | None:
        """One problem across every run: prompt, gold and up to ``per_run`` samples per run."""
        with self._lock:
            rows = self._records(
                "SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY run ORDER BY rid) AS _k "
                "FROM s WHERE problem_id = ?) WHERE _k <= ? ORDER BY rid",
                [problem_id, per_run],
            )
            counts = dict(
                self._con.execute(
                    "SELECT run, count(*) FROM s WHERE problem_id = ? GROUP BY run", [problem_id]
                ).fetchall()
            )
        if not rows:
            return None
        first = rows[0]
        runs = []
        for name in self.facets.runs:
            samples = [{k: v for k, v in r.items() if k != "_k"} for r in rows if r["run"] == name]
            if not samples:
                continue
            graded = [r.get("correct") for r in samples if r.get("correct") is not None]
            runs.append({
                "run": name, "role": samples[0].get("role"), "model": samples[0].get("model"),
                "n_samples": int(counts.get(name, len(samples))), "n_shown": len(samples),
                "n_correct_shown": sum(bool(c) for c in graded), "samples": samples,
            })  # fmt: skip
        return {
            "problem_id": problem_id, "prompt": first.get("prompt"), "gold": first.get("gold"),
            "difficulty_bin": first.get(self.facets.bin_column) if self.facets.bin_column else None,
            "runs": runs,
        }  # fmt: skip
