"""/api/v1/activity-statements/ and /api/v1/program-spend/: roles, bad input, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.care.statements.conftest import Month, seoul, visit
from tests.conftest import client_for
from tests.factories import CorpsMemberFactory, EpisodeFactory, UserFactory

STATEMENTS = "/api/v1/activity-statements/"
SPEND = "/api/v1/program-spend/"
MAY = {"year": 2024, "month": 5}


def test_coordinator_reads_every_members_row(coordinator_api: APIClient, may: Month) -> None:
    response = coordinator_api.get(STATEMENTS, MAY)

    assert response.status_code == 200
    kim = next(row for row in response.json() if row["corps_member_name"] == "김영희")
    assert kim == {
        "corps_member": may.kim.pk,
        "corps_member_name": "김영희",
        "days_worked": 2,
        "visits": 4,
        "service_minutes": 200,
        "service_hours": 3.33,
        "recipients": 2,
        "travel_km": kim["travel_km"],
        "unscheduled_visits": 3,
        "missed_visits": 1,
        "visits_without_checkout": 1,
    }
    assert {row["corps_member_name"] for row in response.json()} == {"김영희", "이순자"}


def test_caregiver_sees_only_their_own_row(may: Month) -> None:
    user = UserFactory(roles=["caregiver"])
    may.lee.user = user
    may.lee.save()

    response = client_for(user).get(STATEMENTS, MAY)

    assert response.status_code == 200
    assert [row["corps_member_name"] for row in response.json()] == ["이순자"]


def test_caregiver_without_a_corps_member_record_sees_no_rows(may: Month) -> None:
    response = client_for(UserFactory(roles=["caregiver"])).get(STATEMENTS, MAY)

    assert (response.status_code, response.json()) == (200, [])


def test_manager_may_not_read_statements(manager_api: APIClient, may: Month) -> None:
    assert manager_api.get(STATEMENTS, MAY).status_code == 403
    assert manager_api.get(STATEMENTS, {**MAY, "format": "xlsx"}).status_code == 403


def test_counselor_may_not_read_statements(counselor_api: APIClient, may: Month) -> None:
    assert counselor_api.get(STATEMENTS, MAY).status_code == 403


def test_unauthenticated_requests_are_refused(api: APIClient, may: Month) -> None:
    assert api.get(STATEMENTS, MAY).status_code in (401, 403)
    assert api.get(SPEND, MAY).status_code in (401, 403)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"month": 5}, "year"),
        ({"year": 2024}, "month"),
        ({"year": 2024, "month": 13}, "month"),
        ({"year": "이천", "month": 5}, "year"),
        ({"year": 2024, "month": 0}, "month"),
        ({"year": 2024, "month": 5, "format": "pdf"}, "format"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    coordinator_api: APIClient, query: dict, field: str
) -> None:
    response = coordinator_api.get(STATEMENTS, query)

    assert response.status_code == 400
    assert field in response.json()


def test_spend_bad_month_is_a_400(manager_api: APIClient) -> None:
    response = manager_api.get(SPEND, {"year": 2024, "month": 14})

    assert response.status_code == 400
    assert "month" in response.json()


def test_managers_and_coordinators_read_the_spend_caregivers_do_not(
    manager_api: APIClient, coordinator_api: APIClient, caregiver_api: APIClient, may: Month
) -> None:
    response = manager_api.get(SPEND, MAY)

    assert response.status_code == 200
    line = next(row for row in response.json() if row["program"] == "emergency_care")
    assert line["month"] == {
        "minutes": 245,
        "hours": 4.08,
        "spend_won": 61_250,
        "national_won": 35_125,
        "provincial_won": 26_125,
    }
    assert (line["budget_won"], line["year_to_date"]["spend_won"]) == (80_000_000, 76_250)
    assert coordinator_api.get(SPEND, MAY).status_code == 200
    assert caregiver_api.get(SPEND, MAY).status_code == 403


def members_with_visits(count: int) -> None:
    for _ in range(count):
        member = CorpsMemberFactory()
        episode = EpisodeFactory(starts_on=dt.date(2024, 4, 1))
        visit(member, episode, seoul(2024, 5, 7, 10), 60, at=(35.8, 127.1))
        visit(member, episode, seoul(2024, 5, 7, 13), 60, at=(35.9, 127.2))


def queries(client: APIClient, query: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(STATEMENTS, query).status_code == 200
    return len(captured)


@pytest.mark.parametrize("file_format", ["json", "xlsx"])
def test_query_count_does_not_grow_with_the_number_of_members(
    coordinator_api: APIClient, file_format: str
) -> None:
    query = {**MAY, "format": file_format}
    if file_format == "xlsx":
        query["purpose"] = "payment"
    members_with_visits(3)
    few = queries(coordinator_api, query)
    members_with_visits(27)

    assert queries(coordinator_api, query) == few
