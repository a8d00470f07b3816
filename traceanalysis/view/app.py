"""The Starlette app: the JSON API over a :class:`SampleStore` and the page that uses it.

Routes: ``/`` (the page), ``/static/{name}`` (its script and style, package data),
``/api/runs``, ``/api/facets``, ``/api/samples``, ``/api/problems``, ``/api/problem``.
A bad parameter is HTTP 400 with ``{"error": message}``. The page loads nothing from
elsewhere: its Content-Security-Policy allows this server only.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from traceanalysis.view.catalog import PER_RUN
from traceanalysis.view.deps import require
from traceanalysis.view.filters import BadRequest, parse
from traceanalysis.view.marks import decorate
from traceanalysis.view.query import SampleStore

STATIC = {"app.js": "text/javascript", "app.css": "text/css", "index.html": "text/html"}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'"
)


def static_text(name: str) -> str:
    """One file of the page (``static/NAME``) from the package data."""
    return resources.files("traceanalysis.view").joinpath("static", name).read_text("utf-8")


def _params(request: Any) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    return params


def _int(request: Any, key: str, default: int, hi: int) -> int:
    text = request.query_params.get(key)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f"{key}: expected an integer, got {text!r}") from None
    if not 0 <= value <= hi:
        raise BadRequest(f"{key}: must be between 0 and {hi}, got {value}")
    return value


def create_app(report: Path, store: SampleStore | None = None, title: str | None = None) -> Any:
    """The Starlette app over ``report``'s samples.parquet (or a given ``store``)."""
    applications = require("starlette.applications")
    responses = require("starlette.responses")
    routing = require("starlette.routing")
    store = store or SampleStore(report / "samples.parquet")
    JSON, HTML, Plain = responses.JSONResponse, responses.HTMLResponse, responses.Response
    headers = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}

    def page(request: Any) -> Any:
        body = static_text("index.html").replace("{{title}}", _escape(title or report.name))
        return HTML(body, headers=headers)

    def static(request: Any) -> Any:
        name = request.path_params["name"]
        if name not in STATIC or name == "index.html":
            return JSON({"error": f"no such file: {name}"}, status_code=404)
        return Plain(static_text(name), media_type=STATIC[name], headers=headers)

    def runs(request: Any) -> Any:
        return JSON(store.runs())

    def facets(request: Any) -> Any:
        return JSON(store.facet_dict() | {"title": title or report.name})

    def samples(request: Any) -> Any:
        try:
            query = parse(_params(request), store.facets)
        except BadRequest as exc:
            return JSON({"error": str(exc)}, status_code=400)
        result = store.samples(query)
        decorate(result["rows"], query.search)
        return JSON(result)

    def problems(request: Any) -> Any:
        try:
            offset = _int(request, "offset", 0, 2**62)
            limit = _int(request, "limit", 100, 1000)
        except BadRequest as exc:
            return JSON({"error": str(exc)}, status_code=400)
        if limit == 0:
            return JSON({"error": "limit: must be between 1 and 1000, got 0"}, status_code=400)
        return JSON(store.problems(request.query_params.get("q") or None, offset, limit))

    def problem(request: Any) -> Any:
        pid = request.query_params.get("id")
        if not pid:
            return JSON({"error": "id: give the problem id, e.g. /api/problem?id=P"}, 400)
        try:
            per_run = _int(request, "per_run", PER_RUN, 10_000)
        except BadRequest as exc:
            return JSON({"error": str(exc)}, status_code=400)
        found = store.problem(pid, max(per_run, 1))
        if found is None:
            return JSON({"error": f"no problem {pid!r}"}, status_code=404)
        for run in found["runs"]:
            decorate(run["samples"], None)
        return JSON(found)

    def favicon(request: Any) -> Any:
        return Plain(status_code=204)

    routes = [
        routing.Route("/", page),
        routing.Route("/favicon.ico", favicon),
        routing.Route("/static/{name}", static),
        routing.Route("/api/runs", runs),
        routing.Route("/api/facets", facets),
        routing.Route("/api/samples", samples),
        routing.Route("/api/problems", problems),
        routing.Route("/api/problem", problem),
    ]
    return applications.Starlette(routes=routes)


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
