"""/api/v1/assignments/: assigning recipients to corps members, and who sees which."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from care.models import Assignment, Recipient
from tests.factories import (
    AssignmentFactory,
    CorpsMemberFactory,
    RecipientFactory,
    episode_of,
    program,
)
from volunteers.models import CorpsMember

pytestmark = pytest.mark.django_db

URL = "/api/v1/assignments/"


def detail_url(pk: int) -> str:
    return f"{URL}{pk}/"


def assignment_payload(
    recipient: Recipient, member: CorpsMember, /, **overrides: Any
) -> dict[str, Any]:
    # An assignment serves the recipient's approved or active episode: give them one.
    episode_of(recipient)
    payload: dict[str, Any] = {
        "recipient": recipient.pk,
        "corps_member": member.pk,
        "program": "emergency_care",
        "starts_on": "2023-03-01",
        "ends_on": "2023-05-31",
    }
    payload.update(overrides)
    return payload


def result_ids(response: Any) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


# --- create -------------------------------------------------------------------------------


def test_coordinator_creates_assignment(coordinator_api: APIClient, coordinator: Any) -> None:
    # given an active recipient and an active corps member
    recipient = RecipientFactory(name="김순례")
    member = CorpsMemberFactory(name="이순자")

    # when the coordinator assigns one to the other
    response = coordinator_api.post(URL, assignment_payload(recipient, member), format="json")

    # then the assignment is stored with the coordinator as the one who assigned it
    assert response.status_code == 201, response.content
    body = response.json()
    assignment = Assignment.objects.get(pk=body["id"])
    assert assignment.recipient == recipient
    assert assignment.corps_member == member
    assert assignment.program.code == "emergency_care"
    assert assignment.starts_on == dt.date(2023, 3, 1)
    assert assignment.ends_on == dt.date(2023, 5, 31)
    assert assignment.assigned_by == coordinator
    assert body["assigned_by"] == "coordinator1"
    assert body["recipient_name"] == "김순례"
    assert body["corps_member_name"] == "이순자"
    assert body["program"] == "emergency_care"


def test_client_cannot_set_assigned_by(coordinator_api: APIClient, coordinator: Any) -> None:
    # given a client naming someone else as the assigner
    payload = assignment_payload(
        RecipientFactory(), CorpsMemberFactory(), assigned_by="someone_else"
    )

    # when it is posted
    response = coordinator_api.post(URL, payload, format="json")

    # then the assigner is the caller
    assert response.status_code == 201, response.content
    assert Assignment.objects.get(pk=response.json()["id"]).assigned_by == coordinator


def test_open_ended_assignment_is_accepted(coordinator_api: APIClient) -> None:
    payload = assignment_payload(RecipientFactory(), CorpsMemberFactory(), ends_on=None)

    response = coordinator_api.post(URL, payload, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["ends_on"] is None


# --- refusals -----------------------------------------------------------------------------


def test_assignment_to_corps_member_on_leave_is_refused(coordinator_api: APIClient) -> None:
    # given a corps member on leave
    member = CorpsMemberFactory(status=CorpsMember.Status.ON_LEAVE)

    # when the coordinator assigns them
    response = coordinator_api.post(
        URL, assignment_payload(RecipientFactory(), member), format="json"
    )

    # then corps_member is named and nothing is stored
    assert response.status_code == 400, response.content
    assert "corps_member" in response.json()
    assert not Assignment.objects.exists()


def test_assignment_to_corps_member_who_left_is_refused(coordinator_api: APIClient) -> None:
    # given a corps member who left
    member = CorpsMemberFactory(status=CorpsMember.Status.LEFT, left_on=dt.date(2023, 6, 30))

    # when the coordinator assigns them within their former service
    response = coordinator_api.post(
        URL, assignment_payload(RecipientFactory(), member), format="json"
    )

    # then corps_member is named
    assert response.status_code == 400, response.content
    assert "corps_member" in response.json()
    assert not Assignment.objects.exists()


def test_ends_on_before_starts_on_is_refused(coordinator_api: APIClient) -> None:
    payload = assignment_payload(
        RecipientFactory(), CorpsMemberFactory(), starts_on="2023-05-01", ends_on="2023-04-30"
    )

    response = coordinator_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert "ends_on" in response.json()
    assert not Assignment.objects.exists()


def test_ends_on_before_starts_on_is_refused_on_patch(coordinator_api: APIClient) -> None:
    # given an assignment from 2023-01-15
    assignment = AssignmentFactory(starts_on=dt.date(2023, 1, 15))

    # when its end is patched before its start
    response = coordinator_api.patch(
        detail_url(assignment.pk), {"ends_on": "2023-01-14"}, format="json"
    )

    # then ends_on is named and the assignment stays open
    assert response.status_code == 400, response.content
    assert "ends_on" in response.json()
    assignment.refresh_from_db()
    assert assignment.ends_on is None


def test_overlapping_assignment_of_same_pair_and_program_is_refused(
    coordinator_api: APIClient,
) -> None:
    # given an open-ended assignment from 2023-01-15
    existing = AssignmentFactory(starts_on=dt.date(2023, 1, 15), ends_on=None)

    # when the same pair is assigned again for the same program over March
    payload = assignment_payload(existing.recipient, existing.corps_member)
    response = coordinator_api.post(URL, payload, format="json")

    # then it is refused with the dates named
    assert response.status_code == 400, response.content
    assert "starts_on" in response.json()
    assert Assignment.objects.count() == 1


def test_non_overlapping_assignment_of_same_pair_is_accepted(coordinator_api: APIClient) -> None:
    # given an assignment over January and February
    existing = AssignmentFactory(starts_on=dt.date(2023, 1, 15), ends_on=dt.date(2023, 2, 28))

    # when the same pair is assigned again from March
    payload = assignment_payload(existing.recipient, existing.corps_member)
    response = coordinator_api.post(URL, payload, format="json")

    # then it is accepted
    assert response.status_code == 201, response.content


def test_same_pair_in_another_program_is_accepted(coordinator_api: APIClient) -> None:
    existing = AssignmentFactory(starts_on=dt.date(2023, 1, 15), ends_on=None)

    payload = assignment_payload(
        existing.recipient, existing.corps_member, program="rural_gap_care"
    )
    response = coordinator_api.post(URL, payload, format="json")

    assert response.status_code == 201, response.content


def test_assignment_of_closed_recipient_is_refused(coordinator_api: APIClient) -> None:
    # given a closed recipient
    recipient = RecipientFactory(status=Recipient.Status.CLOSED)

    # when the coordinator assigns them
    response = coordinator_api.post(
        URL, assignment_payload(recipient, CorpsMemberFactory()), format="json"
    )

    # then recipient is named
    assert response.status_code == 400, response.content
    assert "recipient" in response.json()
    assert not Assignment.objects.exists()


def test_unknown_program_code_is_refused(coordinator_api: APIClient) -> None:
    payload = assignment_payload(RecipientFactory(), CorpsMemberFactory(), program="nowhere")

    response = coordinator_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"program"}


def test_unknown_recipient_id_is_refused(coordinator_api: APIClient) -> None:
    recipient = RecipientFactory()
    payload = assignment_payload(recipient, CorpsMemberFactory(), recipient=recipient.pk + 1000)

    response = coordinator_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"recipient"}


@pytest.mark.parametrize(
    ("field", "value"),
    [("starts_on", "x"), ("recipient", "abc"), ("corps_member", None), ("program", 7)],
)
def test_malformed_value_is_a_400_keyed_by_field(
    coordinator_api: APIClient, field: str, value: object
) -> None:
    payload = assignment_payload(RecipientFactory(), CorpsMemberFactory(), **{field: value})

    response = coordinator_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) == {field}


def test_malformed_json_is_a_400(coordinator_api: APIClient) -> None:
    response = coordinator_api.post(URL, "{", content_type="application/json")

    assert response.status_code == 400, response.content
    assert "detail" in response.json()


# --- filters ------------------------------------------------------------------------------


def test_recipient_filter(coordinator_api: APIClient) -> None:
    wanted, _other = AssignmentFactory(), AssignmentFactory()

    response = coordinator_api.get(URL, {"recipient": wanted.recipient_id})

    assert response.status_code == 200, response.content
    assert result_ids(response) == {wanted.pk}


def test_corps_member_filter(coordinator_api: APIClient) -> None:
    wanted, _other = AssignmentFactory(), AssignmentFactory()

    response = coordinator_api.get(URL, {"corps_member": wanted.corps_member_id})

    assert response.status_code == 200, response.content
    assert result_ids(response) == {wanted.pk}


def test_program_filter_takes_a_code(coordinator_api: APIClient) -> None:
    AssignmentFactory(program=program("emergency_care"))
    rural = AssignmentFactory(program=program("rural_gap_care"))

    response = coordinator_api.get(URL, {"program": "rural_gap_care"})

    assert response.status_code == 200, response.content
    assert result_ids(response) == {rural.pk}


def test_active_on_filter(coordinator_api: APIClient) -> None:
    # given assignments over January, from March open-ended, and over February to March 1st
    AssignmentFactory(starts_on=dt.date(2023, 1, 1), ends_on=dt.date(2023, 1, 31))
    open_ended = AssignmentFactory(starts_on=dt.date(2023, 3, 1), ends_on=None)
    ends_that_day = AssignmentFactory(starts_on=dt.date(2023, 2, 1), ends_on=dt.date(2023, 3, 1))

    # when asking which were active on 2023-03-01
    response = coordinator_api.get(URL, {"active_on": "2023-03-01"})

    # then the open-ended and the one ending that day are
    assert response.status_code == 200, response.content
    assert result_ids(response) == {open_ended.pk, ends_that_day.pk}


@pytest.mark.parametrize(
    ("param", "value"), [("active_on", "x"), ("program", "nowhere"), ("recipient", "abc")]
)
def test_bad_filter_value_is_a_400(coordinator_api: APIClient, param: str, value: str) -> None:
    response = coordinator_api.get(URL, {param: value})

    assert response.status_code == 400, response.content
    assert param in response.json()


# --- who may do what ----------------------------------------------------------------------


def test_caregiver_sees_only_own_current_assignments(
    caregiver_api: APIClient, caregiver: Any, other_caregiver: Any
) -> None:
    # given an assignment of this caregiver that has ended, another caregiver's, and a third
    member = caregiver.corps_member_record
    ended = AssignmentFactory(
        corps_member=member, starts_on=dt.date(2023, 1, 1), ends_on=dt.date(2023, 1, 10)
    )
    AssignmentFactory()

    # when the caregiver lists assignments
    response = caregiver_api.get(URL)

    # then only their own assignment active today is listed: an ended one would keep
    # showing the name of a recipient who is no longer theirs
    assert response.status_code == 200, response.content
    current = Assignment.objects.filter(corps_member=member).exclude(pk=ended.pk)
    assert result_ids(response) == set(current.values_list("pk", flat=True))
    assert ended.pk not in result_ids(response)


def test_caregiver_cannot_see_another_caregivers_assignment(
    caregiver_api: APIClient, other_caregiver: Any
) -> None:
    theirs = Assignment.objects.get(corps_member=other_caregiver.corps_member_record)

    response = caregiver_api.get(detail_url(theirs.pk))

    assert response.status_code == 404


def test_caregiver_cannot_create_assignment(caregiver_api: APIClient, caregiver: Any) -> None:
    payload = assignment_payload(RecipientFactory(), caregiver.corps_member_record)

    response = caregiver_api.post(URL, payload, format="json")

    assert response.status_code == 403
    assert Assignment.objects.count() == 1  # the fixture's own


def test_manager_cannot_list_assignments(manager_api: APIClient) -> None:
    AssignmentFactory()

    response = manager_api.get(URL)

    assert response.status_code == 403


def test_manager_cannot_retrieve_assignment(manager_api: APIClient) -> None:
    assignment = AssignmentFactory()

    response = manager_api.get(detail_url(assignment.pk))

    assert response.status_code == 403


def test_anonymous_cannot_list_assignments(api: APIClient) -> None:
    AssignmentFactory()

    response = api.get(URL)

    assert response.status_code in (401, 403)


def test_anonymous_cannot_create_assignment(api: APIClient) -> None:
    payload = assignment_payload(RecipientFactory(), CorpsMemberFactory())

    response = api.post(URL, payload, format="json")

    assert response.status_code in (401, 403)
    assert not Assignment.objects.exists()


# --- queries ------------------------------------------------------------------------------


def test_list_query_count_does_not_grow_with_page_size(coordinator_api: APIClient) -> None:
    # given 30 assignments, each with its own recipient and corps member
    AssignmentFactory.create_batch(30)
    coordinator_api.get(URL, {"page_size": 1})  # warm the user's permission cache

    # when listing 3 and then 30 per page
    with CaptureQueriesContext(connection) as small:
        small_page = coordinator_api.get(URL, {"page_size": 3})
    with CaptureQueriesContext(connection) as large:
        large_page = coordinator_api.get(URL, {"page_size": 30})

    # then both pages took the same number of queries
    assert len(small_page.json()["results"]) == 3
    assert len(large_page.json()["results"]) == 30
    assert len(large) == len(small), [query["sql"] for query in large.captured_queries]
