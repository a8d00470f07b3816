"""Figure style: one colour-blind palette, one fixed colour and marker per run, paper sizes.

Every figure module asks :func:`run_styles` for a run's colour and marker, so a run looks the
same in every figure of a report. Sizes follow common two-column paper layouts (a column is
about 3.5 in wide, a full page width about 7.2 in).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from traceanalysis.behaviors.definitions import BEHAVIORS

ONE_COLUMN = 3.5  # inches
TWO_COLUMN = 7.2  # inches
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
    "figure.dpi": 100,
    "figure.autolayout": False,
    "figure.constrained_layout.use": False,
    # Liberation Sans (metric-compatible with Arial) first: its small layout tables make
    # Type 42 subsetting about twice as fast as DejaVu Sans, the fallback everywhere.
    "font.family": "sans-serif",
    "font.sans-serif": ["Liberation Sans", "Arial", "Helvetica", "DejaVu Sans"],
}


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
