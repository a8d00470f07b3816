"""The local web app over every sample of a report (``python -m traceanalysis view``).

- :mod:`~traceanalysis.view.deps`: the optional ``[view]`` extra (Starlette, uvicorn, DuckDB);
- :mod:`~traceanalysis.view.filters`: the query parameters checked, the WHERE clause;
- :mod:`~traceanalysis.view.query`: the samples table in DuckDB, facets, search, pages;
- :mod:`~traceanalysis.view.catalog`: runs, problems, one problem across runs;
- :mod:`~traceanalysis.view.marks`: highlight spans and the reasoning / final-answer parts;
- :mod:`~traceanalysis.view.app`: the Starlette app (JSON API and the page);
- :mod:`~traceanalysis.view.serve`: resolving REPORT_DIR|RUNS and running uvicorn;
- ``static/``: the page, its script and its style, served from package data (no CDN).
"""
