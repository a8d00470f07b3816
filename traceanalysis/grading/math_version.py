"""The math grader's version, importable without math-verify (the grade stage's version
is built from it at import, so grading a text run never loads math-verify)."""

from __future__ import annotations

from importlib.metadata import version

# 2: answer statements, combined boxes, value-preserving normalisation, list golds only for
# the lenient set rule, crashes never cached (issue 12).
GRADER_VERSION = f"2+math-verify-{version('math-verify')}"
