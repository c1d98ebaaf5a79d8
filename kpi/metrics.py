"""The automatic metrics of the goal tracker: set-based queries over operational data.

Every metric answers, for a year and the months of it, two figures per month (DESIGN §3):
the month's own value and the year-to-date value. Periods are calendar months in Seoul time.
Counts of events are additive, so their year to date is a running sum; distinct persons are
not, so their year to date counts each person once, in the month they were first served
(the first-served month is found in SQL, never by loading people into Python).

The operational measures (운영 지표) follow the same rules with kinds of their own: a sum
(delivered hours: additive like a count), a ratio (a rate whose year to date is the year's
numerator over the year's denominator, never a mean of the months), a mean (the year's sum
over the year's count, never a mean of the months' means), a median (of the year so far,
never of the months' medians) and the 운영 groups with activity (4-1 운영사업).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DateTimeField,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, ExtractMonth
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
    # "count" (additive events), "distinct" (persons), "stock" (at period end), "sum" (an
    # additive amount), "ratio" (a rate in %), "mean" (of ``amount`` over the rows that have
    # one), "median", "groups" (운영 groups with activity)
    kind: str
    source: Callable[[], QuerySet]  # rows of the metric, not yet limited to a period
    time_field: str = ""
    person_field: str = ""
    # Where a row's 시·군 (the region; its code keys the breakdown) and rural flag are, for the
    # dashboard's breakdowns.
    region_field: str = "recipient__region"
    rural_field: str = "recipient__is_rural"
    # A third breakdown, by the value of this field (closures by reason).
    reason_field: str = ""
    # "sum": the amount summed per row, and how many of it make one unit of the figure;
    # "mean": the amount averaged (rows without one are not counted).
    amount: Callable[[], Any] | None = None
    amount_per_unit: int = 1
    # "ratio": the rows above the line and below it (the denominator), as conditions.
    numerator: Callable[[], Q] | None = None
    denominator: Callable[[], Q] | None = None


def _visits() -> QuerySet:
    from care.models import Visit

    return Visit.objects.counted()


def _rural_visits() -> QuerySet:
    return _visits().filter(program__code="rural_gap_care", recipient__is_rural=True)


def _consultations(program: str) -> Callable[[], QuerySet]:
    def rows() -> QuerySet:
        from base.models import Program
        from consultations.models import Consultation

        # By the program's id, not a join on its code: with the id known when the query is
        # planned, PostgreSQL reads the program's range of the (program, held_at) index
        # (consultation_program_held) instead of every consultation of the period.
        found = Program.objects.filter(code=program).values_list("pk", flat=True).first()
        return Consultation.objects.filter(program_id=found)

    return rows


def _outreach_sessions() -> QuerySet:
    from consultations.models import OutreachSession

    return OutreachSession.objects.all()


def _corps_members() -> QuerySet:
    from volunteers.models import CorpsMember

    return CorpsMember.objects.all()


def _episodes() -> QuerySet:
    from care.models import Episode

    return Episode.objects.all()


def _closed_episodes() -> QuerySet:
    from care.models import Episode

    return Episode.objects.filter(state=Episode.State.CLOSED)


def _linked() -> Q:
    from care.models import Episode

    return Q(closure_reason=Episode.ClosureReason.LINKED)


def _completed_repairs() -> QuerySet:
    from care.models import RepairJob

    return RepairJob.objects.completed()


def _satisfaction_responses() -> QuerySet:
    from care.models import SatisfactionResponse

    return SatisfactionResponse.objects.all()


def _overall_score() -> F:
    return F("overall_score")


def _scheduled_visits() -> QuerySet:
    from care.models import ScheduledVisit

    return ScheduledVisit.objects.all()


def _incidents() -> QuerySet:
    from care.models import Incident

    return Incident.objects.all()


def _acknowledged_incidents() -> QuerySet:
    from care.models import Incident

    return Incident.objects.filter(acknowledged_at__isnull=False)


def _done() -> Q:
    from care.models import ScheduledVisit

    return Q(state=ScheduledVisit.State.DONE)


def _due() -> Q:
    """Scheduled visits that should have happened: done, missed, or late with their (Seoul)
    day over (the nightly pass may not have marked them missed yet). Cancelled ones never
    count; planned ones and today's late ones are still open."""
    from care.models import ScheduledVisit

    today = datetime.now(SEOUL).replace(hour=0, minute=0, second=0, microsecond=0)
    states = ScheduledVisit.State
    return Q(state__in=[states.DONE, states.MISSED]) | Q(state=states.LATE, starts_at__lt=today)


class _Microseconds(Func):
    """Whole microseconds from the second instant to the first (NULL when either is): a visit's
    service time, from check-in to check-out (no check-out, no time). An integer, so that sums
    are exact and cheap: PostgreSQL's EXTRACT gives a numeric, whose sums cost about as much
    as the rest of the rollup's read; ``date_part`` a double, rounded here to the microsecond
    (exact below 285 years)."""

    output_field = IntegerField()
    arg_joiner = " - "
    template = "CAST(ROUND(date_part('epoch', %(expressions)s) * 1000000) AS BIGINT)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(ROUND((julianday(%(expressions)s)) * 86400000000.0) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def _service_microseconds() -> _Microseconds:
    return _Microseconds("ended_at", "started_at")


