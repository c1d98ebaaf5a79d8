"""Usage of the residents' platform for managers (이용 통계): aggregates only, never a person.

The goal tracker (kpi) reads these figures through ``usage_summary`` alone, so that what it
shows of the public platform cannot reach a name, a phone or a search typed by someone. Search
terms are the finder's normalised counters (``usage.services.kept_term``, which never keeps a
term that looks like personal data); requests are counted by 시·군 and topic only.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q, Subquery, Sum, Value
from django.utils import timezone

from consultations.callbacks.models import CallbackRequest
from consultations.usage.models import ResourceViewDay, SearchTermDay

TOP_TERMS = 10
TOP_RESOURCES = 10
# What ``usage_summary`` costs, whatever the traffic (tests pin it; the goal tracker's page
# budget counts it).
SUMMARY_QUERIES = 4
# The daily series shows the period's last weeks; totals cover the whole period.
DAYS_SHOWN = 31


@dataclass(frozen=True)
class DayCount:
    day: date
    searches: int
    zero_results: int


@dataclass(frozen=True)
class Named:
    name: str
    count: int


@dataclass
class UsageSummary:
    start: date
    end: date
    searches: int = 0
    zero_result_searches: int = 0
    resource_views: int = 0
    requests: int = 0
    called_back: int = 0
    # Median hours from a request to the call that answered it, over the period's calls.
    median_hours_to_call_back: float | None = None
    per_day: list[DayCount] = field(default_factory=list)
    zero_result_terms: list[Named] = field(default_factory=list)
    top_resources: list[Named] = field(default_factory=list)
    requests_by_region: list[Named] = field(default_factory=list)
    requests_by_topic: list[Named] = field(default_factory=list)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Seoul days ``start`` to ``end`` inclusive, as aware instants [from, to)."""
    zone = timezone.get_default_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def usage_summary(*, start: date, end: date) -> UsageSummary:
    """The platform's use over Seoul days ``start`` to ``end`` (inclusive), in four queries
    whatever the traffic: the searches of each day, the top terms that found nothing, the
    most viewed resources (with the period's total), and the period's requests."""
    summary = UsageSummary(start=start, end=end)
    terms = SearchTermDay.objects.filter(day__range=(start, end))
    # One row per day (at most 366): the totals and the recent series come from the same rows.
    days = [
        DayCount(day=row["day"], searches=row["s"], zero_results=row["z"])
        for row in terms.values("day")
        .annotate(s=Sum("searches"), z=Sum("zero_results"))
        .order_by("day")
    ]
    summary.searches = sum(day.searches for day in days)
    summary.zero_result_searches = sum(day.zero_results for day in days)
    series_from = end - timedelta(days=DAYS_SHOWN - 1)
    summary.per_day = [day for day in days if day.day >= series_from]
    # The empty term counts searches by filters only and terms not kept: not a word to show.
    summary.zero_result_terms = [
        Named(name=row["term"], count=row["z"])
        for row in terms.exclude(term="")
        .values("term")
        .annotate(z=Sum("zero_results"))
        .filter(z__gt=0)
        .order_by("-z", "term")[:TOP_TERMS]
    ]
    views = ResourceViewDay.objects.filter(day__range=(start, end))
    period_total = (
        views.order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(total=Sum("views"))
        .values("total")
    )
    top = list(
        views.values("resource_id", "resource__name")
        .annotate(v=Sum("views"), total=Subquery(period_total))
        .order_by("-v", "resource__name")[:TOP_RESOURCES]
    )
    summary.top_resources = [Named(name=row["resource__name"], count=row["v"]) for row in top]
    summary.resource_views = top[0]["total"] if top else 0
    summary_requests(summary, *_bounds(start, end))
    return summary


def summary_requests(summary: UsageSummary, since: datetime, until: datetime) -> None:
    """The requests made in the period by 시·군 and topic, and the calls made in it (whenever
    asked for) with the median wait: one read of those requests' five columns. A year holds a
    few thousand at most, so the grouping and the median are done here, the same way on
    SQLite and PostgreSQL."""
    rows = CallbackRequest.objects.filter(
        Q(created_at__gte=since, created_at__lt=until)
        | Q(
            state=CallbackRequest.State.CALLED_BACK,
            called_back_at__gte=since,
            called_back_at__lt=until,
        )
    ).values_list(
        "region__name", "region__sort_order", "topic__name", "created_at", "called_back_at"
    )
    regions: Counter[tuple[int, str]] = Counter()
    topics: Counter[str] = Counter()
    waits = []
    for region, order, topic, created_at, called_back_at in rows:
        if since <= created_at < until:
            regions[(order, region)] += 1
            topics[topic or ""] += 1
        if called_back_at is not None and since <= called_back_at < until:
            waits.append((called_back_at - created_at).total_seconds())
    summary.requests = sum(regions.values())
    summary.requests_by_region = [
        Named(name=name, count=count)
        for (_order, name), count in sorted(regions.items(), key=lambda item: (-item[1], item[0]))
    ]
    summary.requests_by_topic = [
        Named(name=name, count=count)
        for name, count in sorted(topics.items(), key=lambda item: (-item[1], item[0]))
    ]
    summary.called_back = len(waits)
    if waits:
        summary.median_hours_to_call_back = round(statistics.median(waits) / 3600, 1)
