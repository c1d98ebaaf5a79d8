"""The automatic metrics of the goal tracker: set-based queries over operational data.

Every metric answers, for a year and the months of it, two figures per month (DESIGN §3):
the month's own value and the year-to-date value. Periods are calendar months in Seoul time.
Counts of events are additive, so their year to date is a running sum; distinct persons are
not, so their year to date counts each person once, in the month they were first served
(the first-served month is found in SQL, never by loading people into Python).

The operational measures (운영 지표) follow the same rules with kinds of their own: a sum
(delivered hours: additive like a count), a ratio (a rate whose year to date is the year's
numerator over the year's denominator, never a mean of the months), a median (of the year so
far, never of the months' medians) and the 운영 groups with activity (4-1 운영사업).
"""

from __future__ import annotations

from collections.abc import Callable
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
    FloatField,
    Func,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    When,
)
from django.db.models.functions import Cast, ExtractMonth, TruncDate
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
    # additive amount), "ratio" (a rate in %), "median", "groups" (운영 groups with activity)
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
    # "sum": the amount summed per row, and how many of it make one unit of the figure.
    amount: Callable[[], Any] | None = None
    amount_per_unit: int = 1
    # "ratio": the rows above the line and below it (the denominator), as conditions.
    numerator: Callable[[], Q] | None = None
    denominator: Callable[[], Q] | None = None


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


def _episodes() -> QuerySet:
    from care.models import Episode

    return Episode.objects.all()


def _closed_episodes() -> QuerySet:
    from care.models import Episode

    return Episode.objects.filter(state=Episode.State.CLOSED)


def _linked() -> Q:
    from care.models import Episode

    return Q(closure_reason=Episode.ClosureReason.LINKED)


def _scheduled_visits() -> QuerySet:
    from care.models import ScheduledVisit

    return ScheduledVisit.objects.all()


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


class _Seconds(Func):
    """Seconds from the second instant to the first (NULL when either is): a visit's service
    time, from check-in to check-out (no check-out, no time)."""

    output_field = FloatField()
    arg_joiner = " - "
    template = "EXTRACT(EPOCH FROM (%(expressions)s))"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )


def _service_seconds() -> _Seconds:
    return _Seconds("ended_at", "started_at")


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
            amount=_service_seconds,
            amount_per_unit=3600,
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

# Kinds whose month is computed with the year so far (a ratio's, a median's and the groups'
# year-to-date figure is not made of the months' figures).
YEAR_KINDS = {"ratio", "median", "groups"}


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
    return Count("pk", filter=when)


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
    if metric.kind == "stock":
        # Twelve small grouped counts over the corps table (thousands of rows, not visits).
        return {m: _stock_figures(metric, _month_end(year, m)) for m in months}
    if metric.kind == "ratio":
        return _ratio_figures(metric, year, through)
    if metric.kind == "median":
        return _median_figures(metric, year, through)
    if metric.kind == "groups":
        return _group_figures(metric, year, through)
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


def _months_sql(through: int) -> str:
    """Months 1..through as rows of one column ``m``, in SQL any database runs."""
    return " UNION ALL ".join(f"SELECT {m} AS m" for m in range(1, through + 1))


def _first_visits(metric: Metric, year: int, through: int) -> tuple[str, tuple]:
    """SQL of one row per episode whose first counted visit falls in months 1..through:
    ``kpi_m`` (that visit's Seoul month) and ``kpi_days`` (days from the referral to it)."""
    visits = (
        metric.source()
        .filter(episode__isnull=False, started_at__lt=month_start(year, through + 1))
        .order_by()
        .annotate(kpi_episode=F("episode_id"), kpi_referred=F("episode__referred_on"))
        .values("kpi_episode", "kpi_referred")
        # The episode's first visit ever: one in December makes a January visit no first.
        .annotate(kpi_first=Min("started_at"))
        .filter(kpi_first__gte=month_start(year, 1))
        .annotate(
            kpi_m=Cast(ExtractMonth("kpi_first", tzinfo=SEOUL), IntegerField()),
            kpi_day=TruncDate("kpi_first", tzinfo=SEOUL),
        )
    )
    sql, params = visits.query.sql_with_params()
    if connection.vendor == "postgresql":
        days = "(kpi_day - kpi_referred)"
    else:
        days = "CAST(julianday(kpi_day) - julianday(kpi_referred) AS INTEGER)"
    return f"SELECT kpi_m, {days} AS kpi_days FROM ({sql}) firsts", params  # noqa: S608