def _microseconds_to_acknowledge() -> _Microseconds:
    return _Microseconds("acknowledged_at", "reported_at")


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
            region_field="region",
            rural_field="",
        ),
        Metric(
            "outreach_consultations",
            _("찾아가는 상담 건수"),
            "count",
            _consultations("outreach_counseling"),
            "held_at",
            # A consultation has its own 시·군 (the person may be no recipient) and no rural flag.
            region_field="region",
            rural_field="",
        ),
        # 4-1 사회서비스연계 상담 (회): outreach days, whatever the consultations held on each.
        # A session's day is a (Seoul) date; its 시·군 and rural flag are its site's.
        Metric(
            "outreach_sessions",
            _("찾아가는 상담 회차"),
            "count",
            _outreach_sessions,
            "held_on",
            region_field="site__region",
            rural_field="site__is_rural",
        ),
        Metric(
            "care_info_consultations",
            _("돌봄종합정보상담 건수"),
            "count",
            _consultations("care_info_counseling"),
            "held_at",
            # A consultation has its own 시·군 (the person may be no recipient) and no rural flag.
            region_field="region",
            rural_field="",
        ),
        # 가정내 돌봄주거환경개선: households (recipients) with a job completed in the period;
        # a household with two jobs in a year is one household in that year's figure.
        Metric(
            "repair_households",
            _("주거환경개선 가구(실가구)"),
            "distinct",
            _completed_repairs,
            "completed_on",
            "recipient_id",
        ),
        # --- operational measures (운영 지표) of episodes and schedules ---
        Metric(
            "episodes_opened",
            _("돌봄 회차 의뢰(개시)"),
            "count",
            _episodes,
            "referred_on",
        ),
        Metric(
            "episodes_closed",
            _("돌봄 회차 종결"),
            "count",
            _closed_episodes,
            "closed_on",
            reason_field="closure_reason",
        ),
        Metric(
            "closure_linkage_rate",
            _("종결 시 연계율"),
            "ratio",
            _closed_episodes,
            "closed_on",
            region_field="",
            rural_field="",
            numerator=_linked,
            denominator=Q,
        ),
        Metric(
            "referral_to_first_visit_days",
            _("의뢰→첫 방문 일수(중앙값)"),
            "median",
            _visits,
            "started_at",
            region_field="",
            rural_field="",
        ),
        Metric(
            "schedule_completion_rate",
            _("방문 일정 이행률"),
            "ratio",
            _scheduled_visits,
            "starts_at",
            region_field="",
            rural_field="",
            numerator=_done,
            denominator=_due,
        ),
        Metric(
            "delivered_hours",
            _("서비스 제공 시간"),
            "sum",
            _visits,
            "started_at",
            amount=_service_microseconds,
            amount_per_unit=3600 * 1_000_000,
        ),
        # 만족도 (care.satisfaction): the mean overall score (0–100점) of the responses answered
        # in the period; the year to date is the mean of the year's responses.
        Metric(
            "satisfaction_score",
            _("만족도 점수(평균)"),
            "mean",
            _satisfaction_responses,
            "answered_on",
            region_field="",
            rural_field="",
            amount=_overall_score,
        ),
        # Safety incidents (안전사고·학대 의심 신고): counted in the Seoul month they happened,
        # with a breakdown by kind; an incident may concern a caregiver, so no 시·군 breakdown.
        Metric(
            "incidents",
            _("안전사고·학대 의심 신고"),
            "count",
            _incidents,
            "occurred_at",
            region_field="",
            rural_field="",
            reason_field="kind",
        ),
        # Hours from the report reaching the server to the desk's acknowledgement, of the
        # incidents reported in the period and acknowledged (an open one has no time yet).
        Metric(
            "incident_hours_to_acknowledge",
            _("신고→확인 시간(중앙값)"),
            "median",
            _acknowledged_incidents,
            "reported_at",
            region_field="",
            rural_field="",
            amount=_microseconds_to_acknowledge,
            amount_per_unit=3600 * 1_000_000,
        ),
        # 4-1 운영사업: the 운영 groups (OperatingGroupProgram) whose programs had a counted
        # visit or consultation in the period.
        Metric(
            "programs_operated",
            _("운영 사업 수"),
            "groups",
            _visits,
            "started_at",
            region_field="",
            rural_field="",
        ),
    ]
}

# Kinds whose month is computed with the year so far (a ratio's, a mean's, a median's and the
# groups' year-to-date figure is not made of the months' figures).
YEAR_KINDS = {"ratio", "mean", "median", "groups"}


def _is_instant(metric: Metric) -> bool:
    """Whether the metric's time is an instant (placed in its Seoul month) or a date (a
    referral or closure date, already a Seoul date)."""
    field = metric.source().model._meta.get_field(metric.time_field)
    return isinstance(field, DateTimeField)


def _bound(metric: Metric, year: int, month: int) -> datetime | date:
    """The first instant (or day) of a month, as the metric's time field is compared."""
    start = month_start(year, month)
    return start if _is_instant(metric) else start.date()


def _month_of(metric: Metric) -> Cast:
    # As an integer: PostgreSQL's EXTRACT gives a numeric, slower to group by.
    if _is_instant(metric):
        return Cast(ExtractMonth(metric.time_field, tzinfo=SEOUL), IntegerField())
    return Cast(ExtractMonth(metric.time_field), IntegerField())


def _in_year(metric: Metric, year: int, through: int) -> QuerySet:
    return metric.source().filter(
        **{
            f"{metric.time_field}__gte": _bound(metric, year, 1),
            f"{metric.time_field}__lt": _bound(metric, year, through + 1),
        }
    )


def _stock_rows(day: date) -> QuerySet:
    """Corps members active at the end of ``day``: joined by then and not yet left."""
    return (
        _corps_members()
        .filter(joined_on__lte=day)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=day))
    )


def _month_end(year: int, month: int) -> date:
    return (month_start(year, month + 1) - timedelta(days=1)).date()


# --- one month's or one year's figures, with their breakdowns, in a few grouped queries -----
#
# A metric's figures are keyed by (dimension, key): ``TOTAL`` for the metric itself,
# ("region", 시·군 code) and ("area", "rural" | "urban") for the breakdowns. The rows of a
# metric are first reduced in SQL to one row per (person or month, breakdown keys); the total
# and both breakdowns are then counted from that in one pass: GROUPING SETS on PostgreSQL, a
# UNION ALL of the groupings elsewhere. Only aggregated rows (months × keys) reach Python.

TOTAL = ("", "")
# (month's value, year to date): ints for counts and persons, Decimals for sums, rates and
# medians, None where no figure can be stated (a rate over nothing, the median of nothing).
Figures = dict[tuple[str, str], tuple[Any, Any]]


def _dimensions(metric: Metric) -> list[tuple[str, str]]:
    """The breakdowns of a metric: (dimension, field) pairs."""
    pairs = [
        ("region", metric.region_field),
        ("area", metric.rural_field),
        ("reason", metric.reason_field),
    ]
    return [(dimension, field) for dimension, field in pairs if field]


def _keys(metric: Metric) -> dict[str, F]:
    return {f"kpi_k{i}": F(field) for i, (_dim, field) in enumerate(_dimensions(metric))}


def _person_keys(metric: Metric) -> tuple[str, str, list[str]] | None:
    """When every breakdown key is an attribute of the person counted (a recipient's 시·군 and
    rural flag), the person's table, its key column and the columns of the keys: the rows can
    then be reduced to one per person before the person's table is joined."""
    owner = metric.person_field.removesuffix("_id")
    try:
        field = metric.source().model._meta.get_field(owner)
    except FieldDoesNotExist:
        return None
    if not field.many_to_one:
        return None
    columns = []
    for _dimension, path in _dimensions(metric):
        head, _sep, attribute = path.partition("__")
        if head != owner or "__" in attribute:
            return None
        columns.append(field.related_model._meta.get_field(attribute).column)
    return field.related_model._meta.db_table, field.target_field.column, columns


