"""The staff API's reference codes a client must send with a resource or a corps member:
/api/v1/resource-categories/, /target-groups/, /eligibility-tags/, /qualifications/ (read-only,
by ``code``, like /api/v1/regions/)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from consultations.models import EligibilityTag, ResourceCategory, TargetGroup
from tests.factories import UserFactory
from volunteers.models import Qualification

pytestmark = pytest.mark.django_db

URLS = {
    "/api/v1/resource-categories/": ResourceCategory,
    "/api/v1/target-groups/": TargetGroup,
    "/api/v1/eligibility-tags/": EligibilityTag,
    "/api/v1/qualifications/": Qualification,
}


@pytest.mark.parametrize(("url", "model"), URLS.items())
def test_every_active_code_is_listed_in_order(
    coordinator_api: APIClient, url: str, model: type
) -> None:
    if not model.objects.exists():
        model.objects.create(code="sample", name="예시")

    response = coordinator_api.get(url)

    assert response.status_code == 200, response.content
    expected = list(model.objects.filter(is_active=True).values_list("code", flat=True))
    assert [row["code"] for row in response.json()] == expected


def test_a_category_names_its_parent_by_code(coordinator_api: APIClient) -> None:
    rows = {row["code"]: row for row in coordinator_api.get("/api/v1/resource-categories/").json()}

    assert rows["care_emergency"] == {
        "code": "care_emergency",
        "name": "긴급돌봄",
        "name_en": "Emergency care",
        "parent": "care",
    }
    assert rows["care"]["parent"] is None


def test_an_eligibility_tag_says_its_kind(coordinator_api: APIClient) -> None:
    response = coordinator_api.get("/api/v1/eligibility-tags/near_poor/")

    assert response.status_code == 200
    assert response.json()["kind"] == "income"


def test_an_inactive_target_group_is_left_out(coordinator_api: APIClient) -> None:
    TargetGroup.objects.filter(code="youth").update(is_active=False)

    codes = [row["code"] for row in coordinator_api.get("/api/v1/target-groups/").json()]

    assert "youth" not in codes and "elderly" in codes


@pytest.mark.parametrize("url", URLS)
def test_an_unknown_code_is_a_404(coordinator_api: APIClient, url: str) -> None:
    assert coordinator_api.get(f"{url}atlantis/").status_code == 404


@pytest.mark.parametrize("url", URLS)
def test_anonymous_cannot_read_the_codes(api: APIClient, url: str) -> None:
    assert api.get(url).status_code in {401, 403}


@pytest.mark.parametrize("role", ["caregiver", "manager", "counselor", "coordinator"])
def test_every_role_reads_the_codes(role: str) -> None:
    client = APIClient()
    client.force_authenticate(UserFactory(roles=[role]))

    for url in URLS:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("url", URLS)
def test_codes_cannot_be_written(coordinator_api: APIClient, url: str) -> None:
    response = coordinator_api.post(url, {"code": "new", "name": "새"}, format="json")

    assert response.status_code == 405


@pytest.mark.parametrize("url", URLS)
def test_the_list_is_one_query_whatever_its_length(coordinator_api: APIClient, url: str) -> None:
    coordinator_api.get(url)  # the user's session and roles, once
    with CaptureQueriesContext(connection) as before:
        coordinator_api.get(url)
    model = URLS[url]
    for number in range(5):
        model.objects.create(code=f"extra-{number}", name=f"추가 {number}")
    with CaptureQueriesContext(connection) as after:
        coordinator_api.get(url)

    assert len(before) == len(after)


def test_the_staff_schema_lists_the_code_endpoints(coordinator_api: APIClient) -> None:
    schema = coordinator_api.get("/api/v1/schema/", {"format": "json"}).json()

    for url in URLS:
        assert url in schema["paths"]
