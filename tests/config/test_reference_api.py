"""Reference data over the API: /api/v1/regions/, /api/v1/service-types/, /api/v1/programs/."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from base.models import Program, Region, ServiceType
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REFERENCE_URLS = ["/api/v1/regions/", "/api/v1/service-types/", "/api/v1/programs/"]

JEONBUK = [
    ("jeonju", "전주시"),
    ("gunsan", "군산시"),
    ("iksan", "익산시"),
    ("jeongeup", "정읍시"),
    ("namwon", "남원시"),
    ("gimje", "김제시"),
    ("wanju", "완주군"),
    ("jinan", "진안군"),
    ("muju", "무주군"),
    ("jangsu", "장수군"),
    ("imsil", "임실군"),
    ("sunchang", "순창군"),
    ("gochang", "고창군"),
    ("buan", "부안군"),
]


def test_regions_are_the_14_jeonbuk_cities_and_counties_in_order(
    coordinator_api: APIClient,
) -> None:
    response = coordinator_api.get("/api/v1/regions/")

    assert response.status_code == 200, response.content
    assert [(row["code"], row["name"]) for row in response.json()] == JEONBUK


def test_region_rows_carry_code_name_and_english_name(coordinator_api: APIClient) -> None:
    first = coordinator_api.get("/api/v1/regions/").json()[0]

    assert first == {"code": "jeonju", "name": "전주시", "name_en": "Jeonju-si"}


def test_service_types_include_housework(coordinator_api: APIClient) -> None:
    response = coordinator_api.get("/api/v1/service-types/")

    assert response.status_code == 200, response.content
    names = {row["code"]: row["name"] for row in response.json()}
    assert names["housework"] == "가사지원"
    assert names["safety_check"] == "안부확인"
    assert names["meal"] == "식사지원"
    assert len(names) == 8


@pytest.mark.parametrize(
    ("code", "indicator"), [("emergency_care", "4-1"), ("care_info_counseling", "4-2")]
)
def test_programs_carry_their_indicator_code(
    coordinator_api: APIClient, code: str, indicator: str
) -> None:
    response = coordinator_api.get("/api/v1/programs/")

    assert response.status_code == 200, response.content
    programs = {row["code"]: row for row in response.json()}
    assert programs[code]["indicator_code"] == indicator


def test_emergency_care_program_is_named_in_korean(coordinator_api: APIClient) -> None:
    response = coordinator_api.get("/api/v1/programs/emergency_care/")

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "긴급돌봄"


def test_region_detail_is_found_by_code(coordinator_api: APIClient) -> None:
    response = coordinator_api.get("/api/v1/regions/jangsu/")

    assert response.status_code == 200, response.content
    assert response.json() == {"code": "jangsu", "name": "장수군", "name_en": "Jangsu-gun"}


@pytest.mark.parametrize("url", REFERENCE_URLS)
def test_unknown_code_is_a_404(coordinator_api: APIClient, url: str) -> None:
    response = coordinator_api.get(f"{url}atlantis/")

    assert response.status_code == 404


def test_an_inactive_region_is_left_out_of_the_list(coordinator_api: APIClient) -> None:
    # given
    Region.objects.filter(code="buan").update(is_active=False)

    # when
    response = coordinator_api.get("/api/v1/regions/")

    # then
    codes = [row["code"] for row in response.json()]
    assert "buan" not in codes
    assert len(codes) == 13


def test_an_inactive_region_has_no_detail(coordinator_api: APIClient) -> None:
    Region.objects.filter(code="buan").update(is_active=False)

    response = coordinator_api.get("/api/v1/regions/buan/")

    assert response.status_code == 404


def test_an_inactive_service_type_is_left_out(coordinator_api: APIClient) -> None:
    ServiceType.objects.filter(code="other").update(is_active=False)

    codes = [row["code"] for row in coordinator_api.get("/api/v1/service-types/").json()]

    assert "other" not in codes
    assert "housework" in codes


def test_an_inactive_program_is_left_out(coordinator_api: APIClient) -> None:
    Program.objects.filter(code="rural_gap_care").update(is_active=False)

    codes = [row["code"] for row in coordinator_api.get("/api/v1/programs/").json()]

    assert "rural_gap_care" not in codes
    assert "emergency_care" in codes


def test_sort_order_decides_the_order(coordinator_api: APIClient) -> None:
    Region.objects.filter(code="buan").update(sort_order=0)

    codes = [row["code"] for row in coordinator_api.get("/api/v1/regions/").json()]

    assert codes[0] == "buan"


@pytest.mark.parametrize("url", REFERENCE_URLS)
def test_anonymous_cannot_read_reference_data(api: APIClient, url: str) -> None:
    response = api.get(url)

    assert response.status_code in {401, 403}


@pytest.mark.parametrize("role", ["caregiver", "manager", "counselor", "coordinator"])
@pytest.mark.parametrize("url", REFERENCE_URLS)
def test_every_role_reads_reference_data(role: str, url: str) -> None:
    # given
    client = APIClient()
    client.force_authenticate(UserFactory(roles=[role]))

    # when
    response = client.get(url)

    # then
    assert response.status_code == 200, response.content
    assert len(response.json()) > 0


@pytest.mark.parametrize("url", REFERENCE_URLS)
def test_post_is_not_allowed(coordinator_api: APIClient, url: str) -> None:
    response = coordinator_api.post(url, {"code": "seoul", "name": "서울"}, format="json")

    assert response.status_code == 405
    assert not Region.objects.filter(code="seoul").exists()


def test_delete_of_a_region_is_not_allowed(coordinator_api: APIClient) -> None:
    response = coordinator_api.delete("/api/v1/regions/jangsu/")

    assert response.status_code == 405
    assert Region.objects.filter(code="jangsu").exists()
