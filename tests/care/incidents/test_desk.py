"""The incident desk pages: the coordinators' queue (open first, oldest first), the restricted
queue of harm done to caregivers, an incident's page and its actions, the reporter hidden,
every read in the access log."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from base.models import AccessLog
from care.incidents.models import Incident, IncidentExternalReport
from tests.care.incidents.factories import IncidentFactory, minutes_ago
from tests.factories import CorpsMemberFactory, UserFactory

pytestmark = pytest.mark.django_db

QUEUE = "/coordinator/incidents/"
STAFF_QUEUE = "/coordinator/incidents/staff/"


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def desk(coordinator: Any) -> Client:
    return logged_in(coordinator)


@pytest.fixture
def admin_desk(db: None) -> Client:
    return logged_in(UserFactory(username="admin1", roles=["administrator"]))


def row_ids(response: Any) -> list[int]:
    """The incidents a queue page lists, in its order."""
    return [int(pk) for pk in re.findall(r'data-incident-id="(\d+)"', response.content.decode())]


def test_the_queue_shows_open_incidents_first_and_the_oldest_first(desk: Client) -> None:
    # given an acknowledged incident, and two open ones reported at different times
    acknowledged = IncidentFactory(
        reported_at=minutes_ago(300),
        state=Incident.State.ACKNOWLEDGED,
        acknowledged_at=timezone.now(),
    )
    newer = IncidentFactory(reported_at=minutes_ago(10))
    older = IncidentFactory(reported_at=minutes_ago(120))
    IncidentFactory(kind=Incident.Kind.STAFF_HARM, recipient=None)

    # when the coordinator opens the queue
    response = desk.get(QUEUE)

    # then the open ones come first, oldest first; harm to a caregiver is not there
    assert response.status_code == 200
    assert row_ids(response) == [older.pk, newer.pk, acknowledged.pk]


def test_the_queue_hides_closed_incidents_unless_asked(desk: Client) -> None:
    closed = IncidentFactory(
        state=Incident.State.CLOSED,
        acknowledged_at=timezone.now(),
        closed_at=timezone.now(),
        outcome="종결",
    )

    assert row_ids(desk.get(QUEUE)) == []
    assert row_ids(desk.get(f"{QUEUE}?state=closed")) == [closed.pk]


def test_caregivers_and_managers_cannot_open_the_queue(caregiver: Any) -> None:
    manager = UserFactory(username="mgr", roles=["manager"])

    assert logged_in(caregiver).get(QUEUE).status_code == 403
    assert logged_in(manager).get(QUEUE).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client: Client) -> None:
    response = client.get(QUEUE)

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_restricted_queue_is_closed_to_coordinators(desk: Client) -> None:
    harm = IncidentFactory(kind=Incident.Kind.STAFF_HARM, recipient=None)

    assert desk.get(STAFF_QUEUE).status_code == 403
    assert desk.get(f"{QUEUE}{harm.pk}/").status_code == 404


def test_the_restricted_queue_shows_harm_to_caregivers_to_an_administrator(
    admin_desk: Client,
) -> None:
    harm = IncidentFactory(kind=Incident.Kind.STAFF_HARM, recipient=None)
    IncidentFactory()

    response = admin_desk.get(STAFF_QUEUE)

    assert response.status_code == 200
    assert row_ids(response) == [harm.pk]


def test_the_permission_holder_reads_the_restricted_queue_and_nothing_else() -> None:
    holder = UserFactory(username="hr1", roles=["coordinator"])
    holder.user_permissions.add(Permission.objects.get(codename="view_staff_harm_incident"))
    harm = IncidentFactory(kind=Incident.Kind.STAFF_HARM, recipient=None)
    fall = IncidentFactory()
    desk = logged_in(holder)

    assert row_ids(desk.get(STAFF_QUEUE)) == [harm.pk]
    assert row_ids(desk.get(QUEUE)) == [fall.pk]


def test_the_reporter_of_suspected_abuse_is_hidden_on_the_desk_from_coordinators(
    desk: Client, admin_desk: Client
) -> None:
    # given a suspected abuse report by a named corps member
    member = CorpsMemberFactory(name="신고한단원")
    abuse = IncidentFactory(kind=Incident.Kind.SUSPECTED_ABUSE, corps_member=member)

    # when a coordinator and an administrator open it
    seen = desk.get(f"{QUEUE}{abuse.pk}/").content.decode()
    listed = desk.get(QUEUE).content.decode()
    by_admin = admin_desk.get(f"{QUEUE}{abuse.pk}/").content.decode()

    # then only the administrator sees the reporter's name
    assert "신고한단원" not in seen and "신고한단원" not in listed
    assert abuse.reporter.username not in seen
    assert "신고한단원" in by_admin


def test_the_coordinator_works_an_incident_from_its_page(coordinator: Any, desk: Client) -> None:
    incident = IncidentFactory()
    page = f"{QUEUE}{incident.pk}/"

    # acknowledge, record the call to 119, a follow-up, and close
    assert desk.post(f"{page}acknowledge/").status_code == 302
    reported = desk.post(
        f"{page}report/",
        {
            "agency": "119",
            "reported_at": timezone.localtime(minutes_ago(30)).strftime("%Y-%m-%dT%H:%M"),
            "person": "상황실",
            "receipt_number": "A-1",
        },
    )
    followed = desk.post(f"{page}follow-up/", {"text": "보호자와 병원 동행"})
    closed = desk.post(f"{page}close/", {"outcome": "타박상, 귀가"})

    assert (reported.status_code, followed.status_code, closed.status_code) == (302, 302, 302)
    incident.refresh_from_db()
    assert incident.state == Incident.State.CLOSED
    assert incident.acknowledged_by == coordinator
    assert IncidentExternalReport.objects.get().receipt_number == "A-1"
    assert incident.follow_ups.get().text == "보호자와 병원 동행"
    assert "타박상, 귀가" in desk.get(page).content.decode()


def test_a_bad_external_report_is_shown_on_its_form_and_stores_nothing(desk: Client) -> None:
    incident = IncidentFactory()
    future = timezone.localtime(timezone.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")

    response = desk.post(f"{QUEUE}{incident.pk}/report/", {"agency": "112", "reported_at": future})

    assert response.status_code == 400
    assert "신고 일시가 미래입니다" in response.content.decode()
    assert not IncidentExternalReport.objects.exists()


def test_acknowledging_twice_shows_why(desk: Client) -> None:
    incident = IncidentFactory(state=Incident.State.ACKNOWLEDGED, acknowledged_at=timezone.now())

    response = desk.post(f"{QUEUE}{incident.pk}/acknowledge/")

    assert response.status_code == 400


def test_every_desk_read_is_in_the_access_log(coordinator: Any, desk: Client) -> None:
    first, second = IncidentFactory(), IncidentFactory()

    desk.get(QUEUE)
    desk.get(f"{QUEUE}{first.pk}/")

    logged = AccessLog.objects.filter(user=coordinator, subject_type="incident")
    assert sorted(logged.values_list("subject_id", flat=True)) == sorted(
        [first.pk, second.pk, first.pk]
    )
