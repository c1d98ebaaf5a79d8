"""The monthly activity statement (활동 실적), planned vs delivered minutes, and spend.

Counting rules (DESIGN.md §3 and §7): months are Asia/Seoul calendar months, a visit counts in
the month it started, void visits never count. A visit's service minutes are the whole minutes
from check-in to check-out (``ServiceMinutes``: truncated per visit, so a sheet's rows add up
to its total); a visit without a check-out counts 0 minutes and is flagged.

Every figure is aggregated in SQL with a fixed number of grouped queries, whatever the number
of corps members or visits. Travel is the one exception: it needs consecutive pairs, so
``activity_statement`` streams one small tuple per counted visit of the month (member, start,
latitude, longitude), ordered, and adds up the legs in Python. Chosen over a ``LAG`` window
because it is the same code on PostgreSQL and SQLite, and its cost is one index-ordered read
of the month's visits (about 40,000 narrow rows for 1,000 members, a few tens of ms), with no
per-member query.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, F, Func, IntegerField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear, TruncDate
from django.utils import timezone

from base.models import Program
from base.roles import has_role
from care.models import Visit
from care.schedule.models import ScheduledVisit
from volunteers.models import CorpsMember

SEOUL = ZoneInfo("Asia/Seoul")

# Mean Earth radius (IUGG), km: the haversine's straight line is within 0.5 % of the
# ellipsoidal distance, far below what a road detour adds.
EARTH_RADIUS_KM = 6371.0088
# Rows fetched per round trip when streaming the month's visit positions.
TRAVEL_CHUNK = 2000
TRAVEL_BASIS = "직선거리(하버사인 공식), 같은 날 연속한 두 방문 모두 위치가 있을 때만 합산"


class ServiceMinutes(Func):
    """A visit's service minutes: whole minutes from ``started_at`` to ``ended_at``
    (truncated), NULL while the visit has no check-out."""

    output_field = IntegerField()

    def __init__(self, started: str = "started_at", ended: str = "ended_at") -> None:
        super().__init__(F(ended), F(started))

    def _operands(self, compiler: Any, connection: Any) -> tuple[str, str, list[Any]]:
        ended_sql, ended_params = compiler.compile(self.source_expressions[0])
        started_sql, started_params = compiler.compile(self.source_expressions[1])
        return ended_sql, started_sql, [*ended_params, *started_params]

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        # PostgreSQL: the interval's exact seconds (numeric), floored to minutes.
        ended, started, params = self._operands(compiler, connection)
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM ({ended} - {started})) / 60) AS integer)", params

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        # julianday is a double: rounded to the millisecond before the integer division, so
        # an exact hour is 60 minutes, not 59.
        ended, started, params = self._operands(compiler, connection)
        millis = f"CAST(ROUND((julianday({ended}) - julianday({started})) * 86400000) AS integer)"
        return f"({millis} / 60000)", params


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The aware first instant of a Seoul month and of the next one."""
    start = datetime(year, month, 1, tzinfo=SEOUL)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=SEOUL)
    return start, end


def last_month(today: date | None = None) -> tuple[int, int]:
    """(year, month) of the month before ``today`` (Seoul): the month a statement is made for."""
    first = (today or timezone.localdate()).replace(day=1)
    previous = first - timedelta(days=1)
    return previous.year, previous.month


def hours(minutes: int) -> Decimal:
    """Minutes as hours with two decimals, truncated (90 → 1.50, 100 → 1.66)."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def percent(part: int, whole: int) -> int | None:
    """part ÷ whole × 100 truncated to a whole percent, like every rate of the project
    (DESIGN.md §3.5); None when there is no whole."""
    return part * 100 // whole if whole else None


# --- travel ------------------------------------------------------------------------------------


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The straight-line (great-circle) distance between two points, in km."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


Position = tuple[int, datetime, Decimal | None, Decimal | None]


def travel_legs(positions: Iterable[Position]) -> Iterator[tuple[Position, float | None]]:
    """For each (corps member, started_at, latitude, longitude), ordered by member and start:
    the point and the km from the member's previous visit of the same Seoul day, or None when
    it is the day's first visit or either visit has no position."""
    previous: Position | None = None
    for current in positions:
        member, started_at, lat, lon = current
        leg = None
        if previous is not None:
            p_member, p_started, p_lat, p_lon = previous
            same_day = p_started.astimezone(SEOUL).date() == started_at.astimezone(SEOUL).date()
            located = None not in (lat, lon, p_lat, p_lon)
            if p_member == member and same_day and located:
                leg = haversine_km(float(p_lat), float(p_lon), float(lat), float(lon))  # type: ignore[arg-type]
        yield current, leg
        previous = current


