"""/api/v1/incidents/ and /api/v1/reporting-lines/: the endpoint matrix (happy path, bad
input, anonymous, another user's record, roles) and the list's query count."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from base.models import AccessLog
from care.incidents.models import Incident, IncidentExternalReport, IncidentFollowUp
from notifications.models import Message
from tests.care.incidents.factories import (
    IncidentFactory,
    OnCallShiftFactory,
    StaffPhoneFactory,
    report_payload,
)
from tests.conftest import client_for
from tests.factories import RecipientFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


def detail(incident: Incident, action: str = "") -> str:
    return f"{URL}{incident.pk}/{action + '/' if action else ''}"


@pytest.fixture
def administrator_api(db: None) -> APIClient:
    return client_for(UserFactory(username="admin1", roles=["administrator"]))


# --- create -------------------------------------------------------------------------------


def test_caregiver_reports_a_fall_of_their_assigned_recipient(
    caregiver: Any, caregiver_api: APIClient
) -> None:
    # given a fall on the caregiver's visit
    payload = report_payload(recipient=caregiver.assigned_recipient.pk)

    # when the tablet sends it
    response = caregiver_api.post(URL, payload, format="json")

    # then it is stored, open, with the caregiver as reporter
    assert response.status_code == 201, response.content
    incident = Incident.objects.get()
    assert response.data["id"] == incident.pk
    assert incident.state == Incident.State.OPEN
    assert incident.reporter == caregiver
    assert incident.corps_member == caregiver.corps_member_record
    assert str(incident.client_uuid) == payload["client_uuid"]


def test_a_replayed_report_returns_the_stored_incident_and_stores_no_second(
    caregiver: Any, caregiver_api: APIClient
) -> None:
    payload = report_payload(recipient=caregiver.assigned_recipient.pk)
    first = caregiver_api.post(URL, payload, format="json")

    again = caregiver_api.post(URL, {**payload, "place": "다른 내용"}, format="json")

    assert again.status_code == 200
    assert again.data["id"] == first.data["id"]
    assert again.data["place"] == "욕실"
    assert Incident.objects.count() == 1


def test_a_report_in_the_future_is_refused_naming_occurred_at(
    caregiver: Any, caregiver_api: APIClient
) -> None:
    future = (timezone.now() + timedelta(minutes=30)).isoformat()

    response = caregiver_api.post(URL, report_payload(occurred_at=future), format="json")

    assert response.status_code == 400
    assert "occurred_at" in response.data
    assert not Incident.objects.exists()


def test_a_report_a_few_minutes_ahead_is_taken_as_clock_skew(caregiver_api: APIClient) -> None:
    ahead = (timezone.now() + timedelta(minutes=2)).isoformat()

    response = caregiver_api.post(URL, report_payload(occurred_at=ahead), format="json")

    assert response.status_code == 201


def test_a_report_older_than_seven_days_needs_a_late_reason(caregiver_api: APIClient) -> None:
    old = (timezone.now() - timedelta(days=8)).isoformat()

    refused = caregiver_api.post(URL, report_payload(occurred_at=old), format="json")
    taken = caregiver_api.post(
        URL, report_payload(occurred_at=old, late_reason="보호자가 뒤늦게 알림"), format="json"
    )

    assert refused.status_code == 400
    assert "late_reason" in refused.data
    assert taken.status_code == 201
    assert Incident.objects.count() == 1


def test_a_resident_registration_number_in_the_story_is_refused(
    caregiver_api: APIClient,
) -> None:
    response = caregiver_api.post(
        URL, report_payload(what_happened="대상자 410302-2123456 넘어짐"), format="json"
    )

    assert response.status_code == 400
    assert "what_happened" in response.data
    assert not Incident.objects.exists()


def test_an_unknown_kind_is_refused(caregiver_api: APIClient) -> None:
    response = caregiver_api.post(URL, report_payload(kind="earthquake"), format="json")

    assert response.status_code == 400
    assert "kind" in response.data


def test_a_suspected_abuse_report_needs_a_recipient(caregiver_api: APIClient) -> None:
    response = caregiver_api.post(URL, report_payload(kind="suspected_abuse"), format="json")

    assert response.status_code == 400
    assert "recipient" in response.data


def test_caregiver_cannot_report_about_a_recipient_not_assigned_to_them(
    caregiver_api: APIClient,
) -> None:
    stranger = RecipientFactory()

    response = caregiver_api.post(URL, report_payload(recipient=stranger.pk), format="json")

    assert response.status_code == 400
    assert "recipient" in response.data
    assert not Incident.objects.exists()


def test_a_client_uuid_of_another_users_report_is_refused_and_shows_nothing(
    caregiver_api: APIClient,
) -> None:
    theirs = IncidentFactory()

    response = caregiver_api.post(
        URL, report_payload(client_uuid=str(theirs.client_uuid)), format="json"
    )

    assert response.status_code == 400
    assert "client_uuid" in response.data
    assert "what_happened" not in response.data


def test_a_report_of_harm_to_the_caregiver_needs_no_recipient(caregiver_api: APIClient) -> None:
    response = caregiver_api.post(
        URL, report_payload(kind="staff_harm", what_happened="가족에게 폭언을 들음"), format="json"
    )

    assert response.status_code == 201
    assert Incident.objects.get().recipient is None


def test_anonymous_cannot_report(api: APIClient) -> None:
    response = api.post(URL, report_payload(), format="json")

    assert response.status_code in (401, 403)


def test_manager_cannot_report_or_read_incidents(manager_api: APIClient) -> None:
    IncidentFactory()

    assert manager_api.post(URL, report_payload(), format="json").status_code == 403
    assert manager_api.get(URL).status_code == 403


def test_counselor_cannot_read_incidents(counselor_api: APIClient) -> None:
    assert counselor_api.get(URL).status_code == 403


# --- alerts -------------------------------------------------------------------------------


def test_a_report_alerts_the_coordinator_on_call_once(
    caregiver: Any, caregiver_api: APIClient
) -> None:
    # given one coordinator on call and another off duty, both with phones
    on_call = StaffPhoneFactory(user=UserFactory(username="oncall", roles=["coordinator"]))
    StaffPhoneFactory(user=UserFactory(username="offduty", roles=["coordinator"]))
    OnCallShiftFactory(coordinator=on_call.user)
    payload = report_payload(recipient=caregiver.assigned_recipient.pk)

    # when the report arrives twice
    caregiver_api.post(URL, payload, format="json")
    caregiver_api.post(URL, payload, format="json")

    # then the coordinator on call has one message, without the recipient's name
    message = Message.objects.get()
    assert message.user == on_call.user
    assert message.to_phone == on_call.phone
    assert message.kind == "incident_reported"
    assert caregiver.assigned_recipient.name not in message.body


def test_without_a_shift_every_coordinator_with_a_phone_is_alerted(
    caregiver_api: APIClient,
) -> None:
    first = StaffPhoneFactory(user=UserFactory(username="c1", roles=["coordinator"]))
    second = StaffPhoneFactory(user=UserFactory(username="c2", roles=["coordinator"]))
    UserFactory(username="nophone", roles=["coordinator"])
    StaffPhoneFactory(user=UserFactory(username="mgr", roles=["manager"]))

    caregiver_api.post(URL, report_payload(), format="json")

    assert set(Message.objects.values_list("user", flat=True)) == {first.user.pk, second.user.pk}


def test_harm_to_a_caregiver_is_not_alerted_to_coordinators(caregiver_api: APIClient) -> None:
    StaffPhoneFactory(user=UserFactory(username="c1", roles=["coordinator"]))
    admin = StaffPhoneFactory(user=UserFactory(username="a1", roles=["administrator"]))

    caregiver_api.post(URL, report_payload(kind="staff_harm"), format="json")

    assert list(Message.objects.values_list("user", flat=True)) == [admin.user.pk]


# --- list and retrieve --------------------------------------------------------------------


def test_coordinator_lists_incidents_but_not_harm_to_caregivers(
    coordinator_api: APIClient,
) -> None:
    fall = IncidentFactory()
    IncidentFactory(kind=Incident.Kind.STAFF_HARM, recipient=None)

    response = coordinator_api.get(URL)

    assert response.status_code == 200
    assert [row["id"] for row in response.data["results"]] == [fall.pk]


def test_caregiver_lists_only_their_own_reports(caregiver: Any, caregiver_api: APIClient) -> None:
    mine = IncidentFactory(reporter=caregiver)
    IncidentFactory()

    response = caregiver_api.get(URL)

    assert [row["id"] for row in response.data["results"]] == [mine.pk]


def test_caregiver_cannot_read_another_caregivers_report(caregiver_api: APIClient) -> None:
    theirs = IncidentFactory()

    assert caregiver_api.get(detail(theirs)).status_code == 404


def test_coordinator_cannot_read_harm_done_to_a_caregiver(coordinator_api: APIClient) -> None:
    harm = IncidentFactory(kind=Incident.Kind.STAFF_HARM, recipient=None)

    assert coordinator_api.get(detail(harm)).status_code == 404
    assert coordinator_api.post(detail(harm, "acknowledge")).status_code == 404


def test_holder_of_the_staff_harm_permission_reads_only_that_queue(db: None) -> None:
    from django.contrib.auth.models import Permission

    holder = UserFactory(username="hr1")
    holder.user_permissions.add(Permission.objects.get(codename="view_staff_harm_incident"))
    harm = IncidentFactory(kind=Incident.Kind.STAFF_HARM, recipient=None)
    IncidentFactory()

    response = client_for(holder).get(URL)

    assert [row["id"] for row in response.data["results"]] == [harm.pk]


def test_administrator_lists_every_incident(administrator_api: APIClient) -> None:
    IncidentFactory()
    IncidentFactory(kind=Incident.Kind.STAFF_HARM, recipient=None)

    assert administrator_api.get(URL).data["count"] == 2


def test_the_reporter_of_suspected_abuse_is_hidden_from_coordinators(
    coordinator_api: APIClient, administrator_api: APIClient
) -> None:
    # given a suspected abuse report by a caregiver
    abuse = IncidentFactory(kind=Incident.Kind.SUSPECTED_ABUSE)

    # when a coordinator and an administrator read it
    seen = coordinator_api.get(detail(abuse)).data
    listed = coordinator_api.get(URL).data["results"][0]
    by_admin = administrator_api.get(detail(abuse)).data

    # then only the administrator sees who reported it
    assert seen["reporter"] is None and seen["corps_member"] is None and seen["visit"] is None
    assert seen["reporter_hidden"] is True
    assert listed["reporter"] is None
    assert by_admin["reporter"] == abuse.reporter.username
    assert by_admin["reporter_hidden"] is False


def test_the_reporter_of_a_fall_is_shown_to_coordinators(coordinator_api: APIClient) -> None:
    fall = IncidentFactory()

    assert coordinator_api.get(detail(fall)).data["reporter"] == fall.reporter.username


def test_anonymous_cannot_list_incidents(api: APIClient) -> None:
    assert api.get(URL).status_code in (401, 403)


def test_the_list_filters_by_state_kind_recipient_and_time(coordinator_api: APIClient) -> None:
    fall = IncidentFactory()
    old = IncidentFactory(kind=Incident.Kind.INJURY, occurred_at=timezone.now() - timedelta(days=3))
    closed = IncidentFactory(
        state=Incident.State.CLOSED,
        acknowledged_at=timezone.now(),
        closed_at=timezone.now(),
        outcome="병원 진료 후 귀가",
    )

    def ids(query: str) -> list[int]:
        return sorted(row["id"] for row in coordinator_api.get(f"{URL}?{query}").data["results"])

    assert ids("state=closed") == [closed.pk]
    assert ids("kind=injury") == [old.pk]
    assert ids(f"recipient={fall.recipient_id}") == [fall.pk]
    after = (timezone.now() - timedelta(days=1)).isoformat().replace("+", "%2B")
    assert ids(f"occurred_after={after}") == sorted([fall.pk, closed.pk])
    assert ids(f"occurred_before={after}") == [old.pk]


def test_a_bad_filter_is_a_400(coordinator_api: APIClient) -> None:
    assert coordinator_api.get(f"{URL}?kind=earthquake").status_code == 400


def test_every_read_is_in_the_access_log(coordinator: Any, coordinator_api: APIClient) -> None:
    first, second = IncidentFactory(), IncidentFactory()

    coordinator_api.get(URL)
    coordinator_api.get(detail(first))

    rows = AccessLog.objects.filter(user=coordinator, subject_type="incident")
    assert sorted(rows.values_list("subject_id", flat=True)) == sorted(
        [first.pk, second.pk, first.pk]
    )
    assert set(rows.values_list("action", flat=True)) == {AccessLog.Action.VIEW}


def test_a_report_is_in_the_access_log_as_created(caregiver: Any, caregiver_api: APIClient) -> None:
    caregiver_api.post(URL, report_payload(), format="json")

    row = AccessLog.objects.get(subject_type="incident", action=AccessLog.Action.CREATE)
    assert row.user == caregiver
    assert row.subject_id == Incident.objects.get().pk


def test_the_list_query_count_does_not_grow_with_the_page(coordinator_api: APIClient) -> None:
    def queries_for_the_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = coordinator_api.get(URL)
        assert response.status_code == 200
        return len(queries)

    # given two reports, then twelve (suspected abuse: the reporter rule is checked per row)
    IncidentFactory.create_batch(2, kind=Incident.Kind.SUSPECTED_ABUSE)
    queries_for_the_list()  # warms the per-process caches (content types)
    with_two = queries_for_the_list()
    IncidentFactory.create_batch(10, kind=Incident.Kind.SUSPECTED_ABUSE)

    # then a page of twelve costs what a page of two does
    assert queries_for_the_list() == with_two


# --- desk actions -------------------------------------------------------------------------


def test_coordinator_acknowledges_an_open_incident(
    coordinator: Any, coordinator_api: APIClient
) -> None:
    incident = IncidentFactory()

    response = coordinator_api.post(detail(incident, "acknowledge"))

    assert response.status_code == 200
    incident.refresh_from_db()
    assert incident.state == Incident.State.ACKNOWLEDGED
    assert incident.acknowledged_by == coordinator
    assert incident.acknowledged_at is not None


def test_an_incident_is_acknowledged_once(coordinator_api: APIClient) -> None:
    incident = IncidentFactory()
    coordinator_api.post(detail(incident, "acknowledge"))

    again = coordinator_api.post(detail(incident, "acknowledge"))

    assert again.status_code == 400
    assert "state" in again.data


def test_caregiver_cannot_acknowledge_even_their_own_report(
    caregiver: Any, caregiver_api: APIClient
) -> None:
    incident = IncidentFactory(reporter=caregiver)

    assert caregiver_api.post(detail(incident, "acknowledge")).status_code == 403


def test_anonymous_cannot_acknowledge(api: APIClient) -> None:
    assert api.post(detail(IncidentFactory(), "acknowledge")).status_code in (401, 403)


def test_coordinator_adds_a_follow_up(coordinator_api: APIClient) -> None:
    incident = IncidentFactory()

    response = coordinator_api.post(
        detail(incident, "follow-ups"), {"text": "보호자와 통화, 병원 동행 예정"}, format="json"
    )

    assert response.status_code == 201
    assert IncidentFollowUp.objects.get().text == "보호자와 통화, 병원 동행 예정"


@pytest.mark.parametrize("text", ["", "주민번호 410302-2123456"])
def test_a_follow_up_without_text_or_with_an_rrn_is_refused(
    coordinator_api: APIClient, text: str
) -> None:
    response = coordinator_api.post(
        detail(IncidentFactory(), "follow-ups"), {"text": text}, format="json"
    )

    assert response.status_code == 400
    assert "text" in response.data
    assert not IncidentFollowUp.objects.exists()


def test_coordinator_records_the_report_to_an_outside_agency(coordinator_api: APIClient) -> None:
    incident = IncidentFactory()
    payload = {
        "agency": "119",
        "reported_at": timezone.now().isoformat(),
        "person": "상황실 김OO",
        "receipt_number": "2026-12-0001",
    }

    response = coordinator_api.post(detail(incident, "report"), payload, format="json")

    assert response.status_code == 201
    report = IncidentExternalReport.objects.get()
    assert (report.agency, report.receipt_number) == ("119", "2026-12-0001")


def test_an_external_report_in_the_future_or_without_agency_is_refused(
    coordinator_api: APIClient,
) -> None:
    incident = IncidentFactory()
    future = (timezone.now() + timedelta(hours=1)).isoformat()

    late = coordinator_api.post(
        detail(incident, "report"), {"agency": "112", "reported_at": future}, format="json"
    )
    nameless = coordinator_api.post(
        detail(incident, "report"), {"reported_at": timezone.now().isoformat()}, format="json"
    )

    assert late.status_code == 400 and "reported_at" in late.data
    assert nameless.status_code == 400 and "agency" in nameless.data
    assert not IncidentExternalReport.objects.exists()


def test_coordinator_closes_an_incident_with_its_outcome(coordinator_api: APIClient) -> None:
    incident = IncidentFactory()

    response = coordinator_api.post(
        detail(incident, "close"), {"outcome": "골절 없음, 귀가"}, format="json"
    )

    assert response.status_code == 200
    incident.refresh_from_db()
    assert incident.state == Incident.State.CLOSED
    assert incident.outcome == "골절 없음, 귀가"
    assert incident.acknowledged_at is not None


def test_closing_needs_an_outcome_and_happens_once(coordinator_api: APIClient) -> None:
    incident = IncidentFactory()

    empty = coordinator_api.post(detail(incident, "close"), {"outcome": ""}, format="json")
    coordinator_api.post(detail(incident, "close"), {"outcome": "종결"}, format="json")
    again = coordinator_api.post(detail(incident, "close"), {"outcome": "다시"}, format="json")
    follow_up = coordinator_api.post(
        detail(incident, "follow-ups"), {"text": "추가"}, format="json"
    )

    assert empty.status_code == 400 and "outcome" in empty.data
    assert again.status_code == 400 and "state" in again.data
    assert follow_up.status_code == 400


def test_an_incident_cannot_be_deleted_through_the_api(administrator_api: APIClient) -> None:
    incident = IncidentFactory()

    response = administrator_api.delete(detail(incident))

    assert response.status_code == 405
    assert Incident.objects.filter(pk=incident.pk).exists()


# --- reporting lines ----------------------------------------------------------------------


def test_the_reporting_lines_are_listed_per_target_group(caregiver_api: APIClient) -> None:
    response = caregiver_api.get("/api/v1/reporting-lines/?target_group=elderly")

    assert response.status_code == 200
    assert [(row["agency"], row["phone"]) for row in response.data] == [
        ("노인보호전문기관", "1577-1389"),
        ("경찰", "112"),
    ]


def test_anonymous_cannot_list_reporting_lines(api: APIClient) -> None:
    assert api.get("/api/v1/reporting-lines/").status_code in (401, 403)


def test_a_caregiver_confirms_the_call_to_the_reporting_line(
    caregiver: Any, caregiver_api: APIClient
) -> None:
    from care.incidents.models import ReportingLine

    line = ReportingLine.objects.get(target_group="elderly", phone="1577-1389")
    payload = report_payload(
        kind="suspected_abuse",
        recipient=caregiver.assigned_recipient.pk,
        reporting_line=line.pk,
        client_uuid=str(uuid.uuid4()),
    )

    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 201
    incident = Incident.objects.get()
    assert incident.reporting_line == line
    assert incident.reported_to_line_at is not None
