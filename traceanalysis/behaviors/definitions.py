"""Behaviour definitions kept as data: ``traceanalysis/lexicons/behaviors/<name>.yaml``.

Each file holds one behaviour: ``name``, ``version``, ``title``, ``definition``, ``source``,
``positive_examples``, ``negative_examples``, ``cues`` (entries with ``phrase`` or
``regex``, optionally ``source``) and ``exclusions`` (same shape). The rule tagger uses the
cues; the LLM judge prompt uses the definition and the examples.

Cue matching is whole-word and case-insensitive: a ``phrase`` becomes
``\\bword\\s+word\\b``, so "ok" never matches "look" and "wait" never matches "awaited".
The tagger matches them with :mod:`traceanalysis.text` (see
:mod:`traceanalysis.behaviors.cuescan`); :meth:`Behavior.cue_spans` is the plain-``re``
definition it is tested against.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from traceanalysis.errors import InputError

BEHAVIORS: tuple[str, ...] = (
    "verification",
    "backtracking",
    "subgoal_setting",
    "backward_chaining",
    "multi_perspective",
    "metacognitive_awareness",
    "self_reflection",
)

_REQUIRED_KEYS = ("name", "version", "definition", "positive_examples", "negative_examples")


@dataclass(frozen=True)
class Behavior:
    """One behaviour definition with its compiled cue and exclusion patterns."""

    name: str
    version: str
    title: str
    definition: str
    source: str
    positive_examples: tuple[str, ...]
    negative_examples: tuple[str, ...]
    cues: re.Pattern[str]
    exclusions: re.Pattern[str] | None
    path: str
    # The same patterns lower-cased and compiled without IGNORECASE: Python's re is 2-3x
    # faster on lower-cased text than with IGNORECASE.
    cues_lower: re.Pattern[str] | None = None
    exclusions_lower: re.Pattern[str] | None = None

    def cue_spans(self, text: str, lowered: str | None = None) -> list[tuple[int, int]]:
        """Character spans of cue matches in ``text`` that no exclusion overlaps.

        ``lowered`` may pass ``text.lower()`` when the caller already has it.
        """
        low = text.lower() if lowered is None else lowered
        cues, exclusions, target = self.cues, self.exclusions, text
        if len(low) == len(text) and self.cues_lower is not None:  # offsets unchanged
            cues, exclusions, target = self.cues_lower, self.exclusions_lower, low
        spans = [m.span() for m in cues.finditer(target) if m.end() > m.start()]
        if not spans or exclusions is None:
            return spans
        excluded = [m.span() for m in exclusions.finditer(target)]
        return [s for s in spans if not any(s[0] < e1 and e0 < s[1] for e0, e1 in excluded)]


def phrase_pattern(phrase: str) -> str:
    r"""Regex source for a whole-word, whitespace-flexible phrase (``\b`` only next to word chars)."""
    words = phrase.strip().split()
    if not words:
        raise ValueError("empty phrase")
    body = r"\s+".join(re.escape(w) for w in words)
    left = r"\b" if re.match(r"\w", words[0]) else r"(?<!\w)"
    right = r"\b" if re.search(r"\w$", words[-1]) else ""
    return left + body + right


def lower_pattern(source: str) -> str:
    r"""Lower-case a regex source except escapes (``\S``, ``\W``, ``\B`` keep their case)."""
    out: list[str] = []
    i = 0
    while i < len(source):
        if source[i] == "\\" and i + 1 < len(source):
            out.append(source[i : i + 2])
            i += 2
        else:
            out.append(source[i].lower())
            i += 1
    return "".join(out)


def _lowered(pattern: re.Pattern[str] | None) -> re.Pattern[str] | None:
    return None if pattern is None else re.compile(lower_pattern(pattern.pattern), re.MULTILINE)


def _compile_entries(entries: object, path: str, key: str) -> re.Pattern[str] | None:
    if entries in (None, []):
        return None
    if not isinstance(entries, list):
        raise InputError(f"{key!r} must be a list of {{phrase|regex: ...}} entries", file=path)
    sources: list[str] = []
    for i, entry in enumerate(entries):
        if isinstance(entry, str):
            entry = {"phrase": entry}
        if not isinstance(entry, dict) or not ({"phrase", "regex"} & entry.keys()):
            raise InputError(f"{key}[{i}]: expected a mapping with 'phrase' or 'regex'", file=path)
        if "regex" in entry:
            source = str(entry["regex"])
            try:
                re.compile(source)
            except re.error as exc:
                raise InputError(f"{key}[{i}]: bad regex {source!r}: {exc}", file=path) from None
        else:
            source = phrase_pattern(str(entry["phrase"]))
        sources.append(f"(?:{source})")
    return re.compile("|".join(sources), re.IGNORECASE | re.MULTILINE)


def parse_behavior(data: object, path: str) -> Behavior:
    """Validate one behaviour YAML document and compile its patterns."""
    if not isinstance(data, dict):
        raise InputError("expected a YAML mapping with name, version, definition, ...", file=path)
    missing = [k for k in _REQUIRED_KEYS if k not in data]
    if missing:
        raise InputError(f"missing keys: {', '.join(missing)}", file=path)
    cues = _compile_entries(data.get("cues"), path, "cues")
    if cues is None:
        raise InputError("'cues' must list at least one phrase or regex", file=path)
    exclusions = _compile_entries(data.get("exclusions"), path, "exclusions")
    return Behavior(
        name=str(data["name"]),
        version=str(data["version"]),
        title=str(data.get("title") or data["name"]),
        definition=" ".join(str(data["definition"]).split()),
        source=" ".join(str(data.get("source", "")).split()),
        positive_examples=tuple(str(x) for x in data["positive_examples"]),
        negative_examples=tuple(str(x) for x in data["negative_examples"]),
        cues=cues,
        exclusions=exclusions,
        path=path,
        cues_lower=_lowered(cues),
        exclusions_lower=_lowered(exclusions),
    )


def load_behavior_file(path: str | Path) -> Behavior:
    """Load one behaviour definition file."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", file=str(p)) from None
    return parse_behavior(data, str(p))


@lru_cache(maxsize=8)
def load_behaviors(directory: str | None = None) -> tuple[Behavior, ...]:
    """All behaviour definitions in ``directory`` (default: the shipped ones), in BEHAVIORS order.

    The shipped set must define exactly the seven names of :data:`BEHAVIORS`; a user folder
    may define any subset or extra names (extra ones follow, sorted by name).
    """
    if directory is None:
        folder = resources.files("traceanalysis") / "lexicons" / "behaviors"
        files = sorted(str(f) for f in folder.iterdir() if f.name.endswith(".yaml"))
    else:
        d = Path(directory)
        if not d.is_dir():
            raise InputError("behaviour definitions folder not found", file=str(d))
        files = sorted(str(f) for f in d.glob("*.yaml"))
    if not files:
        raise InputError("no behaviour definition (*.yaml) found", file=str(directory))
    loaded = {b.name: b for b in (load_behavior_file(f) for f in files)}
    order = [n for n in BEHAVIORS if n in loaded] + sorted(set(loaded) - set(BEHAVIORS))
    return tuple(loaded[n] for n in order)


def behavior_versions(behaviors: tuple[Behavior, ...] | None = None) -> dict[str, str]:
    """``{name: version}`` for the manifest."""
    return {b.name: b.version for b in (behaviors or load_behaviors())}
