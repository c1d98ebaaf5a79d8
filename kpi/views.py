"""The managers' goal tracker (/kpi/): the year's goals against their targets, a chart per
measure, the 4-1/4-2 breakdowns, rollup runs, closed months, late records, manual entries.

Pages only. The figures come from ``kpi.report.year_report`` (the same report the Excel
download is made of, so the page and the file agree), the reads of runs, periods and entries
from ``kpi.selectors``, the writes from ``kpi.rollups``; the forms run the API's own checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from base.models import Region
from config.api import role_required
from consultations.usage import selectors as usage_selectors
from kpi import charts, metrics, rollups, selectors, tasks
from kpi.api import IsManager
from kpi.exports import plain, prior_cell, with_unit
from kpi.forms import (
    LINE_FIELDS,
    LINE_KEY,
    ManualEntryForm,
    MonthCloseForm,
    RollupForm,
    YearForm,
    line_key,
)
from kpi.models import (
    ManualEntry,
    Measurement,
    MeasurementBreakdown,
    MeasureTarget,
    StrategicGoal,
)
from kpi.report import ActualSource, Line, OperationalLine, Status, YearReport, year_report

View = Callable[..., HttpResponse]

RECENT_RUNS = 8
RECENT_LATE_RECORDS = 20
RECENT_ENTRIES = 15

STATUS_LABELS = {
    Status.ACHIEVED: gettext_lazy("달성"),
    Status.ON_TRACK: gettext_lazy("순항"),
    Status.BEHIND: gettext_lazy("미흡"),
    Status.NO_TARGET: gettext_lazy("목표 없음"),
    Status.NO_DATA: gettext_lazy("실적 없음"),
}
AREA_LABELS = {"rural": gettext_lazy("농촌(읍·면)"), "urban": gettext_lazy("도시(동)")}


# Managers and administrators only, as on /api/v1/kpi/.
manager_required = role_required(IsManager)


# --- what the page shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class LineRow:
    """A measure's or unit program's figures, worded as the Excel report words them."""

    line: Line
    kind: str  # "measure" or "program"
    key: str  # the manual-entry form's value, also the row's anchor ("m-3", "p-12")
    budget: str
    target: str
    target_note: str  # the printed target, where it says more than the number
    actual: str
    actual_value: str  # the plain figure, for the row's data-actual
    actual_note: str
    rate: str
    status_label: str
    prior: str
    prior_rate: str
    prior_rate_printed: str  # the document's own "전년목표 대비", where it differs
    footnote: int | None = None

    @property
    def is_manual(self) -> bool:
        return not self.line.metric


@dataclass
class IndicatorRows:
    code: str
    name: str
    measures: list[LineRow] = field(default_factory=list)
    programs: list[LineRow] = field(default_factory=list)

    @property
    def rowspan(self) -> int:
        return len(self.measures) + (1 if self.programs else 0)

    @property
    def programs_open(self) -> bool:
        """Unit programs are folded away unless one of them has figures this year."""
        return any(row.line.actual is not None for row in self.programs)


@dataclass
class GoalRows:
    number: int
    label: str
    indicators: list[IndicatorRows] = field(default_factory=list)


@dataclass(frozen=True)
class ChartCard:
    code: str
    row: LineRow
    svg: str


@dataclass(frozen=True)
class BreakdownCell:
    text: str
    share: int | None  # of the column's largest figure, for the cell's bar


@dataclass
class Breakdown:
    """시·군 and 농촌·도시 figures of the automatic lines, year to date through ``month``."""

    month: int
    columns: list[tuple[str, LineRow]] = field(default_factory=list)  # (indicator code, line)
    regions: list[tuple[str, list[BreakdownCell]]] = field(default_factory=list)
    areas: list[tuple[str, list[BreakdownCell]]] = field(default_factory=list)


@dataclass(frozen=True)
class OperationRow:
    line: OperationalLine
    key: str  # the row's anchor ("m-31")
    value: str  # the month's figure
    ytd: str  # the year to date


@dataclass
class Operations:
    """The 운영 지표 beside their indicator (4-1): the latest computed month and the year to
    date, and the closures of the year by reason."""

    code: str
    name: str
    month: int | None
    rows: list[OperationRow] = field(default_factory=list)
    reasons: list[tuple[str, str, str]] = field(default_factory=list)  # (reason, month, ytd)


def _figure_text(value: Decimal | None, unit: str) -> str:
    return with_unit(value, unit) or "—"


def _operations(year: int, report: YearReport) -> Operations | None:
    """The operational lines as the page words them, and the closure reasons of the closures
    line (one query)."""
    from care.models import Episode

    if not report.operations:
        return None
    first = report.operations[0]
    month = max((line.month or 0 for line in report.operations), default=0) or None
    operations = Operations(code=first.indicator_code, name=first.indicator_name, month=month)
    for line in report.operations:
        at = next((p for p in line.monthly if p.month == month), None)
        operations.rows.append(
            OperationRow(
                line=line,
                key=line_key("measure", line.id),
                value=_figure_text(at.value if at else None, line.unit),
                ytd=_figure_text(at.ytd if at else None, line.unit),
            )
        )
    closures = [line.id for line in report.operations if line.metric == "episodes_closed"]
    if month and closures:
        labels = dict(Episode.ClosureReason.choices)
        found = MeasurementBreakdown.objects.filter(
            measurement__measure_id__in=closures,
            measurement__year=year,
            measurement__month=month,
            dimension=MeasurementBreakdown.Dimension.REASON,
        ).values_list("key", "value", "ytd_value")
        counted = {key: (value, ytd) for key, value, ytd in found}
        operations.reasons = [
            (str(label), plain(counted[key][0]), plain(counted[key][1]))
            for key, label in labels.items()
            if key in counted
        ]
    return operations


def _line_row(line: Line, kind: str) -> LineRow:
    target = with_unit(line.target, line.unit)
    if line.actual_source == ActualSource.REPORTED:
        actual_note = _("문서 실적")
    elif line.actual_through is not None:
        source = _("자동") if line.actual_source == ActualSource.AUTO else _("수기")
        actual_note = _("1–%(month)d월 · %(source)s") % {
            "month": line.actual_through,
            "source": source,
        }
    else:
        actual_note = ""
    printed = line.prior_rate_text
    computed = f"{line.prior_rate}%" if line.prior_rate is not None else ""
    return LineRow(
        line=line,
        kind=kind,
        key=line_key(kind, line.id),
        budget=plain(getattr(line, "budget_eok", None)),
        target=target or line.target_text or "—",
        target_note=line.target_text if target and line.target_text != target else "",
        actual=with_unit(line.actual, line.unit) or "—",
        actual_value=plain(line.actual),
        actual_note=actual_note,
        rate=f"{line.achievement_rate}%" if line.achievement_rate is not None else "—",
        status_label=str(STATUS_LABELS.get(line.status, line.status)),
        prior=prior_cell(line),
        # Computed wherever both prior figures exist; otherwise the printed cell ("신규").
        prior_rate=computed or printed or "-",
        prior_rate_printed=printed if computed and printed and printed != computed else "",
    )


def _goal_rows(report: YearReport) -> tuple[list[GoalRows], list[tuple[str, LineRow]]]:
    """The goal table, and the rows whose printed prior rate differs (numbered footnotes)."""
    goals, footnoted = [], []
    for goal in report.goals:
        rows = GoalRows(number=goal.number, label=goal.label)
        for indicator in goal.indicators:
            measures = []
            for line in indicator.measures:
                row = _line_row(line, "measure")
                if row.prior_rate_printed:
                    row = replace(row, footnote=len(footnoted) + 1)
                    footnoted.append((indicator.code, row))
                measures.append(row)
            rows.indicators.append(
                IndicatorRows(
                    code=indicator.code,
                    name=indicator.name,
                    measures=measures,
                    programs=[_line_row(p, "program") for p in indicator.unit_programs],
                )
            )
        goals.append(rows)
    return goals, footnoted


def _chart_cards(goals: list[GoalRows]) -> list[ChartCard]:
    """A chart for every line the rollup computes, and for manual lines with figures."""
    cards = []
    for goal in goals:
        for indicator in goal.indicators:
            for row in [*indicator.measures, *indicator.programs]:
                line = row.line
                if not line.metric and all(p.value is None for p in line.monthly):
                    continue
                title = _("%(code)s %(name)s 월별 실적") % {
                    "code": indicator.code,
                    "name": line.name,
                }
                svg = charts.month_chart(
                    chart_id=f"chart-{row.key}",
                    title=title,
                    unit=line.unit,
                    monthly=line.monthly,
                    target=line.target,
                )
                cards.append(ChartCard(code=indicator.code, row=row, svg=svg))
    return cards


def _cells(values: list[Decimal | None]) -> list[BreakdownCell]:
    largest = max((v for v in values if v is not None), default=Decimal(0))
    return [
        BreakdownCell(
            text="—" if value is None else plain(value),
            share=int(value * 100 / largest) if value is not None and largest else None,
        )
        for value in values
    ]


def _breakdown(year: int, goals: list[GoalRows]) -> Breakdown | None:
    """The automatic lines' figures by 시·군 and by rural / urban, year to date through the
    latest month the rollup has computed (two queries, whatever the number of lines)."""
    columns = [
        (indicator.code, row)
        for goal in goals
        for indicator in goal.indicators
        for row in [*indicator.measures, *indicator.programs]
        if row.line.metric in metrics.METRICS and row.line.actual_source == ActualSource.AUTO
    ]
    month = max((row.line.actual_through or 0 for _code, row in columns), default=0)
    if not month:
        return None
    found: dict[tuple[str, int, str], dict[str, Decimal]] = {}
    for measure_id, program_id, dimension, key, ytd in MeasurementBreakdown.objects.filter(
        measurement__year=year,
        measurement__month=month,
        measurement__source=Measurement.Source.AUTO,
    ).values_list(
        "measurement__measure_id",
        "measurement__unit_program_id",
        "dimension",
        "key",
        "ytd_value",
    ):
        owner = ("measure", measure_id) if measure_id else ("program", program_id)
        found.setdefault((*owner, dimension), {})[key] = ytd

    def column_values(dimension: str, key: str) -> list[Decimal | None]:
        values: list[Decimal | None] = []
        for _code, row in columns:
            metric = metrics.METRICS[row.line.metric]
            has = metric.region_field if dimension == "region" else metric.rural_field
            counted = found.get((row.kind, row.line.id, dimension), {})
            # "—" where the metric has no such dimension (consultations carry no rural flag).
            values.append(counted.get(key, Decimal(0)) if has else None)
        return values

    regions = list(
        Region.objects.filter(is_active=True)
        .order_by("sort_order", "code")
        .values_list("code", "name")
    )
    known = {code for code, _name in regions}
    unknown = sorted(
        {
            key
            for (_kind, _id, dimension), counted in found.items()
            if dimension == MeasurementBreakdown.Dimension.REGION
            for key in counted
            if key not in known
        }
    )
    region_dimension = MeasurementBreakdown.Dimension.REGION
    area_dimension = MeasurementBreakdown.Dimension.AREA
    return Breakdown(
        month=month,
        columns=columns,
        regions=[
            (name, _cells(column_values(region_dimension, code)))
            for code, name in [*regions, *((key, key or _("미지정")) for key in unknown)]
        ],
        areas=[
            (str(label), _cells(column_values(area_dimension, key)))
            for key, label in AREA_LABELS.items()
        ],
    )


def _years(requested: int | None) -> tuple[list[int], int]:
    """The selectable years (plan structures, targets, years with figures) and the year shown:
    the one asked for, else the latest with figures, else the latest plan."""
    plans = set(StrategicGoal.objects.values_list("year", flat=True))
    targets = set(MeasureTarget.objects.order_by().values_list("year", flat=True).distinct())
    figures = set(Measurement.objects.order_by().values_list("year", flat=True).distinct())
    default = max(figures or plans or {timezone.localdate().year})
    year = requested or default
    return sorted(plans | targets | figures | {year}), year


def _months(year: int) -> list[tuple[int, Any]]:
    periods = {period.month: period for period in selectors.period_list().filter(year=year)}
    return [(month, periods.get(month)) for month in range(1, 13)]


def _manual_choices(goals: list[GoalRows]) -> list[tuple[str, list[tuple[str, str]]]]:
    choices = []
    for goal in goals:
        for indicator in goal.indicators:
            lines = [
                (
                    row.key,
                    row.line.name
                    if row.kind == "measure"
                    else _("[단위사업] %(name)s") % {"name": row.line.name},
                )
                for row in [*indicator.measures, *indicator.programs]
                if row.is_manual
            ]
            if lines:
                choices.append((f"{indicator.code} {indicator.name}", lines))
    return choices


def _history(year: int, key: str) -> list[tuple[ManualEntry, Any, str]]:
    """The year's manual entries, newest first (all kept, never rewritten), or one line's."""
    entries = selectors.manual_entry_list().filter(year=year)
    match = LINE_KEY.match(key)
    if match:
        entries = entries.filter(**{f"{LINE_FIELDS[match['kind']]}_id": int(match["pk"])})
    return [
        (entry, owner, with_unit(entry.value, owner.unit))
        for entry in entries[:RECENT_ENTRIES]
        for owner in [entry.measure or entry.unit_program]
    ]


# The indicator the residents' platform's usage is shown beside (4-2 전북 복지자원 플랫폼).
USAGE_INDICATOR = "4-2"


def _usage(year: int) -> usage_selectors.UsageSummary:
    """The public platform's use in the year so far: counts only, no person (managers)."""
    end = min(date(year, 12, 31), timezone.localdate())
    return usage_selectors.usage_summary(start=date(year, 1, 1), end=end)


