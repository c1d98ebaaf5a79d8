"""/api/v1/volunteers/: the corps member registry (긴급돌봄지원단원) over the REST API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from base.models import ServiceType
from tests.factories import (
    AssignmentFactory,
    CorpsMemberFactory,
    RecipientFactory,
    UserFactory,
    region,
    service_type,
)
from volunteers.models import CorpsMember, Qualification

pytestmark = pytest.mark.django_db

URL = "/api/v1/volunteers/"


def detail_url(member: CorpsMember) -> str:
    return f"{URL}{member.pk}/"


def new_member(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "한미숙",
        "phone": "010-3456-7890",
        "region": "jangsu",
        "service_types": ["housework", "meal"],
        "qualifications": ["care_worker", "social_worker"],
        "available_weekdays": ["mon", "wed"],
        "joined_on": "2023-03-02",
    }
    body.update(overrides)
    return body


# --- create -------------------------------------------------------------------------------


def test_coordinator_registers_a_corps_member(coordinator_api: APIClient) -> None:
    # when
    response = coordinator_api.post(URL, new_member(), format="json")

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "한미숙"
    assert body["region"] == "jangsu"
    assert sorted(body["service_types"]) == ["housework", "meal"]
    assert sorted(body["qualifications"]) == ["care_worker", "social_worker"]
    assert body["available_weekdays"] == ["mon", "wed"]
    assert body["status"] == "active"
    assert body["current_recipients"] == 0
    member = CorpsMember.objects.get(pk=body["id"])
    assert member.region.code == "jangsu"
    assert set(member.service_types.values_list("code", flat=True)) == {"housework", "meal"}
    assert set(member.qualifications.values_list("code", flat=True)) == {
        "care_worker",
        "social_worker",
    }


def test_available_weekdays_round_trip_through_the_api(coordinator_api: APIClient) -> None:
    # given
    created = coordinator_api.post(
        URL, new_member(available_weekdays=["wed", "mon", "mon"]), format="json"
    ).json()

    # when
    fetched = coordinator_api.get(f"{URL}{created['id']}/").json()

    # then
    assert fetched["available_weekdays"] == ["mon", "wed"]
    assert CorpsMember.objects.get(pk=created["id"]).available_days == 0b0000101


def test_corps_member_can_be_linked_to_a_login_account(coordinator_api: APIClient) -> None:
    # given
    account = UserFactory(username="newcaregiver", roles=["caregiver"])

    # when
    response = coordinator_api.post(URL, new_member(user="newcaregiver"), format="json")

    # then
    assert response.status_code == 201, response.content
    assert response.json()["user"] == "newcaregiver"
    assert CorpsMember.objects.get(pk=response.json()["id"]).user == account


def test_corps_member_without_a_login_account_has_user_null(coordinator_api: APIClient) -> None:
    response = coordinator_api.post(URL, new_member(), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["user"] is None


def test_linking_an_account_already_linked_to_another_member_is_a_400(
    coordinator_api: APIClient, caregiver: Any
) -> None:
    # given: caregiver1 is already the login of a corps member

    # when
    response = coordinator_api.post(URL, new_member(user=caregiver.username), format="json")

    # then
    assert response.status_code == 400, response.content
    assert "user" in response.json()
    assert CorpsMember.objects.filter(user=caregiver).count() == 1


def test_patching_a_member_onto_an_already_linked_account_is_a_400(
    coordinator_api: APIClient, caregiver: Any
) -> None:
    # given
    member = CorpsMemberFactory()

    # when
    response = coordinator_api.patch(
        detail_url(member), {"user": caregiver.username}, format="json"
    )

    # then
    assert response.status_code == 400, response.content
    assert "user" in response.json()
    member.refresh_from_db()
    assert member.user is None


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("available_weekdays", ["funday"]),
        ("available_weekdays", "mon"),
        ("available_weekdays", 3),
        ("region", "seoul"),
        ("region", ["jeonju"]),
        ("service_types", ["gardening"]),
        ("service_types", "housework"),
        ("qualifications", ["astronaut"]),
        ("phone", "410302-2345678"),
        ("phone", "4103022345678"),
        ("name", "김영희 410302-2345678"),
        ("availability_note", "주민번호 410302-2345678"),
        ("status", "retired"),
        ("joined_on", "not-a-date"),
        ("user", "nobody-with-this-name"),
        ("name", ""),
    ],
)
def test_bad_field_is_refused_with_a_field_error(
    coordinator_api: APIClient, field: str, value: object
) -> None:
    # when
    response = coordinator_api.post(URL, new_member(**{field: value}), format="json")

    # then
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not CorpsMember.objects.exists()


def test_missing_required_fields_are_each_reported(coordinator_api: APIClient) -> None:
    response = coordinator_api.post(URL, {}, format="json")

    assert response.status_code == 400, response.content
    assert {"name", "phone", "region"} <= set(response.json())


def test_malformed_json_is_a_400(coordinator_api: APIClient) -> None:
    response = coordinator_api.post(
        URL, data='{"name": "한미숙", ', content_type="application/json"
    )

    assert response.status_code == 400, response.content
    assert "detail" in response.json()


def test_a_json_list_instead_of_an_object_is_a_400(coordinator_api: APIClient) -> None:
    response = coordinator_api.post(URL, [new_member()], format="json")

    assert response.status_code == 400, response.content
    assert not CorpsMember.objects.exists()


# --- list and retrieve --------------------------------------------------------------------


def test_coordinator_lists_corps_members_paginated(coordinator_api: APIClient) -> None:
    # given
    CorpsMemberFactory(name="김영희")
    CorpsMemberFactory(name="이순자")

    # when
    response = coordinator_api.get(URL)

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    assert [row["name"] for row in body["results"]] == ["김영희", "이순자"]


def test_coordinator_retrieves_one_corps_member(coordinator_api: APIClient) -> None:
    # given
    member = CorpsMemberFactory(name="박정숙", region=region("muju"))
    member.service_types.set([service_type("mobility")])

    # when
    response = coordinator_api.get(detail_url(member))

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == member.pk
    assert body["name"] == "박정숙"
    assert body["region"] == "muju"
    assert body["service_types"] == ["mobility"]
    assert body["joined_on"] == "2023-01-02"
    assert body["left_on"] is None


def test_unknown_corps_member_is_a_404(coordinator_api: APIClient) -> None:
    response = coordinator_api.get(f"{URL}999999/")

    assert response.status_code == 404


# --- patch --------------------------------------------------------------------------------


def test_coordinator_puts_a_member_on_leave(coordinator_api: APIClient) -> None:
    # given
    member = CorpsMemberFactory()

    # when
    response = coordinator_api.patch(detail_url(member), {"status": "on_leave"}, format="json")

    # then
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "on_leave"
    member.refresh_from_db()
    assert member.status == CorpsMember.Status.ON_LEAVE


def test_member_who_left_with_a_leaving_date_is_saved(coordinator_api: APIClient) -> None:
    # given
    member = CorpsMemberFactory()

    # when
    response = coordinator_api.patch(
        detail_url(member), {"status": "left", "left_on": "2023-06-30"}, format="json"
    )

    # then
    assert response.status_code == 200, response.content
    member.refresh_from_db()
    assert member.status == CorpsMember.Status.LEFT
    assert member.left_on == dt.date(2023, 6, 30)


def test_status_left_without_a_leaving_date_is_a_400_on_left_on(
    coordinator_api: APIClient,
) -> None:
    # given
    member = CorpsMemberFactory()

    # when
    response = coordinator_api.patch(detail_url(member), {"status": "left"}, format="json")

    # then
    assert response.status_code == 400, response.content
    assert "left_on" in response.json()
    member.refresh_from_db()
    assert member.status == CorpsMember.Status.ACTIVE


def test_leaving_date_before_joining_date_is_a_400_on_left_on(
    coordinator_api: APIClient,
) -> None:
    # given: joined on 2023-01-2
    member = CorpsMemberFactory()

    # when
    response = coordinator_api.patch(detail_url(member), {"left_on": "2022-12-31"}, format="json")

    # then
    assert response.status_code == 400, response.content
    assert "left_on" in response.json()
    member.refresh_from_db()
    assert member.left_on is None


def test_patch_leaves_unmentioned_lists_as_they_were(coordinator_api: APIClient) -> None:
    # given
    member = CorpsMemberFactory(available_days=0b0010100)
    member.service_types.set([service_type("meal"), service_type("housework")])

    # when
    response = coordinator_api.patch(detail_url(member), {"name": "정은주"}, format="json")

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "정은주"
    assert body["available_weekdays"] == ["wed", "fri"]
    assert sorted(body["service_types"]) == ["housework", "meal"]


def test_patch_replaces_the_service_types(coordinator_api: APIClient) -> None:
    # given
    member = CorpsMemberFactory()
    member.service_types.set([service_type("meal"), service_type("housework")])

    # when
    response = coordinator_api.patch(
        detail_url(member), {"service_types": ["safety_check"]}, format="json"
    )

    # then
    assert response.status_code == 200, response.content
    assert response.json()["service_types"] == ["safety_check"]
    assert list(member.service_types.values_list("code", flat=True)) == ["safety_check"]


def test_delete_is_not_allowed(coordinator_api: APIClient) -> None:
    # given
    member = CorpsMemberFactory()

    # when
    response = coordinator_api.delete(detail_url(member))

    # then
    assert response.status_code == 405
    assert CorpsMember.objects.filter(pk=member.pk).exists()


# --- filters ------------------------------------------------------------------------------


def test_region_filter_keeps_only_that_region(coordinator_api: APIClient) -> None:
    # given
    CorpsMemberFactory(name="김영희", region=region("jeonju"))
    CorpsMemberFactory(name="이순자", region=region("jangsu"))

    # when
    response = coordinator_api.get(URL, {"region": "jangsu"})

    # then
    assert response.status_code == 200, response.content
    assert [row["name"] for row in response.json()["results"]] == ["이순자"]


def test_status_filter_keeps_only_that_status(coordinator_api: APIClient) -> None:
    # given
    CorpsMemberFactory(name="김영희")
    CorpsMemberFactory(name="이순자", status=CorpsMember.Status.ON_LEAVE)

    # when
    response = coordinator_api.get(URL, {"status": "on_leave"})

    # then
    assert response.status_code == 200, response.content
    assert [row["name"] for row in response.json()["results"]] == ["이순자"]


def test_service_type_filter_keeps_members_who_give_that_service(
    coordinator_api: APIClient,
) -> None:
    # given
    cook = CorpsMemberFactory(name="김영희")
    cook.service_types.set([service_type("meal"), service_type("housework")])
    driver = CorpsMemberFactory(name="이순자")
    driver.service_types.set([service_type("mobility"), service_type("housework")])

    # when
    response = coordinator_api.get(URL, {"service_type": "meal"})

    # then
    assert response.status_code == 200, response.content
    assert [row["name"] for row in response.json()["results"]] == ["김영희"]


def test_service_type_filter_lists_a_member_once(coordinator_api: APIClient) -> None:
    # given: a member with several services and several active assignments
    member = CorpsMemberFactory(name="김영희")
    member.service_types.set([service_type("meal"), service_type("housework")])
    AssignmentFactory.create_batch(2, corps_member=member)

    # when
    response = coordinator_api.get(URL, {"service_type": "housework"})

    # then
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["current_recipients"] == 2


def test_search_finds_members_by_name(coordinator_api: APIClient) -> None:
    # given
    CorpsMemberFactory(name="김영희")
    CorpsMemberFactory(name="이순자")

    # when
    response = coordinator_api.get(URL, {"search": "영희"})

    # then
    assert response.status_code == 200, response.content
    assert [row["name"] for row in response.json()["results"]] == ["김영희"]


@pytest.mark.parametrize(
    ("name", "value"),
    [("region", "seoul"), ("status", "retired"), ("service_type", "gardening")],
)
def test_unknown_filter_value_is_a_400(coordinator_api: APIClient, name: str, value: str) -> None:
    response = coordinator_api.get(URL, {name: value})

    assert response.status_code == 400, response.content
    assert name in response.json()


# --- current_recipients -------------------------------------------------------------------


def test_current_recipients_counts_only_assignments_active_today(
    coordinator_api: APIClient,
) -> None:
    # given
    today = timezone.localdate()
    member = CorpsMemberFactory()
    AssignmentFactory(corps_member=member, starts_on=dt.date(2023, 1, 15), ends_on=None)
    AssignmentFactory(corps_member=member, starts_on=today - dt.timedelta(days=30), ends_on=today)
    AssignmentFactory(
        corps_member=member,
        starts_on=today - dt.timedelta(days=30),
        ends_on=today - dt.timedelta(days=1),
    )
    AssignmentFactory(corps_member=member, starts_on=today + dt.timedelta(days=1), ends_on=None)

    # when
    response = coordinator_api.get(detail_url(member))

    # then: the open-ended one and the one ending today
    assert response.status_code == 200, response.content
    assert response.json()["current_recipients"] == 2


def test_current_recipients_counts_a_recipient_assigned_twice_once(
    coordinator_api: APIClient,
) -> None:
    # given
    member = CorpsMemberFactory()
    recipient = RecipientFactory()
    AssignmentFactory(corps_member=member, recipient=recipient)
    AssignmentFactory(corps_member=member, recipient=recipient, starts_on=dt.date(2023, 2, 1))

    # when
    response = coordinator_api.get(URL)

    # then
    assert response.json()["results"][0]["current_recipients"] == 1


def test_current_recipients_ignores_other_members_assignments(
    coordinator_api: APIClient,
) -> None:
    # given
    member = CorpsMemberFactory(name="김영희")
    other = CorpsMemberFactory(name="이순자")
    AssignmentFactory.create_batch(3, corps_member=other)

    # when
    response = coordinator_api.get(detail_url(member))

    # then
    assert response.json()["current_recipients"] == 0


# --- who may use it -----------------------------------------------------------------------


def test_anonymous_cannot_list(api: APIClient) -> None:
    CorpsMemberFactory()

    response = api.get(URL)

    assert response.status_code in {401, 403}


def test_anonymous_cannot_create(api: APIClient) -> None:
    response = api.post(URL, new_member(), format="json")

    assert response.status_code in {401, 403}
    assert not CorpsMember.objects.exists()


def test_manager_cannot_list(manager_api: APIClient) -> None:
    CorpsMemberFactory()

    response = manager_api.get(URL)

    assert response.status_code == 403


def test_counselor_cannot_list(counselor_api: APIClient) -> None:
    CorpsMemberFactory()

    response = counselor_api.get(URL)

    assert response.status_code == 403


def test_caregiver_sees_only_their_own_record(
    caregiver_api: APIClient, caregiver: Any, other_caregiver: Any
) -> None:
    # given
    CorpsMemberFactory(name="김영희")

    # when
    response = caregiver_api.get(URL)

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1
    assert [row["id"] for row in body["results"]] == [caregiver.corps_member_record.pk]


def test_caregiver_retrieves_their_own_record(caregiver_api: APIClient, caregiver: Any) -> None:
    response = caregiver_api.get(detail_url(caregiver.corps_member_record))

    assert response.status_code == 200, response.content
    assert response.json()["current_recipients"] == 1


def test_caregiver_gets_404_for_another_caregivers_record(
    caregiver_api: APIClient, other_caregiver: Any
) -> None:
    response = caregiver_api.get(detail_url(other_caregiver.corps_member_record))

    assert response.status_code == 404


def test_caregiver_cannot_create(caregiver_api: APIClient) -> None:
    response = caregiver_api.post(URL, new_member(), format="json")

    assert response.status_code == 403
    assert not CorpsMember.objects.filter(name="한미숙").exists()


def test_caregiver_cannot_patch_their_own_record(caregiver_api: APIClient, caregiver: Any) -> None:
    # given
    member = caregiver.corps_member_record

    # when
    response = caregiver_api.patch(detail_url(member), {"status": "left"}, format="json")

    # then
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.status == CorpsMember.Status.ACTIVE


# --- performance --------------------------------------------------------------------------


def _list_queries(client: APIClient, page_size: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"page_size": page_size})
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == page_size
    return len(queries)


def test_list_query_count_does_not_grow_with_page_size(coordinator_api: APIClient) -> None:
    # given: 30 members, each with several services, qualifications and an assignment
    services = list(ServiceType.objects.filter(code__in=["housework", "meal", "mobility"]))
    qualifications = list(Qualification.objects.filter(code__in=["care_worker", "nurse"]))
    for _ in range(30):
        member = CorpsMemberFactory(user=UserFactory())
        member.service_types.set(services)
        member.qualifications.set(qualifications)
        AssignmentFactory(corps_member=member)
    coordinator_api.get(URL)  # warm the permission cache of the user object

    # when
    small = _list_queries(coordinator_api, 3)
    large = _list_queries(coordinator_api, 30)

    # then
    assert small == large
