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

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Aggregate, Case, Count, F, IntegerField, Max, Min, Q, QuerySet, When
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
    kind: str  # "count" (additive events), "distinct" (persons), "stock" (at period end)
    source: Callable[[], QuerySet]  # rows of the metric, not yet limited to a period
    time_field: str = ""
    person_field: str = ""
    # Where a row's 시·군 (the region; its code keys the breakdown) and rural flag are, for the
    # dashboard's breakdowns.
    region_field: str = "recipient__region"
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
            region_field="region",
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
    ]
}


def _in_year(metric: Metric, year: int, through: int) -> QuerySet:
    return metric.source().filter(
        **{
            f"{metric.time_field}__gte": month_start(year, 1),
            f"{metric.time_field}__lt": month_start(year, through + 1),
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
Figures = dict[tuple[str, str], tuple[int, int]]


def _dimensions(metric: Metric) -> list[tuple[str, str]]:
    """The breakdowns of a metric: (dimension, field) pairs."""
    pairs = [("region", metric.region_field), ("area", metric.rural_field)]
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
    in_month = Q(**{f"{metric.time_field}__gte": month_start(year, month)})
    rows = _in_year(metric, year, month).order_by()
    if metric.kind == "count":
        keys = _keys(metric)
        inner = (
            rows.annotate(**keys)
            .values(*keys)
            .annotate(kpi_value=Count("pk", filter=in_month), kpi_ytd=Count("pk"))
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
        figures[key(g, tuple(values))] = (int(value or 0), int(ytd or 0))
    return figures


def year_figures(code: str, year: int, through: int = 12) -> dict[int, Figures]:
    """Every month's figures (``month_figures``) for months 1..``through`` of a year at once:
    per metric one grouped query for the months' values and, for distinct persons, one for
    the month each person was first served per key (the year to date counts each once)."""
    metric = METRICS[code]
    months = range(1, through + 1)
    if metric.kind == "stock":
        # Twelve small grouped counts over the corps table (thousands of rows, not visits).
        return {m: _stock_figures(metric, _month_end(year, m)) for m in months}
    # As an integer: PostgreSQL's EXTRACT gives a numeric, slower to group by.
    month = Cast(ExtractMonth(metric.time_field, tzinfo=SEOUL), IntegerField())
    rows = _in_year(metric, year, through).order_by().annotate(kpi_m=month)
    key = _key_of(metric)
    monthly: dict[tuple[str, str], dict[int, int]] = {}
    firsts: dict[tuple[str, str], dict[int, int]] = {}
    if metric.kind == "count":
        keys = _keys(metric)
        inner = rows.annotate(**keys).values("kpi_m", *keys).annotate(kpi_n=Count("pk"))
        sql = _grouping_sets(inner, ["kpi_m"], list(keys), "SUM(kpi_n)")
        for g, *values, m, n in _fetch(*sql):
            monthly.setdefault(key(g, tuple(values)), {})[int(m)] = int(n)
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
                figures[m][dim_key] = (monthly.get(dim_key, {}).get(m, 0), running)
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
