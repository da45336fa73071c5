"""A proposition's timeline as SVG, drawn on the server (no script, works offline).

Each claim is one mark, at its as-of date (undated claims in a lane of their own on the
right) and its figure: the colour is its status (superseded hollow, disputed ringed), the
shape its origin; a range is a whisker, "more than" / "up to" an arrow. Behind the marks,
the proposition's low-high band and its best figure (``verify.summarise``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from workers.web.models import ClaimOut, PropositionOut

WIDTH, HEIGHT = 820, 380
LEFT, RIGHT, TOP, BOTTOM = 92, 24, 20, 118  # BOTTOM holds the date axis and the legend
UNDATED_LANE = 80
COLOURS = {
    "unconfirmed": "#6b7280", "corroborated": "#15803d", "disputed": "#dc2626",
    "superseded": "#9ca3af", "confirmed": "#1d4ed8", "refuted": "#111827",
}  # fmt: skip
SHAPES = ("circle", "square", "triangle", "diamond", "down", "hexagon")


@dataclass(frozen=True)
class Band:
    low: float | None
    best: float | None
    high: float | None
    open_high: bool


def _number(text: str, dates: bool) -> float | None:
    if dates:
        found = re.search(r"\d{4}-\d{2}-\d{2}", text)
        return float(date.fromisoformat(found.group()).toordinal()) if found else None
    digits = text.replace(",", "").rstrip("+")
    try:
        return float(digits)
    except ValueError:
        return None


def band_of(proposition: PropositionOut, dates: bool) -> Band:
    """The summary's low / best / high as numbers on the chart's scale."""
    open_high = proposition.high.endswith("+") or "extended" in proposition.high
    return Band(
        _number(proposition.low, dates),
        _number(proposition.best, dates),
        _number(proposition.high, dates),
        open_high,
    )


def _y_of(claim: ClaimOut) -> tuple[float, float, float] | None:
    """(mark, whisker low, whisker high) on the value scale; None without a figure."""
    if isinstance(claim.value, date):
        y = float(claim.value.toordinal())
        return y, y, y
    if claim.value is None:
        return None
    low, high = float(claim.value), float(claim.value_high or claim.value)
    return (low + high) / 2, low, high


class _Scale:
    def __init__(self, low: float, high: float, out_low: float, out_high: float) -> None:
        if high <= low:
            low, high = low - 1, high + 1
        self.low, self.high, self.out_low, self.out_high = low, high, out_low, out_high

    def __call__(self, value: float) -> float:
        share = (value - self.low) / (self.high - self.low)
        return self.out_low + share * (self.out_high - self.out_low)


def _fmt_value(value: float, dates: bool) -> str:
    if dates:
        return date.fromordinal(round(value)).isoformat()
    return f"{round(value):,}"


def _shape(kind: str, x: float, y: float, r: float, fill: str, stroke: str) -> str:
    common = f'fill="{fill}" stroke="{stroke}" stroke-width="2"'
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" {common}/>'
    if kind == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}" {common}/>'
    outlines: dict[str, list[tuple[float, float]]] = {
        "triangle": [(0, -1.2), (1.1, 0.8), (-1.1, 0.8)],
        "down": [(0, 1.2), (1.1, -0.8), (-1.1, -0.8)],
        "diamond": [(0, -1.3), (1.3, 0), (0, 1.3), (-1.3, 0)],
        "hexagon": [(1.1, 0), (0.55, 1), (-0.55, 1), (-1.1, 0), (-0.55, -1), (0.55, -1)],
    }
    points = outlines[kind]
    path = " ".join(f"{x + dx * r:.1f},{y + dy * r:.1f}" for dx, dy in points)
    return f'<polygon points="{path}" {common}/>'


def timeline_svg(
    proposition: PropositionOut, claims: Sequence[ClaimOut], *, link: str = "/desk/claims/{id}"
) -> str:
    """The SVG markup: one ``<a class="mark" data-claim-id=...>`` per claim."""
    dates = proposition.kind == "drill_end_date"
    band = band_of(proposition, dates)
    dated = [c for c in claims if c.as_of is not None]
    undated = [c for c in claims if c.as_of is None]
    plot_right = WIDTH - RIGHT - (UNDATED_LANE if undated else 0)
    plot_bottom = HEIGHT - BOTTOM

    ys = [v for c in claims if (v := _y_of(c)) is not None]
    values = [y for triple in ys for y in triple] + [
        v for v in (band.low, band.best, band.high) if v is not None
    ]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    pad = max((high - low) * 0.12, 3.0 if dates else max(abs(high) * 0.1, 1.0))
    y_scale = _Scale(low - pad, high + pad, plot_bottom, TOP)

    days = [c.as_of for c in dated if c.as_of is not None]
    first = min(days) - timedelta(days=1) if days else date.today()
    last = max(days) + timedelta(days=1) if days else first + timedelta(days=2)
    x_scale = _Scale(first.toordinal(), last.toordinal(), LEFT + 10, plot_right - 10)

    origins = sorted({c.origin for c in claims})
    shape_of = {o: SHAPES[i % len(SHAPES)] for i, o in enumerate(origins)}
    title = f"{proposition.fact}: each claim by its as-of date and figure"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(title)}</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#44403c"/>'
        "</marker></defs>",
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_right - LEFT}" height="{plot_bottom - TOP}" '
        'fill="#fbfbfa" stroke="#d6d3d1"/>',
    ]
    # The band: lowest to highest current figure, and the best (median) one.
    if band.low is not None and band.high is not None:
        top = TOP if band.open_high else y_scale(band.high)
        out.append(
            f'<rect class="band" x="{LEFT}" y="{top:.1f}" width="{plot_right - LEFT}" '
            f'height="{max(y_scale(band.low) - top, 2):.1f}" fill="#fde68a" fill-opacity="0.45">'
            f"<title>low {escape(proposition.low)} – high {escape(proposition.high)}</title></rect>"
        )
    if band.best is not None:
        y = y_scale(band.best)
        out.append(
            f'<line class="best" x1="{LEFT}" x2="{plot_right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#b45309" stroke-dasharray="6 4"><title>best {escape(proposition.best)}'
            "</title></line>"
        )
        out.append(
            f'<text x="{plot_right - 4}" y="{y - 5:.1f}" text-anchor="end" font-size="11" '
            f'fill="#b45309">best {escape(proposition.best)}</text>'
        )
    # Axes: five value ticks, up to six dates.
    for i in range(5):
        value = y_scale.low + (y_scale.high - y_scale.low) * i / 4
        y = y_scale(value)
        out.append(
            f'<line x1="{LEFT - 4}" x2="{LEFT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#78716c"/>'
        )
        out.append(
            f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#44403c">{_fmt_value(value, dates)}</text>'
        )
    span = (last - first).days
    step = max(1, -(-span // 5))
    for offset in range(0, span + 1, step):
        day = first + timedelta(days=offset)
        x = x_scale(day.toordinal())
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{plot_bottom}" y2="{plot_bottom + 4}" '
            'stroke="#78716c"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{plot_bottom + 17}" text-anchor="middle" font-size="11" '
            f'fill="#44403c">{day.isoformat()}</text>'
        )
    out.append(
        f'<text x="{(LEFT + plot_right) / 2:.0f}" y="{plot_bottom + 34}" text-anchor="middle" '
        'font-size="12" fill="#292524">as of</text>'
    )
    if undated:
        lane = plot_right + UNDATED_LANE / 2
        out.append(
            f'<rect x="{plot_right + 6}" y="{TOP}" width="{UNDATED_LANE - 6}" '
            f'height="{plot_bottom - TOP}" fill="#f5f5f4" stroke="#d6d3d1"/>'
        )
        out.append(
            f'<text x="{lane:.0f}" y="{plot_bottom + 17}" text-anchor="middle" font-size="11" '
            'fill="#44403c">undated</text>'
        )
    # The marks, one per claim; claims of one day spread a little by origin.
    per_day: dict[date | None, int] = {}
    for claim in claims:
        n = per_day.get(claim.as_of, 0)
        per_day[claim.as_of] = n + 1
        jitter = ((n % 5) - 2) * 14
        if claim.as_of is None:
            x = plot_right + UNDATED_LANE / 2 + jitter
        else:
            x = x_scale(claim.as_of.toordinal()) + jitter
        out.append(_mark(claim, x, y_scale, shape_of[claim.origin], link, TOP, plot_bottom))
    out.extend(_legend(origins, shape_of, plot_bottom + 52))
    out.append("</svg>")
    return "\n".join(out)


def _mark(
    claim: ClaimOut, x: float, y_scale: _Scale, shape: str, link: str, top: float, bottom: float
) -> str:
    colour = COLOURS.get(claim.status, "#6b7280")
    hollow = claim.status == "superseded"
    fill = "#ffffff" if hollow else colour
    place = _y_of(claim)
    when = claim.as_of.isoformat() if claim.as_of else "undated"
    label = (
        f"#{claim.id} {claim.status}: {claim.figure}, {claim.origin or 'unknown origin'}, {when}"
    )
    parts = [
        f'<a class="mark status-{escape(claim.status)}" href="{escape(link.format(id=claim.id))}" '
        f'data-claim-id="{claim.id}" data-status="{escape(claim.status)}" '
        f'data-origin="{escape(claim.origin)}"><title>{escape(label)}</title>'
    ]
    if place is None:  # "extended" with no new date: at the top, pointing up
        y = top + 12
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y:.1f}" y2="{top + 2}" '
                     f'stroke="{colour}" stroke-width="2" marker-end="url(#arrow)"/>')  # fmt: skip
    else:
        centre, low, high = (y_scale(v) for v in place)
        y = centre
        if high != low:
            parts.append(f'<line class="whisker" x1="{x:.1f}" x2="{x:.1f}" y1="{low:.1f}" '
                         f'y2="{high:.1f}" stroke="{colour}" stroke-width="2"/>')  # fmt: skip
        arrow = {"more_than": top + 2, "at_least": top + 2, "up_to": bottom - 2,
                 "less_than": bottom - 2}.get(claim.qualifier)  # fmt: skip
        if arrow is not None and not isinstance(claim.value, date):
            parts.append(f'<line class="open" x1="{x:.1f}" x2="{x:.1f}" y1="{y:.1f}" '
                         f'y2="{arrow:.1f}" stroke="{colour}" stroke-width="1.5" '
                         'stroke-dasharray="3 3" stroke-opacity="0.7"/>')  # fmt: skip
    if claim.status == "disputed":
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="11" fill="none" stroke="{colour}" '
                     'stroke-width="1.5"/>')  # fmt: skip
    parts.append(_shape(shape, x, y, 6, fill, colour))
    if claim.status == "refuted":
        parts.append(f'<path d="M{x - 5:.1f},{y - 5:.1f}L{x + 5:.1f},{y + 5:.1f}M{x + 5:.1f},'
                     f'{y - 5:.1f}L{x - 5:.1f},{y + 5:.1f}" stroke="#ffffff" stroke-width="2"/>')  # fmt: skip
    parts.append("</a>")
    return "".join(parts)


def _legend(origins: list[str], shape_of: dict[str, str], y: float) -> list[str]:
    out = ['<g class="legend" font-size="11" fill="#292524">']
    x: float = LEFT
    for status, colour in COLOURS.items():
        fill = "#ffffff" if status == "superseded" else colour
        out.append(_shape("circle", x + 6, y, 5, fill, colour))
        out.append(f'<text x="{x + 15}" y="{y + 4}">{status}</text>')
        x += 22 + 7 * len(status)
    x, y = LEFT, y + 22
    shown = origins[:6]
    for origin in shown:
        out.append(_shape(shape_of[origin], x + 6, y, 5, "#ffffff", "#44403c"))
        name = origin if len(origin) <= 24 else origin[:23] + "…"
        out.append(f'<text x="{x + 15}" y="{y + 4}">{escape(name)}</text>')
        x += 26 + 6.2 * len(name)
        if x > WIDTH - 160:
            x, y = LEFT, y + 18
    if len(origins) > len(shown):
        out.append(f'<text x="{x}" y="{y + 4}">+{len(origins) - len(shown)} more origins</text>')
    out.append("</g>")
    return out