def _dashboard(
    request: HttpRequest,
    *,
    year: int | None,
    manual_form: ManualEntryForm | None = None,
) -> HttpResponse:
    years, year = _years(year)
    report = year_report(year=year)
    goals, footnoted = _goal_rows(report)
    manual_lines = _manual_choices(goals)
    history = request.GET.get("history", "")
    default_month = report.through_month or 1
    months = _months(year)
    if manual_form is None:
        manual_form = ManualEntryForm(
            initial={"year": year, "month": default_month, "line": history}
        )
    manual_form.offer(years=years)
    manual_form.offer_lines(manual_lines)
    context = {
        "year": year,
        "years": years,
        "report": report,
        "goals": goals,
        "footnoted": footnoted,
        "charts": _chart_cards(goals),
        "breakdown": _breakdown(year, goals),
        "operations": _operations(year, report),
        "usage": _usage(year),
        "usage_indicator": USAGE_INDICATOR,
        "statuses": [(status, STATUS_LABELS[status]) for status in Status.CHOICES],
        "download": {
            extension: f"{reverse('kpi-report-download')}?"
            + urlencode({"year": year, "format": extension})
            for extension in ("xlsx", "csv")
        },
        "runs": selectors.rollup_run_list().filter(year=year)[:RECENT_RUNS],
        "months": months,
        "late_total": sum(getattr(p, "late_record_count", 0) for _m, p in months if p),
        "late_records": selectors.late_record_list().filter(period__year=year)[
            :RECENT_LATE_RECORDS
        ],
        "rollup_form": RollupForm(initial={"year": year, "month": default_month}, years=years),
        "manual_form": manual_form,
        "history_key": history if LINE_KEY.match(history) else "",
        "entries": _history(year, history),
    }
    return render(request, "kpi/dashboard.html", context)