def _reduced(
    metric: Metric, rows: QuerySet, group: list[str], aggregates: dict[str, Aggregate]
) -> tuple[str, tuple, list[str]]:
    """SQL of one row per (``group``, person, breakdown keys) with ``aggregates``, and the key
    columns' names. A GROUP BY, even with no aggregate wanted (a DISTINCT would be planned as
    a sort of every row, where a hash of the few groups does)."""
    aggregates = aggregates or {"kpi_n": Count("pk")}
    persons = rows.annotate(kpi_person=F(metric.person_field))
    joined = _person_keys(metric)
    if joined is None:
        keys = _keys(metric)
        reduced = persons.annotate(**keys).values(*group, "kpi_person", *keys)
        sql, params = reduced.annotate(**aggregates).query.sql_with_params()
        return sql, params, list(keys)
    # Reduce without the person's table, then join it to the (far fewer) reduced rows.
    table, key_column, columns = joined
    reduced = persons.values(*group, "kpi_person").annotate(**aggregates)
    sql, params = reduced.query.sql_with_params()
    quote = connection.ops.quote_name
    keys = [f"kpi_k{i}" for i in range(len(columns))]
    selected = ", ".join(
        [f"kpi.{name}" for name in [*group, "kpi_person", *aggregates]]
        + [f"o.{quote(column)} AS {key}" for column, key in zip(columns, keys, strict=True)]
    )
    sql = (
        f"SELECT {selected} FROM ({sql}) kpi "  # noqa: S608
        f"JOIN {quote(table)} o ON o.{quote(key_column)} = kpi.kpi_person"
    )
    return sql, params, keys


def _grouping_sets(
    inner: QuerySet | tuple[str, tuple], group: list[str], keys: list[str], select: str
) -> tuple[str, tuple]:
    """SQL over ``inner``: ``select`` grouped by ``group`` alone and by ``group`` plus each of
    ``keys``; its first column ``kpi_g`` says which (0 alone, i + 1 for ``keys[i]``)."""
    sql, params = inner if isinstance(inner, tuple) else inner.query.sql_with_params()
    sets = [group] + [[*group, key] for key in keys]
    if connection.vendor == "postgresql":
        n = len(keys)
        full = (1 << n) - 1
        which = (
            f"CASE GROUPING({', '.join(keys)}) WHEN {full} THEN 0 "
            + " ".join(f"WHEN {full - (1 << (n - 1 - i))} THEN {i + 1}" for i in range(n))
            + " END"
            if keys
            else "0"
        )
        columns = ", ".join([f"{which} AS kpi_g", *keys, *group, select])
        grouping = ", ".join(f"({', '.join(columns)})" for columns in sets)
        return (
            f"SELECT {columns} FROM ({sql}) kpi GROUP BY GROUPING SETS ({grouping})",  # noqa: S608
            params,
        )
    parts = []
    for g, columns in enumerate(sets):
        kept = [f"{key if key in columns else 'NULL'} AS {key}" for key in keys]
        group_by = f" GROUP BY {', '.join(columns)}" if columns else ""
        selected = ", ".join([f"{g} AS kpi_g", *kept, *group, select])
        parts.append(f"SELECT {selected} FROM ({sql}) kpi{group_by}")  # noqa: S608
    return " UNION ALL ".join(parts), tuple(params) * len(sets)


def _fetch(sql: str, params: tuple) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _key_of(metric: Metric) -> Callable[[int, tuple], tuple[str, str]]:
    """(dimension, key) of a result row from its ``kpi_g`` and key columns."""
    from base.models import Region

    dimensions = [dimension for dimension, _field in _dimensions(metric)]
    codes = dict(Region.objects.values_list("pk", "code"))

    def key(g: int, values: tuple) -> tuple[str, str]:
        if g == 0:
            return TOTAL
        dimension, value = dimensions[g - 1], values[g - 1]
        if dimension == "area":
            return dimension, "rural" if value else "urban"
        if dimension == "reason":
            return dimension, str(value or "")
        return dimension, codes.get(value, "")

    return key


def _stock_figures(metric: Metric, day: date) -> Figures:
    """The pool at the end of ``day``, in total and per 시·군 (a member has one 시·군); a
    stock's year-to-date figure is the stock itself."""
    key = _key_of(metric)
    field = dict(_dimensions(metric)).get("region")
    if not field:
        count = _stock_rows(day).count()
        return {TOTAL: (count, count)}
    rows = _stock_rows(day).values(field).annotate(n=Count("pk")).order_by().values_list(field, "n")
    figures = {key(1, (region,)): (n, n) for region, n in rows}
    total = sum(n for n, _n in figures.values())
    return {TOTAL: (total, total), **figures}


def month_figures(code: str, year: int, month: int) -> Figures:
    """A month's value and year-to-date value, in total and per breakdown key: one query
    over the year so far (the stock: one over the corps)."""
    metric = METRICS[code]
    if code in VISIT_FAMILY:
        return _visit_month({code}, year, month)[code]
    if metric.kind == "stock":
        return _stock_figures(metric, _month_end(year, month))
    if metric.kind in YEAR_KINDS:
        return year_figures(code, year, month)[month]
    in_month = Q(**{f"{metric.time_field}__gte": _bound(metric, year, month)})
    rows = _in_year(metric, year, month).order_by()
    if metric.kind in ("count", "sum"):
        keys = _keys(metric)
        inner = (
            rows.annotate(**keys)
            .values(*keys)
            .annotate(kpi_value=_amount(metric, in_month), kpi_ytd=_amount(metric))
        )
        sql = _grouping_sets(inner, [], list(keys), "SUM(kpi_value), SUM(kpi_ytd)")
    else:
        # One row per (person, keys), flagged when the person was served in the month itself.
        served = Max(Case(When(in_month, then=1), default=0))
        *inner, keys = _reduced(metric, rows, [], {"kpi_in": served})
        select = (
            "COUNT(DISTINCT CASE WHEN kpi_in = 1 THEN kpi_person END), COUNT(DISTINCT kpi_person)"
        )
        sql = _grouping_sets(tuple(inner), [], keys, select)
    key = _key_of(metric)
    figures: Figures = {TOTAL: (0, 0)}
    for g, *rest in _fetch(*sql):
        *values, value, ytd = rest
        figures[key(g, tuple(values))] = (_figure(metric, value), _figure(metric, ytd))
    return figures


def _amount(metric: Metric, when: Q | None = None) -> Aggregate:
    """What a row adds to an additive figure: one (a count) or its amount (a sum)."""
    if metric.kind == "sum" and metric.amount is not None:
        return Sum(metric.amount(), filter=when)
    # COUNT(1), not of the id: a covering index without the id (consultation_program_held)
    # then answers the count alone (Django allows no COUNT(*) with a filter).
    return Count(Value(1), filter=when)


