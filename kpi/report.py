"""The year's goal report: per goal, indicator, measure and unit program, the target, the
year-to-date actual, the achievement rate, last year's figures and the monthly series.

The report computes every rate itself (``achievement_rate``, DESIGN §3.5). The document's
printed rate columns travel beside the computed figures as text (``reported_rate_text``,
``prior_rate_text``) so a reader can compare them, never in their place: the 2023 table prints
125 % beside 22 (20) for 4-1, and the report shows 110 (``docs/kpi.md`` §5.1).

``year_report`` runs a fixed number of queries, whatever the number of goals and months: the
goal tree comes in one prefetch chain and the measurements of two years in one query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch, Q
from django.utils import timezone

from kpi import metrics
from kpi.models import (
    Indicator,
    Measure,
    Measurement,
    MeasureTarget,
    StrategicGoal,
    UnitProgram,
    UnitProgramTarget,
    achievement_rate,
)
from kpi.rollups import LEVEL_UNITS, structure_year


class Status:
    """How a line stands against its target."""

    ACHIEVED = "achieved"  # rate ≥ 100
    ON_TRACK = "on_track"  # behind the whole year's target, but not behind its share so far
    BEHIND = "behind"
    NO_TARGET = "no_target"  # an actual but no (non-zero) target to hold it against
    NO_DATA = "no_data"  # no actual yet

    CHOICES = (ACHIEVED, ON_TRACK, BEHIND, NO_TARGET, NO_DATA)


class ActualSource:
    AUTO = Measurement.Source.AUTO.value  # the monthly rollup
    MANUAL = Measurement.Source.MANUAL.value  # a manager's entries
    REPORTED = "reported"  # the figure the document prints (the 2022 results table)

    CHOICES = (AUTO, MANUAL, REPORTED)


@dataclass(frozen=True)
class MonthPoint:
    """One month of a line: its own value and the year-to-date value (None: not computed)."""

    month: int
    value: Decimal | None
    ytd: Decimal | None


@dataclass(frozen=True)
class PlanTarget:
    """A target of the line for one year of its plan, as stored and as printed."""

    year: int
    target: Decimal | None
    target_text: str
    reported_actual: Decimal | None
    reported_actual_text: str


@dataclass(kw_only=True)
class Line:
    """What measures and unit programs share in the report."""

    id: int
    name: str
    unit: str
    metric: str
    target: Decimal | None
    target_text: str
    actual: Decimal | None
    actual_text: str  # the printed actual, when the actual is the document's
    actual_source: str  # one of ActualSource.CHOICES, or "" without an actual
    actual_through: int | None  # the month the year-to-date actual runs through
    achievement_rate: int | None
    reported_rate_text: str  # the document's own rate for this year, for reference only
    prior_target: Decimal | None
    prior_actual: Decimal | None
    prior_text: str
    prior_rate: int | None  # computed from the prior figures, never the printed one
    prior_rate_text: str  # the document's "전년목표 대비" cell, for reference only
    status: str
    monthly: list[MonthPoint]
    plan: list[PlanTarget]


@dataclass(kw_only=True)
class MeasureLine(Line):
    budget_eok: Decimal | None


@dataclass(kw_only=True)
class UnitProgramLine(Line):
    group: str
    note: str


@dataclass(frozen=True)
class OperationalLine:
    """An operational measure (운영 지표): the latest month's figure and the year to date,
    beside its indicator; no target, never in the goal table."""

    id: int
    indicator_code: str
    indicator_name: str
    name: str
    unit: str
    metric: str
    month: int | None  # the latest month with a figure
    value: Decimal | None
    ytd: Decimal | None
    monthly: list[MonthPoint]


@dataclass
class IndicatorReport:
    id: int
    code: str
    name: str
    measures: list[MeasureLine] = field(default_factory=list)
    unit_programs: list[UnitProgramLine] = field(default_factory=list)


@dataclass
class GoalReport:
    number: int
    name: str
    indicators: list[IndicatorReport] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.number}. {self.name}"


@dataclass
class YearReport:
    year: int
    plan_year: int | None  # the goal structure that applies to the year (2024 → 2023's)
    through_month: int | None  # the latest month of the year with any measurement
    generated_at: datetime
    goals: list[GoalReport] = field(default_factory=list)
    # The operational measures, apart from the goals (the Excel and the CSV print the goals).
    operations: list[OperationalLine] = field(default_factory=list)

    def measure_rows(self) -> list[tuple[GoalReport, IndicatorReport, MeasureLine]]:
        """The rows of the goal table, in the document's order."""
        return [
            (goal, indicator, measure)
            for goal in self.goals
            for indicator in goal.indicators
            for measure in indicator.measures
        ]

    def plan_years(self) -> list[int]:
        """The years the unit programs' plans set targets for (2023, 2024, 2025)."""
        return sorted(
            {
                plan.year
                for goal in self.goals
                for indicator in goal.indicators
                for program in indicator.unit_programs
                for plan in program.plan
                if plan.target is not None or plan.target_text
            }
        )