def _travel_km(visits: QuerySet[Visit]) -> dict[int, float]:
    positions = (
        visits.order_by("corps_member_id", "started_at", "id")
        .values_list("corps_member_id", "started_at", "latitude", "longitude")
        .iterator(chunk_size=TRAVEL_CHUNK)
    )
    totals: dict[int, float] = defaultdict(float)
    for (member, *_position), leg in travel_legs(positions):
        if leg is not None:
            totals[member] += leg
    return {member: round(km, 2) for member, km in totals.items()}


# --- the activity statement ------------------------------------------------------------------


@dataclass(frozen=True)
class StatementRow:
    """One corps member's month (활동 실적): the basis of pay."""

    corps_member: CorpsMember
    days_worked: int
    visits: int
    service_minutes: int
    recipients: int
    travel_km: float
    unscheduled_visits: int
    missed_visits: int
    visits_without_checkout: int

    @property
    def service_hours(self) -> Decimal:
        return hours(self.service_minutes)


def counted_visits_in_month(
    *, year: int, month: int, corps_member_ids: Sequence[int] | None = None
) -> QuerySet[Visit]:
    """The visits that count for a Seoul month: started in it, not void."""
    start, end = month_bounds(year, month)
    visits = Visit.objects.counted().filter(started_at__gte=start, started_at__lt=end)
    if corps_member_ids is not None:
        visits = visits.filter(corps_member_id__in=corps_member_ids)
    return visits


def activity_statement(
    *, year: int, month: int, corps_member_ids: Sequence[int] | None = None
) -> list[StatementRow]:
    """Per corps member, the month's days worked, counted visits, service minutes, distinct
    recipients, straight-line travel, unscheduled visits and missed scheduled visits.

    Without ``corps_member_ids``: every member with a counted visit or a missed scheduled
    visit in the month. With them: exactly those members, with zeros where nothing happened.
    Four queries, whatever the number of members and visits.
    """
    visits = counted_visits_in_month(year=year, month=month, corps_member_ids=corps_member_ids)
    figures = {
        row["corps_member_id"]: row
        for row in visits.order_by()
        .values("corps_member_id")
        .annotate(
            visit_count=Count("id"),
            days=Count(TruncDate("started_at", tzinfo=SEOUL), distinct=True),
            minutes=Coalesce(Sum(ServiceMinutes()), 0),
            recipient_count=Count("recipient_id", distinct=True),
            unscheduled=Count("id", filter=Q(scheduled__isnull=True)),
            without_checkout=Count("id", filter=Q(ended_at__isnull=True)),
        )
    }
    start, end = month_bounds(year, month)
    missed_visits = ScheduledVisit.objects.filter(
        state=ScheduledVisit.State.MISSED, starts_at__gte=start, starts_at__lt=end
    )
    if corps_member_ids is not None:
        missed_visits = missed_visits.filter(corps_member_id__in=corps_member_ids)
    missed = dict(
        missed_visits.order_by()
        .values("corps_member_id")
        .annotate(n=Count("id"))
        .values_list("corps_member_id", "n")
    )
    travel = _travel_km(visits)
    member_ids = set(figures) | set(missed) if corps_member_ids is None else set(corps_member_ids)
    rows = []
    for member in (
        CorpsMember.objects.filter(pk__in=member_ids)
        .select_related("region")
        .order_by("name", "id")
    ):
        row = figures.get(member.pk, {})
        rows.append(
            StatementRow(
                corps_member=member,
                days_worked=row.get("days", 0),
                visits=row.get("visit_count", 0),
                service_minutes=row.get("minutes", 0),
                recipients=row.get("recipient_count", 0),
                travel_km=travel.get(member.pk, 0.0),
                unscheduled_visits=row.get("unscheduled", 0),
                missed_visits=missed.get(member.pk, 0),
                visits_without_checkout=row.get("without_checkout", 0),
            )
        )
    return rows


