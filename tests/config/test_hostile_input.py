"""No input answers 500 (issue 10, item 1): each case here was a 500 on main.

The fixes are at the root, one rule each: the JSON parser refuses NUL characters and deep
nesting, a middleware refuses NUL characters in the path and the query string, and the API's
exception handler answers a protected delete with 409.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.care.visit_factories import VisitFactory, visit_payload
from tests.factories import RecipientFactory

pytestmark = pytest.mark.django_db

NUL = "\x00"


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


def test_deleting_a_recipient_with_visits_is_refused_with_409_and_a_reason(
    coordinator_api: APIClient,
) -> None:
    visit = VisitFactory()

    response = coordinator_api.delete(f"/api/v1/recipients/{visit.recipient_id}/")

    assert response.status_code == 409
    assert response.json()["detail"]
    assert "종결" in response.json()["detail"]


def test_deleting_a_recipient_without_history_still_works(coordinator_api: APIClient) -> None:
    recipient = RecipientFactory()

    response = coordinator_api.delete(f"/api/v1/recipients/{recipient.pk}/")

    assert response.status_code == 204


@pytest.mark.parametrize("field", ["region", "needs"])
def test_a_nul_character_in_a_code_field_is_a_400_naming_the_field(
    coordinator_api: APIClient, field: str
) -> None:
    value: Any = "wan" + NUL + "ju" if field == "region" else ["house" + NUL + "work"]

    response = coordinator_api.post(
        "/api/v1/recipients/", recipient_payload(**{field: value}), format="json"
    )

    assert response.status_code == 400
    assert field in response.json()


def test_a_nul_character_deep_in_a_body_names_its_path(coordinator_api: APIClient) -> None:
    response = coordinator_api.post(
        "/api/v1/visits/sync/",
        {"visits": [{"client_uuid": "a"}, {"notes": "x" + NUL}]},
        format="json",
    )

    assert response.status_code == 400
    assert "visits" in response.json()


def test_a_nul_character_in_a_key_is_refused(coordinator_api: APIClient) -> None:
    response = coordinator_api.post("/api/v1/recipients/", {"na" + NUL + "me": "x"}, format="json")

    assert response.status_code == 400


@pytest.mark.parametrize(
    "path", ["/api/v1/regions/%00/", "/api/v1/recipients/%00/", "/api/v1/programs/a%00b/"]
)
def test_a_nul_character_in_a_path_lookup_is_a_404(coordinator_api: APIClient, path: str) -> None:
    response = coordinator_api.get(path)

    assert response.status_code == 404


def test_a_nul_character_in_a_query_filter_is_a_400(coordinator_api: APIClient) -> None:
    response = coordinator_api.get("/api/v1/recipients/?region=wan%00ju")

    assert response.status_code == 400
    assert "region" in response.json()


def test_a_deeply_nested_body_is_a_400_not_a_recursion_error(
    coordinator_api: APIClient,
) -> None:
    body = "[" * 100_000 + "]" * 100_000

    response = coordinator_api.post("/api/v1/recipients/", body, content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()


def test_a_moderately_nested_body_is_still_parsed(coordinator_api: APIClient) -> None:
    response = coordinator_api.post(
        "/api/v1/recipients/", recipient_payload(address="전주시 " * 3), format="json"
    )

    assert response.status_code == 201


def test_every_delete_declares_its_409_in_the_schema(coordinator_api: APIClient) -> None:
    schema = coordinator_api.get("/api/v1/schema/?format=json").json()

    deletes = [
        (path, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method == "delete"
    ]

    assert deletes
    assert all("409" in operation["responses"] for _path, operation in deletes)


def test_a_visit_dated_year_one_is_a_400_on_started_at(
    coordinator_api: APIClient, caregiver: Any
) -> None:
    payload = visit_payload(
        caregiver.assigned_recipient,
        corps_member=caregiver.corps_member_record.pk,
        started_at="0001-01-01T09:00:00+09:00",
        ended_at="0001-01-01T10:00:00+09:00",
    )

    response = coordinator_api.post("/api/v1/visits/", payload, format="json")

    assert response.status_code == 400
    assert "started_at" in response.json()


@pytest.mark.parametrize(
    ("offset", "status"),
    [(timedelta(minutes=5), 201), (timedelta(hours=1), 400)],
)
def test_a_visit_from_a_tablet_clock_a_little_ahead_is_kept_but_not_one_from_the_future(
    caregiver_api: APIClient, caregiver: Any, offset: timedelta, status: int
) -> None:
    started = timezone.now() + offset - timedelta(hours=1)
    payload = visit_payload(caregiver.assigned_recipient, started=started)

    response = caregiver_api.post("/api/v1/visits/", payload, format="json")

    assert response.status_code == status, response.content
    if status == 400:
        assert "ended_at" in response.json()


def test_a_visit_before_2000_is_a_400_on_started_at(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    started = datetime(1999, 12, 31, 10, tzinfo=ZoneInfo("Asia/Seoul"))
    payload = visit_payload(caregiver.assigned_recipient, started=started)

    response = caregiver_api.post("/api/v1/visits/", payload, format="json")

    assert response.status_code == 400
    assert "started_at" in response.json()


def test_a_consultation_before_2000_is_a_400_on_held_at(counselor_api: APIClient) -> None:
    response = counselor_api.post(
        "/api/v1/consultations/",
        {"held_at": "1899-12-31T10:00:00+09:00", "channel": "phone", "summary": "문의"},
        format="json",
    )

    assert response.status_code == 400
    assert "held_at" in response.json()