def _figure(metric: Metric, value: Any) -> int | Decimal:
    """An additive figure from SQL: a count as an int, a sum in its unit (3600 s → 1 시간),
    to two decimal places."""
    if metric.kind != "sum":
        return int(value or 0)
    amount = Decimal(str(value or 0)) / metric.amount_per_unit
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def year_figures(code: str, year: int, through: int = 12) -> dict[int, Figures]:
    """Every month's figures (``month_figures``) for months 1..``through`` of a year at once:
    per metric one grouped query for the months' values and, for distinct persons, one for
    the month each person was first served per key (the year to date counts each once)."""
    metric = METRICS[code]
    months = range(1, through + 1)
    if code in VISIT_FAMILY:
        return _visit_year({code}, year, through)[code]
    if metric.kind == "stock":
        # Twelve small grouped counts over the corps table (thousands of rows, not visits).
        return {m: _stock_figures(metric, _month_end(year, m)) for m in months}
    if metric.kind == "ratio":
        return _ratio_figures(metric, year, through)
    if metric.kind == "mean":
        return _mean_figures(metric, year, through)
    if metric.kind == "median":
        return _median_figures(metric, year, through)
    rows = _in_year(metric, year, through).order_by().annotate(kpi_m=_month_of(metric))
    key = _key_of(metric)
    monthly: dict[tuple[str, str], dict[int, Any]] = {}
    firsts: dict[tuple[str, str], dict[int, Any]] = {}
    if metric.kind in ("count", "sum"):
        keys = _keys(metric)
        inner = rows.annotate(**keys).values("kpi_m", *keys).annotate(kpi_n=_amount(metric))
        sql = _grouping_sets(inner, ["kpi_m"], list(keys), "SUM(kpi_n)")
        for g, *values, m, n in _fetch(*sql):
            # Unrounded: the year to date sums the amounts, not the months' rounded figures.
            amount = int(n) if metric.kind == "count" else Decimal(str(n or 0))
            monthly.setdefault(key(g, tuple(values)), {})[int(m)] = amount
        firsts = monthly  # events add up: the year to date is the running sum
    else:
        *inner, keys = _reduced(metric, rows, ["kpi_m"], {})
        sql = _grouping_sets(tuple(inner), ["kpi_m"], keys, "COUNT(DISTINCT kpi_person)")
        for g, *values, m, n in _fetch(*sql):
            monthly.setdefault(key(g, tuple(values)), {})[int(m)] = int(n)
        # Each person's first month per key, then how many were first served in each month.
        *inner, keys = _reduced(metric, rows, [], {"kpi_first": Min("kpi_m")})
        sql, params = _grouping_sets(
            tuple(inner), ["kpi_person"], keys, "MIN(kpi_first) AS kpi_first"
        )
        columns = ", ".join(["kpi_g", *keys, "kpi_first"])
        sql = f"SELECT {columns}, COUNT(*) FROM ({sql}) firsts GROUP BY {columns}"  # noqa: S608
        for g, *values, m, n in _fetch(sql, params):
            firsts.setdefault(key(g, tuple(values)), {})[int(m)] = int(n)
    figures: dict[int, Figures] = {m: {TOTAL: (0, 0)} for m in months}
    for dim_key in set(monthly) | set(firsts):
        running = 0
        for m in months:
            running += firsts.get(dim_key, {}).get(m, 0)
            if running or dim_key == TOTAL:
                value = monthly.get(dim_key, {}).get(m, 0)
                figures[m][dim_key] = (_figure(metric, value), _figure(metric, running))
    return figures


# --- the metrics of counted visits, from one read ------------------------------------------
#
# Every person metric, the visits' count and hours and the programs that ran come from the same
# counted visits of the year so far. Instead of one read per metric, the visits are read once,
# reduced to one row per (recipient, corps member, program) — per month too, for the year — with
# what the figures need (a flag for the month, the visits and their seconds), and the recipients
# are joined once to those rows for the 시·군 and rural keys. Each figure is then counted from
# that small set in the same statement (a CTE, materialized by PostgreSQL since it is read more
# than once); where the rows are already one per person, by COUNT(*), not COUNT(DISTINCT).
# The definitions below are those of the metrics in ``METRICS`` (sources ``_visits`` and
# ``_rural_visits``); tests/kpi/test_metrics.py holds every metric to its own rule, and the
# benchmark's independent floor (bench/kpi_rollup.py) holds them to DESIGN §3.

# person metrics: code → (the person's column in the reduced rows, rural gap care only)
_VISIT_PERSONS = {
    "recipients_served": ("kpi_recipient", False),
    "rural_recipients_served": ("kpi_recipient", True),
    "corps_members_served": ("kpi_member", False),
}
# additive metrics: code → the reduced rows' column summed
_VISIT_AMOUNTS = {"visits": "kpi_n", "delivered_hours": "kpi_s"}
_VISIT_GROUPS = "programs_operated"
_VISIT_MEDIAN = "referral_to_first_visit_days"
VISIT_FAMILY = {*_VISIT_PERSONS, *_VISIT_AMOUNTS, _VISIT_GROUPS, _VISIT_MEDIAN}
_VISIT_KEYS = ["kpi_region", "kpi_rural"]


def _visit_rows(
    year: int, through: int, month: int | None, codes: set[str] | None = None
) -> tuple[str, tuple]:
    """SQL of the counted visits of months 1..``through``, one row per (recipient, corps
    member, program, episode) — and Seoul month ``kpi_m`` when ``month`` is None (the year) —
    with what ``codes`` need: the visits ``kpi_n``, their service microseconds ``kpi_s``, the
    first visit ``kpi_first_at``; for a month, whether any fell in it (``kpi_in``) and the
    visits and microseconds in it. The recipient's 시·군 and rural flag are joined to the
    reduced rows, not to the visits."""
    from care.models import Recipient

    rows = _in_year(METRICS["visits"], year, through).order_by()
    group = {
        "kpi_recipient": F("recipient_id"),
        "kpi_member": F("corps_member_id"),
        "kpi_program": F("program_id"),
        "kpi_episode": F("episode_id"),
    }
    if month is None:
        group["kpi_m"] = _month_of(METRICS["visits"])
    # Only what the figures asked for: each aggregate costs on every visit read.
    codes = VISIT_FAMILY if codes is None else codes
    in_month = Q(started_at__gte=month_start(year, month or 1))
    aggregates: dict[str, Aggregate] = {}
    if month is not None:
        aggregates["kpi_in"] = Max(Case(When(in_month, then=1), default=0))
    if "visits" in codes:
        aggregates["kpi_n"] = Count("pk")
        if month is not None:
            aggregates["kpi_n_in"] = Count("pk", filter=in_month)
    if "delivered_hours" in codes:
        aggregates["kpi_s"] = Sum(_service_microseconds())
        if month is not None:
            aggregates["kpi_s_in"] = Sum(_service_microseconds(), filter=in_month)
    if _VISIT_MEDIAN in codes:
        aggregates["kpi_first_at"] = Min("started_at")
    if not aggregates:
        aggregates["kpi_n"] = Count("pk")
    reduced = rows.annotate(**group).values(*group).annotate(**aggregates)
    sql, params = reduced.query.sql_with_params()
    quote = connection.ops.quote_name
    region = Recipient._meta.get_field("region").column
    rural = Recipient._meta.get_field("is_rural").column
    columns = ", ".join(f"kpi.{name}" for name in [*group, *aggregates])
    sql = (
        f"SELECT {columns}, o.{quote(region)} AS kpi_region, "  # noqa: S608
        f"o.{quote(rural)} AS kpi_rural FROM ({sql}) kpi "
        f"JOIN {quote(Recipient._meta.db_table)} o ON o.id = kpi.kpi_recipient"
    )
    return sql, params