def statement_visits(
    *, year: int, month: int, corps_member_ids: Sequence[int] | None = None
) -> list[Visit]:
    """The month's counted visits behind a statement, ordered by member and start, each with
    ``minutes`` (``ServiceMinutes``), ``scheduled_visit_id``, its recipient and services.
    Two queries."""
    return list(
        counted_visits_in_month(year=year, month=month, corps_member_ids=corps_member_ids)
        .select_related("recipient")
        .prefetch_related("service_types")
        .annotate(minutes=ServiceMinutes(), scheduled_visit_id=F("scheduled__id"))
        .order_by("corps_member_id", "started_at", "id")
    )


def statement_member_ids(user: AbstractBaseUser | AnonymousUser) -> list[int] | None:
    """Whose rows ``user`` may read: None (everyone) for coordinators and administrators,
    else their own corps member record (a caregiver), else nobody."""
    if has_role(user, "coordinator", "administrator"):
        return None
    return list(CorpsMember.objects.filter(user_id=user.pk).values_list("pk", flat=True))


def statement_recipient_count(*, user: AbstractBaseUser, year: int, month: int) -> int:
    """How many recipients the month's file for ``user`` would name (the download asks)."""
    return (
        counted_visits_in_month(year=year, month=month, corps_member_ids=statement_member_ids(user))
        .values("recipient_id")
        .distinct()
        .count()
    )


# --- planned vs delivered --------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedDelivered:
    """Planned minutes (scheduled visits not cancelled) against delivered minutes (counted
    visits) for one Seoul month, of one episode or (``episode_id`` None) of all."""

    episode_id: int | None
    year: int
    month: int
    planned_minutes: int
    delivered_minutes: int

    @property
    def delivered_percent(self) -> int | None:
        """Delivered ÷ planned × 100."""
        return percent(self.delivered_minutes, self.planned_minutes)


def _period(year: int | None, month: int | None) -> tuple[datetime, datetime] | None:
    if year is None:
        return None
    if month is None:
        return month_bounds(year, 1)[0], month_bounds(year + 1, 1)[0]
    return month_bounds(year, month)


def planned_vs_delivered(
    *,
    episode_ids: Sequence[int] | None = None,
    year: int | None = None,
    month: int | None = None,
    per_episode: bool = True,
) -> list[PlannedDelivered]:
    """Planned vs delivered minutes per episode (or, ``per_episode=False``, for all episodes
    together) and per Seoul month, ordered by episode and month. ``year`` alone takes the
    whole year; neither takes every month. Two grouped queries."""
    period = _period(year, month)
    planned = ScheduledVisit.objects.exclude(state=ScheduledVisit.State.CANCELLED)
    delivered = Visit.objects.counted().filter(episode__isnull=False)
    if period is not None:
        planned = planned.filter(starts_at__gte=period[0], starts_at__lt=period[1])
        delivered = delivered.filter(started_at__gte=period[0], started_at__lt=period[1])
    if episode_ids is not None:
        planned = planned.filter(episode_id__in=episode_ids)
        delivered = delivered.filter(episode_id__in=episode_ids)
    keys = ["episode_id", "y", "m"] if per_episode else ["y", "m"]

    def grouped(rows: QuerySet, time_field: str, minutes: Any) -> dict[tuple, int]:
        return {
            tuple(row[key] for key in keys): row["minutes"]
            for row in rows.order_by()
            .annotate(
                y=ExtractYear(time_field, tzinfo=SEOUL), m=ExtractMonth(time_field, tzinfo=SEOUL)
            )
            .values(*keys)
            .annotate(minutes=Coalesce(Sum(minutes), 0))
        }

    plan = grouped(planned, "starts_at", "planned_minutes")
    given = grouped(delivered, "started_at", ServiceMinutes())
    rows = []
    for key in sorted(set(plan) | set(given)):
        episode_id = key[0] if per_episode else None
        rows.append(
            PlannedDelivered(
                episode_id=episode_id,
                year=key[-2],
                month=key[-1],
                planned_minutes=plan.get(key, 0),
                delivered_minutes=given.get(key, 0),
            )
        )
    return rows


