"""Usage of the residents' platform for managers (이용 통계): aggregates only, never a person.

The goal tracker (kpi) reads these figures through ``usage_summary`` alone, so that what it
shows of the public platform cannot reach a name, a phone or a search typed by someone. Search
terms are the finder's normalised counters (``usage.services.kept_term``, which never keeps a
term that looks like personal data); requests are counted by 시·군 and topic only.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Sum
from django.utils import timezone

from consultations.callbacks.models import CallbackRequest
from consultations.usage.models import ResourceViewDay, SearchTermDay

TOP_TERMS = 10
TOP_RESOURCES = 10
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
    """The platform's use over Seoul days ``start`` to ``end`` (inclusive): a handful of
    aggregate queries, whatever the traffic."""
    summary = UsageSummary(start=start, end=end)
    terms = SearchTermDay.objects.filter(day__range=(start, end))
    totals = terms.aggregate(searches=Sum("searches"), zero=Sum("zero_results"))
    summary.searches = totals["searches"] or 0
    summary.zero_result_searches = totals["zero"] or 0
    series_from = max(start, end - timedelta(days=DAYS_SHOWN - 1))
    summary.per_day = [
        DayCount(day=row["day"], searches=row["s"], zero_results=row["z"])
        for row in terms.filter(day__gte=series_from)
        .values("day")
        .annotate(s=Sum("searches"), z=Sum("zero_results"))
        .order_by("day")
    ]
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
    summary.resource_views = views.aggregate(v=Sum("views"))["v"] or 0
    summary.top_resources = [
        Named(name=row["resource__name"], count=row["v"])
        for row in views.values("resource_id", "resource__name")
        .annotate(v=Sum("views"))
        .order_by("-v", "resource__name")[:TOP_RESOURCES]
    ]
    since, until = _bounds(start, end)
    requests = CallbackRequest.objects.filter(created_at__gte=since, created_at__lt=until)
    summary.requests = requests.count()
    summary.requests_by_region = [
        Named(name=row["region__name"], count=row["n"])
        for row in requests.values("region__name", "region__sort_order")
        .annotate(n=Count("id"))
        .order_by("-n", "region__sort_order")
    ]
    summary.requests_by_topic = [
        Named(name=row["topic__name"] or "", count=row["n"])
        for row in requests.values("topic__name").annotate(n=Count("id")).order_by("-n")
    ]
    # Calls made in the period, whenever they were asked for. A year holds a few thousand at
    # most: the median is taken here, the same way on SQLite and PostgreSQL.
    waits = list(
        CallbackRequest.objects.filter(
            state=CallbackRequest.State.CALLED_BACK,
            called_back_at__gte=since,
            called_back_at__lt=until,
        )
        .annotate(wait=F("called_back_at") - F("created_at"))
        .values_list("wait", flat=True)
    )
    summary.called_back = len(waits)
    if waits:
        summary.median_hours_to_call_back = round(
            statistics.median(wait.total_seconds() for wait in waits) / 3600, 1
        )
    return summary
