"""Exceptions that the command line turns into a one-line reason and exit code 2."""

from __future__ import annotations


class TraceAnalysisError(Exception):
    """Base class for errors caused by the user's input or options (exit code 2)."""


class InputError(TraceAnalysisError):
    """Unusable input: a missing folder, no runs, an unknown format, a bad file.

    The message names the file (and line, where there is one) and what was expected.
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None):
        where = ""
        if file is not None:
            where = f"{file}:{line}: " if line is not None else f"{file}: "
        super().__init__(where + message)
        self.file = file
        self.line = line


class GradingWorkerError(RuntimeError):
    """A grading worker process could not start, or died twice on the same job.

    A failure of the machinery, never a verdict: nothing it touched is cached, and the
    message says what happened and what to try.
    """