# --- spend -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spend:
    """Delivered minutes and what they cost, split by funding source (국비/도비), in 원."""

    minutes: int
    spend_won: int
    national_won: int
    provincial_won: int

    @property
    def hours(self) -> Decimal:
        return hours(self.minutes)


@dataclass(frozen=True)
class ProgramSpendRow:
    program: Program
    unit_cost_won: int
    budget_won: int
    month: Spend
    year_to_date: Spend

    @property
    def budget_used_percent(self) -> int | None:
        """Year-to-date spend ÷ budget × 100."""
        return percent(self.year_to_date.spend_won, self.budget_won)

    @property
    def budget_remaining_won(self) -> int:
        return self.budget_won - self.year_to_date.spend_won


def _spend(parts: Iterable[tuple[int, int | None]], unit_cost_won: int) -> Spend:
    """Minutes grouped by national share (%) → the spend, rounded to the won once per program
    so that 국비 + 도비 is always the total."""
    minutes, exact, national = 0, Decimal(0), Decimal(0)
    for part_minutes, share in parts:
        cost = Decimal(part_minutes) * unit_cost_won / 60
        minutes += part_minutes
        exact += cost
        national += cost * (100 if share is None else share) / 100
    total = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    national_won = int(national.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return Spend(minutes, total, national_won, total - national_won)


def program_spend(*, year: int, month: int) -> list[ProgramSpendRow]:
    """Per program: the month's and the year-to-date delivered hours × the program's hourly
    unit cost, split into 국비/도비 by each episode's national share fixed at its decision
    (the program's current share where the episode has none), beside the program's budget
    (천원 × 1000). Programs with rules or with delivered care are listed. Two queries."""
    month_start, month_end = month_bounds(year, month)
    groups = (
        Visit.objects.counted()
        .filter(started_at__gte=month_bounds(year, 1)[0], started_at__lt=month_end)
        .order_by()
        .values(
            "program_id",
            share=Coalesce(
                "episode__national_share_percent", "program__rules__national_share_percent"
            ),
        )
        .annotate(
            month_minutes=Coalesce(Sum(ServiceMinutes(), filter=Q(started_at__gte=month_start)), 0),
            ytd_minutes=Coalesce(Sum(ServiceMinutes()), 0),
        )
    )
    by_program: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for group in groups:
        by_program[group["program_id"]].append(group)
    programs = (
        Program.objects.filter(Q(rules__isnull=False) | Q(pk__in=list(by_program)))
        .select_related("rules")
        .order_by("sort_order", "code")
    )
    rows = []
    for program in programs:
        rules = getattr(program, "rules", None)
        unit_cost = rules.unit_cost_won if rules else 0
        parts = by_program.get(program.pk, [])
        rows.append(
            ProgramSpendRow(
                program=program,
                unit_cost_won=unit_cost,
                budget_won=(rules.budget_thousand_won if rules else 0) * 1000,
                month=_spend(((p["month_minutes"], p["share"]) for p in parts), unit_cost),
                year_to_date=_spend(((p["ytd_minutes"], p["share"]) for p in parts), unit_cost),
            )
        )
    return rows


# --- the desk home ----------------------------------------------------------------------------


def desk_summary(user: AbstractBaseUser | AnonymousUser) -> dict[str, Any]:
    """The desk home's statement card: last month and how many members served in it."""
    year, month = last_month()
    members = (
        counted_visits_in_month(year=year, month=month)
        .order_by()
        .aggregate(n=Count("corps_member_id", distinct=True))["n"]
    )
    return {"statement_year": year, "statement_month": month, "statement_members": members}
