"""Charts of the goal tracker's dashboard, drawn on the server as inline SVG.

No chart library and no network: the page must draw on an office PC with no access to a CDN,
and an SVG string renders wherever the HTML does (and prints). Every figure in a chart is also
in its ``<title>``/``<desc>`` and in the page's tables, so a screen reader loses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from kpi.exports import plain, with_unit
from kpi.report import MonthPoint

# The drawing's own coordinate system; the <svg> scales to its card's width (viewBox).
WIDTH = 360
HEIGHT = 190
LEFT, RIGHT, TOP, BOTTOM = 34, 8, 18, 22
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM
MONTHS = range(1, 13)
BAR_SHARE = 0.6  # of a month's slot; the rest is the gap between bars

# Colours are attributes, not only CSS, so a chart copied out of the page keeps them.
BAR_FILL = "#9dbbe4"
YTD_STROKE = "#1f5fae"
TARGET_STROKE = "#b3261e"
GRID_STROKE = "#e1e5ec"
TEXT_FILL = "#5b6475"


def nice_scale(highest: Decimal, *, whole: bool = True) -> tuple[Decimal, Decimal]:
    """The axis' top and step: a 1, 2 or 5 × 10ⁿ step giving at most four intervals. With
    ``whole`` figures (persons, cases) the step is at least 1: no "0.5명" on the axis."""
    if highest <= 0:
        return Decimal(1), Decimal(1)
    rough = highest / 4
    magnitude = Decimal(10) ** rough.adjusted()  # the power of ten at or below ``rough``
    for factor in (1, 2, 5, 10):
        step = magnitude * factor
        if step >= rough:
            break
    if whole:
        step = max(step, Decimal(1))
    top = step * (highest / step).to_integral_value(rounding=ROUND_CEILING)
    return top, step


def _coordinate(value: float) -> str:
    return f"{value:.1f}"


def month_label(month: int) -> str:
    return _("%(month)d월") % {"month": month}


def _description(monthly: Sequence[MonthPoint], unit: str, target: Decimal | None) -> str:
    """The chart in words, for its <desc>: each month's figure, the year to date, the target."""
    months = [
        f"{month_label(p.month)} {with_unit(p.value, unit)}" for p in monthly if p.value is not None
    ]
    latest = next((p for p in reversed(monthly) if p.ytd is not None), None)
    parts = [
        _("월 실적: %(months)s.") % {"months": ", ".join(months)}
        if months
        else _("집계된 달이 없습니다.")
    ]
    if latest is not None:
        parts.append(
            _("%(month)s까지 누적 %(value)s.")
            % {"month": month_label(latest.month), "value": with_unit(latest.ytd, unit)}
        )
    if target is not None:
        parts.append(_("목표 %(target)s.") % {"target": with_unit(target, unit)})
    return " ".join(parts)


def month_chart(
    *,
    chart_id: str,
    title: str,
    unit: str,
    monthly: Sequence[MonthPoint],
    target: Decimal | None,
) -> SafeString:
    """Bars for each month's figure, a line for the year to date, a dashed line at the target;
    months 1–12월 along the bottom. ``chart_id`` must be unique on the page (it names the
    title and description the <svg> points to)."""
    values = [p.value for p in monthly if p.value is not None]
    ytds = [p.ytd for p in monthly if p.ytd is not None]
    figures = [*values, *ytds, *([target] if target is not None else [])]
    top, step = nice_scale(
        max(figures, default=Decimal(0)),
        whole=all(f == f.to_integral_value() for f in figures),
    )
    slot = PLOT_WIDTH / len(MONTHS)
    base = TOP + PLOT_HEIGHT

    def x_centre(month: int) -> float:
        return LEFT + slot * (month - 0.5)

    def y(value: Decimal) -> float:
        return base - float(value / top) * PLOT_HEIGHT

    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{escape(title_id)}" '
        f'aria-describedby="{escape(desc_id)}" aria-label="{escape(title)}" '
        f'font-size="10" data-months="{len(MONTHS)}">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(_description(monthly, unit, target))}</desc>',
    ]

    # Grid and the value axis.
    tick = Decimal(0)
    while tick <= top:
        at = _coordinate(y(tick))
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{at}" y2="{at}" '
            f'stroke="{GRID_STROKE}" stroke-width="1"/>'
            f'<text class="tick" x="{LEFT - 4}" y="{at}" text-anchor="end" '
            f'dominant-baseline="middle" fill="{TEXT_FILL}">{escape(plain(tick))}</text>'
        )
        tick += step

    # Monthly bars, each with its own tooltip.
    width = slot * BAR_SHARE
    for point in monthly:
        if point.value is None:
            continue
        # A zero month still shows a sliver: "counted, nothing happened" is not "not counted".
        height = max(base - y(point.value), 1.5)
        tip = _("%(month)s: %(value)s (누적 %(ytd)s)") % {
            "month": month_label(point.month),
            "value": with_unit(point.value, unit),
            "ytd": with_unit(point.ytd, unit),
        }
        parts.append(
            f'<rect class="bar" x="{_coordinate(x_centre(point.month) - width / 2)}" '
            f'y="{_coordinate(base - height)}" width="{_coordinate(width)}" '
            f'height="{_coordinate(height)}" fill="{BAR_FILL}"><title>{escape(tip)}</title></rect>'
        )

    # The year to date as a line over the months that have one.
    points = [(x_centre(p.month), y(p.ytd)) for p in monthly if p.ytd is not None]
    if points:
        parts.append(
            f'<polyline class="ytd" fill="none" stroke="{YTD_STROKE}" stroke-width="2" '
            f'points="{" ".join(f"{_coordinate(px)},{_coordinate(py)}" for px, py in points)}"/>'
        )
        parts.extend(
            f'<circle class="ytd-dot" cx="{_coordinate(px)}" cy="{_coordinate(py)}" r="2.5" '
            f'fill="{YTD_STROKE}"/>'
            for px, py in points
        )

    # The year's target, dashed, labelled at its right end.
    if target is not None:
        at = y(target)
        label = _("목표 %(target)s") % {"target": with_unit(target, unit)}
        parts.append(
            f'<line class="target" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_coordinate(at)}" '
            f'y2="{_coordinate(at)}" stroke="{TARGET_STROKE}" stroke-width="1.5" '
            f'stroke-dasharray="5 4"/>'
            f'<text class="target-label" x="{WIDTH - RIGHT}" y="{_coordinate(max(at - 4, 9))}" '
            f'text-anchor="end" fill="{TARGET_STROKE}">{escape(label)}</text>'
        )

    # Months along the bottom.
    parts.extend(
        f'<text class="month" x="{_coordinate(x_centre(month))}" y="{HEIGHT - 6}" '
        f'text-anchor="middle" fill="{TEXT_FILL}">{escape(month_label(month))}</text>'
        for month in MONTHS
    )
    parts.append("</svg>")
    # Every piece of text above went through escape(); the rest is numbers and fixed markup.
    return mark_safe("".join(parts))  # noqa: S308
