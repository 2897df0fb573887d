"""Server-rendered SVG charts for the supervision dashboards: no JavaScript, no external library.

Each function returns inline SVG markup (safe: every text is escaped here) with a `<title>` and a
`<desc>` referenced by `aria-labelledby`, text labels on every bar and point (so nothing depends on
colour alone), and a palette whose colours differ in lightness as well as hue, so that they stay apart
on a grey-scale printout; light fills get a dark outline.

Readable at any width (a phone's 360 px as well as a desktop): an SVG has no `viewBox`, so nothing in it
is scaled and its text keeps its CSS size (13 px; never under 12 px). Lengths across the chart are
percentages of its width (a bar's length, a point's place), lengths down it are pixels (rows, text);
each bar's label sits on its own line above the bar, so it has the chart's whole width.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from common.i18n import is_english

#: The narrowest a chart is drawn (a 360 px phone, less the page's and the card's padding), in CSS px.
NARROW = 280
FONT = 13
#: A label line above each bar, the bar, and the gap to the next row (px).
LABEL_LINE = 19
BAR_HEIGHT = 18
ROW_GAP = 10
#: The longest bar's length, in % of the chart's width: the rest holds its value.
BAR_SPAN = 76
#: A label's room in ems: the narrow chart's width.
LABEL_EMS = NARROW / FONT - 1
#: Dark blue, amber, pale blue-grey: lightness about 30%, 62%, 85%.
PALETTE = ("#1f4e79", "#d08a1e", "#c9d6e3")
OUTLINE = "#1d2733"

_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    colour: str


def fmt_number(value: Any, decimals: int = 0) -> str:
    """A localised number (grouping and decimal separator of the active language); '–' for None."""
    if value is None:
        return "–"
    return number_format(value, decimals, use_l10n=True, force_grouping=True)


def fmt_week(value: Any) -> str:
    """A short month and day: 11月2日 in Chinese, Nov 2 in English."""
    return date_format(value, "M j" if is_english() else "n月j日", use_l10n=True)


def _nice_top(value: float) -> int:
    """The axis maximum: the smallest 1, 2 or 5 × 10^k at or above `value`."""
    if value <= 1:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _width_of(text: str) -> float:
    """Rough text width in ems: CJK characters a full em, others about half."""
    return sum(1.0 if ord(ch) > 0x2E80 else 0.56 for ch in text)


def _fit(text: str, ems: float) -> str:
    if _width_of(text) <= ems:
        return text
    out = ""
    for ch in text:
        if _width_of(out + ch + "…") > ems:
            break
        out += ch
    return out + "…"


def _open(height: float, title: str, desc: str, css_class: str) -> tuple[list[str], str]:
    """The chart's opening: 100% wide, `height` px tall, no viewBox (nothing scales)."""
    uid = f"chart{next(_ids)}"
    parts = [f'<svg class="chart {css_class}" width="100%" height="{height:.0f}" role="img" '
             f'aria-labelledby="{uid}-t {uid}-d" font-size="{FONT}" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>']
    return parts, uid


def _label(y: float, text: str) -> str:
    """A row's label on its own line (baseline `y`), cut to the narrow chart's width with the whole in its tip."""
    shown = _fit(text, LABEL_EMS)
    tip = f"<title>{escape(text)}</title>" if shown != text else ""
    return f'<text class="label" x="0" y="{y:.1f}">{tip}{escape(shown)}</text>'


def _pct(value: float) -> str:
    return f"{max(value, 0):.2f}%"


def _rect(x: float, y: float, w: float, h: float, colour: str) -> str:
    """A bar: `x` and `w` in % of the chart's width, `y` and `h` in px."""
    stroke = f' stroke="{OUTLINE}" stroke-width="0.6"' if colour == PALETTE[2] else ""
    return f'<rect x="{_pct(x)}" y="{y:.1f}" width="{_pct(w)}" height="{h:.1f}" fill="{colour}"{stroke}/>'


