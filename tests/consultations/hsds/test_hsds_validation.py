"""Every object the HSDS API returns for the whole demo directory is valid HSDS 3.0: each list
(every page), each variant (``full``, ``minimal``, ``full_service``) and each detail, validated
against the vendored JSON Schemas, with zero errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from consultations.demo import Summary, consultations_demo_load
from consultations.models import Organization, WelfareResource
from tests.consultations.hsds.schemas import errors, inline_validator, openapi

pytestmark = pytest.mark.django_db

PER_PAGE = 40


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[Summary]:
    """The demo data set, loaded once for the module inside a transaction rolled back at the
    end (as tests/consultations/test_consultations_demo.py does)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield consultations_demo_load(seed=2023)
        transaction.set_rollback(True)


def get(client: Client, url: str, **params: Any) -> Any:
    response = client.get(url, params)
    assert response.status_code == 200, (url, params, response.content[:500])
    return response.json()


def page_errors(page: dict[str, Any], where: str) -> list[str]:
    schema = {
        "allOf": [openapi()["components"]["schemas"]["Page"]],
        "properties": {"contents": {"type": "array"}},
        "required": [*openapi()["components"]["schemas"]["Page"]["properties"], "contents"],
    }
    return [f"{where}: {e.message}" for e in inline_validator(schema).iter_errors(page)]


def every_item(client: Client, url: str, **params: Any) -> Iterator[tuple[str, Any]]:
    """Each item of every page of a list, with where it came from; the pages are checked."""
    found: list[str] = []
    page_number = 1
    while True:
        page = get(client, url, page=page_number, per_page=PER_PAGE, **params)
        where = f"{url}?{params} page {page_number}"
        found.extend(page_errors(page, where))
        for index, item in enumerate(page["contents"]):
            yield f"{where} #{index}", item
        if page["last_page"]:
            break
        page_number += 1
    assert found == []


def test_the_demo_directory_has_public_services_to_publish(demo: Summary) -> None:
    assert WelfareResource.objects.public().count() > 150


def test_every_service_in_every_list_and_detail_is_valid_hsds(demo: Summary) -> None:
    client = Client()
    found: list[str] = []
    ids = []
    for where, item in every_item(client, "/hsds/services"):
        found += errors("service.json", item, where)
        ids.append(item["id"])
    for where, item in every_item(client, "/hsds/services", full="true"):
        found += errors("service.json", item, where)
    minimal = {
        "type": "object",
        "properties": {
            key: {"$ref": f"service.json#/properties/{key}"} for key in ("id", "last_modified")
        },
        "required": ["id", "last_modified"],
        "additionalProperties": False,
    }
    for where, item in every_item(client, "/hsds/services", minimal="true"):
        found += [f"{where}: {e.message}" for e in inline_validator(minimal).iter_errors(item)]
    for service_id in ids:
        found += errors("service.json", get(client, f"/hsds/services/{service_id}"), service_id)

    assert found == []
    assert len(ids) == WelfareResource.objects.public().count()


def test_every_organization_and_its_services_are_valid_hsds(demo: Summary) -> None:
    client = Client()
    found: list[str] = []
    ids = []
    for variant in ({}, {"full": "true"}, {"full_service": "true"}):
        for where, item in every_item(client, "/hsds/organizations", **variant):
            found += errors("organization.json", item, where)
            for index, service in enumerate(item.get("services", [])):
                found += errors("service.json", service, f"{where} services #{index}")
            if not variant:
                ids.append(item["id"])
    for organization_id in ids:
        for variant in ({}, {"full_service": "true"}):
            item = get(client, f"/hsds/organizations/{organization_id}", **variant)
            found += errors("organization.json", item, organization_id)
            for index, service in enumerate(item["services"]):
                found += errors("service.json", service, f"{organization_id} services #{index}")

    assert found == []
    published = Organization.objects.filter(resources__in=WelfareResource.objects.public())
    assert len(ids) == published.distinct().count()


def test_every_service_at_location_is_valid_hsds(demo: Summary) -> None:
    client = Client()
    found: list[str] = []
    ids = []
    for where, item in every_item(client, "/hsds/service_at_locations"):
        found += errors("service_at_location.json", item, where)
        ids.append(item["id"])
    for where, item in every_item(client, "/hsds/service_at_locations", full="true"):
        found += errors("service_at_location.json", item, where)
    for sal_id in ids:
        item = get(client, f"/hsds/service_at_locations/{sal_id}")
        found += errors("service_at_location.json", item, sal_id)
        found += errors("service.json", item["service"], f"{sal_id} service")

    assert found == []
    assert ids


def test_every_taxonomy_and_term_is_valid_hsds(demo: Summary) -> None:
    client = Client()
    found: list[str] = []
    for where, item in every_item(client, "/hsds/taxonomies"):
        found += errors("taxonomy.json", item, where)
        found += errors("taxonomy.json", get(client, f"/hsds/taxonomies/{item['id']}"), where)
    terms = 0
    for where, item in every_item(client, "/hsds/taxonomy_terms"):
        found += errors("taxonomy_term.json", item, where)
        detail = get(client, f"/hsds/taxonomy_terms/{item['id']}")
        found += errors("taxonomy_term.json", detail, where)
        terms += 1

    assert found == []
    assert terms > 30


def test_the_api_information_follows_openapi(demo: Summary) -> None:
    schema = openapi()["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]
    info = get(Client(), "/hsds/")

    assert [e.message for e in inline_validator(schema["schema"]).iter_errors(info)] == []
    assert set(info) == set(schema["schema"]["properties"])
    assert info["version"] == "3.0"


def test_the_json_export_of_the_demo_directory_is_valid_hsds(demo: Summary) -> None:
    data = get(Client(), "/hsds/export.json")
    found: list[str] = []
    for key, schema in (
        ("organizations", "organization.json"),
        ("services", "service.json"),
        ("taxonomies", "taxonomy.json"),
        ("taxonomy_terms", "taxonomy_term.json"),
    ):
        for index, item in enumerate(data[key]):
            found += errors(schema, item, f"export.json {key} #{index}")

    assert found == []
    assert len(data["services"]) == WelfareResource.objects.public().count()
