"""A scheduled visit in one call, for the tablet's tests: the plan entry it comes from and the
dated occurrence, built with the schedule tests' own helpers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from care.schedule.models import ScheduledVisit
from tests.care.schedule.helpers import entry, occurrence, seoul
from tests.factories import episode_of

__all__ = ["scheduled_visit", "seoul"]


def scheduled_visit(
    *,
    corps_member: Any,
    recipient: Any,
    starts_at: dt.datetime,
    planned_minutes: int = 90,
    services: list[str] | None = None,
    **fields: Any,
) -> ScheduledVisit:
    """One occurrence for ``corps_member`` (a substitute when ``original_corps_member`` is
    given: the plan entry is then the original's) at ``starts_at``."""
    local = timezone.localtime(starts_at)
    plan_entry = entry(
        episode_of(recipient),
        fields.get("original_corps_member") or corps_member,
        weekday=local.weekday(),
        at=local.time(),
        minutes=planned_minutes,
        services=services or ["housework"],
    )
    made = occurrence(plan_entry, local.date(), at=starts_at, **fields)
    if made.corps_member_id != corps_member.pk:
        made.corps_member = corps_member
        made.save(update_fields=["corps_member"])
    return made
