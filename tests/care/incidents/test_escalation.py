"""Escalation: open incidents nobody acknowledged in 24 hours are told to the managers, once
each, by the beat task on a real Celery worker against Redis."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from care.incidents import services, tasks
from care.incidents.models import Incident
from notifications.models import Message
from tests.care.incidents.factories import IncidentFactory, StaffPhoneFactory
from tests.factories import UserFactory

TIMEOUT = 60


def hours_ago(hours: float) -> datetime:
    return timezone.now() - timedelta(hours=hours)


def a_day_of_incidents() -> dict[str, Incident]:
    """One incident of each case: overdue, not yet due, acknowledged, closed."""
    now = timezone.now()
    return {
        "overdue": IncidentFactory(reported_at=hours_ago(25), occurred_at=hours_ago(26)),
        "recent": IncidentFactory(reported_at=hours_ago(23), occurred_at=hours_ago(23.5)),
        "acknowledged": IncidentFactory(
            reported_at=hours_ago(30),
            occurred_at=hours_ago(31),
            state=Incident.State.ACKNOWLEDGED,
            acknowledged_at=now,
        ),
        "closed": IncidentFactory(
            reported_at=hours_ago(30),
            occurred_at=hours_ago(31),
            state=Incident.State.CLOSED,
            acknowledged_at=now,
            closed_at=now,
            outcome="종결",
        ),
    }


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("redis_worker", "worker_closes_its_connection")
def test_an_incident_unacknowledged_for_24_hours_is_escalated_once_on_a_real_worker() -> None:
    # given two managers with phones, a coordinator, and a day of incidents
    managers = [
        StaffPhoneFactory(user=UserFactory(username=f"mgr{i}", roles=["manager"])) for i in range(2)
    ]
    StaffPhoneFactory(user=UserFactory(username="desk", roles=["coordinator"]))
    incidents = a_day_of_incidents()

    # when the beat's task runs on a worker, twice
    first = tasks.escalate_incidents.delay().get(timeout=TIMEOUT)
    second = tasks.escalate_incidents.delay().get(timeout=TIMEOUT)

    # then only the overdue incident was escalated, once, to each manager
    assert (first, second) == (1, 0)
    escalated = Message.objects.filter(kind="incident_escalated")
    assert sorted(escalated.values_list("user", flat=True)) == sorted(
        manager.user.pk for manager in managers
    )
    assert {message.dedupe_key for message in escalated} == {
        f"incident_escalated:{incidents['overdue'].pk}:{manager.user.pk}" for manager in managers
    }
    assert list(Incident.objects.filter(escalated_at__isnull=False)) == [incidents["overdue"]]


@pytest.mark.django_db
def test_escalation_marks_the_incident_so_a_second_pass_sends_nothing() -> None:
    StaffPhoneFactory(user=UserFactory(username="mgr", roles=["manager"]))
    overdue = IncidentFactory(reported_at=hours_ago(25), occurred_at=hours_ago(26))

    assert services.incidents_escalate() == 1
    assert services.incidents_escalate(now=timezone.now() + timedelta(hours=1)) == 0

    overdue.refresh_from_db()
    assert overdue.escalated_at is not None
    assert Message.objects.filter(kind="incident_escalated").count() == 1


@pytest.mark.django_db
def test_an_acknowledged_incident_is_never_escalated() -> None:
    StaffPhoneFactory(user=UserFactory(username="mgr", roles=["manager"]))
    incident = IncidentFactory(reported_at=hours_ago(25), occurred_at=hours_ago(26))
    services.incident_acknowledge(actor=UserFactory(roles=["coordinator"]), incident=incident)

    assert services.incidents_escalate() == 0
    assert not Message.objects.exists()


def test_escalation_runs_every_15_minutes_in_the_beat_schedule() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["escalate-incidents"]

    assert entry["task"] == "care.incidents_escalate"
    assert entry["schedule"] == crontab(minute="*/15")