def _rural_gap_condition() -> str:
    from base.models import Program

    program = Program.objects.filter(code="rural_gap_care").values_list("pk", flat=True).first()
    truth = "TRUE" if connection.vendor == "postgresql" else "1"
    return f"kpi_program = {int(program or 0)} AND kpi_rural = {truth}"


def _person_rows(code: str, group: list[str], aggregate: str) -> str:
    """SQL of one row per person per ``group`` with ``aggregate`` (over ``kpi_rows``): for a
    recipient, whose keys are their own, one row per (group, person, keys); a corps member,
    counted under each 시·군 and area of the recipients served, is reduced per grouping set
    (the caller's ``kpi_g`` then says which)."""
    person, rural_only = _VISIT_PERSONS[code]
    where = f" WHERE {_rural_gap_condition()}" if rural_only else ""
    columns = ", ".join([*group, f"{person} AS kpi_person", *_VISIT_KEYS])
    keys = ", ".join([*group, person, *_VISIT_KEYS])
    return f"SELECT {columns}, {aggregate} FROM kpi_rows{where} GROUP BY {keys}"  # noqa: S608


def _tagged(tag: str, sql_params: tuple[str, tuple], columns: str) -> tuple[str, tuple]:
    sql, params = sql_params
    return f"SELECT '{tag}' AS kpi_tag, {columns} FROM ({sql}) t", tuple(params)  # noqa: S608


def _visit_parts(
    codes: set[str], year: int, through: int, month: int | None, *, portable: bool = False
) -> list[tuple[str, tuple]]:
    """The parts of the one statement over ``kpi_rows``, each tagged with its metric: for a
    month (kpi_tag, kpi_g, keys, month's value, year to date); for the year (kpi_tag, kpi_g,
    keys, month, value), with person metrics tagged ``code`` for the months' values and
    ``code:first`` for the persons first served in each month."""
    keys = _VISIT_KEYS
    parts = []
    for code in sorted(codes & set(_VISIT_PERSONS)):
        recipient = _VISIT_PERSONS[code][0] == "kpi_recipient"
        if month is not None:
            if recipient:  # already one row per person: the keys are the person's own
                rows = _person_rows(code, [], "MAX(kpi_in) AS kpi_in")
                counted = _grouping_sets((rows, ()), [], keys, "SUM(kpi_in), COUNT(*)")
                parts.append(_tagged(code, counted, "*"))
                continue
            rows = _person_rows(code, [], "MAX(kpi_in) AS kpi_in")
            per_set = _grouping_sets((rows, ()), ["kpi_person"], keys, "MAX(kpi_in) AS kpi_in")
            counted = (
                f"SELECT kpi_g, kpi_region, kpi_rural, SUM(kpi_in), COUNT(*) "  # noqa: S608
                f"FROM ({per_set[0]}) p GROUP BY kpi_g, kpi_region, kpi_rural"
            )
            parts.append(_tagged(code, (counted, ()), "*"))
            continue
        monthly_rows = _person_rows(code, ["kpi_m"], "COUNT(*) AS kpi_n")
        first_rows = _person_rows(code, [], "MIN(kpi_m) AS kpi_m")
        if recipient:
            monthly = _grouping_sets((monthly_rows, ()), ["kpi_m"], keys, "COUNT(*)")
            firsts = _grouping_sets((first_rows, ()), ["kpi_m"], keys, "COUNT(*)")
        else:
            per_set = _grouping_sets((monthly_rows, ()), ["kpi_m", "kpi_person"], keys, "1 AS o")
            monthly = (
                f"SELECT kpi_g, kpi_region, kpi_rural, kpi_m, COUNT(*) "  # noqa: S608
                f"FROM ({per_set[0]}) p GROUP BY kpi_g, kpi_region, kpi_rural, kpi_m",
                (),
            )
            per_set = _grouping_sets(
                (first_rows, ()), ["kpi_person"], keys, "MIN(kpi_m) AS kpi_first"
            )
            firsts = (
                f"SELECT kpi_g, kpi_region, kpi_rural, kpi_first, COUNT(*) "  # noqa: S608
                f"FROM ({per_set[0]}) p GROUP BY kpi_g, kpi_region, kpi_rural, kpi_first",
                (),
            )
        parts.append(_tagged(code, monthly, "*"))
        parts.append(_tagged(f"{code}:first", firsts, "*"))
    for code in sorted(codes & set(_VISIT_AMOUNTS)):
        column = _VISIT_AMOUNTS[code]
        if month is not None:
            summed = _grouping_sets(
                ("SELECT * FROM kpi_rows", ()), [], keys, f"SUM({column}_in), SUM({column})"
            )
        else:
            summed = _grouping_sets(
                ("SELECT * FROM kpi_rows", ()), ["kpi_m"], keys, f"SUM({column})"
            )
        parts.append(_tagged(code, summed, "*"))
    if _VISIT_GROUPS in codes:
        # The programs with counted visits (the groups are mapped in Python: a few rows).
        if month is not None:
            ran = "SELECT kpi_program, MAX(kpi_in) FROM kpi_rows GROUP BY kpi_program"
        else:
            ran = "SELECT kpi_program, kpi_m FROM kpi_rows GROUP BY kpi_program, kpi_m"
        parts.append(_tagged(_VISIT_GROUPS, (ran, ()), "NULL, NULL, NULL, t.*"))
    if _VISIT_MEDIAN in codes:
        parts += _median_parts(year, through, month, portable=portable)
    return parts