# --- building the report ---------------------------------------------------------------------


def year_report(*, year: int) -> YearReport:
    """The report of ``year`` under the goal structure that applies to it."""
    plan_year = structure_year(year)
    now = timezone.now()
    if plan_year is None:
        return YearReport(year=year, plan_year=None, through_month=None, generated_at=now)
    goals = list(
        StrategicGoal.objects.filter(year=plan_year)
        .order_by("number")
        .prefetch_related(
            Prefetch(
                "indicators",
                queryset=Indicator.objects.order_by("sort_order", "code").prefetch_related(
                    Prefetch(
                        "measures",
                        queryset=Measure.objects.order_by("sort_order", "id").prefetch_related(
                            Prefetch("targets", queryset=MeasureTarget.objects.order_by("year"))
                        ),
                    ),
                    Prefetch(
                        "unit_programs",
                        queryset=UnitProgram.objects.order_by("sort_order", "id").prefetch_related(
                            Prefetch("targets", queryset=UnitProgramTarget.objects.order_by("year"))
                        ),
                    ),
                ),
            )
        )
    )
    measures = [m for g in goals for i in g.indicators.all() for m in i.measures.all()]
    programs = [p for g in goals for i in g.indicators.all() for p in i.unit_programs.all()]
    rows = _measurements(year, [m.pk for m in measures], [p.pk for p in programs])

    report = YearReport(
        year=year,
        plan_year=plan_year,
        through_month=max(
            (month for key, months in rows.items() if key[2] == year for month in months),
            default=None,
        ),
        generated_at=now,
    )
    for goal in goals:
        goal_report = GoalReport(number=goal.number, name=goal.name)
        for indicator in goal.indicators.all():
            goal_report.indicators.append(
                IndicatorReport(
                    id=indicator.pk,
                    code=indicator.code,
                    name=indicator.name,
                    measures=[
                        _measure_line(m, year, rows)
                        for m in indicator.measures.all()
                        if not m.operational
                    ],
                    unit_programs=[
                        _unit_program_line(p, year, rows) for p in indicator.unit_programs.all()
                    ],
                )
            )
            report.operations += [
                _operational_line(m, indicator, year, rows)
                for m in indicator.measures.all()
                if m.operational
            ]
        report.goals.append(goal_report)
    return report


def _operational_line(
    measure: Measure, indicator: Indicator, year: int, rows: Rows
) -> OperationalLine:
    months = rows.get(("measure", measure.pk, year), {})
    latest = months[max(months)] if months else None
    return OperationalLine(
        id=measure.pk,
        indicator_code=indicator.code,
        indicator_name=indicator.name,
        name=measure.name,
        unit=measure.unit,
        metric=measure.metric,
        month=latest.month if latest else None,
        value=latest.value if latest else None,
        ytd=latest.ytd_value if latest else None,
        monthly=_series(months),
    )


# (kind, owner id, year) → month → measurement
Rows = dict[tuple[str, int, int], dict[int, Measurement]]


def _measurements(year: int, measure_ids: list[int], program_ids: list[int]) -> Rows:
    """This year's and last year's measurements of the lines, in one query. Last year's give
    the prior actual of a later plan year (2024's report shows 2023's year to date)."""
    rows: Rows = defaultdict(dict)
    found = (
        Measurement.objects.filter(year__in=(year - 1, year))
        .filter(Q(measure_id__in=measure_ids) | Q(unit_program_id__in=program_ids))
        .only("measure_id", "unit_program_id", "year", "month", "value", "ytd_value", "source")
        .order_by()
    )
    for row in found:
        key = ("measure", row.measure_id) if row.measure_id else ("program", row.unit_program_id)
        rows[(key[0], key[1], row.year)][row.month] = row
    return rows


def _actual(
    months: dict[int, Measurement], reported: Decimal | None, reported_text: str
) -> tuple[Decimal | None, str, str, int | None]:
    """The year-to-date actual: that of the latest month with a measurement (its ``ytd_value``
    already follows the counting rules: distinct persons are not summed, a stock or a level is
    the latest value); without measurements, the figure the document prints, if any."""
    if months:
        latest = months[max(months)]
        return latest.ytd_value, "", latest.source, latest.month
    if reported is not None:
        return reported, reported_text, ActualSource.REPORTED, None
    return None, "", "", None


def _is_level(unit: str, metric: str) -> bool:
    """A rate, a score or a stock is compared whole against its target, never prorated:
    82점 by March is not 82 × 3/12."""
    if unit in LEVEL_UNITS:
        return True
    known = metrics.METRICS.get(metric)
    return known is not None and known.kind == "stock"


