"""Server-side SVG charts for the boards: horizontal bars, stacked bars and a line trend.

Each function returns SVG markup with ``role="img"``, a ``<title>`` and a ``<desc>``
that states the numbers in words; the page puts the same numbers in a table next to
the chart. No script, no ``style`` attributes (a Content Security Policy forbids them):
colours and fonts are SVG presentation attributes. Text is escaped.

Sizes are in the SVG's own units; the SVG is drawn at 100% of its container's width,
so a chart for a half column is made 450 wide and one for the full page 930.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from django.utils.safestring import SafeString, mark_safe

FONT = "Arial, Helvetica, sans-serif"
TEXT = "#0b0c0c"
SECONDARY = "#484949"
GRID = "#dcdcdc"
AXIS = "#6f777b"

# GOV.UK Frontend colours; each chart also says its numbers in text, so colour is never
# the only carrier of meaning.
BLUE = "#1d70b8"
DARK_BLUE = "#0f385c"
GREEN = "#0f7a52"
RED = "#ca3535"
ORANGE = "#f47738"
TEAL = "#158187"
PURPLE = "#54319f"
GREY = "#6f777b"
LIGHT_GREY = "#b1b4b6"
BLACK = "#0b0c0c"

CHAR_WIDTH = 8.4  # a generous average width of a 16-unit Arial character, for labels
LEGEND_CHAR_WIDTH = 7.8  # a closer one, for spacing legend entries


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    colour: str = BLUE


@dataclass(frozen=True)
class Segment:
    name: str
    colour: str
    text_colour: str = "#ffffff"


@dataclass(frozen=True)
class StackRow:
    label: str
    values: Sequence[int]


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]
    colour: str
    dash: str = ""  # an SVG dash array: lines differ by pattern as well as colour


def nice_ticks(maximum: float, count: int = 5) -> list[int]:
    """Round tick values from 0 to at least ``maximum``: 0, 5, 10 … or 0, 20, 40 …"""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    # Whole-number steps only: 2.5 is offered from 25 up (25, 250 …), never as 3.
    steps = [m * magnitude for m in (1, 2, 2.5, 5, 10) if float(m * magnitude).is_integer()]
    step = max(1, int(next((s for s in steps if s >= raw), steps[-1])))
    top = math.ceil(maximum / step) * step
    return list(range(0, int(top) + 1, int(step)))


def _fit(label: str, width: float, char_width: float = CHAR_WIDTH) -> str:
    room = max(3, int(width / char_width))
    return label if len(label) <= room else label[: room - 1].rstrip() + "…"


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(x, y, content, *, size=16, anchor="start", weight="normal", fill=TEXT, extra=""):
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-family="{FONT}" font-size="{size}" '
        f'font-weight="{weight}" fill="{fill}" text-anchor="{anchor}"{extra}>'
        f"{escape(str(content))}</text>"
    )


def _svg(chart_id: str, width: int, height: int, title: str, desc: str, body: list[str]):
    cid = escape(chart_id)
    return mark_safe(  # noqa: S308 - every piece of text above went through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" class="peel-chart" id="{cid}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" focusable="false">'
        f'<title id="{cid}-title">{escape(title)}</title>'
        f'<desc id="{cid}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _legend(segments: Sequence[Segment], x0: float, y0: float, width: float):
    """Swatches with names, wrapped onto as many lines as they need. Returns (parts, height)."""
    parts, x, y = [], x0, y0
    for segment in segments:
        item_width = 16 + 8 + len(segment.name) * LEGEND_CHAR_WIDTH + 24
        if x > x0 and x + item_width > x0 + width:
            x, y = x0, y + 26
        parts.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="16" height="16" fill="{segment.colour}"/>'
        )
        parts.append(_text(x + 24, y + 14, segment.name))
        x += item_width
    return parts, (y - y0) + 26


def _label_width(labels: Sequence[str], width: int) -> float:
    longest = max((len(label) for label in labels), default=4)
    return min(longest * CHAR_WIDTH + 12, width * 0.42)


def _x_axis(ticks, x0, scale, top, bottom):
    parts = []
    for tick in ticks:
        x = x0 + tick * scale
        parts.append(
            f'<line x1="{_n(x)}" y1="{_n(top)}" x2="{_n(x)}" y2="{_n(bottom)}" '
            f'stroke="{GRID if tick else AXIS}" stroke-width="1"/>'
        )
        parts.append(_text(x, bottom + 20, f"{tick:,}", size=14, anchor="middle", fill=SECONDARY))
    return parts


def bar_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    unit: str = "actions",
    width: int = 450,
) -> SafeString:
    """Horizontal bars, one a row, the value written at the end of each bar."""
    row_height, bar_height, top = 34, 22, 6
    label_width = _label_width([b.label for b in bars], width)
    value_room = 52
    plot_width = width - label_width - value_room
    ticks = nice_ticks(max((b.value for b in bars), default=0))
    scale = plot_width / ticks[-1]
    plot_bottom = top + row_height * len(bars)
    height = plot_bottom + 30
    x0 = label_width
    body = _x_axis(ticks, x0, scale, top, plot_bottom)
    for index, bar in enumerate(bars):
        y = top + index * row_height
        middle = y + row_height / 2
        body.append(_text(x0 - 8, middle + 6, _fit(bar.label, label_width - 8), anchor="end"))
        length = bar.value * scale
        if length:
            body.append(
                f'<rect x="{_n(x0)}" y="{_n(middle - bar_height / 2)}" width="{_n(length)}" '
                f'height="{bar_height}" fill="{bar.colour}"/>'
            )
        body.append(_text(x0 + length + 6, middle + 6, f"{bar.value:,}", weight="bold"))
    desc = "; ".join(f"{b.label}: {b.value:,}" for b in bars) + f" ({unit})."
    return _svg(chart_id, width, height, title, desc, body)


def stacked_bar_chart(
    rows: Sequence[StackRow],
    segments: Sequence[Segment],
    *,
    chart_id: str,
    title: str,
    unit: str = "actions",
    width: int = 930,
) -> SafeString:
    """One horizontal bar a row, split into segments, with a legend and row totals."""
    row_height, bar_height = 38, 26
    legend, legend_height = _legend(segments, 0, 4, width)
    top = legend_height + 12
    label_width = _label_width([r.label for r in rows], width)
    value_room = 64
    plot_width = width - label_width - value_room
    ticks = nice_ticks(max((sum(r.values) for r in rows), default=0))
    scale = plot_width / ticks[-1]
    plot_bottom = top + row_height * len(rows)
    height = plot_bottom + 30
    x0 = label_width
    body = legend + _x_axis(ticks, x0, scale, top, plot_bottom)
    for index, row in enumerate(rows):
        y = top + index * row_height
        middle = y + row_height / 2
        body.append(_text(x0 - 8, middle + 6, _fit(row.label, label_width - 8), anchor="end"))
        x = x0
        for segment, value in zip(segments, row.values, strict=True):
            length = value * scale
            if not length:
                continue
            body.append(
                f'<rect x="{_n(x)}" y="{_n(middle - bar_height / 2)}" width="{_n(length)}" '
                f'height="{bar_height}" fill="{segment.colour}" stroke="#ffffff" '
                f'stroke-width="1"/>'
            )
            label = f"{value:,}"
            if length >= len(label) * 9 + 10:
                body.append(
                    _text(
                        x + length / 2,
                        middle + 5,
                        label,
                        size=15,
                        anchor="middle",
                        weight="bold",
                        fill=segment.text_colour,
                    )
                )
            x += length
        body.append(_text(x + 6, middle + 6, f"{sum(row.values):,}", weight="bold"))
    desc = (
        "; ".join(
            f"{row.label}: "
            + ", ".join(f"{s.name} {v:,}" for s, v in zip(segments, row.values, strict=True))
            for row in rows
        )
        + f" ({unit})."
    )
    return _svg(chart_id, width, height, title, desc, body)


def line_chart(
    dates: Sequence[date],
    series: Sequence[Series],
    *,
    chart_id: str,
    title: str,
    unit: str = "actions",
    width: int = 930,
    height: int = 280,
) -> SafeString:
    """Lines over days, with a legend, a y axis of round numbers and dated x labels."""
    legend, legend_height = _legend_lines(series, 0, 4, width)
    left, right = 52, 64
    top, bottom = legend_height + 14, height - 30
    plot_width = width - left - right
    ticks = nice_ticks(max((max(s.values, default=0) for s in series), default=0), count=4)
    y_scale = (bottom - top) / ticks[-1]
    count = len(dates)
    step = plot_width / (count - 1) if count > 1 else 0

    def x_at(index: int) -> float:
        return left + (index * step if count > 1 else plot_width / 2)

    def y_at(value: float) -> float:
        return bottom - value * y_scale

    body = list(legend)
    for tick in ticks:
        y = y_at(tick)
        body.append(
            f'<line x1="{left}" y1="{_n(y)}" x2="{width - right}" y2="{_n(y)}" '
            f'stroke="{GRID if tick else AXIS}" stroke-width="1"/>'
        )
        body.append(_text(left - 8, y + 5, f"{tick:,}", size=14, anchor="end", fill=SECONDARY))
    for index in _date_label_indexes(count):
        body.append(
            _text(
                x_at(index),
                bottom + 20,
                _short_date(dates[index]),
                size=14,
                anchor="middle",
                fill=SECONDARY,
            )
        )
    for line in series:
        points = " ".join(f"{_n(x_at(i))},{_n(y_at(v))}" for i, v in enumerate(line.values))
        dash = f' stroke-dasharray="{line.dash}"' if line.dash else ""
        if count > 1:
            body.append(
                f'<polyline points="{points}" fill="none" stroke="{line.colour}" '
                f'stroke-width="3" stroke-linejoin="round" stroke-linecap="round"{dash}/>'
            )
        if count:
            last_x, last_y = x_at(count - 1), y_at(line.values[-1])
            body.append(f'<circle cx="{_n(last_x)}" cy="{_n(last_y)}" r="4" fill="{line.colour}"/>')
    body.extend(_end_labels(series, x_at(count - 1) if count else left, y_at))
    if count:
        desc = (
            f"From {_long_date(dates[0])} to {_long_date(dates[-1])}. "
            + "; ".join(
                f"{s.name}: {s.values[0]:,} at the start, {s.values[-1]:,} at the end, "
                f"highest {max(s.values):,}"
                for s in series
            )
            + f" ({unit})."
        )
    else:
        desc = "No figures recorded yet."
    return _svg(chart_id, width, height, title, desc, body)


def _legend_lines(series: Sequence[Series], x0: float, y0: float, width: float):
    parts, x, y = [], x0, y0
    for line in series:
        item_width = 32 + 8 + len(line.name) * LEGEND_CHAR_WIDTH + 24
        if x > x0 and x + item_width > x0 + width:
            x, y = x0, y + 26
        dash = f' stroke-dasharray="{line.dash}"' if line.dash else ""
        parts.append(
            f'<line x1="{_n(x)}" y1="{_n(y + 8)}" x2="{_n(x + 32)}" y2="{_n(y + 8)}" '
            f'stroke="{line.colour}" stroke-width="3"{dash}/>'
        )
        parts.append(_text(x + 40, y + 14, line.name))
        x += item_width
    return parts, (y - y0) + 26


def _end_labels(series: Sequence[Series], x: float, y_at) -> list[str]:
    """The last value of each line beside its end, nudged apart when they would touch."""
    ends = sorted(
        ((y_at(s.values[-1]), s) for s in series if len(s.values)), key=lambda item: item[0]
    )
    placed: list[float] = []
    parts = []
    for y, line in ends:
        if placed and y - placed[-1] < 17:
            y = placed[-1] + 17
        placed.append(y)
        parts.append(
            _text(
                x + 8,
                y + 5,
                f"{line.values[-1]:,}",
                size=15,
                weight="bold",
                fill=line.colour if line.colour != LIGHT_GREY else TEXT,
            )
        )
    return parts


def _date_label_indexes(count: int, most: int = 7) -> list[int]:
    if count <= 0:
        return []
    if count <= most:
        return list(range(count))
    step = (count - 1) / (most - 1)
    return sorted({round(i * step) for i in range(most)})


def _short_date(day: date) -> str:
    return f"{day.day} {day:%b}"


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
