"""/api/v1/recipients/: intake, reads, filters, input errors and who may see what."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from base.validators import RRN_MESSAGE
from care.models import Recipient
from tests.factories import (
    AssignmentFactory,
    RecipientFactory,
    UserFactory,
    region,
    service_type,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/recipients/"


def detail_url(pk: int) -> str:
    return f"{URL}{pk}/"


def recipient_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "name": "홍길순",
        "birth_date": "1941-03-02",
        "sex": "F",
        "phone": "063-123-4567",
        "address": "전북특별자치도 완주군 봉동읍 봉동로 1",
        "region": "wanju",
        "admin_unit": "봉동읍",
        "category": "elderly",
        "emergency_reason": "after_discharge",
        "needs": ["housework", "meal"],
        "consent_date": "2023-01-10",
        "consent_scope": "긴급돌봄 제공을 위한 수집·이용",
        "status": "active",
    }
    payload.update(overrides)
    return payload


def result_ids(response: Any) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


# --- create -------------------------------------------------------------------------------


def test_coordinator_creates_recipient(coordinator_api: APIClient, coordinator: Any) -> None:
    # given a complete intake
    payload = recipient_payload()

    # when the coordinator posts it
    response = coordinator_api.post(URL, payload, format="json")

    # then the recipient is stored as sent, with the coordinator as the one who registered it
    assert response.status_code == 201, response.content
    body = response.json()
    recipient = Recipient.objects.get(pk=body["id"])
    assert recipient.name == "홍길순"
    assert recipient.birth_date == dt.date(1941, 3, 2)
    assert recipient.region.code == "wanju"
    assert recipient.created_by == coordinator
    assert sorted(recipient.needs.values_list("code", flat=True)) == ["housework", "meal"]
    assert body["region"] == "wanju"
    assert sorted(body["needs"]) == ["housework", "meal"]
    assert "confirm_duplicate" not in body


@pytest.mark.parametrize(
    ("admin_unit", "expected"),
    [("봉동읍", True), ("상관면", True), ("효자동", False), ("효자1동", False)],
)
def test_created_recipient_is_rural_follows_admin_unit(
    coordinator_api: APIClient, admin_unit: str, expected: bool
) -> None:
    # given an intake in a 읍, 면 or 동
    payload = recipient_payload(admin_unit=admin_unit)

    # when it is created
    response = coordinator_api.post(URL, payload, format="json")

    # then is_rural is derived from the admin unit, in the answer and in the database
    assert response.status_code == 201, response.content
    assert response.json()["is_rural"] is expected
    assert Recipient.objects.get(pk=response.json()["id"]).is_rural is expected


def test_client_cannot_set_is_rural_on_create(coordinator_api: APIClient) -> None:
    # given an urban admin unit but a client claiming the recipient is rural
    payload = recipient_payload(admin_unit="효자동", is_rural=True)

    # when it is created
    response = coordinator_api.post(URL, payload, format="json")

    # then the claim is ignored
    assert response.status_code == 201, response.content
    assert response.json()["is_rural"] is False


def test_client_cannot_set_is_rural_on_patch(coordinator_api: APIClient) -> None:
    # given a rural recipient
    recipient = RecipientFactory(admin_unit="봉동읍")

    # when a client patches is_rural to false
    response = coordinator_api.patch(detail_url(recipient.pk), {"is_rural": False}, format="json")

    # then it stays rural
    assert response.status_code == 200, response.content
    assert response.json()["is_rural"] is True
    recipient.refresh_from_db()
    assert recipient.is_rural is True


# --- read ---------------------------------------------------------------------------------


def test_coordinator_lists_recipients_paginated(coordinator_api: APIClient) -> None:
    # given two recipients
    first, second = RecipientFactory(), RecipientFactory()

    # when the coordinator lists them
    response = coordinator_api.get(URL)

    # then both come in a paginated answer
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) >= {"count", "next", "previous", "results"}
    assert body["count"] == 2
    assert result_ids(response) == {first.pk, second.pk}


def test_coordinator_retrieves_recipient(coordinator_api: APIClient) -> None:
    # given a recipient needing a safety check
    recipient = RecipientFactory(name="김순례")
    recipient.needs.set([service_type("safety_check")])

    # when the coordinator opens it
    response = coordinator_api.get(detail_url(recipient.pk))

    # then its fields come back, references as codes
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == recipient.pk
    assert body["name"] == "김순례"
    assert body["birth_date"] == "1941-03-02"
    assert body["region"] == "wanju"
    assert body["needs"] == ["safety_check"]
    assert body["is_rural"] is True


def test_coordinator_patches_recipient(coordinator_api: APIClient) -> None:
    # given a recipient at medium risk
    recipient = RecipientFactory(risk_level=Recipient.RiskLevel.MEDIUM)

    # when the coordinator raises the risk and changes the needs
    response = coordinator_api.patch(
        detail_url(recipient.pk), {"risk_level": "high", "needs": ["meal"]}, format="json"
    )

    # then the change is stored
    assert response.status_code == 200, response.content
    recipient.refresh_from_db()
    assert recipient.risk_level == Recipient.RiskLevel.HIGH
    assert list(recipient.needs.values_list("code", flat=True)) == ["meal"]
    assert response.json()["risk_level"] == "high"


def test_patching_admin_unit_rederives_is_rural(coordinator_api: APIClient) -> None:
    # given a rural recipient
    recipient = RecipientFactory(admin_unit="봉동읍")

    # when they move to a 동
    response = coordinator_api.patch(
        detail_url(recipient.pk), {"admin_unit": "효자동", "region": "jeonju"}, format="json"
    )

    # then they are urban
    assert response.status_code == 200, response.content
    assert response.json()["is_rural"] is False


def test_coordinator_deletes_recipient_without_assignments(coordinator_api: APIClient) -> None:
    # given a recipient never assigned
    recipient = RecipientFactory()
    recipient.needs.set([service_type("meal")])

    # when the coordinator deletes them
    response = coordinator_api.delete(detail_url(recipient.pk))

    # then they are gone
    assert response.status_code == 204, response.content
    assert not Recipient.objects.filter(pk=recipient.pk).exists()


def test_delete_is_refused_when_assignments_exist(coordinator_api: APIClient) -> None:
    # given a recipient with an assignment
    assignment = AssignmentFactory()

    # when the coordinator tries to delete them
    response = coordinator_api.delete(detail_url(assignment.recipient_id))

    # then it is refused as a conflict that says why, and the recipient stays
    assert response.status_code == 409, response.content
    assert "종결" in response.json()["detail"]
    assert response.json()["referenced_by"]
    assert Recipient.objects.filter(pk=assignment.recipient_id).exists()


# --- filters ------------------------------------------------------------------------------


def test_region_filter_takes_a_code(coordinator_api: APIClient) -> None:
    # given recipients in two regions
    in_wanju = RecipientFactory(region=region("wanju"))
    RecipientFactory(region=region("jeonju"), admin_unit="효자동")

    # when filtering by region code
    response = coordinator_api.get(URL, {"region": "wanju"})

    # then only that region's recipient is listed
    assert response.status_code == 200, response.content
    assert result_ids(response) == {in_wanju.pk}


def test_status_filter(coordinator_api: APIClient) -> None:
    # given a referred and an active recipient
    referred = RecipientFactory(status=Recipient.Status.REFERRED)
    RecipientFactory(status=Recipient.Status.ACTIVE)

    # when filtering by status
    response = coordinator_api.get(URL, {"status": "referred"})

    # then only the referred one is listed
    assert response.status_code == 200, response.content
    assert result_ids(response) == {referred.pk}


def test_category_filter(coordinator_api: APIClient) -> None:
    # given an elderly and a disabled recipient
    RecipientFactory(category=Recipient.Category.ELDERLY)
    disabled = RecipientFactory(category=Recipient.Category.DISABLED)

    # when filtering by category
    response = coordinator_api.get(URL, {"category": "disabled"})

    # then only the disabled one is listed
    assert response.status_code == 200, response.content
    assert result_ids(response) == {disabled.pk}


@pytest.mark.parametrize(("value", "expected_unit"), [("true", "상관면"), ("false", "효자동")])
def test_is_rural_filter(coordinator_api: APIClient, value: str, expected_unit: str) -> None:
    # given a rural and an urban recipient
    RecipientFactory(admin_unit="상관면")
    RecipientFactory(admin_unit="효자동", region=region("jeonju"))

    # when filtering by is_rural
    response = coordinator_api.get(URL, {"is_rural": value})

    # then only the matching one is listed
    assert response.status_code == 200, response.content
    assert [row["admin_unit"] for row in response.json()["results"]] == [expected_unit]


def test_search_finds_recipient_by_name(coordinator_api: APIClient) -> None:
    # given two recipients with different names
    found = RecipientFactory(name="박말순")
    RecipientFactory(name="이복례")

    # when searching part of one name
    response = coordinator_api.get(URL, {"search": "말순"})

    # then only that recipient is listed
    assert response.status_code == 200, response.content
    assert result_ids(response) == {found.pk}


def test_unknown_region_filter_is_a_400_not_a_500(coordinator_api: APIClient) -> None:
    # given a region code that does not exist
    # when filtering by it
    response = coordinator_api.get(URL, {"region": "nowhere"})

    # then the filter is named in a 400
    assert response.status_code == 400, response.content
    assert "region" in response.json()


# --- bad input ----------------------------------------------------------------------------


def test_malformed_json_is_a_400(coordinator_api: APIClient) -> None:
    # given a body that is not JSON
    # when it is posted as JSON
    response = coordinator_api.post(URL, '{"name": "홍길순",', content_type="application/json")

    # then the answer is a 400 with a message, and nothing is stored
    assert response.status_code == 400, response.content
    assert "detail" in response.json()
    assert not Recipient.objects.exists()


def test_missing_required_fields_are_named(coordinator_api: APIClient) -> None:
    # given an empty intake
    # when it is posted
    response = coordinator_api.post(URL, {}, format="json")

    # then every required field is named
    assert response.status_code == 400, response.content
    assert set(response.json()) >= {
        "name", "birth_date", "sex", "address", "region", "admin_unit", "category",
        "emergency_reason",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("birth_date", "x"),
        ("needs", "housework"),
        ("region", "nowhere"),
        ("needs", ["zzz"]),
        ("sex", "X"),
        ("status", "sleeping"),
    ],
)
def test_invalid_value_is_a_400_keyed_by_field(
    coordinator_api: APIClient, field: str, value: object
) -> None:
    # given an intake with one bad value
    payload = recipient_payload(**{field: value})

    # when it is posted
    response = coordinator_api.post(URL, payload, format="json")

    # then only that field is named, and nothing is stored
    assert response.status_code == 400, response.content
    assert set(response.json()) == {field}
    assert not Recipient.objects.exists()


def test_birth_date_in_the_future_is_refused(coordinator_api: APIClient) -> None:
    # given a birth date after today
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    # when it is posted
    response = coordinator_api.post(
        URL, recipient_payload(birth_date=tomorrow.isoformat()), format="json"
    )

    # then birth_date is named
    assert response.status_code == 400, response.content
    assert "birth_date" in response.json()


# --- resident registration numbers --------------------------------------------------------


@pytest.mark.parametrize("rrn", ["410302-2345678", "4103022345678"])
@pytest.mark.parametrize(
    ("field", "template"),
    [
        ("notes", "주민번호 {}"),
        ("address", "완주군 봉동읍 {}"),
        ("name", "{}"),
        ("guardian_phone", "{}"),
        ("phone", "{}"),
        ("referral_source", "동 주민센터 {}"),
    ],
)
def test_resident_registration_number_is_refused(
    coordinator_api: APIClient, field: str, template: str, rrn: str
) -> None:
    # given an intake with something shaped like an RRN in one text field
    payload = recipient_payload(**{field: template.format(rrn)})

    # when it is posted
    response = coordinator_api.post(URL, payload, format="json")

    # then it is refused on that field with the clear message, and nothing is stored
    assert response.status_code == 400, response.content
    assert response.json()[field] == [str(RRN_MESSAGE)]
    assert not Recipient.objects.exists()


def test_resident_registration_number_is_refused_on_patch(coordinator_api: APIClient) -> None:
    # given a recipient with notes
    recipient = RecipientFactory(notes="거동 불편")

    # when an RRN is patched into the notes
    response = coordinator_api.patch(
        detail_url(recipient.pk), {"notes": "주민번호 410302-2345678"}, format="json"
    )

    # then it is refused and the notes are unchanged
    assert response.status_code == 400, response.content
    assert response.json()["notes"] == [str(RRN_MESSAGE)]
    recipient.refresh_from_db()
    assert recipient.notes == "거동 불편"


def test_mobile_phone_number_is_accepted(coordinator_api: APIClient) -> None:
    # given a mobile number, which has digits but is no RRN
    payload = recipient_payload(phone="010-1234-5678", guardian_phone="010-9876-5432")

    # when it is posted
    response = coordinator_api.post(URL, payload, format="json")

    # then it is stored
    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "010-1234-5678"


# --- consent ------------------------------------------------------------------------------


def test_active_recipient_without_consent_date_is_refused(coordinator_api: APIClient) -> None:
    # given an active intake without a consent date
    payload = recipient_payload(status="active", consent_date=None, consent_scope="")

    # when it is posted
    response = coordinator_api.post(URL, payload, format="json")

    # then consent_date is named
    assert response.status_code == 400, response.content
    assert "consent_date" in response.json()
    assert not Recipient.objects.exists()


def test_referred_recipient_without_consent_date_is_accepted(coordinator_api: APIClient) -> None:
    # given a referred intake without consent yet
    payload = recipient_payload(status="referred", consent_date=None, consent_scope="")

    # when it is posted
    response = coordinator_api.post(URL, payload, format="json")

    # then it is stored
    assert response.status_code == 201, response.content


def test_activating_recipient_without_consent_is_refused_on_patch(
    coordinator_api: APIClient,
) -> None:
    # given a referred recipient without consent
    recipient = RecipientFactory(
        status=Recipient.Status.REFERRED, consent_date=None, consent_scope=""
    )

    # when the coordinator makes them active
    response = coordinator_api.patch(detail_url(recipient.pk), {"status": "active"}, format="json")

    # then consent_date is named and they stay referred
    assert response.status_code == 400, response.content
    assert "consent_date" in response.json()
    recipient.refresh_from_db()
    assert recipient.status == Recipient.Status.REFERRED


def test_consent_date_without_scope_is_refused(coordinator_api: APIClient) -> None:
    # given a consent date but no scope
    payload = recipient_payload(consent_date="2023-01-10", consent_scope="")

    # when it is posted
    response = coordinator_api.post(URL, payload, format="json")

    # then consent_scope is named
    assert response.status_code == 400, response.content
    assert "consent_scope" in response.json()


# --- duplicates ---------------------------------------------------------------------------


def test_possible_duplicate_is_refused_with_409_and_candidates(coordinator_api: APIClient) -> None:
    # given a recipient already registered
    existing = RecipientFactory(name="홍길순", birth_date=dt.date(1941, 3, 2))

    # when the same name and birth date are posted again
    response = coordinator_api.post(URL, recipient_payload(), format="json")

    # then the answer is 409 listing the existing one, and nothing new is stored
    assert response.status_code == 409, response.content
    body = response.json()
    assert [candidate["id"] for candidate in body["duplicate_candidates"]] == [existing.pk]
    assert body["duplicate_candidates"][0]["name"] == "홍길순"
    assert "confirm_duplicate" in body
    assert Recipient.objects.count() == 1


def test_same_name_with_other_birth_date_is_no_duplicate(coordinator_api: APIClient) -> None:
    # given a recipient with the same name but another birth date
    RecipientFactory(name="홍길순", birth_date=dt.date(1950, 5, 5))

    # when posted
    response = coordinator_api.post(URL, recipient_payload(), format="json")

    # then it is created
    assert response.status_code == 201, response.content


def test_confirmed_duplicate_is_created(coordinator_api: APIClient) -> None:
    # given a recipient already registered
    RecipientFactory(name="홍길순", birth_date=dt.date(1941, 3, 2))

    # when the same name and birth date are posted with confirmation
    response = coordinator_api.post(URL, recipient_payload(confirm_duplicate=True), format="json")

    # then a second recipient is created
    assert response.status_code == 201, response.content
    assert Recipient.objects.filter(name="홍길순").count() == 2


# --- who may do what ----------------------------------------------------------------------


def test_anonymous_cannot_list_recipients(api: APIClient) -> None:
    RecipientFactory()

    response = api.get(URL)

    assert response.status_code in (401, 403)


def test_anonymous_cannot_create_recipient(api: APIClient) -> None:
    response = api.post(URL, recipient_payload(), format="json")

    assert response.status_code in (401, 403)
    assert not Recipient.objects.exists()


def test_manager_cannot_list_recipients(manager_api: APIClient) -> None:
    # given a recipient
    RecipientFactory()

    # when a manager lists recipients
    response = manager_api.get(URL)

    # then personal data is refused
    assert response.status_code == 403
    assert "results" not in response.json()


def test_manager_cannot_retrieve_recipient(manager_api: APIClient) -> None:
    recipient = RecipientFactory(name="김순례")

    response = manager_api.get(detail_url(recipient.pk))

    assert response.status_code == 403
    assert "김순례" not in response.content.decode()


def test_counselor_reads_recipients(counselor_api: APIClient) -> None:
    # given a recipient nobody assigned to the counselor
    recipient = RecipientFactory()

    # when a counselor lists and opens recipients
    listed = counselor_api.get(URL)
    opened = counselor_api.get(detail_url(recipient.pk))

    # then both work
    assert listed.status_code == 200, listed.content
    assert result_ids(listed) == {recipient.pk}
    assert opened.status_code == 200, opened.content


def test_counselor_cannot_create_an_active_recipient(counselor_api: APIClient) -> None:
    response = counselor_api.post(URL, recipient_payload(), format="json")

    assert response.status_code == 400
    assert "status" in response.json()
    assert not Recipient.objects.exists()


def test_counselor_hands_a_person_over_as_a_referred_recipient(counselor_api: APIClient) -> None:
    response = counselor_api.post(URL, recipient_payload(status="referred"), format="json")

    assert response.status_code == 201, response.content
    assert Recipient.objects.get().status == Recipient.Status.REFERRED


def test_caregiver_lists_only_assigned_recipient(
    caregiver_api: APIClient, caregiver: Any, other_caregiver: Any
) -> None:
    # given a recipient assigned to another caregiver and one assigned to nobody
    RecipientFactory()

    # when the caregiver lists recipients
    response = caregiver_api.get(URL)

    # then only their own recipient is there
    assert response.status_code == 200, response.content
    assert result_ids(response) == {caregiver.assigned_recipient.pk}
    assert response.json()["count"] == 1


def test_caregiver_retrieves_assigned_recipient(caregiver_api: APIClient, caregiver: Any) -> None:
    response = caregiver_api.get(detail_url(caregiver.assigned_recipient.pk))

    assert response.status_code == 200, response.content
    assert response.json()["id"] == caregiver.assigned_recipient.pk


def test_caregiver_cannot_see_another_caregivers_recipient(
    caregiver_api: APIClient, other_caregiver: Any
) -> None:
    response = caregiver_api.get(detail_url(other_caregiver.assigned_recipient.pk))

    assert response.status_code == 404


def test_caregiver_cannot_see_recipient_whose_assignment_ended_yesterday(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    # given an assignment to this caregiver that ended yesterday
    today = timezone.localdate()
    ended = AssignmentFactory(
        corps_member=caregiver.corps_member_record,
        starts_on=today - dt.timedelta(days=30),
        ends_on=today - dt.timedelta(days=1),
    )

    # when the caregiver lists and opens recipients
    listed = caregiver_api.get(URL)
    opened = caregiver_api.get(detail_url(ended.recipient_id))

    # then that recipient is not visible
    assert ended.recipient_id not in result_ids(listed)
    assert opened.status_code == 404


def test_caregiver_sees_recipient_whose_assignment_ends_today(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    today = timezone.localdate()
    ending = AssignmentFactory(
        corps_member=caregiver.corps_member_record,
        starts_on=today - dt.timedelta(days=30),
        ends_on=today,
    )

    response = caregiver_api.get(detail_url(ending.recipient_id))

    assert response.status_code == 200, response.content


def test_caregiver_cannot_see_recipient_whose_assignment_starts_tomorrow(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    # given an assignment to this caregiver that starts tomorrow
    upcoming = AssignmentFactory(
        corps_member=caregiver.corps_member_record,
        starts_on=timezone.localdate() + dt.timedelta(days=1),
    )

    # when the caregiver lists and opens recipients
    listed = caregiver_api.get(URL)
    opened = caregiver_api.get(detail_url(upcoming.recipient_id))

    # then that recipient is not visible yet
    assert upcoming.recipient_id not in result_ids(listed)
    assert opened.status_code == 404


def test_caregiver_cannot_create_recipient(caregiver_api: APIClient, caregiver: Any) -> None:
    response = caregiver_api.post(URL, recipient_payload(), format="json")

    assert response.status_code == 403
    assert Recipient.objects.count() == 1  # only the fixture's assigned recipient


def test_caregiver_cannot_patch_assigned_recipient(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    recipient = caregiver.assigned_recipient

    response = caregiver_api.patch(detail_url(recipient.pk), {"notes": "변경"}, format="json")

    assert response.status_code == 403
    recipient.refresh_from_db()
    assert recipient.notes == ""


def test_user_without_role_sees_no_recipients(db: None) -> None:
    # given a logged-in user with no role
    client = APIClient()
    client.force_authenticate(UserFactory(username="norole"))
    RecipientFactory()

    # when they list recipients
    response = client.get(URL)

    # then they are refused
    assert response.status_code == 403


# --- queries ------------------------------------------------------------------------------


def test_list_query_count_does_not_grow_with_page_size(coordinator_api: APIClient) -> None:
    # given 30 recipients, each with two needs
    needs = [service_type("housework"), service_type("meal")]
    for recipient in RecipientFactory.create_batch(30):
        recipient.needs.set(needs)
    coordinator_api.get(URL, {"page_size": 1})  # warm the user's permission cache

    # when listing 3 and then 30 per page
    with CaptureQueriesContext(connection) as small:
        small_page = coordinator_api.get(URL, {"page_size": 3})
    with CaptureQueriesContext(connection) as large:
        large_page = coordinator_api.get(URL, {"page_size": 30})

    # then both pages took the same number of queries
    assert len(small_page.json()["results"]) == 3
    assert len(large_page.json()["results"]) == 30
    assert all(len(row["needs"]) == 2 for row in large_page.json()["results"])
    assert len(large) == len(small), [query["sql"] for query in large.captured_queries]


@pytest.mark.parametrize(
    ("query", "matching", "page"),
    [
        ({}, lambda: Recipient.objects.all(), slice(0, 25)),
        ({"page_size": 4, "page": 2}, lambda: Recipient.objects.all(), slice(4, 8)),
        ({"ordering": "-created_at"}, lambda: Recipient.objects.order_by("-created_at"), None),
        ({"search": "전주"}, lambda: Recipient.objects.filter(address__contains="전주"), None),
        ({"status": "active"}, lambda: Recipient.objects.filter(status="active"), None),
    ],
)
def test_the_recipient_list_read_as_rows_answers_what_the_serializer_would(
    coordinator_api: APIClient, query: dict[str, Any], matching: Any, page: slice | None
) -> None:
    """The list reads its page as rows (care.selectors.recipient_row_values): the body must be
    RecipientSerializer's for the same recipients, in the same order, with the same count."""
    from care.serializers import RecipientSerializer

    people = RecipientFactory.create_batch(9)
    people[0].needs.set([service_type("meal"), service_type("housework")])
    people[1].needs.set([service_type("housework")])
    people[2].address = "전주시 완산구 효자동 1"
    people[2].status = Recipient.Status.REFERRED
    people[2].notes = "메모"
    people[2].save()
    expected = list(matching().values_list("pk", flat=True))[page or slice(0, 25)]

    response = coordinator_api.get(URL, query)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == matching().count()
    assert [row["id"] for row in body["results"]] == expected
    by_id = Recipient.objects.select_related("region").in_bulk(expected)
    shown = RecipientSerializer([by_id[pk] for pk in expected], many=True).data
    assert body["results"] == json.loads(json.dumps(shown, cls=DjangoJSONEncoder))


def test_a_caregivers_recipient_list_is_their_own_recipients_as_the_serializer_shows_them(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    from care.serializers import RecipientSerializer

    RecipientFactory.create_batch(3)  # not theirs

    response = caregiver_api.get(URL)

    assert response.status_code == 200, response.content
    [row] = response.json()["results"]
    assert row["id"] == caregiver.assigned_recipient.pk
    assert row == json.loads(
        json.dumps(RecipientSerializer(caregiver.assigned_recipient).data, cls=DjangoJSONEncoder)
    )
