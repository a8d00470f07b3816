"""``view REPORT_DIR|RUNS``: find (or make) the report folder and serve it with uvicorn."""

from __future__ import annotations

import hashlib
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from traceanalysis.errors import InputError
from traceanalysis.view.deps import require


def report_folder(path: Path) -> Path | None:
    """The report folder ``path`` names (a folder with samples.parquet, or that file)."""
    if path.is_file() and path.name == "samples.parquet":
        return path.parent
    if path.is_dir() and (path / "samples.parquet").is_file():
        return path
    return None


def cached_report_dir(runs: Path) -> Path:
    """Where ``view RUNS`` writes the report of ``runs``: the user cache folder, one folder
    per runs folder (named by its absolute path's hash)."""
    from platformdirs import user_cache_dir

    digest = hashlib.sha256(str(runs.resolve()).encode()).hexdigest()[:12]
    return Path(user_cache_dir("traceanalysis")) / "view" / f"{runs.resolve().name}-{digest}"


def prepare(path: str, out: str | None = None, options: Any = None, quiet: bool = False) -> Path:
    """The report folder to serve: ``path`` itself, or the report written from the runs
    folder ``path`` into ``out`` (default :func:`cached_report_dir`) by the pipeline."""
    given = Path(path)
    if not given.exists():
        raise InputError(f"{path}: no such file or folder (give a report folder or a runs folder)")
    found = report_folder(given)
    if found is not None:
        return found
    from traceanalysis.pipeline import ReportOptions, analyze, write_report

    target = Path(out) if out else cached_report_dir(given)
    options = options or ReportOptions(quiet=quiet)
    if not quiet:
        print(f"view: {path} is not a report folder; analysing it into {target}", flush=True)
    start = time.perf_counter()
    write_report(analyze(given, options), target, options)
    if not quiet:
        print(f"view: report written in {time.perf_counter() - start:.1f} s", flush=True)
    return target


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InputError(f"--host/--port: cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


def url_of(sock: socket.socket) -> str:
    """``http://host:port/`` of a bound socket."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def allowed_hosts(host: str) -> list[str]:
    """Host headers the app answers (a page of another site cannot reach it by DNS tricks)."""
    if host in ("0.0.0.0", "::", ""):
        return ["*"]
    return sorted({host, "127.0.0.1", "localhost", "[::1]"})


class Server:
    """uvicorn serving one report folder on a bound socket; :meth:`start` runs it in a
    daemon thread (tests), :meth:`run` in this one (the command)."""

    def __init__(
        self, report: Path, host: str = "127.0.0.1", port: int = 0, title: str | None = None
    ):
        """Bind ``host:port`` (a busy port fails before any loading), then load the
        report's samples into DuckDB."""
        uvicorn = require("uvicorn")
        trusted = require("starlette.middleware.trustedhost")
        from traceanalysis.view.app import create_app
        from traceanalysis.view.query import SampleStore

        self.sock = bind(host, port)
        self.url = url_of(self.sock)
        try:
            self.store = SampleStore(report / "samples.parquet")
        except BaseException:
            self.sock.close()
            raise
        self.app = trusted.TrustedHostMiddleware(
            create_app(report, self.store, title=title), allowed_hosts=allowed_hosts(host)
        )
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        """Serve until interrupted (Ctrl-C)."""
        try:
            self._server.run(sockets=[self.sock])
        finally:
            if self._thread is None:  # the command: nothing else uses the store
                self.store.close()

    def start(self, timeout: float = 20.0) -> Server:
        """Serve in a daemon thread; returns once the server accepts connections."""
        self._thread = threading.Thread(target=self.run, daemon=True, name="view-server")
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the view server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Ask the server to finish and wait for its thread."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.sock.close()
        self.store.close()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def serve(
    report: Path, host: str, port: int, open_browser: bool,
    on_ready: Callable[[str], None] = print,
) -> None:  # fmt: skip
    """Serve ``report`` at ``host:port`` until interrupted; prints the URL first."""
    # uvicorn re-raises the signal that stopped it: a SIGTERM then ends Python normally,
    # so the store's temporary database folder is removed
    signal.signal(signal.SIGTERM, _terminated)
    server = Server(report, host, port)
    on_ready(
        f"view: {server.store.n_rows:,} responses from {report} at {server.url} (Ctrl-C stops)"
    )
    if open_browser:
        import webbrowser

        threading.Timer(0.5, webbrowser.open, args=(server.url,)).start()
    server.run()
