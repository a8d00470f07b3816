"""The samples table in DuckDB: facets, filtered pages, full-text search, problems.

The report's samples.parquet is copied once into a DuckDB table (a database file in a
temporary folder) with ``rid``, its row number in the file. A page is one query: the page's
rids (filters on the small columns, ``ORDER BY rid LIMIT ? OFFSET ?``) and then only those
rows' full columns. A
search is a case-insensitive literal substring of ``response`` (:func:`text_condition`):
the text is scanned once per distinct search and filters (only the filtered rows), and the
matching rids, numbered, stay in a temporary table, so every later page of the same search
is a range of that table and its total a count of it. Every user value is a query
parameter.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import threading
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Any

from traceanalysis.errors import InputError
from traceanalysis.metrics.order import role_order
from traceanalysis.view.catalog import Catalog
from traceanalysis.view.deps import require
from traceanalysis.view.filters import Facets, Query, Where, quote

SEARCH_CACHE = 8  # distinct searches whose matching rids are kept
REQUIRED = ("run", "problem_id", "sample_idx", "response")


def text_condition(text: str) -> tuple[str, str]:
    """The SQL test (one ``?``) and its value for "response contains ``text``, any case".

    ``ILIKE '%text%'`` is DuckDB's fastest case-insensitive substring test, but ``%`` and
    ``_`` inside would be wildcards, so a search holding one compares lower cases instead.
    """
    if "%" in text or "_" in text:
        return "contains(lower(response), ?)", text.lower()
    return "response ILIKE ?", f"%{text}%"


def _clean(value: Any) -> Any:
    """A cell as JSON: NaN and infinities become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class SampleStore(Catalog):
    """One report's samples.parquet, queried through DuckDB (thread-safe: one lock)."""

    def __init__(self, parquet: Path):
        """Copy ``parquet`` into a DuckDB database in a temporary folder (compressed and
        paged by DuckDB's buffer manager, so memory stays well below the text's size) and
        read its facets. The folder goes with :meth:`close` or at exit."""
        duckdb = require("duckdb")
        self.path = Path(parquet)
        self._lock = threading.Lock()
        self._folder = tempfile.mkdtemp(prefix="traceanalysis-view-")
        self._cleanup = weakref.finalize(self, shutil.rmtree, self._folder, True)
        self._con = duckdb.connect(str(Path(self._folder) / "samples.duckdb"))
        self._con.execute("SET preserve_insertion_order = true")  # LIMIT without ORDER BY
        try:
            self._con.execute(
                "CREATE TABLE s AS SELECT file_row_number AS rid, * EXCLUDE (file_row_number) "
                "FROM read_parquet(?, file_row_number = true)",  # in file order, as rid
                [str(self.path)],
            )
        except duckdb.Error as exc:
            self.close()
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(f"{self.path}: cannot be read as Parquet ({first})") from None
        names = [r[0] for r in self._con.execute("DESCRIBE s").fetchall()]
        missing = [c for c in REQUIRED if c not in names]
        if missing:
            self.close()
            raise InputError(
                f"{self.path}: not a samples table of a report: no {', '.join(missing)} column"
            )
        self._con.execute("CREATE INDEX s_problem ON s (problem_id)")  # problem pages, lookups
        self._searches: OrderedDict[tuple, str] = OrderedDict()
        self._next = 0
        self.columns = [r[0] for r in self._con.execute("DESCRIBE s").fetchall()]
        self.facets = self._facets()
        self.n_rows = int(self._scalar("SELECT count(*) FROM s"))

    def close(self) -> None:
        """Close the database and remove its temporary folder."""
        with self._lock:
            self._con.close()
        self._cleanup()

    def _scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        row = self._con.execute(sql, params or []).fetchone()
        return row[0] if row else None

    def _distinct(self, column: str) -> list[str]:
        if column not in self.columns:
            return []
        rows = self._con.execute(
            f"SELECT DISTINCT {quote(column)} FROM s WHERE {quote(column)} IS NOT NULL ORDER BY 1"
        ).fetchall()
        return [str(r[0]) for r in rows]

    def _facets(self) -> Facets:
        pairs = self._con.execute(
            "SELECT run, any_value(role) FROM s GROUP BY run ORDER BY min(rid)"
            if "role" in self.columns
            else "SELECT run, NULL FROM s GROUP BY run ORDER BY min(rid)"
        ).fetchall()
        roles = {str(r): str(role) for r, role in pairs if role is not None}
        runs = role_order([str(r) for r, _ in pairs], roles)
        bins = [c for c in ("difficulty_bin", "difficulty_bin_coarse") if c in self.columns]
        bin_column = bins[0] if bins else None
        behaviors = [
            c[len("behavior_") : -len("_present")]
            for c in self.columns
            if c.startswith("behavior_") and c.endswith("_present")
        ]
        lexicons = [
            c[: -len("_present")]
            for c in self.columns
            if c.endswith("_present") and not c.startswith(("behavior_", "judge_"))
        ]
        has_step = "step" in self.columns and bool(self._scalar("SELECT count(step) FROM s") or 0)
        return Facets(
            runs=tuple(runs),
            roles=tuple(self._distinct("role")),
            statuses=tuple(self._distinct("grade_status")),
            bins=tuple(self._bins(bin_column)),
            bin_column=bin_column,
            behaviors=tuple(behaviors),
            lexicons=tuple(lexicons),
            has_step=has_step,
            columns=tuple(self.columns),
        )

    def _bins(self, column: str | None) -> list[str]:
        """Difficulty bins, hardest first by their success rate where ``ref_rate`` exists."""
        if column is None:
            return []
        if "ref_rate" in self.columns:
            rows = self._con.execute(
                f"SELECT {quote(column)} FROM s WHERE {quote(column)} IS NOT NULL "
                f"GROUP BY 1 ORDER BY min(ref_rate), 1"
            ).fetchall()
            return [str(r[0]) for r in rows]
        return self._distinct(column)

    def facet_dict(self) -> dict[str, Any]:
        """The facets as JSON for the page: every filter's possible values."""
        f = self.facets
        steps: list[int] = []
        if f.has_step:
            rows = self._con.execute(
                "SELECT DISTINCT step FROM s WHERE step IS NOT NULL ORDER BY 1 LIMIT 1001"
            ).fetchall()
            steps = [int(r[0]) for r in rows]
        return {
            "rows": self.n_rows, "runs": list(f.runs), "roles": list(f.roles),
            "grade_statuses": list(f.statuses), "difficulty_bins": list(f.bins),
            "difficulty_column": f.bin_column, "behaviors": list(f.behaviors),
            "lexicons": list(f.lexicons), "has_step": f.has_step, "steps": steps[:1000],
            "has_correct": "correct" in self.columns,
            "has_lexicon_spans": "lexicon_spans" in self.columns,
        }  # fmt: skip

    def _search_table(self, text: str, where: Where) -> str:
        """The temporary table ``(pos, rid)`` of the rows that pass ``where`` and whose
        response contains ``text`` in any case, ``pos`` counting them in rid order.

        Made once per search and filters: from the search's matches over the whole table
        when those are cached (a join), else by scanning the text of the filtered rows
        (DuckDB applies the cheap filters first).
        """
        key = text.lower()
        scoped = (key, tuple(where.parts), tuple(map(repr, where.params)))  # as _scope
        if scoped in self._searches:
            self._searches.move_to_end(scoped)
            return self._searches[scoped]
        everywhere = self._searches.get((key, (), ()))
        if everywhere is not None:
            cond, params = [*where.parts, f"rid IN (SELECT rid FROM {everywhere})"], where.params
        else:
            test, value = text_condition(text)
            cond, params = [*where.parts, test], [*where.params, value]
        name = f"hits_{self._next}"
        self._next += 1
        self._con.execute(
            f"CREATE TEMP TABLE {name} AS SELECT row_number() OVER (ORDER BY rid) - 1 AS pos, "
            f"rid FROM s WHERE {' AND '.join(cond)}",
            params,
        )
        self._searches[scoped] = name
        while len(self._searches) > SEARCH_CACHE:
            _, old = self._searches.popitem(last=False)
            self._con.execute(f"DROP TABLE IF EXISTS {old}")
        return name

    def _records(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        cursor = self._con.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [
            {k: _clean(v) for k, v in zip(names, row, strict=True)} for row in cursor.fetchall()
        ]

    def _scope(self, query: Query) -> tuple:
        where = query.where
        return ((query.search or "").lower(), tuple(where.parts), tuple(map(repr, where.params)))

    def _cached(self, query: Query) -> bool:
        key = (query.search or "").lower()
        return self._scope(query) in self._searches or (key, (), ()) in self._searches

    def _first_rows(self, query: Query) -> dict[str, Any]:
        """A page of a search not made yet, without its total: the scan stops once it has
        the page (the table is in rid order and DuckDB keeps insertion order)."""
        where = query.where
        test, value = text_condition(query.search or "")
        cond = " AND ".join([*where.parts, test])
        rows = self._records(
            f"SELECT * FROM s WHERE rid IN (SELECT rid FROM s WHERE {cond} LIMIT ? OFFSET ?) "
            "ORDER BY rid",
            [*where.params, value, query.limit, query.offset],
        )
        return {"total": None, "offset": query.offset, "limit": query.limit, "rows": rows}

    def samples(self, query: Query) -> dict[str, Any]:
        """``{"total": matches, "rows": [...]}`` for one checked request."""
        with self._lock:
            if query.search and not query.count and not self._cached(query):
                return self._first_rows(query)
            if query.search:
                hits = self._search_table(query.search, query.where)
                total = int(self._scalar(f"SELECT count(*) FROM {hits}"))
                page = f"SELECT rid FROM {hits} WHERE pos >= ? AND pos < ?"
                params = [query.offset, query.offset + query.limit]
            else:
                where = query.where
                total = int(self._scalar(f"SELECT count(*) FROM s{where.sql()}", where.params))
                page = f"SELECT rid FROM s{where.sql()} ORDER BY rid LIMIT ? OFFSET ?"
                params = [*where.params, query.limit, query.offset]
            rows = self._records(f"SELECT * FROM s WHERE rid IN ({page}) ORDER BY rid", params)
        return {"total": total, "offset": query.offset, "limit": query.limit, "rows": rows}
