"""Reads of episodes: the caseload, an episode's usage of its limits, the desk's to-do lists."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from base.roles import has_role
from base.sql import connection_of
from care.episodes.models import (
    AfterCareCheck,
    EligibilityAnswer,
    Episode,
    EpisodeHours,
    EpisodeTransition,
    ExtensionRequest,
    ProgramRules,
    day_number_of,
)
from care.models import Visit


class MinutesBetween(Func):
    """Minutes from the first timestamp to the second, as a float, on PostgreSQL and SQLite.

    Django's duration arithmetic has no portable "minutes of an interval"; a visit's service
    minutes are check-out minus check-in, summed over thousands of visits in the database.
    """

    output_field = FloatField()
    arity = 2

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        start, end = self.source_expressions
        start_sql, start_params = compiler.compile(start)
        end_sql, end_params = compiler.compile(end)
        return (
            minutes_between_sql(connection.vendor, start_sql, end_sql),
            (*end_params, *start_params),
        )


def minutes_between_sql(vendor: str, start_sql: str, end_sql: str) -> str:
    """``MinutesBetween``'s SQL for a database vendor, for texts written by hand."""
    if vendor == "sqlite":
        # julianday() is a float of days, exact to the millisecond only once rounded:
        # unrounded, 90 minutes came out as 90.00000001 and a visit reaching an episode's
        # hours limit exactly was flagged as past it.
        return f"(ROUND((julianday({end_sql}) - julianday({start_sql})) * 86400000.0) / 60000.0)"
    return f"CAST(EXTRACT(EPOCH FROM ({end_sql} - {start_sql})) AS double precision) / 60.0"


def delivered_minutes(episode_ref: str = "pk") -> Coalesce:
    """Service minutes of an episode's counted visits (no check-out counts 0), as a subquery.

    On PostgreSQL from ``EpisodeHours`` (kept by the visits' triggers, care 0030): one row
    instead of every visit of the episode. Elsewhere, summed from the visits."""
    if connection_of(EpisodeHours).vendor == "postgresql":
        # order_by(): EpisodeHours's ordering is the episode's, a join and a sort per row.
        kept = (
            EpisodeHours.objects.filter(episode=OuterRef(episode_ref))
            .order_by()
            .values(
                minutes=ExpressionWrapper(
                    F("microseconds") / Value(60_000_000.0), output_field=FloatField()
                )
            )
        )
        return Coalesce(Subquery(kept, output_field=FloatField()), Value(0.0))
    minutes = (
        Visit.objects.counted()
        .filter(episode=OuterRef(episode_ref), ended_at__isnull=False)
        .order_by()
        .values("episode")
        .annotate(minutes=Sum(MinutesBetween("started_at", "ended_at")))
        .values("minutes")
    )
    return Coalesce(Subquery(minutes, output_field=FloatField()), Value(0.0))


def episode_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Episode]:
    """The episodes a user may read, with their recipient, program and delivered minutes."""
    return (
        Episode.objects.visible_to(user)
        .select_related("recipient__region", "program__rules", "income_bracket", "referral_region")
        .annotate(delivered_minutes=delivered_minutes())
        .order_by("-referred_on", "-id")
    )


def episode_detail_queryset(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Episode]:
    """One episode with everything its page and the API's retrieve show."""
    return (
        episode_list(user=user)
        .select_related(
            "referral_organization",
            "linked_organization",
            "linked_resource",
            "assessed_by",
            "decided_by",
            "closed_by",
            "aftercare__done_by",
        )
        .prefetch_related(
            "needs",
            Prefetch(
                "transitions",
                queryset=EpisodeTransition.objects.select_related("by").order_by("at", "id"),
            ),
            Prefetch(
                "eligibility",
                queryset=EligibilityAnswer.objects.select_related(
                    "criterion", "checked_by"
                ).order_by("criterion__sort_order", "criterion__code"),
            ),
            Prefetch(
                "extensions",
                queryset=ExtensionRequest.objects.select_related("requested_by", "decided_by"),
            ),
        )
    )


@dataclass(frozen=True)
class EpisodeUsage:
    """How much of its limits an episode has used (days and service hours)."""

    days_used: int
    days_max: int | None
    minutes_delivered: int
    minutes_planned: int
    minutes_max: int | None
    warn_days: bool
    warn_hours: bool

    @property
    def days_percent(self) -> int:
        return _percent(self.days_used, self.days_max)

    @property
    def hours_percent(self) -> int:
        return _percent(self.minutes_delivered, self.minutes_max)

    @property
    def minutes_remaining(self) -> int | None:
        if self.minutes_max is None:
            return None
        return max(0, self.minutes_max - self.minutes_delivered)

    @property
    def over_hours(self) -> bool:
        return self.minutes_max is not None and self.minutes_delivered > self.minutes_max


def _percent(used: int, limit: int | None) -> int:
    if not limit:
        return 0
    return math.floor(used * 100 / limit)


def _warn_percent(episode: Episode) -> int:
    rules: ProgramRules | None = getattr(episode.program, "rules", None)
    return rules.warn_percent if rules else 80


def _planned_minutes(episode: Episode) -> int:
    # Scheduled visits (care/schedule) are the plan: every occurrence not cancelled.
    from care.schedule.models import ScheduledVisit

    return int(
        ScheduledVisit.objects.filter(episode=episode)
        .exclude(state="cancelled")
        .aggregate(total=Sum("planned_minutes"))["total"]
        or 0
    )


