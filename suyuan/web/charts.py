"""Server-side inline SVG charts: a line chart over time and a horizontal bar chart, no JavaScript.

Dashboards show scans over time and by region where a person would rather look than read. The charts
are drawn here as inline SVG inside a ``<figure>``: nothing to download, no script, no CDN, printable,
and readable without CSS. Each chart is accessible: the ``<svg>`` has ``role="img"``, an
``aria-label``, a ``<title>`` and a ``<desc>`` summing it up, every point or bar a tooltip, and a
``<details>`` data table follows for screen readers and for people who want the numbers.

Labels may come from clients (a scan's region is whatever a proxy header said), so every label is
stripped of characters XML cannot carry and escaped; the output is well-formed XML as well as HTML.

The API is two functions returning :class:`markupsafe.Markup`, for any view or template::

    line_chart([("2026-01-01", 3), ("2026-01-02", 5)], title=_("Scans per day"))
    bar_chart([("Shenzhen", 40), ("other", 7)], title=_("Scans by region"))
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from flask_babel import gettext as _
from markupsafe import Markup, escape

SVG_NS = "http://www.w3.org/2000/svg"
INK, MUTED, GRID, ACCENT = "#1f2328", "#5f6b76", "#e3e6ea", "#0b57d0"
FONT_SIZE = 12
LABEL_CHARS = 16  # bar labels longer than this are cut (the full label stays in the tooltip and table)
MAX_X_LABELS = 6
BAR_ROW, BAR_HEIGHT, BAR_LABEL_WIDTH, BAR_VALUE_WIDTH = 26, 18, 150, 64
_NOT_XML = re.compile(
    "[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"  # not allowed in XML 1.0 at all
    "|[\u202a-\u202e\u2066-\u2069]"  # bidirectional overrides: a label must not reorder the page
)
_COLOR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")


def clean(label: object) -> str:
    """A label as text XML can carry: control characters and bidi overrides removed (not yet escaped)."""
    return _NOT_XML.sub("", str(label))


def _esc(label: object) -> str:
    return str(escape(clean(label)))


def _shorten(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _count(value: int) -> int:
    return max(0, int(value))


def nice_ceiling(value: int) -> tuple[int, int]:
    """The top of a y axis at or above ``value`` and its tick step (1, 2 or 5 × 10ⁿ, about 4 ticks)."""
    if value <= 0:
        return 1, 1
    raw = value / 4
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(1, int(step))
    return step * math.ceil(value / step), step


def _svg_open(width: int, height: int, title: str, summary: str) -> str:
    return (
        f'<svg xmlns="{SVG_NS}" viewBox="0 0 {width} {height}" width="{width}" role="img" '
        f'aria-label="{_esc(title)}" font-size="{FONT_SIZE}">'
        f"<title>{_esc(title)}</title><desc>{_esc(summary)}</desc>"
    )


def _table(rows: Sequence[tuple[str, int]], title: str, columns: tuple[str, str]) -> str:
    body = "".join(f"<tr><td>{_esc(label)}</td><td>{value:,}</td></tr>" for label, value in rows)
    summary = _esc(_("Data table"))  # not inside the f-string: the message extractor cannot see there
    return (
        f"<details><summary>{summary}</summary>"
        f"<table><caption>{_esc(title)}</caption><thead><tr>"
        f'<th scope="col">{_esc(columns[0])}</th><th scope="col">{_esc(columns[1])}</th>'
        f"</tr></thead><tbody>{body}</tbody></table></details>"
    )


def _summary(rows: Sequence[tuple[str, int]]) -> str:
    if not rows:
        return str(_("No data."))
    top_label, top = max(rows, key=lambda row: row[1])
    total = sum(value for _label, value in rows)
    text = _(
        "Total %(total)s; highest %(top)s (%(label)s).", total=f"{total:,}", top=f"{top:,}", label=top_label
    )
    return str(text)


def _figure(
    kind: str, svg: str, rows: Sequence[tuple[str, int]], title: str, columns: tuple[str, str]
) -> Markup:
    return Markup(f'<figure class="chart" data-chart="{kind}">{svg}{_table(rows, title, columns)}</figure>')


def line_chart(
    points: Sequence[tuple[str, int]],
    *,
    title: str,
    width: int = 640,
    height: int = 200,
    columns: tuple[str, str] | None = None,
) -> Markup:
    """A line with a shaded area over ``points`` (label, count) in order, e.g. scans per day.

    The y axis starts at zero and ends at a round number; at most six x labels are drawn (first and
    last always); each point has a tooltip with its label and value.
    """
    rows = [(clean(label), _count(value)) for label, value in points]
    columns = columns or (_("Label"), _("Value"))
    left, right, top, bottom = 48, 12, 10, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    y_max, step = nice_ceiling(max((v for _l, v in rows), default=0))

    def x(i: int) -> float:
        return left + (plot_w / 2 if len(rows) == 1 else plot_w * i / (len(rows) - 1))

    def y(v: int) -> float:
        return top + plot_h * (1 - v / y_max)

    parts = [_svg_open(width, height, title, _summary(rows))]
    for tick in range(0, y_max + 1, step):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="{MUTED}">{tick:,}</text>'
        )
    if rows:
        coords = [(x(i), y(v)) for i, (_l, v) in enumerate(rows)]
        line = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coords)
        base = y(0)
        parts.append(
            f'<path d="M{coords[0][0]:.1f},{base:.1f} L{line.replace(" ", " L")} '
            f'L{coords[-1][0]:.1f},{base:.1f} Z" fill="{ACCENT}" fill-opacity="0.12" stroke="none"/>'
            f'<polyline points="{line}" fill="none" stroke="{ACCENT}" stroke-width="2" '
            f'stroke-linejoin="round"/>'
        )
        for (label, value), (cx, cy) in zip(rows, coords, strict=True):
            parts.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{ACCENT}">'
                f"<title>{_esc(label)}: {value:,}</title></circle>"
            )
        for i in _x_label_indices(len(rows)):
            anchor = "start" if i == 0 and len(rows) > 1 else "end" if i == len(rows) - 1 else "middle"
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="{anchor}" fill="{MUTED}">'
                f"{_esc(_shorten(rows[i][0], 12))}</text>"
            )
    parts.append("</svg>")
    return _figure("line", "".join(parts), rows, title, columns)


def _x_label_indices(n: int) -> list[int]:
    """Which points get an x label: evenly spread, first and last always, at most six."""
    if n <= MAX_X_LABELS:
        return list(range(n))
    return [round(i * (n - 1) / (MAX_X_LABELS - 1)) for i in range(MAX_X_LABELS)]


def bar_chart(
    items: Sequence[tuple[str, int]],
    *,
    title: str,
    width: int = 640,
    columns: tuple[str, str] | None = None,
    colors: Sequence[str] | None = None,
) -> Markup:
    """Horizontal bars for (label, count) items in the given order, e.g. scans by region.

    Bars are scaled to the largest count; long labels are cut on the chart (tooltip and table keep
    them whole). ``colors`` optionally gives each bar a ``#rgb``/``#rrggbb`` colour (others: accent).
    """
    rows = [(clean(label), _count(value)) for label, value in items]
    columns = columns or (_("Label"), _("Value"))
    height = max(1, len(rows)) * BAR_ROW + 8
    bar_w = width - BAR_LABEL_WIDTH - BAR_VALUE_WIDTH
    largest = max((v for _l, v in rows), default=0) or 1
    parts = [_svg_open(width, height, title, _summary(rows))]
    if not rows:
        empty = _esc(_("No data."))
        parts.append(f'<text x="{width / 2:.0f}" y="20" text-anchor="middle" fill="{MUTED}">{empty}</text>')
    for i, (label, value) in enumerate(rows):
        top = 4 + i * BAR_ROW
        length = bar_w * value / largest
        color = colors[i] if colors and i < len(colors) and _COLOR.fullmatch(colors[i]) else ACCENT
        parts.append(
            f"<g><title>{_esc(label)}: {value:,}</title>"
            f'<text x="{BAR_LABEL_WIDTH - 8}" y="{top + BAR_HEIGHT - 5}" text-anchor="end" fill="{INK}">'
            f"{_esc(_shorten(label))}</text>"
            f'<rect x="{BAR_LABEL_WIDTH}" y="{top}" width="{max(length, 1 if value else 0):.1f}" '
            f'height="{BAR_HEIGHT}" rx="3" fill="{color}"/>'
            f'<text x="{BAR_LABEL_WIDTH + length + 6:.1f}" y="{top + BAR_HEIGHT - 5}" fill="{MUTED}">'
            f"{value:,}</text></g>"
        )
    parts.append("</svg>")
    return _figure("bar", "".join(parts), rows, title, columns)
