"""The automatic metrics of the goal tracker: set-based queries over operational data.

Every metric answers, for a year and the months of it, two figures per month (DESIGN §3):
the month's own value and the year-to-date value. Periods are calendar months in Seoul time.
Counts of events are additive, so their year to date is a running sum; distinct persons are
not, so their year to date counts each person once, in the month they were first served
(the first-served month is found in SQL, never by loading people into Python).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, Min, Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils.translation import gettext_lazy as _

SEOUL = ZoneInfo("Asia/Seoul")


def month_start(year: int, month: int) -> datetime:
    """The first instant of a month in Seoul time (aware), or of January next year for 13."""
    if month == 13:
        year, month = year + 1, 1
    return datetime(year, month, 1, tzinfo=SEOUL)


@dataclass(frozen=True)
class Series:
    """Monthly and year-to-date values for months 1..through of one year."""

    monthly: dict[int, int]
    ytd: dict[int, int]


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    kind: str  # "count" (additive events), "distinct" (persons), "stock" (at period end)
    source: Callable[[], QuerySet]  # rows of the metric, not yet limited to a period
    time_field: str = ""
    person_field: str = ""
    # Where a row's 시·군 code and rural flag are, for the dashboard's breakdowns.
    region_field: str = "recipient__region__code"
    rural_field: str = "recipient__is_rural"


def _visits() -> QuerySet:
    from care.models import Visit

    return Visit.objects.counted()


def _emergency_visits() -> QuerySet:
    # 긴급돌봄 수혜: the persons of the emergency care program; rural gap care has its own.
    return _visits().filter(program__code="emergency_care")


def _rural_visits() -> QuerySet:
    return _visits().filter(program__code="rural_gap_care", recipient__is_rural=True)


def _consultations(program: str) -> Callable[[], QuerySet]:
    def rows() -> QuerySet:
        from consultations.models import Consultation

        return Consultation.objects.filter(program__code=program)

    return rows


def _corps_members() -> QuerySet:
    from volunteers.models import CorpsMember

    return CorpsMember.objects.all()


METRICS: dict[str, Metric] = {
    metric.code: metric
    for metric in [
        Metric("visits", _("방문 횟수"), "count", _visits, "started_at"),
        Metric(
            "recipients_served",
            _("긴급돌봄 수혜자(실인원)"),
            "distinct",
            _visits,
            "started_at",
            "recipient_id",
        ),
        Metric(
            "corps_members_served",
            _("활동 단원(실인원)"),
            "distinct",
            _visits,
            "started_at",
            "corps_member_id",
        ),
        Metric(
            "rural_recipients_served",
            _("농촌 틈새돌봄 대상자(실인원)"),
            "distinct",
            _rural_visits,
            "started_at",
            "recipient_id",
        ),
        Metric(
            "corps_members_active",
            _("활동 중 단원(기말)"),
            "stock",
            _corps_members,
            region_field="region__code",
            rural_field="",
        ),
        Metric(
            "programs_operated",
            _("운영 사업 수"),
            "distinct",
            _visits,
            "started_at",
            "program_id",
        ),
        Metric(
            "outreach_consultations",
            _("찾아가는 상담 건수"),
            "count",
            _consultations("outreach_counseling"),
            "held_at",
        ),
        Metric(
            "care_info_consultations",
            _("돌봄종합정보상담 건수"),
            "count",
            _consultations("care_info_counseling"),
            "held_at",
        ),
    ]
}


def _in_year(metric: Metric, year: int, through: int) -> QuerySet:
    return metric.source().filter(
        **{
            f"{metric.time_field}__gte": month_start(year, 1),
            f"{metric.time_field}__lt": month_start(year, through + 1),
        }
    )


def _grouped_counts(queryset: QuerySet) -> dict[int, int]:
    return {row["m"]: row["n"] for row in queryset}


def _first_month_counts(metric: Metric, year: int, through: int) -> dict[int, int]:
    """How many persons were first served in each month: one GROUP BY over a GROUP BY."""
    firsts = (
        _in_year(metric, year, through)
        .values(metric.person_field)
        .annotate(first=Min(ExtractMonth(metric.time_field, tzinfo=SEOUL)))
        .values("first")
    )
    sql, params = firsts.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT firsts.first, COUNT(*) FROM ({sql}) firsts GROUP BY firsts.first",  # noqa: S608
            params,
        )
        return {int(month): count for month, count in cursor.fetchall()}


def _stock_rows(day: date) -> QuerySet:
    """Corps members active at the end of ``day``: joined by then and not yet left."""
    return (
        _corps_members()
        .filter(joined_on__lte=day)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=day))
    )


def _stock_on(day: date) -> int:
    return _stock_rows(day).count()


def _month_end(year: int, month: int) -> date:
    return (month_start(year, month + 1) - timedelta(days=1)).date()


def series(code: str, year: int, through: int = 12) -> Series:
    """Monthly and year-to-date values of a metric for months 1..``through`` of ``year``."""
    metric = METRICS[code]
    months = range(1, through + 1)
    if metric.kind == "stock":
        # Twelve small counts over the corps table (thousands of rows, not visits).
        values = {m: _stock_on(_month_end(year, m)) for m in months}
        # A stock's year-to-date value is the stock at the end of the period.
        return Series(monthly=values, ytd=dict(values))
    month = ExtractMonth(metric.time_field, tzinfo=SEOUL)
    rows = _in_year(metric, year, through).annotate(m=month).values("m")
    if metric.kind == "count":
        monthly = _grouped_counts(rows.annotate(n=Count("pk")))
        firsts = monthly
    else:
        monthly = _grouped_counts(rows.annotate(n=Count(metric.person_field, distinct=True)))
        firsts = _first_month_counts(metric, year, through)
    ytd, running = {}, 0
    for m in months:
        running += firsts.get(m, 0)
        ytd[m] = running
    return Series(monthly={m: monthly.get(m, 0) for m in months}, ytd=ytd)


def month_values(code: str, year: int, month: int) -> tuple[int, int]:
    """One month's value and its year-to-date value, each with one query over its period."""
    metric = METRICS[code]
    if metric.kind == "stock":
        s = series(code, year, month)
        return s.monthly[month], s.ytd[month]
    in_month = metric.source().filter(
        **{
            f"{metric.time_field}__gte": month_start(year, month),
            f"{metric.time_field}__lt": month_start(year, month + 1),
        }
    )
    to_date = _in_year(metric, year, month)
    if metric.kind == "count":
        return in_month.count(), to_date.count()
    return (
        in_month.aggregate(n=Count(metric.person_field, distinct=True))["n"],
        to_date.aggregate(n=Count(metric.person_field, distinct=True))["n"],
    )