def _to_dashboard(year: Any, anchor: str) -> HttpResponse:
    query = f"?{urlencode({'year': year})}" if year else ""
    return redirect(f"{reverse('kpi:dashboard')}{query}#{anchor}")


def _form_error_text(form: Any) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


# --- pages and actions -----------------------------------------------------------------------


@manager_required
def dashboard(request: HttpRequest) -> HttpResponse:
    selector = YearForm(request.GET)
    # A malformed ?year= shows the default year rather than an error page.
    return _dashboard(request, year=selector.cleaned_data["year"] if selector.is_valid() else None)


@manager_required
@require_POST
def rollup_start(request: HttpRequest) -> HttpResponse:
    form = RollupForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error_text(form))
        return _to_dashboard(request.POST.get("year"), "runs")
    year, month = form.cleaned_data["year"], form.cleaned_data["month"]
    try:
        # The same request as POST /api/v1/kpi/rollups/.
        tasks.rollup_request(year=year, month=month, requested_by=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(year)d년 %(month)d월 집계를 요청했습니다. 잠시 뒤 새로 고침하면 결과가 보입니다.")
            % {"year": year, "month": month},
        )
    return _to_dashboard(year, "runs")


@manager_required
@require_POST
def month_close(request: HttpRequest) -> HttpResponse:
    form = MonthCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error_text(form))
        return _to_dashboard(request.POST.get("year"), "periods")
    year, month = form.cleaned_data["year"], form.cleaned_data["month"]
    try:
        rollups.month_close(actor=request.user, year=year, month=month)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(year)d년 %(month)d월을 마감했습니다. 이후 도착하는 기록은 예외로 표시됩니다.")
            % {"year": year, "month": month},
        )
    return _to_dashboard(year, "periods")


