"""/api/v1/case-conferences/: the endpoint matrix, role isolation and the access log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from base.models import AccessLog
from care.conferences.models import ActionItem, CaseConference
from tests.care.conferences.factories import (
    ActionItemFactory,
    AttendeeFactory,
    conference_with,
)
from tests.conftest import client_for
from tests.consultations.factories import PartnerOrganizationFactory
from tests.factories import EpisodeFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/case-conferences/"


def today() -> dt.date:
    return timezone.localdate()


def payload(**overrides: Any) -> dict[str, Any]:
    chair = UserFactory(username="chair1", roles=["coordinator"])
    counselor = UserFactory(username="counselor9", roles=["counselor"])
    organization = PartnerOrganizationFactory(name="전주시사회복지협의회")
    episode = EpisodeFactory()
    body = {
        "held_on": (today() - dt.timedelta(days=1)).isoformat(),
        "title": "통합사례회의",
        "place": "회의실",
        "chair": chair.pk,
        "decisions": "노인맞춤돌봄 연계",
        "attendees": [
            {"user": chair.pk, "role": "코디네이터"},
            {"name": "김민정", "role": "통합사례관리사", "organization": organization.pk},
        ],
        "episodes": [{"episode": episode.pk, "notes": "퇴원 후 돌봄 공백"}],
        "action_items": [
            {"text": "연계 의뢰서 보내기", "owner": counselor.pk, "due_on": today().isoformat()}
        ],
    }
    body.update(overrides)
    return body


# --- happy paths --------------------------------------------------------------------------


def test_coordinator_records_a_conference_with_partners_episodes_and_action_items(
    coordinator_api: APIClient,
) -> None:
    body = payload()

    response = coordinator_api.post(URL, body, format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert [a["display_name"] for a in data["attendees"]] == ["chair1", "김민정"]
    assert data["attendees"][1]["organization_name"] == "전주시사회복지협의회"
    assert data["episodes"][0]["notes"] == "퇴원 후 돌봄 공백"
    assert data["action_items"][0]["owner"] == "counselor9"
    assert AccessLog.objects.filter(
        action=AccessLog.Action.CREATE, subject_id=data["episodes"][0]["recipient"]
    ).exists()


def test_a_patch_keeps_the_done_state_of_an_action_item_given_by_id(
    coordinator_api: APIClient, coordinator: Any
) -> None:
    conference = conference_with()
    done = ActionItemFactory(conference=conference, owner=coordinator)
    ActionItemFactory(conference=conference, owner=coordinator, text="지울 일")
    coordinator_api.post(f"{URL}{conference.pk}/action-items/{done.pk}/done/", {}, format="json")

    response = coordinator_api.patch(
        f"{URL}{conference.pk}/",
        {
            "title": "바뀐 제목",
            "action_items": [
                {"id": done.pk, "text": "고친 할 일", "owner": coordinator.pk,
                 "due_on": done.due_on.isoformat()},
            ],
        },
        format="json",
    )  # fmt: skip

    assert response.status_code == 200, response.content
    items = response.json()["action_items"]
    assert [(i["id"], i["text"], i["done_by"]) for i in items] == [
        (done.pk, "고친 할 일", "coordinator1")
    ]
    assert response.json()["title"] == "바뀐 제목"


def test_reading_a_conference_logs_each_person_discussed(coordinator_api: APIClient) -> None:
    conference = conference_with(episodes=2)
    people = {d.episode.recipient_id for d in conference.discussions.all()}

    response = coordinator_api.get(f"{URL}{conference.pk}/")

    assert response.status_code == 200
    logged = set(
        AccessLog.objects.filter(action=AccessLog.Action.VIEW).values_list("subject_id", flat=True)
    )
    assert logged == people


def test_the_owner_marks_their_action_item_done_once() -> None:
    counselor = UserFactory(username="owner1", roles=["counselor"])
    item = ActionItemFactory(owner=counselor)
    api = client_for(counselor)
    url = f"{URL}{item.conference_id}/action-items/{item.pk}/done/"

    first = api.post(url, {}, format="json")
    again = api.post(url, {"done_on": (today() - dt.timedelta(days=1)).isoformat()}, format="json")

    assert first.status_code == 200, first.content
    assert first.json()["done_on"] == today().isoformat()
    assert again.json()["done_on"] == today().isoformat()
    item.refresh_from_db()
    assert item.done_by == counselor


def test_my_action_items_lists_the_callers_open_items_due_within_a_week_or_overdue() -> None:
    counselor = UserFactory(username="owner2", roles=["counselor"])
    overdue = ActionItemFactory(owner=counselor, due_on=today() - dt.timedelta(days=3))
    soon = ActionItemFactory(owner=counselor, due_on=today() + dt.timedelta(days=7))
    ActionItemFactory(owner=counselor, due_on=today() + dt.timedelta(days=8))
    ActionItemFactory(owner=counselor, due_on=today(), done_on=today(), done_by=counselor)
    ActionItemFactory(due_on=today())  # someone else's

    response = client_for(counselor).get(f"{URL}my-action-items/")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [overdue.pk, soon.pk]


def test_managers_read_the_monthly_aggregates_without_names(manager_api: APIClient) -> None:
    conference = conference_with(held_on=dt.date(2025, 3, 4))
    ActionItemFactory(conference=conference, due_on=dt.date(2025, 3, 10))

    response = manager_api.get(f"{URL}stats/", {"year": 2025})

    assert response.status_code == 200
    march = response.json()["months"][2]
    assert march == {
        "month": 3, "conferences": 1, "episodes_discussed": 1, "outside_attendees": 1,
        "action_items": 1, "action_items_done": 0, "action_items_overdue": 1,
    }  # fmt: skip
    assert "대상자" not in response.content.decode()


def test_the_list_filters_by_the_attending_organization(coordinator_api: APIClient) -> None:
    organization = PartnerOrganizationFactory()
    attended = conference_with()
    AttendeeFactory(conference=attended, organization=organization)
    conference_with()

    response = coordinator_api.get(URL, {"organization": organization.pk})

    assert [row["id"] for row in response.json()["results"]] == [attended.pk]


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"held_on": "not a date"}, "held_on"),
        ({"chair": 999999}, "chair"),
        ({"attendees": [{"role": "이름 없음"}]}, "attendees"),
        ({"episodes": [{"episode": 999999}]}, "episodes"),
        ({"action_items": [{"text": "기한 없음", "owner": None}]}, "action_items"),
        ({"decisions": "주민번호 900101-1234567"}, "decisions"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    coordinator_api: APIClient, change: dict[str, Any], field: str
) -> None:
    response = coordinator_api.post(URL, payload(**change), format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not CaseConference.objects.exists()


def test_an_action_item_due_before_the_conference_is_refused_and_nothing_is_written(
    coordinator_api: APIClient,
) -> None:
    body = payload()
    body["action_items"][0]["due_on"] = (today() - dt.timedelta(days=10)).isoformat()

    response = coordinator_api.post(URL, body, format="json")

    assert response.status_code == 400
    assert "action_items" in response.json()
    assert not CaseConference.objects.exists()
    assert not ActionItem.objects.exists()


def test_an_action_item_for_someone_without_a_desk_is_refused(
    coordinator_api: APIClient, caregiver: Any
) -> None:
    body = payload()
    body["action_items"][0]["owner"] = caregiver.pk

    response = coordinator_api.post(URL, body, format="json")

    assert response.status_code == 400
    assert "담당자는" in response.json()["action_items"][0]
    assert not CaseConference.objects.exists()


def test_an_attendee_note_with_a_resident_registration_number_is_refused(
    coordinator_api: APIClient,
) -> None:
    body = payload()
    body["episodes"][0]["notes"] = "주민번호 900101-1234567"

    response = coordinator_api.post(URL, body, format="json")

    assert response.status_code == 400
    assert "episodes" in response.json()
    assert not CaseConference.objects.exists()


# --- who may ------------------------------------------------------------------------------


def test_an_anonymous_caller_is_refused(api: APIClient) -> None:
    assert api.get(URL).status_code == 401
    assert api.post(URL, {}, format="json").status_code == 401


@pytest.mark.parametrize("role", ["caregiver", "manager"])
def test_caregivers_and_managers_read_no_conference(role: str) -> None:
    conference = conference_with()
    api = client_for(UserFactory(roles=[role]))

    assert api.get(URL).status_code == 403
    assert api.get(f"{URL}{conference.pk}/").status_code == 403


def test_caregivers_read_no_aggregates(caregiver_api: APIClient) -> None:
    assert caregiver_api.get(f"{URL}stats/", {"year": 2025}).status_code == 403


def test_counselors_read_only_conferences_they_attended_or_own_an_action_of(
    counselor_api: APIClient,
) -> None:
    counselor = UserFactory(username="counselor1")
    attended = conference_with(staff=[counselor])
    owns = conference_with()
    ActionItemFactory(conference=owns, owner=counselor)
    other = conference_with()

    listed = counselor_api.get(URL).json()["results"]

    assert {row["id"] for row in listed} == {attended.pk, owns.pk}
    assert counselor_api.get(f"{URL}{other.pk}/").status_code == 404


def test_counselors_may_not_write_conferences(counselor_api: APIClient) -> None:
    conference = conference_with(staff=[UserFactory(username="counselor1")])

    assert counselor_api.post(URL, payload(), format="json").status_code == 403
    assert (
        counselor_api.patch(f"{URL}{conference.pk}/", {"title": "x"}, format="json").status_code
        == 403
    )


def test_a_counselor_cannot_mark_another_owners_item_done(counselor_api: APIClient) -> None:
    counselor = UserFactory(username="counselor1")
    conference = conference_with(staff=[counselor])
    item = ActionItemFactory(conference=conference)

    response = counselor_api.post(
        f"{URL}{conference.pk}/action-items/{item.pk}/done/", {}, format="json"
    )

    assert response.status_code == 403
    item.refresh_from_db()
    assert item.done_on is None


def test_an_item_of_a_conference_the_counselor_cannot_see_is_not_found(
    counselor_api: APIClient,
) -> None:
    item = ActionItemFactory()

    response = counselor_api.post(
        f"{URL}{item.conference_id}/action-items/{item.pk}/done/", {}, format="json"
    )

    assert response.status_code == 404


def test_a_missing_conference_is_not_found(coordinator_api: APIClient) -> None:
    assert coordinator_api.get(f"{URL}999999/").status_code == 404
    assert coordinator_api.patch(f"{URL}999999/", {}, format="json").status_code == 404


# --- query counts -------------------------------------------------------------------------


def _queries(api: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_one_row_or_many(coordinator_api: APIClient) -> None:
    conference_with(episodes=2)
    one = _queries(coordinator_api, URL)
    for _ in range(5):
        conference = conference_with(episodes=2, staff=[UserFactory()])
        ActionItemFactory(conference=conference)

    many = _queries(coordinator_api, URL)

    assert many == one


def test_my_action_items_costs_the_same_queries_for_one_row_or_many(
    coordinator: Any, coordinator_api: APIClient
) -> None:
    ActionItemFactory(owner=coordinator)
    one = _queries(coordinator_api, f"{URL}my-action-items/")
    ActionItemFactory.create_batch(5, owner=coordinator)

    assert _queries(coordinator_api, f"{URL}my-action-items/") == one