def line_status(
    *, actual: Decimal | None, target: Decimal | None, through: int | None, level: bool
) -> str:
    """achieved at 100 %; on track while the year to date keeps up with the target's share of
    the months so far (target × months ÷ 12); behind otherwise."""
    if actual is None:
        return Status.NO_DATA
    if not target:
        return Status.NO_TARGET
    rate = achievement_rate(actual, target)
    if rate is not None and rate >= 100:
        return Status.ACHIEVED
    months = 12 if through is None or level else through
    if actual * 12 >= target * months:
        return Status.ON_TRACK
    return Status.BEHIND


def _series(months: dict[int, Measurement]) -> list[MonthPoint]:
    return [
        MonthPoint(
            month=month,
            value=months[month].value if month in months else None,
            ytd=months[month].ytd_value if month in months else None,
        )
        for month in range(1, 13)
    ]


def _plan(targets: list[MeasureTarget] | list[UnitProgramTarget]) -> list[PlanTarget]:
    return [
        PlanTarget(
            year=t.year,
            target=t.target,
            target_text=t.target_text,
            reported_actual=t.reported_actual,
            reported_actual_text=t.reported_actual_text,
        )
        for t in targets
    ]


def _measure_line(measure: Measure, year: int, rows: Rows) -> MeasureLine:
    targets = {t.year: t for t in measure.targets.all()}
    this = targets.get(year)
    months = rows.get(("measure", measure.pk, year), {})
    actual, actual_text, source, through = _actual(
        months,
        this.reported_actual if this else None,
        this.reported_actual_text if this else "",
    )
    target = this.target if this else None
    if this is not None and (
        this.reported_prior_actual is not None
        or this.reported_prior_target is not None
        or this.reported_prior_text
    ):
        # The goal table prints last year's figures beside this year's target: those are the
        # prior figures, whichever table last year's own row is in.
        prior_target = this.reported_prior_target
        prior_actual = this.reported_prior_actual
        prior_text = this.reported_prior_text
    else:
        last = targets.get(year - 1)
        prior_target = last.target if last else None
        prior_actual = _actual(
            rows.get(("measure", measure.pk, year - 1), {}),
            last.reported_actual if last else None,
            "",
        )[0]
        prior_text = ""
    return MeasureLine(
        id=measure.pk,
        name=measure.name,
        unit=measure.unit,
        metric=measure.metric,
        budget_eok=measure.budget_eok,
        target=target,
        target_text=this.target_text if this else "",
        actual=actual,
        actual_text=actual_text,
        actual_source=source,
        actual_through=through,
        achievement_rate=achievement_rate(actual, target),
        reported_rate_text=this.reported_rate_text if this else "",
        prior_target=prior_target,
        prior_actual=prior_actual,
        prior_text=prior_text,
        prior_rate=achievement_rate(prior_actual, prior_target),
        prior_rate_text=this.reported_prior_rate_text if this else "",
        status=line_status(
            actual=actual,
            target=target,
            through=through,
            level=_is_level(measure.unit, measure.metric),
        ),
        monthly=_series(months),
        plan=_plan(list(targets.values())),
    )


def _unit_program_line(program: UnitProgram, year: int, rows: Rows) -> UnitProgramLine:
    targets = {t.year: t for t in program.targets.all()}
    this, last = targets.get(year), targets.get(year - 1)
    months = rows.get(("program", program.pk, year), {})
    actual, actual_text, source, through = _actual(
        months,
        this.reported_actual if this else None,
        this.reported_actual_text if this else "",
    )
    target = this.target if this else None
    # A unit program's prior figures are its own row of last year: 1-1's 추진실적 table gives
    # the 2022 results of its unit programs (21회, 10회, …).
    prior_target = last.target if last else None
    prior_actual = _actual(
        rows.get(("program", program.pk, year - 1), {}),
        last.reported_actual if last else None,
        "",
    )[0]
    return UnitProgramLine(
        id=program.pk,
        name=program.name,
        group=program.group,
        note=program.note,
        unit=program.unit,
        metric=program.metric,
        target=target,
        target_text=this.target_text if this else "",
        actual=actual,
        actual_text=actual_text,
        actual_source=source,
        actual_through=through,
        achievement_rate=achievement_rate(actual, target),
        reported_rate_text="",
        prior_target=prior_target,
        prior_actual=prior_actual,
        prior_text=last.reported_actual_text if last else "",
        prior_rate=achievement_rate(prior_actual, prior_target),
        prior_rate_text="",
        status=line_status(
            actual=actual,
            target=target,
            through=through,
            level=_is_level(program.unit, program.metric),
        ),
        monthly=_series(months),
        plan=_plan(list(targets.values())),
    )