def _swatch(x: float, y: float, colour: str) -> str:
    stroke = f' stroke="{OUTLINE}" stroke-width="0.6"' if colour == PALETTE[2] else ""
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="12" height="12" fill="{colour}"{stroke}/>'


def _value(x: float, y: float, text: str, css: str = "value") -> str:
    """A value just after a bar's end (`x` in %)."""
    return f'<text class="{css}" x="{_pct(x)}" dx="6" y="{y:.1f}">{escape(text)}</text>'


def _legend_widths(series: Sequence[Series]) -> list[float]:
    return [30 + _width_of(s.label) * FONT for s in series]


def _legend_height(series: Sequence[Series]) -> int:
    """One line if the keys fit beside each other in the narrow chart, else one key a line."""
    return 24 if sum(_legend_widths(series)) <= NARROW else 20 * len(series) + 4


def _legend(series: Sequence[Series], top: float) -> list[str]:
    parts: list[str] = []
    one_line = _legend_height(series) == 24
    x, y = 0.0, top + 16
    for s, width in zip(series, _legend_widths(series), strict=True):
        parts.append(_swatch(x, y - 11, s.colour))
        parts.append(f'<text class="legend" x="{x + 17:.1f}" y="{y:.1f}">{escape(s.label)}</text>')
        if one_line:
            x += width
        else:
            y += 20
    return parts