@manager_required
@require_POST
def manual_entry(request: HttpRequest) -> HttpResponse:
    form = ManualEntryForm(request.POST)
    if form.is_valid():
        try:
            entry = rollups.manual_entry_record(
                actor=request.user,  # type: ignore[arg-type]
                **form.entry_fields(),
            )
        except ValidationError as exc:
            for name, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                shown = "line" if name in LINE_FIELDS.values() else name
                form.add_error(shown if shown in form.fields else None, errors)
        else:
            owner = entry.measure or entry.unit_program
            messages.success(
                request,
                _("%(name)s의 %(year)d년 %(month)d월 실적 %(value)s을(를) 입력했습니다.")
                % {
                    "name": owner.name,  # type: ignore[union-attr]
                    "year": entry.year,
                    "month": entry.month,
                    "value": with_unit(entry.value, owner.unit),  # type: ignore[union-attr]
                },
            )
            return redirect(
                f"{reverse('kpi:dashboard')}?"
                + urlencode({"year": entry.year, "history": form.cleaned_data["line"]})
                + "#manual"
            )
    # Shown again with what was typed (the evidence may be long) and the errors beside it.
    messages.error(request, _("수기 실적을 입력하지 못했습니다: %s") % _form_error_text(form))
    return _dashboard(request, year=form.cleaned_data.get("year"), manual_form=form)
