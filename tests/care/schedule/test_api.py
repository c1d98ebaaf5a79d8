"""/api/v1/care-plans/ and /api/v1/scheduled-visits/: roles, bad input, query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from care.schedule.models import CarePlanEntry, ScheduledVisit
from tests.care.schedule.helpers import entry, episode, member, occurrence, seoul, today
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/care-plans/"
SCHEDULE = "/api/v1/scheduled-visits/"
DAY = today() + dt.timedelta(days=3)


def booked(caregiver: Any = None, hour: int = 10, day: dt.date = DAY) -> ScheduledVisit:
    caregiver = caregiver or member()
    return occurrence(entry(episode(), caregiver, weekday=day.weekday(), at=dt.time(hour)), day)


def plan_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "episode": episode().pk,
        "weekday": 1,
        "start_time": "10:00",
        "planned_minutes": 90,
        "service_types": ["housework"],
        "corps_member": member().pk,
    }
    payload.update(overrides)
    return payload


# --- care plans ----------------------------------------------------------------------------


def test_a_coordinator_adds_a_plan_entry(coordinator_api: APIClient) -> None:
    response = coordinator_api.post(PLANS, plan_payload(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["service_types"] == ["housework"] and body["valid_from"] == today().isoformat()
    assert CarePlanEntry.objects.filter(pk=body["id"]).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"weekday": 9}, "weekday"),
        ({"start_time": "25:00"}, "start_time"),
        ({"service_types": ["nonsense"]}, "service_types"),
        ({"valid_from": (today() - dt.timedelta(days=30)).isoformat()}, "valid_from"),
        ({"episode": 999999}, "episode"),
    ],
)
def test_a_bad_plan_entry_is_a_400_naming_the_field_and_writes_nothing(
    coordinator_api: APIClient, overrides: dict[str, Any], field: str
) -> None:
    response = coordinator_api.post(PLANS, plan_payload(**overrides), format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not CarePlanEntry.objects.exists()


def test_a_plan_entry_for_a_member_without_an_account_names_corps_member(
    coordinator_api: APIClient,
) -> None:
    response = coordinator_api.post(
        PLANS, plan_payload(corps_member=member("계정없음", login=False).pk), format="json"
    )

    assert response.status_code == 400 and "corps_member" in response.json()


def test_a_coordinator_changes_and_deletes_a_new_plan_entry(coordinator_api: APIClient) -> None:
    created = coordinator_api.post(PLANS, plan_payload(), format="json").json()

    changed = coordinator_api.patch(
        f"{PLANS}{created['id']}/", {"start_time": "14:30"}, format="json"
    )
    deleted = coordinator_api.delete(f"{PLANS}{created['id']}/")

    assert changed.status_code == 200 and changed.json()["start_time"] == "14:30:00"
    assert deleted.status_code == 204
    assert not CarePlanEntry.objects.exists()


def test_a_caregiver_cannot_write_plans(caregiver_api: APIClient) -> None:
    assert caregiver_api.post(PLANS, plan_payload(), format="json").status_code == 403


def test_managers_and_strangers_cannot_read_plans(manager_api: APIClient, api: APIClient) -> None:
    assert manager_api.get(PLANS).status_code == 403
    assert api.get(PLANS).status_code in (401, 403)


# --- scheduled visits ------------------------------------------------------------------------


def test_a_caregiver_lists_only_their_own_scheduled_visits(caregiver: Any) -> None:
    caregiver_member = caregiver.corps_member_record
    caregiver_member.service_types.set(member().service_types.all())
    mine = booked(caregiver_member)
    theirs = booked()

    client = client_for(caregiver)
    listed = client.get(SCHEDULE).json()["results"]

    assert [row["id"] for row in listed] == [mine.pk]
    assert listed[0]["recipient_name"] == mine.recipient.name
    assert listed[0]["service_types"] == ["housework"]
    assert client.get(f"{SCHEDULE}{theirs.pk}/").status_code == 404


def test_the_schedule_filters_by_days_member_region_and_state(
    coordinator_api: APIClient,
) -> None:
    early = booked(day=DAY)
    late = booked(day=DAY + dt.timedelta(days=1))

    def ids(**query: Any) -> list[int]:
        return [row["id"] for row in coordinator_api.get(SCHEDULE, query).json()["results"]]

    assert ids(date_from=DAY.isoformat(), date_to=DAY.isoformat()) == [early.pk]
    assert ids(corps_member=late.corps_member_id) == [late.pk]
    assert ids(region="jeonju") == [early.pk, late.pk]
    assert ids(region="gunsan") == []
    assert ids(state="done") == []
    assert ids(episode=late.episode_id) == [late.pk]
    assert coordinator_api.get(SCHEDULE, {"date_from": "not-a-day"}).status_code == 400
    assert coordinator_api.get(SCHEDULE, {"state": "nonsense"}).status_code == 400


def test_a_coordinator_reassigns_moves_and_cancels(coordinator_api: APIClient) -> None:
    scheduled = booked()
    substitute = member("이순자")

    reassigned = coordinator_api.post(
        f"{SCHEDULE}{scheduled.pk}/reassign/",
        {"corps_member": substitute.pk, "reason": "병가"},
        format="json",
    )
    moved = coordinator_api.post(
        f"{SCHEDULE}{scheduled.pk}/move/",
        {"starts_at": seoul(DAY, 15).isoformat()},
        format="json",
    )
    cancelled = coordinator_api.post(
        f"{SCHEDULE}{scheduled.pk}/cancel/", {"reason": "입원"}, format="json"
    )

    assert reassigned.status_code == 200, reassigned.content
    assert reassigned.json()["corps_member"] == substitute.pk
    assert reassigned.json()["original_corps_member"] == scheduled.corps_member_id
    assert moved.status_code == 200 and moved.json()["starts_at"].startswith(
        f"{DAY.isoformat()}T15:00"
    )
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("reassign", {}, "corps_member"),
        ("reassign", {"corps_member": 999999}, "corps_member"),
        ("move", {"starts_at": "yesterday"}, "starts_at"),
        ("cancel", {}, "reason"),
        ("cancel", {"reason": ""}, "reason"),
    ],
)
def test_bad_changes_are_400_naming_the_field(
    coordinator_api: APIClient, action: str, body: dict[str, Any], field: str
) -> None:
    scheduled = booked()

    response = coordinator_api.post(f"{SCHEDULE}{scheduled.pk}/{action}/", body, format="json")

    assert response.status_code == 400 and field in response.json()
    scheduled.refresh_from_db()
    assert not scheduled.touched


def test_a_double_booked_substitute_is_a_400_on_corps_member(coordinator_api: APIClient) -> None:
    scheduled = booked(hour=10)
    busy = member("바쁜단원")
    booked(busy, hour=11)

    response = coordinator_api.post(
        f"{SCHEDULE}{scheduled.pk}/reassign/", {"corps_member": busy.pk}, format="json"
    )

    assert response.status_code == 400 and "corps_member" in response.json()


def test_caregivers_and_managers_cannot_change_the_schedule(
    caregiver: Any, manager_api: APIClient
) -> None:
    scheduled = booked(caregiver.corps_member_record)
    client = client_for(caregiver)

    assert client.post(f"{SCHEDULE}{scheduled.pk}/cancel/", {"reason": "x"}).status_code == 403
    assert client.get(f"{SCHEDULE}{scheduled.pk}/substitutes/").status_code == 403
    assert manager_api.get(SCHEDULE).status_code == 403
    assert manager_api.post(f"{SCHEDULE}{scheduled.pk}/cancel/", {"reason": "x"}).status_code == 403


def test_unauthenticated_requests_are_refused(api: APIClient) -> None:
    scheduled = booked()
    assert api.get(SCHEDULE).status_code in (401, 403)
    assert api.post(f"{SCHEDULE}{scheduled.pk}/cancel/", {"reason": "x"}).status_code in (401, 403)


def test_the_substitutes_endpoint_ranks_free_qualified_members(
    coordinator_api: APIClient,
) -> None:
    scheduled = booked()
    free = member("한가한단원")

    response = coordinator_api.get(f"{SCHEDULE}{scheduled.pk}/substitutes/")

    assert response.status_code == 200
    assert [row["corps_member"]["id"] for row in response.json()] == [free.pk]
    assert coordinator_api.get(f"{SCHEDULE}{scheduled.pk}/substitutes/?limit=0").status_code == 400
    assert coordinator_api.get(f"{SCHEDULE}999999/substitutes/").status_code == 404


def _list_queries(client: APIClient, url: str, page_size: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size
    return len(captured)


def test_list_query_counts_do_not_grow_with_the_page(coordinator_api: APIClient) -> None:
    caregiver = member()
    for hour in range(30):
        day = DAY + dt.timedelta(days=hour // 10)
        booked(caregiver if hour % 2 else None, hour=6 + hour % 10, day=day)

    assert _list_queries(coordinator_api, SCHEDULE, 3) == _list_queries(
        coordinator_api, SCHEDULE, 30
    )
    assert _list_queries(coordinator_api, PLANS, 3) == _list_queries(coordinator_api, PLANS, 30)
