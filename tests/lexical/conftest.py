"""Shared objects for the lexical tests: the shipped matcher and small lexicons."""

from __future__ import annotations

from pathlib import Path

import pytest

from traceanalysis.lexical import compile_lexicons, parse_lexicon

HERE = Path(__file__).parent


@pytest.fixture(scope="session")
def shipped():
    """The matcher over the shipped lexicons."""
    return compile_lexicons()


@pytest.fixture
def lexical_fixtures() -> Path:
    """tests/lexical/fixtures: a two-run runs folder and a user lexicon folder."""
    return HERE / "fixtures"


def make_lexicon(name: str, phrases: list[str], exclusions: list[str] = (), regexes=()):
    """A lexicon built in memory from phrases, exclusion phrases and regex forms."""
    entries = [{"phrase": p} for p in phrases] + [{"regex": r} for r in regexes]
    return parse_lexicon(
        {
            "name": name,
            "version": "1",
            "entries": entries,
            "exclusions": [{"phrase": p} for p in exclusions],
        }
    )