def bars(rows: Sequence[dict], *, label: str, value: str, title: str, desc: str,
         fmt: Callable[[Any], str] = fmt_number, colour: str = PALETTE[0]) -> SafeString:
    """Horizontal bars, one a row, the row's label above its bar and the value written at the bar's end."""
    step = LABEL_LINE + BAR_HEIGHT + ROW_GAP
    height = max(1, len(rows)) * step
    parts, _uid = _open(height, title, desc, "bars")
    top = max((r[value] or 0 for r in rows), default=0) or 1
    for i, r in enumerate(rows):
        y = i * step
        parts.append(_label(y + FONT + 1, str(r[label])))
        w = BAR_SPAN * (r[value] or 0) / top
        parts.append(_rect(0, y + LABEL_LINE, w, BAR_HEIGHT, colour))
        parts.append(_value(w, y + LABEL_LINE + BAR_HEIGHT - 5, fmt(r[value])))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def stacked(rows: Sequence[dict], *, label: str, series: Sequence[Series], title: str, desc: str,
            note: Callable[[dict], str] | None = None) -> SafeString:
    """Horizontal stacked bars scaled to each row's total (100%), each part labelled with its count where it
    has room even in the narrow chart, and `note(row)` (e.g. the rate) after the bar."""
    step = LABEL_LINE + BAR_HEIGHT + ROW_GAP
    body = len(rows) * step
    height = body + _legend_height(series)
    parts, _uid = _open(height, title, desc, "stacked")
    for i, r in enumerate(rows):
        y = i * step
        parts.append(_label(y + FONT + 1, str(r[label])))
        total = sum(r[s.key] or 0 for s in series) or 1
        x = 0.0
        for s in series:
            w = BAR_SPAN * (r[s.key] or 0) / total
            parts.append(_rect(x, y + LABEL_LINE, w, BAR_HEIGHT, s.colour))
            text = fmt_number(r[s.key])
            if NARROW * w / 100 > _width_of(text) * FONT + 8:
                tone = "inbar light" if s.colour == PALETTE[0] else "inbar"  # white on the darkest colour
                parts.append(f'<text class="{tone}" x="{_pct(x)}" dx="4" y="{y + LABEL_LINE + BAR_HEIGHT - 5:.1f}">'
                             f'{escape(text)}</text>')
            x += w
        if note:
            parts.append(_value(x, y + LABEL_LINE + BAR_HEIGHT - 5, note(r)))
    parts.extend(_legend(series, body))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def grouped(rows: Sequence[dict], *, label: str, series: Sequence[Series], title: str, desc: str,
            decimals: int = 1) -> SafeString:
    """Horizontal grouped bars: for each row, below its label, one thin bar per series on a common scale,
    each valued."""
    thin = 16
    step = LABEL_LINE + thin * len(series) + ROW_GAP
    body = len(rows) * step
    height = body + _legend_height(series)
    parts, _uid = _open(height, title, desc, "grouped")
    top = max((r[s.key] or 0 for r in rows for s in series), default=0) or 1
    for i, r in enumerate(rows):
        y0 = i * step
        parts.append(_label(y0 + FONT + 1, str(r[label])))
        for j, s in enumerate(series):
            y = y0 + LABEL_LINE + j * thin
            w = BAR_SPAN * (r[s.key] or 0) / top
            parts.append(_rect(0, y, w, thin - 2, s.colour))
            parts.append(_value(w, y + thin - 4, fmt_number(r[s.key], decimals), css="value small"))
    parts.extend(_legend(series, body))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def line(rows: Sequence[dict], *, x: str, y: str, title: str, desc: str,
         xfmt: Callable[[Any], str] = fmt_week) -> SafeString:
    """A small line chart (e.g. cases a week): points joined, the half and the top of the axis written
    above their grid lines (the axis line is zero), the first and last x labels and at most two between
    (four fit the narrow chart), each point valued on hover (its <title>). The line is drawn in a nested,
    stretched SVG (its stroke does not scale); everything else is placed in % across and px down."""
    height, top_pad, bottom = 190, 22, 30
    left, right = 2.0, 97.0  # the first and last points, in % of the width
    parts, _uid = _open(height, title, desc, "line")
    values = [r[y] or 0 for r in rows]
    top = _nice_top(max(values, default=0))
    inner_h = height - top_pad - bottom
    n = len(rows)

    def px(i: int) -> float:
        return left + ((right - left) * i / (n - 1) if n > 1 else (right - left) / 2)

    def py(v: float) -> float:
        return top_pad + inner_h * (1 - v / top)

    parts.append(f'<line class="axis" x1="0" y1="{top_pad + inner_h}" x2="100%" y2="{top_pad + inner_h}" '
                 f'stroke="{OUTLINE}" stroke-width="0.8"/>')
    for v in sorted({top // 2, top} - {0}):  # the axis is zero: its label would sit on the first point
        parts.append(f'<line class="grid" x1="0" y1="{py(v):.1f}" x2="100%" y2="{py(v):.1f}" '
                     f'stroke="#d9dee4" stroke-width="0.6"/>')
        parts.append(f'<text class="tick" x="0" y="{py(v) - 4:.1f}">{escape(fmt_number(v))}</text>')
    if n:
        points = " ".join(f"{px(i) * 10:.1f},{py(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<svg x="0" y="0" width="100%" height="{height}" viewBox="0 0 1000 {height}" '
                     f'preserveAspectRatio="none" aria-hidden="true"><polyline points="{points}" fill="none" '
                     f'stroke="{PALETTE[0]}" stroke-width="2" vector-effect="non-scaling-stroke"/></svg>')
    every = max(1, -(-(n - 1) // 3))
    for i, r in enumerate(rows):
        parts.append(f'<circle cx="{_pct(px(i))}" cy="{py(values[i]):.1f}" r="3" fill="{PALETTE[0]}">'
                     f'<title>{escape(xfmt(r[x]))}: {escape(fmt_number(values[i]))}</title></circle>')
        if (i % every == 0 and n - 1 - i >= every / 2) or i == n - 1:
            anchor = "start" if i == 0 else "end" if i == n - 1 else "middle"
            parts.append(f'<text class="tick" x="{_pct(px(i))}" y="{height - bottom + 20}" text-anchor="{anchor}">'
                         f'{escape(xfmt(r[x]))}</text>')
    if n:
        parts.append(f'<text class="value" x="{_pct(px(n - 1))}" y="{py(values[-1]) - 8:.1f}" text-anchor="end">'
                     f'{escape(fmt_number(values[-1]))}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
