"""Ending an assignment takes the corps member off the episode's plan and future schedule."""

from __future__ import annotations

import datetime as dt

import pytest

from care import services as care_services
from care.schedule import services, tasks
from care.schedule.models import CarePlanEntry, ScheduledVisit
from tests.care.schedule.helpers import entry, episode, member, today
from tests.factories import AssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_ending_an_assignment_ends_the_members_plan_and_clears_their_future_visits(
    django_capture_on_commit_callbacks,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(tasks.regenerate_episode_schedule, "delay", queued.append)
    running = episode(starts_on=today() - dt.timedelta(days=3))
    caregiver = member()
    assignment = AssignmentFactory(
        episode=running,
        recipient=running.recipient,
        corps_member=caregiver,
        starts_on=running.starts_on,
    )
    tomorrow = today() + dt.timedelta(days=1)
    weekly = entry(running, caregiver, weekday=tomorrow.weekday())
    later = entry(
        running, caregiver, weekday=today().weekday(), valid_from=today() + dt.timedelta(days=5)
    )
    services.schedule_generate(today=today())
    assert ScheduledVisit.objects.filter(corps_member=caregiver).exists()
    coordinator = UserFactory(roles=["coordinator"])

    with django_capture_on_commit_callbacks(execute=True):
        care_services.assignment_end(actor=coordinator, assignment=assignment, ends_on=today())
    services.schedule_regenerate_episode(episode_id=running.pk)

    weekly.refresh_from_db()
    assert weekly.valid_until == today()
    assert not CarePlanEntry.objects.filter(pk=later.pk).exists()
    assert queued == [running.pk]
    assert not ScheduledVisit.objects.filter(
        corps_member=caregiver, occurrence_date__gt=today()
    ).exists()
