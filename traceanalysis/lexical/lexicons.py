"""Versioned lexicons: YAML word lists, each with its source and per-entry provenance.

A lexicon file (``traceanalysis/lexicons/<name>.yaml``, shipped in the wheel) holds::

    name: reflection_kim2025          # lowercase identifier, becomes a column prefix
    version: "1.0"
    description: ...
    source: ...                       # citation of the list as a whole
    entries:                          # what is counted
      - {phrase: "let's check", provenance: "arXiv:2505.14216 Table 5"}
      - {regex: "re-?check(?:s|ed|ing)?", provenance: "..."}
    exclusions:                       # contexts that are never counted
      - {phrase: "and so on", reason: "..."}

Phrases match as whole words/phrases, case-insensitively; whitespace inside a phrase
matches any run of whitespace. Regex forms are Python regular expressions (no capturing
groups) matched on the lowercased text with the same word boundaries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from traceanalysis.errors import InputError
from traceanalysis.text.patterns import normalize_text

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class LexiconEntry:
    """One entry: a literal ``phrase`` or a ``regex`` form, with where it comes from."""

    phrase: str | None = None
    regex: str | None = None
    provenance: str = ""

    @property
    def text(self) -> str:
        """The phrase or the regex source, as written in the file."""
        return self.phrase if self.phrase is not None else str(self.regex)


@dataclass(frozen=True)
class Lexicon:
    """A named, versioned word list with entries and exclusions."""

    name: str
    version: str
    description: str = ""
    source: str = ""
    entries: tuple[LexiconEntry, ...] = ()
    exclusions: tuple[LexiconEntry, ...] = ()
    path: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def normalize_phrase(phrase: str) -> str:
    """Lowercase a phrase, unify apostrophes/hyphens and collapse whitespace."""
    return " ".join(normalize_text(phrase).split())


def _parse_item(item: object, where: str, what: str) -> LexiconEntry:
    if isinstance(item, str):
        item = {"phrase": item}
    if not isinstance(item, dict):
        raise InputError(
            f"{what}: expected a mapping with 'phrase' or 'regex', got {item!r}", file=where
        )
    phrase, regex = item.get("phrase"), item.get("regex")
    if (phrase is None) == (regex is None):
        raise InputError(f"{what}: needs exactly one of 'phrase' or 'regex': {item!r}", file=where)
    note = str(item.get("provenance") or item.get("reason") or item.get("source") or "")
    if phrase is not None:
        text = normalize_phrase(str(phrase))
        if not text:
            raise InputError(f"{what}: empty phrase", file=where)
        return LexiconEntry(phrase=text, provenance=note)
    try:
        compiled = re.compile(str(regex))
    except re.error as exc:
        raise InputError(f"{what}: invalid regex {regex!r} ({exc})", file=where) from None
    if compiled.groups:
        raise InputError(
            f"{what}: regex {regex!r} has capturing groups; use (?:...) instead", file=where
        )
    if compiled.match(""):
        raise InputError(f"{what}: regex {regex!r} matches the empty string", file=where)
    return LexiconEntry(regex=str(regex), provenance=note)


def parse_lexicon(
    data: dict[str, Any], *, origin: str = "<dict>", entries_key: str = "entries"
) -> Lexicon:
    """Build a :class:`Lexicon` from a parsed YAML mapping; ``origin`` names it in errors.

    ``entries_key`` lets files of the same shape but another key (e.g. behaviour ``cues``)
    reuse this parser and the matcher.
    """
    if not isinstance(data, dict):
        raise InputError("expected a YAML mapping at the top level", file=origin)
    for key in ("name", "version", entries_key):
        if key not in data:
            raise InputError(f"missing required key {key!r}", file=origin)
    name = str(data["name"])
    if not _NAME.match(name):
        raise InputError(f"name {name!r} must be lowercase letters, digits, '_'", file=origin)
    raw_entries = data.get(entries_key) or []
    raw_excl = data.get("exclusions") or []
    if not isinstance(raw_entries, list) or not raw_entries:
        raise InputError(f"{entries_key!r} must be a non-empty list", file=origin)
    if not isinstance(raw_excl, list):
        raise InputError("'exclusions' must be a list", file=origin)
    entries = tuple(
        _parse_item(x, origin, f"{entries_key}[{i}]") for i, x in enumerate(raw_entries)
    )
    exclusions = tuple(_parse_item(x, origin, f"exclusions[{i}]") for i, x in enumerate(raw_excl))
    known = {"name", "version", "description", "source", entries_key, "exclusions"}
    return Lexicon(
        name=name,
        version=str(data["version"]),
        description=" ".join(str(data.get("description") or "").split()),
        source=" ".join(str(data.get("source") or "").split()),
        entries=entries,
        exclusions=exclusions,
        path=origin,
        extra={k: v for k, v in data.items() if k not in known},
    )


def load_lexicon_file(path: str | Path, *, entries_key: str = "entries") -> Lexicon:
    """Read and validate one lexicon YAML file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read lexicon ({exc})", file=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(
            f"invalid YAML ({getattr(exc, 'problem', exc)})", file=str(path), line=line
        ) from None
    return parse_lexicon(data, origin=str(path), entries_key=entries_key)


def shipped_lexicon_dir() -> Path:
    """The folder of lexicons shipped with the package (top level only is loaded)."""
    return Path(str(resources.files("traceanalysis") / "lexicons"))


def load_lexicons(extra_dir: str | Path | None = None, *, shipped: bool = True) -> list[Lexicon]:
    """Load the shipped top-level lexicons, plus every ``*.yaml``/``*.yml`` in ``extra_dir``.

    A user lexicon with the same name as a shipped one replaces it; two files of one
    folder with the same name are an error. Subfolders (such as ``behaviors/``) are not
    read. Raises :class:`InputError` for a missing folder or a bad file.
    """
    found: dict[str, Lexicon] = {}
    folders: list[Path] = [shipped_lexicon_dir()] if shipped else []
    if extra_dir is not None:
        extra = Path(extra_dir)
        if not extra.is_dir():
            raise InputError("lexicon folder not found", file=str(extra))
        folders.append(extra)
    for folder in folders:
        files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
        if folder != folders[0] or not shipped:
            if not files:
                raise InputError("no *.yaml lexicon files in folder", file=str(folder))
        origin: dict[str, Path] = {}
        for path in files:
            lexicon = load_lexicon_file(path)
            if lexicon.name in origin:  # two files of one folder: neither silently wins
                raise InputError(
                    f"lexicon name {lexicon.name!r} is also used by {origin[lexicon.name]}",
                    file=str(path),
                )
            origin[lexicon.name] = path
            found[lexicon.name] = lexicon
    return list(found.values())
