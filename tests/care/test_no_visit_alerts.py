"""미방문 알림: recipients with an active assignment and no visit for seven days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from care.models import Assignment, NoVisitAlert, Recipient, Visit
from care.tasks import record_no_visit_alerts
from care.visits import no_visit_alerts_record
from tests.care.visit_factories import VisitFactory
from tests.factories import AssignmentFactory, CorpsMemberFactory, RecipientFactory

URL = "/api/v1/no-visit-alerts/"


def days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


def assigned(*, days: int = 30, **recipient: Any) -> Assignment:
    """An open assignment that began ``days`` ago."""
    return AssignmentFactory(recipient=RecipientFactory(**recipient), starts_on=days_ago(days))


def visit_to(assignment: Assignment, *, days: float, **fields: Any) -> Visit:
    return VisitFactory(
        recipient=assignment.recipient,
        corps_member=assignment.corps_member,
        started_at=timezone.now() - timedelta(days=days),
        **fields,
    )


def alerted_recipients() -> set[int]:
    return set(NoVisitAlert.objects.values_list("recipient_id", flat=True))


# --- the rules ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_recipient_last_visited_eight_days_ago_is_alerted() -> None:
    # given an assignment whose last visit was eight days ago
    assignment = assigned()
    last = visit_to(assignment, days=8)

    # when today's alerts are recorded
    count = no_visit_alerts_record(as_of=timezone.localdate())

    # then the recipient is alerted, with the corps member and the last visit
    assert count == 1
    alert = NoVisitAlert.objects.get()
    assert alert.recipient == assignment.recipient
    assert alert.corps_member == assignment.corps_member
    assert alert.as_of == timezone.localdate()
    assert alert.last_visit_at == last.started_at


@pytest.mark.django_db
def test_recipient_never_visited_is_alerted_without_a_last_visit() -> None:
    assignment = assigned()

    no_visit_alerts_record(as_of=timezone.localdate())

    alert = NoVisitAlert.objects.get()
    assert alert.recipient == assignment.recipient
    assert alert.last_visit_at is None


@pytest.mark.django_db
def test_recipient_visited_three_days_ago_is_not_alerted() -> None:
    assignment = assigned()
    visit_to(assignment, days=3)

    count = no_visit_alerts_record(as_of=timezone.localdate())

    assert count == 0
    assert not NoVisitAlert.objects.exists()


@pytest.mark.django_db
def test_visit_by_another_corps_member_counts_as_a_visit() -> None:
    # given a substitute visited the recipient three days ago
    assignment = assigned()
    VisitFactory(
        recipient=assignment.recipient,
        corps_member=CorpsMemberFactory(),
        started_at=timezone.now() - timedelta(days=3),
    )

    assert no_visit_alerts_record(as_of=timezone.localdate()) == 0


@pytest.mark.django_db
def test_void_visit_does_not_count_as_a_visit() -> None:
    # given the only recent visit was voided
    assignment = assigned()
    visit_to(assignment, days=2, status=Visit.Status.VOID, void_reason="중복 기록")

    no_visit_alerts_record(as_of=timezone.localdate())

    assert alerted_recipients() == {assignment.recipient.pk}
    assert NoVisitAlert.objects.get().last_visit_at is None


@pytest.mark.django_db
def test_assignment_that_started_two_days_ago_is_not_alerted() -> None:
    assigned(days=2)

    assert no_visit_alerts_record(as_of=timezone.localdate()) == 0
    assert not NoVisitAlert.objects.exists()


@pytest.mark.django_db
def test_closed_recipient_is_not_alerted() -> None:
    assigned(status=Recipient.Status.CLOSED)

    assert no_visit_alerts_record(as_of=timezone.localdate()) == 0


@pytest.mark.django_db
def test_assignment_that_has_ended_is_not_alerted() -> None:
    AssignmentFactory(starts_on=days_ago(60), ends_on=days_ago(1))

    assert no_visit_alerts_record(as_of=timezone.localdate()) == 0


@pytest.mark.django_db
def test_recording_twice_on_one_day_stores_each_alert_once() -> None:
    # given two recipients nobody visited
    assigned()
    assigned()
    today = timezone.localdate()

    # when the task runs twice (a retry, a second beat)
    first = no_visit_alerts_record(as_of=today)
    second = no_visit_alerts_record(as_of=today)

    # then the alerts exist once each, and both runs report the same count
    assert first == second == 2
    assert NoVisitAlert.objects.filter(as_of=today).count() == 2


@pytest.mark.django_db
def test_each_day_keeps_its_own_alerts() -> None:
    assigned()

    no_visit_alerts_record(as_of=days_ago(1))
    no_visit_alerts_record(as_of=timezone.localdate())

    assert sorted(NoVisitAlert.objects.values_list("as_of", flat=True)) == [
        days_ago(1),
        timezone.localdate(),
    ]


# --- the API --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_coordinator_lists_the_newest_days_alerts(coordinator_api: APIClient) -> None:
    # given yesterday's and today's alerts
    stale = assigned()
    fresh = assigned()
    NoVisitAlert.objects.create(
        recipient=stale.recipient, corps_member=stale.corps_member, as_of=days_ago(1)
    )
    today = NoVisitAlert.objects.create(
        recipient=fresh.recipient, corps_member=fresh.corps_member, as_of=timezone.localdate()
    )

    response = coordinator_api.get(URL)

    assert response.status_code == 200, response.content
    [row] = response.json()["results"]
    assert row["id"] == today.pk
    assert row["recipient"] == fresh.recipient.pk
    assert row["recipient_name"] == fresh.recipient.name
    assert row["corps_member"] == fresh.corps_member.pk
    assert row["as_of"] == timezone.localdate().isoformat()


@pytest.mark.django_db
def test_coordinator_picks_an_earlier_day_with_as_of(coordinator_api: APIClient) -> None:
    assignment = assigned()
    yesterday = NoVisitAlert.objects.create(
        recipient=assignment.recipient, corps_member=assignment.corps_member, as_of=days_ago(1)
    )
    NoVisitAlert.objects.create(
        recipient=assignment.recipient,
        corps_member=assignment.corps_member,
        as_of=timezone.localdate(),
    )

    response = coordinator_api.get(URL, {"as_of": days_ago(1).isoformat()})

    assert [row["id"] for row in response.json()["results"]] == [yesterday.pk]


@pytest.mark.django_db
def test_alert_list_is_empty_before_the_first_run(coordinator_api: APIClient) -> None:
    response = coordinator_api.get(URL)

    assert response.status_code == 200, response.content
    assert response.json()["count"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize("client", ["caregiver_api", "manager_api", "counselor_api"])
def test_alerts_are_for_coordinators_only(request: pytest.FixtureRequest, client: str) -> None:
    api: APIClient = request.getfixturevalue(client)

    response = api.get(URL)

    assert response.status_code == 403, response.content


@pytest.mark.django_db
def test_anonymous_user_cannot_list_alerts(api: APIClient) -> None:
    assert api.get(URL).status_code in (401, 403)


# --- the daily task -------------------------------------------------------------------------


def test_beat_schedule_runs_the_alert_task_every_day() -> None:
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == record_no_visit_alerts.name
    ]

    assert record_no_visit_alerts.name == "care.record_no_visit_alerts"
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert isinstance(schedule, crontab)
    # once a day: one hour and minute, every day of every month
    assert len(schedule.hour) == 1
    assert len(schedule.minute) == 1
    assert schedule.day_of_week == set(range(7))
    assert schedule.day_of_month == set(range(1, 32))
    assert schedule.month_of_year == set(range(1, 13))


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("worker_closes_its_connection")
def test_alert_task_runs_on_a_real_worker(redis_worker: None) -> None:
    # given two recipients nobody visited and one visited yesterday
    assigned()
    assigned()
    visit_to(assigned(), days=1)
    as_of = timezone.localdate()

    # when a worker runs the task for today
    count = record_no_visit_alerts.delay(as_of.isoformat()).get(timeout=30)

    # then it reports and stores the two alerts, as the service itself would
    assert count == 2
    assert NoVisitAlert.objects.filter(as_of=as_of).count() == 2
    assert no_visit_alerts_record(as_of=as_of) == count
    assert NoVisitAlert.objects.count() == 2


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("worker_closes_its_connection")
def test_alert_task_without_a_date_records_today(redis_worker: None) -> None:
    assigned()

    assert record_no_visit_alerts.delay().get(timeout=30) == 1
    assert NoVisitAlert.objects.get().as_of == timezone.localdate()