def _median_parts(
    year: int, through: int, month: int | None, *, portable: bool = False
) -> list[tuple[str, tuple]]:
    """The median days from referral to first visit (DESIGN §7, docs/kpi.md §3.1) over
    ``kpi_rows``: the episodes first visited in the year (their first counted visit ever, so
    none before January: an index probe per episode, or one anti-join, as the planner finds
    cheaper), in the month and the year so far — or, for the year, in each month and the year
    to that month, as two rows per month (``:ytd``)."""
    months = _months_sql(through)
    firsts_sql, params = _episode_firsts(year)
    if connection.vendor == "postgresql" and not portable:
        median = "percentile_cont(0.5) WITHIN GROUP (ORDER BY d.kpi_days)"
        sql = (
            f"SELECT t.m, {median} FILTER (WHERE d.kpi_m = t.m) AS kpi_value, "  # noqa: S608
            f"{median} AS kpi_ytd FROM ({firsts_sql}) d JOIN ({months}) t ON d.kpi_m <= t.m "
            "GROUP BY t.m"
        )
    else:
        portable, params = _portable_median(firsts_sql, params, months)
        sql = (
            "SELECT m, MAX(CASE WHEN scope = 0 THEN v END) AS kpi_value, "  # noqa: S608
            f"MAX(CASE WHEN scope = 1 THEN v END) AS kpi_ytd FROM ({portable}) x GROUP BY m"
        )
        sql = sql.replace("SELECT scope, m, AVG(v)", "SELECT scope, m, AVG(v) AS v", 1)
    if month is not None:
        return [
            (
                f"SELECT '{_VISIT_MEDIAN}', NULL, NULL, NULL, kpi_value, kpi_ytd "  # noqa: S608
                f"FROM ({sql}) t WHERE m = {int(month)}",
                params,
            )
        ]
    return [
        (f"SELECT '{_VISIT_MEDIAN}', NULL, NULL, NULL, m, kpi_value FROM ({sql}) t", params),  # noqa: S608
        (f"SELECT '{_VISIT_MEDIAN}:ytd', NULL, NULL, NULL, m, kpi_ytd FROM ({sql}) t", params),  # noqa: S608
    ]


def _episode_firsts(year: int) -> tuple[str, tuple]:
    """The episodes first visited in ``year`` (``kpi_m``, ``kpi_days``), from ``kpi_rows``."""
    from care.models import Episode, Visit

    quote = connection.ops.quote_name
    first_sql, first_params = "f.kpi_first", ()
    m_sql, m_params = connection.ops.datetime_extract_sql(
        "month", first_sql, first_params, SEOUL.key
    )
    day_sql, day_params = connection.ops.datetime_cast_date_sql(first_sql, first_params, SEOUL.key)
    referred = f"e.{quote(Episode._meta.get_field('referred_on').column)}"
    if connection.vendor == "postgresql":
        days = f"({day_sql} - {referred})"
    else:
        days = f"CAST(julianday({day_sql}) - julianday({referred}) AS INTEGER)"
    visit, episode = quote(Visit._meta.db_table), quote(Episode._meta.db_table)
    firsts = (
        f"SELECT CAST({m_sql} AS INTEGER) AS kpi_m, {days} AS kpi_days "  # noqa: S608
        f"FROM (SELECT kpi_episode, MIN(kpi_first_at) AS kpi_first FROM kpi_rows "
        f"GROUP BY kpi_episode) f JOIN {episode} e ON e.id = f.kpi_episode "
        f"WHERE NOT EXISTS (SELECT 1 FROM {visit} p WHERE p.episode_id = f.kpi_episode "
        "AND p.status <> %s AND p.started_at < %s)"
    )
    return firsts, (*m_params, *day_params, Visit.Status.VOID, month_start(year, 1))


def _visit_statement(
    codes: set[str], year: int, through: int, month: int | None, *, portable: bool = False
) -> list[tuple]:
    """The one statement: ``kpi_rows`` (``_visit_rows``) and every part over it. ``portable``
    takes the median without ``percentile_cont`` (SQLite's way) on PostgreSQL too, for tests.

    On PostgreSQL the same rows come from the tables ``kpi.served`` keeps at write time,
    unless ``reading_visits()`` asks for the visits (tests and the benchmark compare both)."""
    if connection.vendor == "postgresql" and not portable and not _READ_VISITS.get():
        from kpi.served import selectors as served

        if month is not None:
            parts = served.month_parts(codes, year, month)
        else:
            parts = served.year_parts(codes, year, through)
        sql = " UNION ALL ".join(sql for sql, _params in parts)
        return _fetch(sql, tuple(p for _sql, part in parts for p in part))
    rows_sql, params = _visit_rows(year, through, month, codes)
    parts = _visit_parts(codes, year, through, month, portable=portable)
    sql = f"WITH kpi_rows AS ({rows_sql}) " + " UNION ALL ".join(sql for sql, _p in parts)
    return _fetch(sql, (*params, *(p for _sql, part in parts for p in part)))


_READ_VISITS: ContextVar[bool] = ContextVar("kpi_read_visits", default=False)


@contextmanager
def reading_visits() -> Iterator[None]:
    """Compute the visit metrics from the visits themselves, not from the kept tables."""
    token = _READ_VISITS.set(True)
    try:
        yield
    finally:
        _READ_VISITS.reset(token)


def _visit_month(codes: set[str], year: int, month: int) -> dict[str, Figures]:
    """``month_figures`` of the visit metrics among ``codes``, from one read."""
    found: dict[str, Figures] = {code: {TOTAL: (0, 0)} for code in codes}
    if _VISIT_MEDIAN in codes:
        found[_VISIT_MEDIAN] = {TOTAL: (None, None)}
    programs: dict[int, tuple[bool, bool]] = {}
    keys = {code: _key_of(METRICS[code]) for code in codes}
    for tag, g, region, rural, value, ytd in _visit_statement(codes, year, month, month):
        if tag == _VISIT_MEDIAN:
            found[tag] = {TOTAL: (_days(value), _days(ytd))}
            continue
        if tag == _VISIT_GROUPS:
            programs[int(value)] = (bool(ytd), True)
            continue
        metric = METRICS[tag]
        key = keys[tag](int(g), (region, rural))
        found[tag][key] = (_figure(metric, value), _figure(metric, ytd))
    if _VISIT_GROUPS in codes:
        found[_VISIT_GROUPS] = {TOTAL: _groups_of_month(programs, year, month)}
    return found


