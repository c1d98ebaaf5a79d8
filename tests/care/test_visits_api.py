"""/api/v1/visits/ and /api/v1/visit-exceptions/: recording, replaying, reviewing visits."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from care.models import Visit, VisitException
from tests.care.visit_factories import (
    VisitExceptionFactory,
    caregiver_visit,
    hours_ago,
    visit_payload,
)
from tests.factories import AssignmentFactory, RecipientFactory, episode_of, program

pytestmark = pytest.mark.django_db

URL = "/api/v1/visits/"
EXCEPTIONS_URL = "/api/v1/visit-exceptions/"
SYNC_URL = f"{URL}sync/"


def detail_url(pk: int) -> str:
    return f"{URL}{pk}/"


def result_ids(response: Any) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def exception_kinds(body: dict[str, Any]) -> set[str]:
    return {exception["kind"] for exception in body["exceptions"]}


# --- create ---------------------------------------------------------------------------------


def test_caregiver_posting_a_visit_gets_201_with_their_own_corps_member(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    # given a visit to the caregiver's assigned recipient, without a corps_member
    payload = visit_payload(caregiver.assigned_recipient)

    # when the caregiver posts it
    response = caregiver_api.post(URL, payload, format="json")

    # then it is stored as given by the caregiver's own corps member record
    assert response.status_code == 201, response.content
    body = response.json()
    visit = Visit.objects.get(pk=body["id"])
    assert visit.corps_member == caregiver.corps_member_record
    assert visit.recorded_by == caregiver
    assert str(visit.client_uuid) == payload["client_uuid"]
    assert body["corps_member"] == caregiver.corps_member_record.pk
    assert body["recorded_by"] == "caregiver1"
    assert body["status"] == "submitted"
    assert body["exceptions"] == []


def test_posted_visit_takes_its_program_from_the_assignment(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    # given a second recipient assigned to the caregiver under the rural blind-spot program
    assignment = AssignmentFactory(
        corps_member=caregiver.corps_member_record,
        program=program("rural_gap_care"),
        starts_on=timezone.localdate() - timedelta(days=30),
    )

    # when the caregiver posts a visit to them without naming a program
    response = caregiver_api.post(URL, visit_payload(assignment.recipient), format="json")

    # then the visit belongs to the assignment's program
    assert response.status_code == 201, response.content
    assert response.json()["program"] == "rural_gap_care"
    assert Visit.objects.get().program.code == "rural_gap_care"


def test_posted_visit_service_types_round_trip(caregiver_api: APIClient, caregiver: Any) -> None:
    payload = visit_payload(caregiver.assigned_recipient, service_types=["meal", "housework"])

    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 201, response.content
    assert sorted(response.json()["service_types"]) == ["housework", "meal"]
    stored = Visit.objects.get().service_types.values_list("code", flat=True)
    assert sorted(stored) == ["housework", "meal"]


# --- idempotency ----------------------------------------------------------------------------


def test_replaying_the_same_visit_returns_200_and_the_stored_visit(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    # given a visit the tablet already delivered
    payload = visit_payload(caregiver.assigned_recipient, notes="식사 도움")
    first = caregiver_api.post(URL, payload, format="json")
    assert first.status_code == 201, first.content

    # when the tablet sends it again
    again = caregiver_api.post(URL, payload, format="json")

    # then the answer is the stored visit, and there is still one row
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    assert Visit.objects.count() == 1


def test_replay_writing_the_same_instant_in_another_timezone_is_the_same_visit(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    # given a visit posted with UTC times
    payload = visit_payload(caregiver.assigned_recipient)
    assert caregiver_api.post(URL, payload, format="json").status_code == 201

    # when it is replayed with the same instants written in Seoul time
    def seoul(value: str) -> str:
        return timezone.localtime(datetime.fromisoformat(value)).isoformat()

    replay = dict(
        payload, started_at=seoul(payload["started_at"]), ended_at=seoul(payload["ended_at"])
    )
    response = caregiver_api.post(URL, replay, format="json")

    # then it is recognised as the stored visit
    assert response.status_code == 200, response.content
    assert Visit.objects.count() == 1


def test_replaying_a_client_uuid_with_different_content_returns_409_and_the_stored_visit(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    # given a stored visit
    payload = visit_payload(caregiver.assigned_recipient, notes="처음 내용")
    first = caregiver_api.post(URL, payload, format="json")
    assert first.status_code == 201, first.content

    # when a copy with the same client_uuid but other content arrives
    changed = dict(payload, notes="바뀐 내용", service_types=["meal"])
    response = caregiver_api.post(URL, changed, format="json")

    # then it is a conflict answered with the stored content, which is unchanged
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["id"] == first.json()["id"]
    assert body["notes"] == "처음 내용"
    assert body["service_types"] == ["housework"]
    assert Visit.objects.get().notes == "처음 내용"


def test_caregiver_cannot_reach_another_caregivers_visit_by_reusing_its_client_uuid(
    caregiver_api: APIClient, caregiver: Any, other_caregiver: Any
) -> None:
    # given a visit of another caregiver
    theirs = caregiver_visit(other_caregiver, notes="다른 단원의 메모")

    # when the caregiver posts a visit with that client_uuid
    payload = visit_payload(caregiver.assigned_recipient, client_uuid=str(theirs.client_uuid))
    response = caregiver_api.post(URL, payload, format="json")

    # then it is refused without revealing the other visit
    assert response.status_code == 400, response.content
    assert "client_uuid" in response.json()
    assert "다른 단원의 메모" not in response.content.decode()
    assert Visit.objects.count() == 1


# --- validation -----------------------------------------------------------------------------


def test_visit_ending_before_it_starts_is_refused_on_ended_at(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    payload = visit_payload(caregiver.assigned_recipient, length=timedelta(minutes=-30))

    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert "ended_at" in response.json()
    assert not Visit.objects.exists()


def test_visit_longer_than_twelve_hours_is_refused_on_ended_at(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    payload = visit_payload(
        caregiver.assigned_recipient,
        started=hours_ago(14),
        length=timedelta(hours=12, minutes=1),
    )

    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert "ended_at" in response.json()


def test_visit_of_exactly_twelve_hours_is_accepted(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    payload = visit_payload(
        caregiver.assigned_recipient, started=hours_ago(13), length=timedelta(hours=12)
    )

    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 201, response.content


def test_visit_ending_beyond_the_clock_skew_in_the_future_is_refused_on_ended_at(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    # given a visit whose check-out is ten minutes from now
    payload = visit_payload(
        caregiver.assigned_recipient, started=hours_ago(1), length=timedelta(minutes=70)
    )

    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert "ended_at" in response.json()


def test_visit_ending_two_minutes_ahead_is_accepted_as_clock_skew(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    # given a tablet whose clock runs two minutes fast
    payload = visit_payload(
        caregiver.assigned_recipient, started=hours_ago(1), length=timedelta(minutes=62)
    )

    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 201, response.content


def test_visit_starting_in_the_future_without_check_out_is_refused_on_started_at(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    payload = visit_payload(caregiver.assigned_recipient, started=hours_ago(-1), length=None)

    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert "started_at" in response.json()


def test_visit_with_an_unknown_service_type_is_refused_on_service_types(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    payload = visit_payload(caregiver.assigned_recipient, service_types=["housework", "juggling"])

    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert "juggling" in response.json()["service_types"][0]
    assert not Visit.objects.exists()


def test_visit_without_service_types_is_refused_on_service_types(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    payload = visit_payload(caregiver.assigned_recipient, service_types=[])

    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert "service_types" in response.json()


def test_visit_with_an_unknown_program_is_refused_on_program(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    payload = visit_payload(caregiver.assigned_recipient, program="no_such_program")

    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert "program" in response.json()


def test_visit_to_a_recipient_not_assigned_to_the_caregiver_is_refused_on_recipient(
    caregiver_api: APIClient, other_caregiver: Any
) -> None:
    # given another caregiver's recipient
    payload = visit_payload(other_caregiver.assigned_recipient)

    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert "recipient" in response.json()
    assert not Visit.objects.exists()


def test_visit_dated_before_the_assignment_started_is_refused_on_recipient(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    # given an assignment that began ten days ago
    assignment = AssignmentFactory(
        corps_member=caregiver.corps_member_record,
        starts_on=timezone.localdate() - timedelta(days=10),
    )

    # when the caregiver posts a visit to that recipient from twelve days ago
    payload = visit_payload(assignment.recipient, started=hours_ago(12 * 24))
    response = caregiver_api.post(URL, payload, format="json")

    # then there was no active assignment on that date
    assert response.status_code == 400, response.content
    assert "recipient" in response.json()


def test_visit_dated_after_the_assignment_ended_is_refused_on_recipient(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    today = timezone.localdate()
    assignment = AssignmentFactory(
        corps_member=caregiver.corps_member_record,
        starts_on=today - timedelta(days=30),
        ends_on=today - timedelta(days=5),
    )

    payload = visit_payload(assignment.recipient, started=hours_ago(3 * 24))
    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert "recipient" in response.json()


def test_caregiver_naming_another_corps_member_is_refused_on_corps_member(
    caregiver_api: APIClient, caregiver: Any, other_caregiver: Any
) -> None:
    payload = visit_payload(
        caregiver.assigned_recipient, corps_member=other_caregiver.corps_member_record.pk
    )

    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert "corps_member" in response.json()


def test_notes_holding_a_resident_registration_number_are_refused_on_notes(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    payload = visit_payload(caregiver.assigned_recipient, notes="어르신 주민번호 410302-2123456")

    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert "notes" in response.json()
    assert not Visit.objects.exists()


def test_malformed_json_is_refused_with_400(caregiver_api: APIClient) -> None:
    response = caregiver_api.post(
        URL, data='{"client_uuid": "abc", ', content_type="application/json"
    )

    assert response.status_code == 400, response.content


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("client_uuid", "not-a-uuid"),
        ("recipient", "abc"),
        ("recipient", 0),
        ("started_at", "yesterday"),
        ("ended_at", 12),
        ("service_types", "housework"),
        ("service_types", {"code": "housework"}),
        ("notes", ["a list"]),
        ("latitude", 123.0),
        ("longitude", "east"),
    ],
)
def test_field_of_the_wrong_type_is_refused_with_400_on_that_field(
    caregiver_api: APIClient, caregiver: Any, field: str, value: object
) -> None:
    payload = visit_payload(caregiver.assigned_recipient, **{field: value})

    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Visit.objects.exists()


def test_visit_missing_required_fields_is_refused_naming_each(caregiver_api: APIClient) -> None:
    response = caregiver_api.post(URL, {"notes": "빈 기록"}, format="json")

    assert response.status_code == 400, response.content
    assert {"client_uuid", "recipient", "started_at", "service_types"} <= set(response.json())


def test_not_a_number_latitude_is_refused_on_latitude(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    payload = visit_payload(caregiver.assigned_recipient, latitude="NaN")

    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert "latitude" in response.json()


def test_recipient_id_beyond_the_database_integer_range_is_refused_with_400(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    payload = visit_payload(2**63)

    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert "recipient" in response.json()


# --- who may use it -------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_user_is_refused(api: APIClient, method: str) -> None:
    response = getattr(api, method)(URL, {}, format="json")

    assert response.status_code in (401, 403)


@pytest.mark.parametrize("client", ["manager_api", "counselor_api"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_manager_and_counselor_are_refused_with_403(
    request: pytest.FixtureRequest, caregiver: Any, client: str, method: str
) -> None:
    api: APIClient = request.getfixturevalue(client)

    response = getattr(api, method)(URL, visit_payload(caregiver.assigned_recipient), format="json")

    assert response.status_code == 403, response.content
    assert not Visit.objects.exists()


def test_caregiver_list_leaves_out_another_caregivers_visits(
    caregiver_api: APIClient, caregiver: Any, other_caregiver: Any
) -> None:
    mine = caregiver_visit(caregiver)
    caregiver_visit(other_caregiver)

    response = caregiver_api.get(URL)

    assert response.status_code == 200, response.content
    assert result_ids(response) == {mine.pk}


def test_caregiver_gets_404_for_another_caregivers_visit(
    caregiver_api: APIClient, other_caregiver: Any
) -> None:
    theirs = caregiver_visit(other_caregiver)

    response = caregiver_api.get(detail_url(theirs.pk))

    assert response.status_code == 404, response.content


def test_caregiver_patching_another_caregivers_visit_gets_404(
    caregiver_api: APIClient, other_caregiver: Any
) -> None:
    theirs = caregiver_visit(other_caregiver, notes="원래 메모")

    response = caregiver_api.patch(detail_url(theirs.pk), {"notes": "고침"}, format="json")

    assert response.status_code == 404, response.content
    theirs.refresh_from_db()
    assert theirs.notes == "원래 메모"


# --- corrections ----------------------------------------------------------------------------


def test_caregiver_corrects_their_own_submitted_visit(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    visit = caregiver_visit(caregiver, notes="처음 메모")

    response = caregiver_api.patch(
        detail_url(visit.pk), {"notes": "고친 메모", "service_types": ["meal"]}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["notes"] == "고친 메모"
    visit.refresh_from_db()
    assert visit.notes == "고친 메모"
    assert list(visit.service_types.values_list("code", flat=True)) == ["meal"]


def test_caregiver_cannot_correct_a_verified_visit(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    visit = caregiver_visit(caregiver, notes="확인된 메모", status=Visit.Status.VERIFIED)

    response = caregiver_api.patch(detail_url(visit.pk), {"notes": "고침"}, format="json")

    assert response.status_code == 400, response.content
    assert "status" in response.json()
    visit.refresh_from_db()
    assert visit.notes == "확인된 메모"


def test_correction_breaking_a_rule_is_refused_on_that_field(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    visit = caregiver_visit(caregiver)

    response = caregiver_api.patch(
        detail_url(visit.pk),
        {"ended_at": (visit.started_at - timedelta(minutes=5)).isoformat()},
        format="json",
    )

    assert response.status_code == 400, response.content
    assert "ended_at" in response.json()


def test_adding_the_check_out_later_clears_the_missing_checkout_exception(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    # given a visit stored without check-out
    created = caregiver_api.post(
        URL, visit_payload(caregiver.assigned_recipient, length=None), format="json"
    )
    assert exception_kinds(created.json()) == {"missing_checkout"}
    started = Visit.objects.get().started_at

    # when the caregiver adds the check-out
    response = caregiver_api.patch(
        detail_url(created.json()["id"]),
        {"ended_at": (started + timedelta(minutes=50)).isoformat()},
        format="json",
    )

    # then the exception is gone
    assert response.status_code == 200, response.content
    assert response.json()["exceptions"] == []


def test_coordinator_cannot_rewrite_a_caregivers_visit(
    coordinator_api: APIClient, caregiver: Any
) -> None:
    visit = caregiver_visit(caregiver, notes="단원 메모")

    response = coordinator_api.patch(detail_url(visit.pk), {"notes": "고침"}, format="json")

    assert response.status_code == 400, response.content
    visit.refresh_from_db()
    assert visit.notes == "단원 메모"


# --- coordinators recording on a caregiver's behalf -----------------------------------------


def test_coordinator_records_a_visit_on_behalf_of_a_caregiver(
    coordinator_api: APIClient, coordinator: Any, caregiver: Any
) -> None:
    payload = visit_payload(
        caregiver.assigned_recipient, corps_member=caregiver.corps_member_record.pk
    )

    response = coordinator_api.post(URL, payload, format="json")

    assert response.status_code == 201, response.content
    visit = Visit.objects.get()
    assert visit.corps_member == caregiver.corps_member_record
    assert visit.recorded_by == coordinator
    assert response.json()["recorded_by"] == "coordinator1"
    assert response.json()["exceptions"] == []


def test_coordinator_visit_outside_any_assignment_is_kept_with_an_exception(
    coordinator_api: APIClient, caregiver: Any
) -> None:
    # given a recipient the caregiver is not assigned to (a substitute visit), in an episode
    recipient = RecipientFactory()
    episode_of(recipient)
    payload = visit_payload(recipient, corps_member=caregiver.corps_member_record.pk)

    response = coordinator_api.post(URL, payload, format="json")

    assert response.status_code == 201, response.content
    assert exception_kinds(response.json()) == {"outside_assignment"}
    assert VisitException.objects.get().kind == VisitException.Kind.OUTSIDE_ASSIGNMENT


def test_coordinator_without_a_corps_member_record_must_name_the_corps_member(
    coordinator_api: APIClient, caregiver: Any
) -> None:
    response = coordinator_api.post(URL, visit_payload(caregiver.assigned_recipient), format="json")

    assert response.status_code == 400, response.content
    assert "corps_member" in response.json()


@pytest.mark.django_db(transaction=True)
def test_coordinator_naming_an_unknown_corps_member_is_refused_on_corps_member(
    coordinator_api: APIClient, caregiver: Any
) -> None:
    payload = visit_payload(caregiver.assigned_recipient, corps_member=999_999)

    response = coordinator_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert "corps_member" in response.json()


# --- verify, void, resolve ------------------------------------------------------------------


def test_coordinator_verifies_a_visit_without_exceptions(
    coordinator_api: APIClient, caregiver: Any
) -> None:
    visit = caregiver_visit(caregiver)

    response = coordinator_api.post(f"{detail_url(visit.pk)}verify/")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "verified"
    assert response.json()["reviewed_by"] == "coordinator1"
    visit.refresh_from_db()
    assert visit.status == Visit.Status.VERIFIED
    assert visit.reviewed_at is not None


@pytest.mark.parametrize(("action", "data"), [("verify", {}), ("void", {"reason": "중복 기록"})])
def test_caregiver_cannot_verify_or_void_their_own_visit(
    caregiver_api: APIClient, caregiver: Any, action: str, data: dict[str, str]
) -> None:
    visit = caregiver_visit(caregiver)

    response = caregiver_api.post(f"{detail_url(visit.pk)}{action}/", data, format="json")

    assert response.status_code == 403, response.content
    visit.refresh_from_db()
    assert visit.status == Visit.Status.SUBMITTED


def test_verifying_a_visit_with_an_open_exception_is_refused(
    coordinator_api: APIClient, caregiver: Any
) -> None:
    exception = VisitExceptionFactory(visit=caregiver_visit(caregiver))

    response = coordinator_api.post(f"{detail_url(exception.visit.pk)}verify/")

    assert response.status_code == 400, response.content
    assert "exceptions" in response.json()
    exception.visit.refresh_from_db()
    assert exception.visit.status == Visit.Status.SUBMITTED


def test_visit_can_be_verified_once_its_exceptions_are_resolved(
    coordinator_api: APIClient, caregiver: Any
) -> None:
    exception = VisitExceptionFactory(visit=caregiver_visit(caregiver))
    resolved = coordinator_api.post(
        f"{EXCEPTIONS_URL}{exception.pk}/resolve/", {"resolution": "대체 방문 확인"}, format="json"
    )
    assert resolved.status_code == 200, resolved.content

    response = coordinator_api.post(f"{detail_url(exception.visit.pk)}verify/")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "verified"


def test_verifying_a_void_visit_is_refused(coordinator_api: APIClient, caregiver: Any) -> None:
    visit = caregiver_visit(caregiver, status=Visit.Status.VOID, void_reason="중복")

    response = coordinator_api.post(f"{detail_url(visit.pk)}verify/")

    assert response.status_code == 400, response.content


def test_resolving_an_exception_records_the_reason_and_who_resolved_it(
    coordinator_api: APIClient, coordinator: Any, caregiver: Any
) -> None:
    exception = VisitExceptionFactory(visit=caregiver_visit(caregiver))

    response = coordinator_api.post(
        f"{EXCEPTIONS_URL}{exception.pk}/resolve/",
        {"resolution": "  전화로 방문 확인  "},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["resolved_by"] == "coordinator1"
    exception.refresh_from_db()
    assert exception.resolution == "전화로 방문 확인"
    assert exception.resolved_by == coordinator
    assert exception.resolved_at is not None


@pytest.mark.parametrize("data", [{}, {"resolution": ""}, {"resolution": "   "}])
def test_resolving_an_exception_without_a_reason_is_refused(
    coordinator_api: APIClient, caregiver: Any, data: dict[str, str]
) -> None:
    exception = VisitExceptionFactory(visit=caregiver_visit(caregiver))

    response = coordinator_api.post(f"{EXCEPTIONS_URL}{exception.pk}/resolve/", data, format="json")

    assert response.status_code == 400, response.content
    assert "resolution" in response.json()
    exception.refresh_from_db()
    assert exception.resolved_at is None


def test_resolving_an_exception_twice_is_refused(
    coordinator_api: APIClient, caregiver: Any
) -> None:
    exception = VisitExceptionFactory(visit=caregiver_visit(caregiver))
    url = f"{EXCEPTIONS_URL}{exception.pk}/resolve/"
    assert coordinator_api.post(url, {"resolution": "확인"}, format="json").status_code == 200

    response = coordinator_api.post(url, {"resolution": "다시"}, format="json")

    assert response.status_code == 400, response.content
    exception.refresh_from_db()
    assert exception.resolution == "확인"


def test_caregiver_cannot_resolve_an_exception(caregiver_api: APIClient, caregiver: Any) -> None:
    exception = VisitExceptionFactory(visit=caregiver_visit(caregiver))

    response = caregiver_api.post(
        f"{EXCEPTIONS_URL}{exception.pk}/resolve/", {"resolution": "스스로 처리"}, format="json"
    )

    assert response.status_code == 403, response.content
    exception.refresh_from_db()
    assert exception.resolved_at is None


def test_caregiver_cannot_list_exceptions(caregiver_api: APIClient) -> None:
    assert caregiver_api.get(EXCEPTIONS_URL).status_code == 403


@pytest.mark.parametrize("data", [{}, {"reason": ""}, {"reason": "   "}])
def test_voiding_without_a_reason_is_refused(
    coordinator_api: APIClient, caregiver: Any, data: dict[str, str]
) -> None:
    visit = caregiver_visit(caregiver)

    response = coordinator_api.post(f"{detail_url(visit.pk)}void/", data, format="json")

    assert response.status_code == 400, response.content
    assert "reason" in response.json()
    visit.refresh_from_db()
    assert visit.status == Visit.Status.SUBMITTED


def test_void_visit_keeps_its_reason_and_no_longer_counts(
    coordinator_api: APIClient, coordinator: Any, caregiver: Any
) -> None:
    visit = caregiver_visit(caregiver)
    kept = caregiver_visit(caregiver, started_at=hours_ago(6))

    response = coordinator_api.post(
        f"{detail_url(visit.pk)}void/", {"reason": "같은 방문의 중복 기록"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "void"
    visit.refresh_from_db()
    assert visit.void_reason == "같은 방문의 중복 기록"
    assert visit.reviewed_by == coordinator
    assert list(Visit.objects.counted()) == [kept]


def test_voiding_a_void_visit_again_is_refused(coordinator_api: APIClient, caregiver: Any) -> None:
    visit = caregiver_visit(caregiver, status=Visit.Status.VOID, void_reason="처음 사유")

    response = coordinator_api.post(
        f"{detail_url(visit.pk)}void/", {"reason": "다른 사유"}, format="json"
    )

    assert response.status_code == 400, response.content
    visit.refresh_from_db()
    assert visit.void_reason == "처음 사유"


# --- exceptions found when a visit is stored ------------------------------------------------


def test_visit_overlapping_another_of_the_same_caregiver_gets_an_overlap_exception(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    # given a stored visit from five to three hours ago
    caregiver_visit(caregiver, started_at=hours_ago(5), ended_at=hours_ago(3))

    # when the caregiver posts one from four to two hours ago, elsewhere
    other = AssignmentFactory(
        corps_member=caregiver.corps_member_record,
        starts_on=timezone.localdate() - timedelta(days=30),
    )
    payload = visit_payload(other.recipient, started=hours_ago(4), length=timedelta(hours=2))
    response = caregiver_api.post(URL, payload, format="json")

    # then the new visit is kept and marked as overlapping
    assert response.status_code == 201, response.content
    assert exception_kinds(response.json()) == {"overlap"}


def test_back_to_back_visits_do_not_overlap(caregiver_api: APIClient, caregiver: Any) -> None:
    earlier = caregiver_visit(caregiver, started_at=hours_ago(5), ended_at=hours_ago(4))

    payload = visit_payload(
        caregiver.assigned_recipient, started=earlier.ended_at, length=timedelta(hours=1)
    )
    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["exceptions"] == []


def test_void_visit_does_not_cause_an_overlap(caregiver_api: APIClient, caregiver: Any) -> None:
    caregiver_visit(
        caregiver,
        started_at=hours_ago(5),
        ended_at=hours_ago(3),
        status=Visit.Status.VOID,
        void_reason="잘못 기록",
    )

    payload = visit_payload(
        caregiver.assigned_recipient, started=hours_ago(4), length=timedelta(hours=2)
    )
    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["exceptions"] == []


def test_visit_synced_four_days_after_it_ended_gets_a_late_sync_exception(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    payload = visit_payload(caregiver.assigned_recipient, started=hours_ago(4 * 24 + 1))

    response = caregiver_api.post(SYNC_URL, {"visits": [payload]}, format="json")

    assert response.status_code == 200, response.content
    [result] = response.json()["results"]
    assert result["status"] == "created"
    assert exception_kinds(result["visit"]) == {"late_sync"}


def test_visit_synced_two_days_after_it_ended_is_not_late(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    payload = visit_payload(caregiver.assigned_recipient, started=hours_ago(2 * 24 + 1))

    response = caregiver_api.post(SYNC_URL, {"visits": [payload]}, format="json")

    [result] = response.json()["results"]
    assert result["status"] == "created"
    assert result["visit"]["exceptions"] == []


def test_visit_without_check_out_gets_a_missing_checkout_exception(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    payload = visit_payload(caregiver.assigned_recipient, length=None)

    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["ended_at"] is None
    assert exception_kinds(response.json()) == {"missing_checkout"}


def test_exception_list_filters_open_ones_and_kind(
    coordinator_api: APIClient, caregiver: Any
) -> None:
    open_overlap = VisitExceptionFactory(visit=caregiver_visit(caregiver), kind="overlap")
    open_late = VisitExceptionFactory(
        visit=caregiver_visit(caregiver, started_at=hours_ago(8)), kind="late_sync"
    )
    VisitExceptionFactory(
        visit=caregiver_visit(caregiver, started_at=hours_ago(12)),
        kind="overlap",
        resolved_at=timezone.now(),
        resolution="확인함",
    )

    open_only = coordinator_api.get(EXCEPTIONS_URL, {"open": "true"})
    open_overlaps = coordinator_api.get(EXCEPTIONS_URL, {"open": "true", "kind": "overlap"})

    assert open_only.status_code == 200, open_only.content
    assert result_ids(open_only) == {open_overlap.pk, open_late.pk}
    assert result_ids(open_overlaps) == {open_overlap.pk}


# --- list filters ---------------------------------------------------------------------------


def test_visit_list_filters_by_status(coordinator_api: APIClient, caregiver: Any) -> None:
    verified = caregiver_visit(caregiver, status=Visit.Status.VERIFIED)
    caregiver_visit(caregiver, started_at=hours_ago(6))

    response = coordinator_api.get(URL, {"status": "verified"})

    assert response.status_code == 200, response.content
    assert result_ids(response) == {verified.pk}


def test_visit_list_filters_by_recipient(
    coordinator_api: APIClient, caregiver: Any, other_caregiver: Any
) -> None:
    mine = caregiver_visit(caregiver)
    caregiver_visit(other_caregiver)

    response = coordinator_api.get(URL, {"recipient": caregiver.assigned_recipient.pk})

    assert result_ids(response) == {mine.pk}


def test_visit_list_filters_by_start_time_window(
    coordinator_api: APIClient, caregiver: Any
) -> None:
    caregiver_visit(caregiver, started_at=hours_ago(72))
    inside = caregiver_visit(caregiver, started_at=hours_ago(48))
    caregiver_visit(caregiver, started_at=hours_ago(24))

    response = coordinator_api.get(
        URL,
        {
            "started_after": hours_ago(50).isoformat(),
            "started_before": hours_ago(30).isoformat(),
        },
    )

    assert response.status_code == 200, response.content
    assert result_ids(response) == {inside.pk}


def test_visit_list_filters_by_open_exceptions(coordinator_api: APIClient, caregiver: Any) -> None:
    flagged = VisitExceptionFactory(visit=caregiver_visit(caregiver)).visit
    resolved = VisitExceptionFactory(
        visit=caregiver_visit(caregiver, started_at=hours_ago(8)),
        resolved_at=timezone.now(),
        resolution="확인함",
    ).visit
    clean = caregiver_visit(caregiver, started_at=hours_ago(12))

    with_open = coordinator_api.get(URL, {"has_open_exceptions": "true"})
    without_open = coordinator_api.get(URL, {"has_open_exceptions": "false"})

    assert result_ids(with_open) == {flagged.pk}
    assert result_ids(without_open) == {resolved.pk, clean.pk}


def test_malformed_filter_value_is_refused_with_400(coordinator_api: APIClient) -> None:
    response = coordinator_api.get(URL, {"started_after": "last tuesday"})

    assert response.status_code == 400, response.content


# --- query counts ---------------------------------------------------------------------------


def queries_for(api: APIClient, url: str, page_size: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url, {"page_size": page_size})
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == page_size
    return len(captured)


@pytest.fixture
def thirty_visits_with_exceptions(caregiver: Any, other_caregiver: Any) -> None:
    for index in range(30):
        who = caregiver if index % 2 else other_caregiver
        visit = caregiver_visit(
            who,
            started_at=hours_ago(2 + index),
            service_types=["housework", "meal"],
            reviewed_by=who,
        )
        VisitExceptionFactory(visit=visit, kind="late_sync")


@pytest.mark.usefixtures("thirty_visits_with_exceptions")
def test_visit_list_query_count_does_not_grow_with_page_size(
    coordinator_api: APIClient,
) -> None:
    coordinator_api.get(URL)  # the first request fills the user's permission cache
    small = queries_for(coordinator_api, URL, 3)
    large = queries_for(coordinator_api, URL, 30)

    assert large == small


@pytest.mark.usefixtures("thirty_visits_with_exceptions")
def test_exception_list_query_count_does_not_grow_with_page_size(
    coordinator_api: APIClient,
) -> None:
    coordinator_api.get(EXCEPTIONS_URL)  # the first request fills the permission cache
    small = queries_for(coordinator_api, EXCEPTIONS_URL, 3)
    large = queries_for(coordinator_api, EXCEPTIONS_URL, 30)

    assert large == small


def _newest_first(visits: Any) -> Any:
    return visits.order_by("-started_at", "-id")


@pytest.mark.usefixtures("thirty_visits_with_exceptions")
@pytest.mark.parametrize(
    ("query", "matching", "page"),
    [
        ({}, lambda: _newest_first(Visit.objects.all()), slice(0, 25)),
        (
            {"status": "submitted", "page_size": 7, "page": 2},
            lambda: _newest_first(Visit.objects.filter(status="submitted")),
            slice(7, 14),
        ),
        ({"ordering": "started_at"}, lambda: Visit.objects.order_by("started_at"), slice(0, 25)),
        (
            {"has_open_exceptions": "false"},
            lambda: _newest_first(
                Visit.objects.exclude(exceptions__resolved_at__isnull=True).distinct()
            ),
            slice(0, 25),
        ),
    ],
)
def test_the_visit_list_read_as_rows_answers_what_the_serializer_would(
    coordinator_api: APIClient, query: dict[str, Any], matching: Any, page: slice
) -> None:
    """The list reads its page as rows (care.visits.visit_row_values): the body must be
    VisitSerializer's for the same visits, in the same order, with the same count."""
    from care.serializers import VisitSerializer

    first, second = Visit.objects.order_by("started_at")[:2]
    first.notes = "메모"
    first.latitude, first.longitude = Decimal("35.824200"), Decimal("127.148000")
    first.status = Visit.Status.VERIFIED
    first.save()
    # The second visit's only exception resolved: a row without open exceptions.
    second.exceptions.update(resolved_at=timezone.now(), resolution="확인함")
    VisitExceptionFactory(
        visit=first, kind="overlap", resolved_at=timezone.now(), resolution="확인함"
    )
    expected = list(matching().values_list("pk", flat=True))[page]

    response = coordinator_api.get(URL, query)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == matching().count()
    assert [row["id"] for row in body["results"]] == expected
    visits = Visit.objects.select_related(
        "recipient", "corps_member", "program", "recorded_by", "reviewed_by"
    ).prefetch_related("service_types", "exceptions")
    by_id = visits.in_bulk(expected)
    shown = VisitSerializer([by_id[pk] for pk in expected], many=True).data
    assert body["results"] == json.loads(json.dumps(shown, cls=DjangoJSONEncoder))
