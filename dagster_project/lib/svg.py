"""Inline SVG charts for the leadership report: no JavaScript, no fonts or scripts to fetch.

Each chart is a small string of SVG that the page embeds, so the report opens offline, prints
and mails as one file. Every mark carries a <title>, which browsers show on hover: the exact
number behind the bar or dot.

A chart with nothing to draw (no bar, no category, or only undefined values) is the empty
string, never an empty frame: the page says in words what is missing instead. Undefined
values (NULL ratios arrive as NaN) are drawn at zero and labelled by `fmt`, which shows them
as undefined; they never reach a coordinate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

# Tableau 10: distinguishable, and readable by most colour-blind readers.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
ROW_HEIGHT = 22
LABEL_WIDTH = 170
VALUE_WIDTH = 90


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    tooltip: str
    highlight: bool = False


def _finite(value: float) -> float:
    """The value where it is a number, else 0: NaN or infinity must not become a coordinate."""
    return value if math.isfinite(value) else 0.0


def _scale(values: Iterable[float]) -> float:
    """The largest finite value, or 1 when none is above zero (no division by zero)."""
    return max([0.0, *(_finite(value) for value in values)]) or 1.0


def _text(x: float, y: float, text: str, *, anchor: str = "start", css: str = "") -> str:
    klass = f' class="{css}"' if css else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{klass}>{escape(text)}</text>'


def _svg_open(label: str, width: int, height: int) -> str:
    return (
        f'<svg class="chart" role="img" aria-label="{escape(label)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
    )


def bar_chart(
    bars: Sequence[Bar],
    *,
    label: str,
    fmt: Callable[[float], str],
    width: int = 640,
    label_width: int = LABEL_WIDTH,
    reference: float | None = None,
    reference_label: str = "",
) -> Markup:
    """Horizontal bars from zero; negative values are drawn as zero-length with their value."""
    if not any(math.isfinite(bar.value) for bar in bars):
        return Markup("")
    plot = width - label_width - VALUE_WIDTH
    top = _scale([bar.value for bar in bars] + [reference or 0.0])
    height = ROW_HEIGHT * len(bars) + 24
    parts = [_svg_open(label, width, height)]
    for index, bar in enumerate(bars):
        y = index * ROW_HEIGHT + 4
        length = max(_finite(bar.value), 0.0) / top * plot
        fill = PALETTE[2] if bar.highlight else PALETTE[0]
        parts.append(
            f"<g><title>{escape(bar.tooltip)}</title>"
            + _text(label_width - 6, y + 14, bar.label, anchor="end")
            + f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{ROW_HEIGHT - 8}"'
            f' fill="{fill}"/>' + _text(label_width + length + 4, y + 14, fmt(bar.value)) + "</g>"
        )
    if reference is not None:
        x = label_width + reference / top * plot
        bottom = ROW_HEIGHT * len(bars) + 6
        parts.append(
            f'<line x1="{x:.1f}" y1="2" x2="{x:.1f}" y2="{bottom}" class="reference"/>'
            + _text(x, bottom + 14, reference_label, anchor="middle", css="muted")
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def range_dot_plot(
    values: Mapping[str, Mapping[str, float]],
    series: Sequence[str],
    *,
    label: str,
    fmt: Callable[[float], str],
    width: int = 760,
) -> Markup:
    """One row per category: a line from its lowest to its highest value, one dot per series.

    For attribution this shows at a glance where the models agree (short line) and where the
    choice of model moves a channel's credit (long line).
    """
    if not series or not any(
        math.isfinite(row.get(name, 0.0)) for row in values.values() for name in series
    ):
        return Markup("")
    plot = width - LABEL_WIDTH - 20
    top = _scale(v for row in values.values() for v in row.values())
    legend_rows = (len(series) + 4) // 5
    height = ROW_HEIGHT * len(values) + 20 * legend_rows + 30
    parts = [_svg_open(label, width, height)]
    for index, (category, row) in enumerate(values.items()):
        y = index * ROW_HEIGHT + 14
        xs = {name: LABEL_WIDTH + _finite(row.get(name, 0.0)) / top * plot for name in series}
        parts.append(_text(LABEL_WIDTH - 8, y + 4, category, anchor="end"))
        parts.append(
            f'<line x1="{min(xs.values()):.1f}" y1="{y}" x2="{max(xs.values()):.1f}" y2="{y}"'
            ' class="range"/>'
        )
        for position, name in enumerate(series):
            parts.append(
                f'<circle cx="{xs[name]:.1f}" cy="{y}" r="5" fill="{PALETTE[position % 10]}">'
                f"<title>{escape(f'{category} · {name}: {fmt(row.get(name, 0.0))}')}</title>"
                "</circle>"
            )
    legend_top = ROW_HEIGHT * len(values) + 16
    for position, name in enumerate(series):
        x = LABEL_WIDTH + (position % 5) * 120
        y = legend_top + (position // 5) * 20
        parts.append(
            f'<circle cx="{x}" cy="{y}" r="5" fill="{PALETTE[position % 10]}"/>'
            + _text(x + 9, y + 4, name)
        )
    parts.append("</svg>")
    return Markup("".join(parts))