def _visit_year(
    codes: set[str], year: int, through: int, *, portable: bool = False
) -> dict[str, dict[int, Figures]]:
    """``year_figures`` of the visit metrics among ``codes``, from one read."""
    months = range(1, through + 1)
    monthly: dict[str, dict[tuple[str, str], dict[int, Any]]] = {code: {} for code in codes}
    firsts: dict[str, dict[tuple[str, str], dict[int, Any]]] = {code: {} for code in codes}
    ran: set[tuple[int, int]] = set()
    medians: dict[str, dict[int, Any]] = {}
    keys = {code: _key_of(METRICS[code]) for code in codes}
    rows = _visit_statement(codes, year, through, None, portable=portable)
    for tag, g, region, rural, m, value in rows:
        if tag.startswith(_VISIT_MEDIAN):
            medians.setdefault(tag, {})[int(m)] = _days(value)
            continue
        if tag == _VISIT_GROUPS:
            ran.add((int(m), int(value)))  # this part's columns: program, month
            continue
        code, _sep, first = tag.partition(":")
        metric = METRICS[code]
        key = keys[code](int(g), (region, rural))
        # Unrounded: the year to date sums the amounts, not the months' rounded figures.
        amount = Decimal(str(value or 0)) if metric.kind == "sum" else int(value)
        (firsts if first else monthly)[code].setdefault(key, {})[int(m)] = amount
    found: dict[str, dict[int, Figures]] = {}
    if _VISIT_MEDIAN in codes:
        value, ytd = medians.get(_VISIT_MEDIAN, {}), medians.get(f"{_VISIT_MEDIAN}:ytd", {})
        found[_VISIT_MEDIAN] = {m: {TOTAL: (value.get(m), ytd.get(m))} for m in months}
    for code in codes - {_VISIT_GROUPS, _VISIT_MEDIAN}:
        metric = METRICS[code]
        # Events add up (the year to date is the running sum); persons count once, in the
        # month first served.
        additive = metric.kind != "distinct"
        found[code] = _running(
            metric, monthly[code], monthly[code] if additive else firsts[code], months
        )
    if _VISIT_GROUPS in codes:
        found[_VISIT_GROUPS] = _groups_of_year(ran, year, through)
    return found


def _running(
    metric: Metric,
    monthly: dict[tuple[str, str], dict[int, Any]],
    firsts: dict[tuple[str, str], dict[int, Any]],
    months: range,
) -> dict[int, Figures]:
    """Every month's figures from the months' values and what each month adds to the year to
    date; breakdown keys appear once their year to date is above zero."""
    figures: dict[int, Figures] = {m: {TOTAL: (0, 0)} for m in months}
    for dim_key in set(monthly) | set(firsts):
        running: Any = 0
        for m in months:
            running += firsts.get(dim_key, {}).get(m, 0)
            if running or dim_key == TOTAL:
                value = monthly.get(dim_key, {}).get(m, 0)
                figures[m][dim_key] = (_figure(metric, value), _figure(metric, running))
    return figures


def _operating_groups(year: int) -> dict[int, set[tuple[int, str]]]:
    """Program id → the 운영 groups (indicator, group) it counts for, in the goal structure of
    ``year``, among the indicators whose measures are bound to ``programs_operated``."""
    from kpi.models import OperatingGroupProgram
    from kpi.rollups import structure_year

    groups: dict[int, set[tuple[int, str]]] = {}
    for indicator, group, program in (
        OperatingGroupProgram.objects.filter(
            indicator__goal__year=structure_year(year),
            indicator__measures__metric=_VISIT_GROUPS,
        )
        .values_list("indicator_id", "group", "program_id")
        .distinct()
    ):
        groups.setdefault(program, set()).add((indicator, group))
    return groups


def _consultations_between(start: datetime, end: datetime) -> QuerySet:
    from consultations.models import Consultation

    return Consultation.objects.filter(held_at__gte=start, held_at__lt=end).order_by()


def _groups_of_month(
    visited: dict[int, tuple[bool, bool]], year: int, month: int
) -> tuple[int, int]:
    """The 운영 groups that ran in the month and in the year so far: those of the programs
    with a counted visit (``visited``: program → (in the month, in the year so far)) or a
    consultation. A consultation program's month is an index probe (program, held_at) per
    program of the groups, not a read of the consultations."""
    groups = _operating_groups(year)
    ran = dict(visited)
    start, first, end = month_start(year, 1), month_start(year, month), month_start(year, month + 1)
    for program in set(groups) - {p for p, (in_month, _ytd) in ran.items() if in_month}:
        rows = _consultations_between(start, end).filter(program_id=program)
        if rows.filter(held_at__gte=first).exists():
            ran[program] = (True, True)
        elif program not in ran and rows.exists():
            ran[program] = (False, True)
    in_month = {g for p, (flag, _ytd) in ran.items() if flag for g in groups.get(p, ())}
    so_far = {g for p in ran for g in groups.get(p, ())}
    return len(in_month), len(so_far)


def _groups_of_year(ran: set[tuple[int, int]], year: int, through: int) -> dict[int, Figures]:
    """The 운영 groups that ran in each month and in the year so far, from the (program, month)
    pairs of the counted visits (``ran``) and of the consultations."""
    groups = _operating_groups(year)
    held = Cast(ExtractMonth("held_at", tzinfo=SEOUL), IntegerField())
    consulted = (
        _consultations_between(month_start(year, 1), month_start(year, through + 1))
        .filter(program_id__in=list(groups))
        .annotate(kpi_m=held)
        .values_list("program_id", "kpi_m")
        .distinct()
    )
    pairs = ran | {(program, int(m)) for program, m in consulted}
    figures: dict[int, Figures] = {}
    so_far: set[tuple[int, str]] = set()
    for m in range(1, through + 1):
        active = {g for program, pm in pairs if pm == m for g in groups.get(program, ())}
        so_far |= active
        figures[m] = {TOTAL: (len(active), len(so_far))}
    return figures


# --- the kinds whose year to date is not made of the months --------------------------------


def _rate(numerator: int, denominator: int) -> Decimal | None:
    """numerator ÷ denominator × 100, to one decimal place; None over nothing."""
    if not denominator:
        return None
    rate = Decimal(numerator) * 100 / Decimal(denominator)
    return rate.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _ratio_figures(metric: Metric, year: int, through: int) -> dict[int, Figures]:
    """A rate per month and for the year so far: one grouped query of the months' numerators
    and denominators; the year to date divides their sums (a rate of rates would weigh a
    quiet month like a busy one)."""
    assert metric.numerator is not None and metric.denominator is not None
    below = metric.denominator()
    rows = (
        _in_year(metric, year, through)
        .order_by()
        .annotate(kpi_m=_month_of(metric))
        .values("kpi_m")
        .annotate(
            kpi_above=Count("pk", filter=below & metric.numerator()),
            kpi_below=Count("pk", filter=below),
        )
        .values_list("kpi_m", "kpi_above", "kpi_below")
    )
    by_month = {int(m): (above, below) for m, above, below in rows}
    figures: dict[int, Figures] = {}
    above_so_far = below_so_far = 0
    for m in range(1, through + 1):
        above, below_m = by_month.get(m, (0, 0))
        above_so_far, below_so_far = above_so_far + above, below_so_far + below_m
        figures[m] = {TOTAL: (_rate(above, below_m), _rate(above_so_far, below_so_far))}
    return figures


