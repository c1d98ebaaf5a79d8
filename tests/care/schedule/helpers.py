"""Builders for the schedule tests: corps members who can be scheduled, episodes running
around today, plan entries written without the service (the service has its own tests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone

from care.models import Episode, Recipient
from care.schedule.models import CarePlanEntry, ScheduledVisit
from tests.factories import (
    CorpsMemberFactory,
    EpisodeFactory,
    RecipientFactory,
    UserFactory,
    region,
    service_type,
)
from volunteers.models import CorpsMember


def today() -> dt.date:
    return timezone.localdate()


def seoul(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def member(
    name: str = "김영희",
    *,
    services: Sequence[str] = ("housework", "meal"),
    region_code: str = "jeonju",
    login: bool = True,
    **fields: Any,
) -> CorpsMember:
    """A corps member with a login account (a caregiver) who gives ``services``."""
    if login and "user" not in fields:
        fields["user"] = UserFactory(roles=["caregiver"])
    corps_member = CorpsMemberFactory(name=name, region=region(region_code), **fields)
    corps_member.service_types.set([service_type(code) for code in services])
    return corps_member


def episode(
    recipient: Recipient | None = None,
    *,
    starts_on: dt.date | None = None,
    days: int = 30,
    state: str = Episode.State.ACTIVE,
) -> Episode:
    """An episode running from three days ago (by default) for ``days`` days."""
    starts_on = starts_on or today() - dt.timedelta(days=3)
    return EpisodeFactory(
        recipient=recipient or RecipientFactory(region=region("jeonju")),
        state=state,
        referred_on=starts_on - dt.timedelta(days=2),
        starts_on=starts_on,
        planned_end_on=starts_on + dt.timedelta(days=days - 1),
        max_days=days,
        max_hours=Decimal("72"),
    )


def entry(
    episode: Episode,
    corps_member: CorpsMember,
    *,
    weekday: int,
    at: dt.time = dt.time(10, 0),
    minutes: int = 90,
    services: Sequence[str] = ("housework",),
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> CarePlanEntry:
    plan_entry = CarePlanEntry.objects.create(
        episode=episode,
        weekday=weekday,
        start_time=at,
        planned_minutes=minutes,
        corps_member=corps_member,
        valid_from=valid_from or episode.starts_on,
        valid_until=valid_until,
    )
    plan_entry.service_types.set([service_type(code) for code in services])
    return plan_entry


def occurrence(
    plan_entry: CarePlanEntry, day: dt.date, *, at: dt.datetime | None = None, **fields: Any
) -> ScheduledVisit:
    """One scheduled visit of ``plan_entry`` on ``day`` (at the entry's time unless ``at``)."""
    return ScheduledVisit.objects.create(
        episode=plan_entry.episode,
        recipient=plan_entry.episode.recipient,
        plan_entry=plan_entry,
        occurrence_date=day,
        starts_at=at or seoul(day, plan_entry.start_time.hour, plan_entry.start_time.minute),
        planned_minutes=plan_entry.planned_minutes,
        corps_member=plan_entry.corps_member,
        **fields,
    )


def rows() -> list[tuple[Any, ...]]:
    """The schedule's rows as comparable tuples."""
    return list(
        ScheduledVisit.objects.order_by("plan_entry", "occurrence_date").values_list(
            "pk", "plan_entry", "occurrence_date", "starts_at", "corps_member", "state"
        )
    )