def _median_figures(metric: Metric, year: int, through: int) -> dict[int, Figures]:
    """The median days from referral to first visit of the episodes first visited in each
    month, and in the year so far (over the episodes themselves, never a median of medians):
    one query. PostgreSQL's ``percentile_cont``; elsewhere the middle row(s) by row number."""
    days, params = _first_visits(metric, year, through)
    months = _months_sql(through)
    if connection.vendor == "postgresql":
        median = "percentile_cont(0.5) WITHIN GROUP (ORDER BY d.kpi_days)"
        sql = (
            f"SELECT t.m, {median} FILTER (WHERE d.kpi_m = t.m), {median} "  # noqa: S608
            f"FROM ({days}) d JOIN ({months}) t ON d.kpi_m <= t.m GROUP BY t.m"
        )
        rows = [(m, value, ytd) for m, value, ytd in _fetch(sql, params)]
    else:
        found = _fetch(*_portable_median(days, params, months))
        medians = {(scope, m): value for scope, m, value in found}
        rows = [(m, medians.get((0, m)), medians.get((1, m))) for m in range(1, through + 1)]
    by_month = {int(m): (value, ytd) for m, value, ytd in rows}
    return {
        m: {TOTAL: tuple(_days(v) for v in by_month.get(m, (None, None)))}
        for m in range(1, through + 1)
    }


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


def _group_figures(metric: Metric, year: int, through: int) -> dict[int, Figures]:
    """The 운영 groups with activity in each month and in the year so far.

    The groups are those of the indicators whose measures are bound to this metric, in the
    goal structure of the year (``OperatingGroupProgram``: a program belongs to one group).
    The visits and consultations are first reduced to (program, month) pairs, then mapped to
    their groups: two small grouped queries, the months' groups and each group's first month.
    """
    from consultations.models import Consultation
    from kpi.models import OperatingGroupProgram
    from kpi.rollups import structure_year

    visits = (
        _in_year(metric, year, through)
        .order_by()
        .annotate(kpi_program=F("program_id"), kpi_m=_month_of(metric))
        .values("kpi_program", "kpi_m")
        .annotate(kpi_n=Count("pk"))
    )
    held = Cast(ExtractMonth("held_at", tzinfo=SEOUL), IntegerField())
    consultations = (
        Consultation.objects.filter(
            held_at__gte=month_start(year, 1), held_at__lt=month_start(year, through + 1)
        )
        .order_by()
        .annotate(kpi_program=F("program_id"), kpi_m=held)
        .values("kpi_program", "kpi_m")
        .annotate(kpi_n=Count("pk"))
    )
    groups = (
        OperatingGroupProgram.objects.filter(
            indicator__goal__year=structure_year(year),
            indicator__measures__metric=metric.code,
        )
        .order_by()
        .annotate(kpi_indicator=F("indicator_id"), kpi_group=F("group"), kpi_gp=F("program_id"))
        .values("kpi_indicator", "kpi_group", "kpi_gp")
        .distinct()
    )
    visit_sql, visit_params = visits.query.sql_with_params()
    consultation_sql, consultation_params = consultations.query.sql_with_params()
    group_sql, group_params = groups.query.sql_with_params()
    active = (
        "SELECT DISTINCT g.kpi_indicator, g.kpi_group, a.kpi_m FROM ("  # noqa: S608
        f"SELECT kpi_program, kpi_m FROM ({visit_sql}) v "
        f"UNION SELECT kpi_program, kpi_m FROM ({consultation_sql}) c"
        f") a JOIN ({group_sql}) g ON g.kpi_gp = a.kpi_program"
    )
    params = (*visit_params, *consultation_params, *group_params)
    monthly = dict(
        _fetch(f"SELECT kpi_m, COUNT(*) FROM ({active}) x GROUP BY kpi_m", params)  # noqa: S608
    )
    firsts = dict(
        _fetch(
            "SELECT kpi_first, COUNT(*) FROM (SELECT MIN(kpi_m) AS kpi_first "  # noqa: S608
            f"FROM ({active}) x GROUP BY kpi_indicator, kpi_group) f GROUP BY kpi_first",
            params,
        )
    )
    figures: dict[int, Figures] = {}
    running = 0
    for m in range(1, through + 1):
        running += int(firsts.get(m, 0))
        figures[m] = {TOTAL: (int(monthly.get(m, 0)), running)}
    return figures


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
