"""Server-rendered SVG charts for the supervision dashboards: no JavaScript, no external library.

Each function returns inline SVG markup (safe: every text is escaped here) with a `<title>` and a
`<desc>` referenced by `aria-labelledby`, text labels on every bar and point (so nothing depends on
colour alone), and a palette whose colours differ in lightness as well as hue, so that they stay apart
on a grey-scale printout; light fills get a dark outline.
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

WIDTH = 480
LABEL_WIDTH = 150
VALUE_ROOM = 60
BAR_HEIGHT = 18
ROW_GAP = 8
FONT = 12
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
    uid = f"chart{next(_ids)}"
    parts = [f'<svg class="chart {css_class}" viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" '
             f'height="{height:.0f}" role="img" aria-labelledby="{uid}-t {uid}-d" '
             f'font-size="{FONT}" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>']
    return parts, uid


def _label(x: float, y: float, text: str, ems: float, anchor: str = "end", css: str = "label") -> str:
    shown = _fit(text, ems)
    tip = f"<title>{escape(text)}</title>" if shown != text else ""
    return f'<text class="{css}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{tip}{escape(shown)}</text>'


def _rect(x: float, y: float, w: float, h: float, colour: str) -> str:
    stroke = f' stroke="{OUTLINE}" stroke-width="0.6"' if colour == PALETTE[2] else ""
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" fill="{colour}"{stroke}/>'


def _legend_widths(series: Sequence[Series]) -> list[float]:
    return [30 + _width_of(s.label) * FONT for s in series]


def _legend_height(series: Sequence[Series]) -> int:
    """One line if the keys fit beside each other, else one key a line."""
    return 22 if sum(_legend_widths(series)) <= WIDTH - 12 else 18 * len(series) + 4


def _legend(series: Sequence[Series], top: float) -> list[str]:
    parts: list[str] = []
    one_line = _legend_height(series) == 22
    x, y = (WIDTH - sum(_legend_widths(series))) / 2 if one_line else 12, top + 14
    for s, width in zip(series, _legend_widths(series), strict=True):
        parts.append(_rect(x, y - 10, 12, 12, s.colour))
        parts.append(f'<text class="legend" x="{x + 17:.1f}" y="{y:.1f}">{escape(s.label)}</text>')
        if one_line:
            x += width
        else:
            y += 18
    return parts


def bars(rows: Sequence[dict], *, label: str, value: str, title: str, desc: str,
         fmt: Callable[[Any], str] = fmt_number, colour: str = PALETTE[0]) -> SafeString:
    """Horizontal bars, one a row, the value written at each bar's end."""
    step = BAR_HEIGHT + ROW_GAP
    height = max(1, len(rows)) * step + 8
    parts, _uid = _open(height, title, desc, "bars")
    top = max((r[value] or 0 for r in rows), default=0) or 1
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM - 8
    for i, r in enumerate(rows):
        y = 4 + i * step
        parts.append(_label(LABEL_WIDTH - 8, y + BAR_HEIGHT - 5, str(r[label]), (LABEL_WIDTH - 12) / FONT))
        w = room * (r[value] or 0) / top
        parts.append(_rect(LABEL_WIDTH, y, w, BAR_HEIGHT, colour))
        parts.append(f'<text class="value" x="{LABEL_WIDTH + w + 5:.1f}" y="{y + BAR_HEIGHT - 5:.1f}">'
                     f'{escape(fmt(r[value]))}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def stacked(rows: Sequence[dict], *, label: str, series: Sequence[Series], title: str, desc: str,
            note: Callable[[dict], str] | None = None) -> SafeString:
    """Horizontal stacked bars scaled to each row's total (100%), each part labelled with its count,
    and `note(row)` (e.g. the rate) after the bar."""
    step = BAR_HEIGHT + ROW_GAP
    body = len(rows) * step + 6
    height = body + _legend_height(series)
    parts, _uid = _open(height, title, desc, "stacked")
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM - 8
    for i, r in enumerate(rows):
        y = 4 + i * step
        parts.append(_label(LABEL_WIDTH - 8, y + BAR_HEIGHT - 5, str(r[label]), (LABEL_WIDTH - 12) / FONT))
        total = sum(r[s.key] or 0 for s in series) or 1
        x: float = LABEL_WIDTH
        for s in series:
            w = room * (r[s.key] or 0) / total
            parts.append(_rect(x, y, w, BAR_HEIGHT, s.colour))
            text = fmt_number(r[s.key])
            if w > _width_of(text) * FONT + 6:
                tone = "inbar light" if s.colour == PALETTE[0] else "inbar"  # white on the darkest colour
                parts.append(f'<text class="{tone}" x="{x + 4:.1f}" y="{y + BAR_HEIGHT - 5:.1f}">'
                             f'{escape(text)}</text>')
            x += w
        if note:
            parts.append(f'<text class="value" x="{x + 5:.1f}" y="{y + BAR_HEIGHT - 5:.1f}">{escape(note(r))}</text>')
    parts.extend(_legend(series, body))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def grouped(rows: Sequence[dict], *, label: str, series: Sequence[Series], title: str, desc: str,
            decimals: int = 1) -> SafeString:
    """Horizontal grouped bars: for each row one thin bar per series on a common scale, each valued."""
    thin = 12
    step = thin * len(series) + 12
    body = len(rows) * step + 6
    height = body + _legend_height(series)
    parts, _uid = _open(height, title, desc, "grouped")
    top = max((r[s.key] or 0 for r in rows for s in series), default=0) or 1
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM - 8
    for i, r in enumerate(rows):
        y0 = 4 + i * step
        parts.append(_label(LABEL_WIDTH - 8, y0 + thin * len(series) / 2 + 4, str(r[label]),
                            (LABEL_WIDTH - 12) / FONT))
        for j, s in enumerate(series):
            y = y0 + j * thin
            w = room * (r[s.key] or 0) / top
            parts.append(_rect(LABEL_WIDTH, y, w, thin - 2, s.colour))
            parts.append(f'<text class="value small" x="{LABEL_WIDTH + w + 4:.1f}" y="{y + thin - 3:.1f}">'
                         f'{escape(fmt_number(r[s.key], decimals))}</text>')
    parts.extend(_legend(series, body))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def line(rows: Sequence[dict], *, x: str, y: str, title: str, desc: str,
         xfmt: Callable[[Any], str] = fmt_week) -> SafeString:
    """A small line chart (e.g. cases a week): points joined, the axis range written, the first, last,
    and a few x labels between, each point valued on hover (its <title>)."""
    height, right, top_pad, bottom = 180, 12, 14, 30
    parts, _uid = _open(height, title, desc, "line")
    values = [r[y] or 0 for r in rows]
    top = _nice_top(max(values, default=0))
    left = 14 + _width_of(fmt_number(top)) * 11
    inner_w, inner_h = WIDTH - left - right, height - top_pad - bottom
    n = len(rows)

    def px(i: int) -> float:
        return left + (inner_w * i / (n - 1) if n > 1 else inner_w / 2)

    def py(v: float) -> float:
        return top_pad + inner_h * (1 - v / top)

    parts.append(f'<line class="axis" x1="{left}" y1="{top_pad + inner_h}" x2="{WIDTH - right}" '
                 f'y2="{top_pad + inner_h}" stroke="{OUTLINE}" stroke-width="0.8"/>')
    for v in sorted({0, top // 2, top}):
        parts.append(f'<line class="grid" x1="{left}" y1="{py(v):.1f}" x2="{WIDTH - right}" y2="{py(v):.1f}" '
                     f'stroke="#d9dee4" stroke-width="0.6"/>')
        parts.append(f'<text class="tick" x="{left - 6}" y="{py(v) + 4:.1f}" text-anchor="end">'
                     f'{escape(fmt_number(v))}</text>')
    points = " ".join(f"{px(i):.1f},{py(v):.1f}" for i, v in enumerate(values))
    if n:
        parts.append(f'<polyline points="{points}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>')
    every = max(1, -(-n // 6))
    for i, r in enumerate(rows):
        parts.append(f'<circle cx="{px(i):.1f}" cy="{py(values[i]):.1f}" r="3" fill="{PALETTE[0]}">'
                     f'<title>{escape(xfmt(r[x]))}: {escape(fmt_number(values[i]))}</title></circle>')
        if (i % every == 0 and n - 1 - i >= every / 2) or i == n - 1:
            anchor = "start" if i == 0 else "end" if i == n - 1 else "middle"
            parts.append(f'<text class="tick" x="{px(i):.1f}" y="{height - bottom + 16}" text-anchor="{anchor}">'
                         f'{escape(xfmt(r[x]))}</text>')
    if n:
        parts.append(f'<text class="value" x="{px(n - 1):.1f}" y="{py(values[-1]) - 7:.1f}" text-anchor="end">'
                     f'{escape(fmt_number(values[-1]))}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