def month_breakdown(code: str, year: int, month: int, dimension: str) -> dict[str, tuple[int, int]]:
    """A month's value and year-to-date value per 시·군 code (``region``) or per
    ``rural``/``urban`` (``area``): two GROUP BY queries. Empty where the metric has no such
    dimension (consultations carry no rural flag)."""
    metric = METRICS[code]
    field = metric.region_field if dimension == "region" else metric.rural_field
    if not field:
        return {}

    def key(value: object) -> str:
        if dimension == "area":
            return "rural" if value else "urban"
        return str(value or "")

    if metric.kind == "stock":
        rows = _stock_rows(_month_end(year, month)).values(field).annotate(n=Count("pk"))
        return {key(row[field]): (row["n"], row["n"]) for row in rows}
    in_month = metric.source().filter(
        **{
            f"{metric.time_field}__gte": month_start(year, month),
            f"{metric.time_field}__lt": month_start(year, month + 1),
        }
    )
    to_date = _in_year(metric, year, month)
    counted = Count("pk") if metric.kind == "count" else Count(metric.person_field, distinct=True)
    monthly = {key(r[field]): r["n"] for r in in_month.values(field).annotate(n=counted)}
    ytd = {key(r[field]): r["n"] for r in to_date.values(field).annotate(n=counted)}
    return {k: (monthly.get(k, 0), ytd[k]) for k in ytd}