def _mean(total: Decimal, count: int) -> Decimal | None:
    """total ÷ count to one decimal place; None over nothing."""
    if not count:
        return None
    return (total / count).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _mean_figures(metric: Metric, year: int, through: int) -> dict[int, Figures]:
    """A mean per month and for the year so far, exact like a rate: one grouped query of the
    months' sums and counts; the year to date divides the year's sum by the year's count (a
    mean of the months' means would weigh a month of two answers like a month of fifty)."""
    assert metric.amount is not None
    amount = metric.amount()
    rows = (
        _in_year(metric, year, through)
        .order_by()
        .annotate(kpi_m=_month_of(metric))
        .values("kpi_m")
        .annotate(kpi_sum=Sum(amount), kpi_n=Count(amount))
        .values_list("kpi_m", "kpi_sum", "kpi_n")
    )
    by_month = {int(m): (Decimal(str(total or 0)), int(n)) for m, total, n in rows}
    figures: dict[int, Figures] = {}
    total_so_far, count_so_far = Decimal(0), 0
    for m in range(1, through + 1):
        total, count = by_month.get(m, (Decimal(0), 0))
        total_so_far, count_so_far = total_so_far + total, count_so_far + count
        figures[m] = {TOTAL: (_mean(total, count), _mean(total_so_far, count_so_far))}
    return figures


def _median_figures(
    metric: Metric, year: int, through: int, *, portable: bool = False
) -> dict[int, Figures]:
    """A median per month and of the year so far (never a median of the months' medians),
    set-based: the rows' amounts in SQL, ``percentile_cont`` over each month and over the
    months up to it (PostgreSQL), or the middle rows numbered (SQLite, ``_portable_median``).
    The amount is in the metric's unit (``amount_per_unit``: 3600 s → 1 시간), to 0.1.
    ``portable`` takes SQLite's way on PostgreSQL too, for tests."""
    assert metric.amount is not None
    rows = (
        _in_year(metric, year, through)
        .order_by()
        .annotate(kpi_m=_month_of(metric), kpi_days=metric.amount())
        .values("kpi_m", "kpi_days")
    )
    amounts, params = rows.query.sql_with_params()
    months = _months_sql(through)
    if connection.vendor == "postgresql" and not portable:
        median = "percentile_cont(0.5) WITHIN GROUP (ORDER BY d.kpi_days)"
        sql = (
            f"SELECT t.m, {median} FILTER (WHERE d.kpi_m = t.m), {median} "  # noqa: S608
            f"FROM ({amounts}) d JOIN ({months}) t ON d.kpi_m <= t.m GROUP BY t.m"
        )
    else:
        portable, params = _portable_median(amounts, params, months)
        portable = portable.replace("SELECT scope, m, AVG(v)", "SELECT scope, m, AVG(v) AS v", 1)
        sql = (
            "SELECT m, MAX(CASE WHEN scope = 0 THEN v END), "  # noqa: S608
            f"MAX(CASE WHEN scope = 1 THEN v END) FROM ({portable}) x GROUP BY m"
        )
    found = {int(m): (value, ytd) for m, value, ytd in _fetch(sql, tuple(params))}

    def in_unit(value: Any) -> Decimal | None:
        if value is None:
            return None
        return _days(Decimal(str(value)) / metric.amount_per_unit)

    return {
        m: {TOTAL: tuple(in_unit(v) for v in found.get(m, (None, None)))}  # type: ignore[misc]
        for m in range(1, through + 1)
    }


def _months_sql(through: int) -> str:
    """Months 1..through as rows of one column ``m``, in SQL any database runs."""
    return " UNION ALL ".join(f"SELECT {m} AS m" for m in range(1, through + 1))


def _portable_median(days: str, params: tuple, months: str) -> tuple[str, tuple]:
    """The medians of ``_median_figures`` without ``percentile_cont`` (SQLite): each month's
    rows (scope 0) and the year so far's (scope 1) numbered in order; the median is the
    middle row, or the mean of the two middle rows."""
    scoped = (
        f"SELECT 0 AS scope, d.kpi_m AS m, d.kpi_days AS v FROM ({days}) d "  # noqa: S608
        f"UNION ALL SELECT 1, t.m, d.kpi_days FROM ({days}) d JOIN ({months}) t ON d.kpi_m <= t.m"
    )
    numbered = (
        "SELECT scope, m, v, ROW_NUMBER() OVER (PARTITION BY scope, m ORDER BY v) AS rn, "  # noqa: S608
        f"COUNT(*) OVER (PARTITION BY scope, m) AS n FROM ({scoped}) s"
    )
    sql = (
        f"SELECT scope, m, AVG(v) FROM ({numbered}) r "  # noqa: S608
        "WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY scope, m"
    )
    return sql, tuple(params) * 2


def _days(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def month_all(codes: set[str], year: int, month: int) -> dict[str, Figures]:
    """``month_figures`` of every metric in ``codes``: the visit metrics from one read of the
    counted visits of the year so far, each other metric by its own query."""
    found = _visit_month(codes & VISIT_FAMILY, year, month) if codes & VISIT_FAMILY else {}
    for code in sorted(codes - VISIT_FAMILY):
        found[code] = month_figures(code, year, month)
    return found


def year_all(codes: set[str], year: int, through: int = 12) -> dict[str, dict[int, Figures]]:
    """``year_figures`` of every metric in ``codes``: the visit metrics from one read of the
    year's counted visits, each other metric by its own queries."""
    found = _visit_year(codes & VISIT_FAMILY, year, through) if codes & VISIT_FAMILY else {}
    for code in sorted(codes - VISIT_FAMILY):
        found[code] = year_figures(code, year, through)
    return found


def series(code: str, year: int, through: int = 12) -> Series:
    """Monthly and year-to-date values of a metric for months 1..``through`` of ``year``."""
    figures = year_figures(code, year, through)
    return Series(
        monthly={m: f[TOTAL][0] for m, f in figures.items()},
        ytd={m: f[TOTAL][1] for m, f in figures.items()},
    )


def month_values(code: str, year: int, month: int) -> tuple[int, int]:
    """One month's value and its year-to-date value."""
    return month_figures(code, year, month)[TOTAL]


def month_breakdown(code: str, year: int, month: int, dimension: str) -> dict[str, tuple[int, int]]:
    """A month's value and year-to-date value per 시·군 code (``region``) or per
    ``rural``/``urban`` (``area``). Empty where the metric has no such dimension
    (consultations carry no rural flag)."""
    return {
        key: values
        for (dim, key), values in month_figures(code, year, month).items()
        if dim == dimension
    }