def usage_of(
    episode: Episode,
    *,
    minutes: float,
    planned: int = 0,
    on: date | None = None,
    warn_percent: int | None = None,
) -> EpisodeUsage:
    """Usage from figures already fetched (a list computes them for a page at once)."""
    on = on or timezone.localdate()
    days_used = (episode.day_number(on) or 0) if episode.state in ("active", "closed") else 0
    minutes_max = _minutes_max(episode.max_hours)
    warn = warn_percent if warn_percent is not None else _warn_percent(episode)
    delivered = round(minutes)
    warn_days, warn_hours = _warnings(days_used, episode.max_days, delivered, minutes_max, warn)
    return EpisodeUsage(
        days_used=days_used,
        days_max=episode.max_days,
        minutes_delivered=delivered,
        minutes_planned=planned,
        minutes_max=minutes_max,
        warn_days=warn_days,
        warn_hours=warn_hours,
    )


def _minutes_max(max_hours: Decimal | None) -> int | None:
    return int(Decimal(max_hours) * 60) if max_hours is not None else None


def _warnings(
    days_used: int, days_max: int | None, delivered: int, minutes_max: int | None, warn: int
) -> tuple[bool, bool]:
    """Whether the days used, and the minutes delivered, reached ``warn`` % of their limits."""
    return (
        bool(days_max) and days_used * 100 >= days_max * warn,  # type: ignore[operator]
        bool(minutes_max) and delivered * 100 >= minutes_max * warn,  # type: ignore[operator]
    )


def episode_usage(episode: Episode, *, on: date | None = None) -> EpisodeUsage:
    """Days used of the maximum; delivered, planned and maximum minutes; the 80 % warnings."""
    minutes = getattr(episode, "delivered_minutes", None)
    if minutes is None:
        minutes = (
            Episode.objects.filter(pk=episode.pk)
            .annotate(minutes=delivered_minutes())
            .values_list("minutes", flat=True)
            .get()
        )
    return usage_of(episode, minutes=minutes, planned=_planned_minutes(episode), on=on)


def near_limit_ids(*, on: date | None = None) -> list[int]:
    """The active episodes at or past the program's warning share of their days or hours, by
    planned end: the same test as ``usage_of``, on the few columns it reads.

    One query over the active caseload (the day share depends on today and the episode's own
    limits, which differ per episode after extensions), read as plain rows: the desk home
    asks on every load, and building each active episode with its recipient, region,
    program and rules (five objects a row, 500 episodes) was most of that page's CPU.
    """
    on = on or timezone.localdate()
    rows = (
        Episode.objects.filter(state=Episode.State.ACTIVE)
        .annotate(delivered_minutes=delivered_minutes())
        .order_by("planned_end_on", "id")
        .values_list(
            "pk",
            "starts_on",
            "closed_on",
            "max_days",
            "max_hours",
            "program__rules__warn_percent",
            "delivered_minutes",
        )
    )
    return [
        pk
        for pk, starts_on, closed_on, max_days, max_hours, warn, minutes in rows
        if any(
            _warnings(
                day_number_of(starts_on, closed_on, on) or 0,
                max_days,
                round(minutes),
                _minutes_max(max_hours),
                80 if warn is None else warn,
            )
        )
    ]


def episodes_near_limit(
    *, on: date | None = None, ids: Sequence[int] | None = None
) -> list[tuple[Episode, EpisodeUsage]]:
    """The episodes of ``near_limit_ids`` (or of ``ids``, a slice of them) with their usage, in
    that order."""
    on = on or timezone.localdate()
    ids = near_limit_ids(on=on) if ids is None else ids
    episodes = (
        Episode.objects.filter(pk__in=ids)
        .select_related("recipient__region", "program__rules")
        .annotate(delivered_minutes=delivered_minutes())
        .in_bulk()
    )
    return [
        (episode, usage_of(episode, minutes=episode.delivered_minutes, on=on))
        for episode in (episodes[pk] for pk in ids if pk in episodes)
    ]


def extension_requests_pending() -> QuerySet[ExtensionRequest]:
    return (
        ExtensionRequest.objects.filter(state=ExtensionRequest.State.PENDING)
        .select_related("episode__recipient__region", "episode__program__rules", "requested_by")
        .order_by("requested_at", "id")
    )


def closures_due(on: date | None = None) -> QuerySet[Episode]:
    """Active episodes whose planned end has come (and no extension is waiting)."""
    on = on or timezone.localdate()
    pending = ExtensionRequest.objects.filter(
        episode=OuterRef("pk"), state=ExtensionRequest.State.PENDING
    )
    return (
        Episode.objects.filter(state=Episode.State.ACTIVE, planned_end_on__lte=on)
        .exclude(Exists(pending))
        .select_related("recipient__region", "program")
        .order_by("planned_end_on", "id")
    )


def aftercare_due(on: date | None = None) -> QuerySet[AfterCareCheck]:
    on = on or timezone.localdate()
    return (
        AfterCareCheck.objects.filter(done_at__isnull=True, due_on__lte=on)
        .select_related("episode__recipient__region", "episode__program")
        .order_by("due_on", "id")
    )


DESK_ROWS = 10


def desk_summary(user: AbstractBaseUser | AnonymousUser) -> dict[str, Any]:
    """The desk home's episode sections: near their limits, extensions, closures, after-care."""
    if not has_role(user, "coordinator", "administrator"):
        return {}
    today = timezone.localdate()
    near_ids = near_limit_ids(on=today)
    extensions = extension_requests_pending()
    closures = closures_due(today)
    aftercare = aftercare_due(today)
    return {
        "near_limit": episodes_near_limit(on=today, ids=near_ids[:DESK_ROWS]),
        "near_limit_count": len(near_ids),
        "extensions_pending": list(extensions[:DESK_ROWS]),
        "extensions_pending_count": extensions.count(),
        "closures_due": list(closures[:DESK_ROWS]),
        "closures_due_count": closures.count(),
        "aftercare_due": list(aftercare[:DESK_ROWS]),
        "aftercare_due_count": aftercare.count(),
        "today": today,
    }
