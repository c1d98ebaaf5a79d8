"""The bulk download: ``/hsds/export.zip`` (one CSV per HSDS table with a header row, and a
``datapackage.json`` describing them) and ``/hsds/export.json`` (every object)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from consultations.hsds.export import TABLES, columns, table_schema
from consultations.models import EligibilityTag
from tests.consultations.factories import OrganizationFactory, WelfareResourceFactory
from tests.consultations.hsds.schemas import errors
from tests.factories import region

pytestmark = pytest.mark.django_db


def make_directory(size: int, prefix: str = "") -> None:
    tags = list(EligibilityTag.objects.all()[:2])
    shared = OrganizationFactory(name=f"{prefix}공유 기관", address="전주시 효자로 1")
    for number in range(size):
        WelfareResourceFactory(
            name=f"{prefix}자원 {number:02d}",
            organization=shared if number % 3 == 0 else OrganizationFactory(address="전주시 1"),
            address="" if number % 2 else f"전주시 기린대로 {number}",
            regions=[region("jeonju"), region("wanju")],
            eligibility_tags=tags,
            hours="평일 9:00-18:00",
            documents="신분증\n진단서",
            phone="063-123-0000",
            cost="free",
        )
    WelfareResourceFactory(name=f"{prefix}비공개 자원", is_published=False)


def read_zip(client: Client) -> tuple[dict[str, list[dict[str, str]]], dict[str, list[str]], Any]:
    response = client.get("/hsds/export.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "hsds-export.zip" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    package = json.loads(archive.read("datapackage.json").decode("utf-8"))
    rows, headers = {}, {}
    for resource in package["resources"]:
        text = archive.read(resource["path"]).decode("utf-8")
        reader = csv.DictReader(io.StringIO(text))
        headers[resource["name"]] = list(reader.fieldnames or [])
        rows[resource["name"]] = list(reader)
    return rows, headers, package


def test_the_zip_has_a_csv_per_table_and_a_datapackage() -> None:
    make_directory(6)

    rows, headers, package = read_zip(Client())

    assert set(rows) == set(TABLES)
    for name in TABLES:
        assert headers[name] == columns(name)
    assert len(rows["service"]) == 6
    assert {row["name"] for row in rows["service"]} == {f"자원 {n:02d}" for n in range(6)}
    assert package["profile"] == "tabular-data-package"


def test_the_datapackage_describes_each_csvs_fields_from_the_hsds_schema() -> None:
    make_directory(2)

    _, headers, package = read_zip(Client())

    for resource in package["resources"]:
        schema = table_schema(resource["name"])
        assert resource["path"] == schema["path"]
        assert [f["name"] for f in resource["schema"]["fields"]] == headers[resource["name"]]
        assert resource["schema"]["primaryKey"] == ["id"]
        assert resource["encoding"] == "utf-8"
    service = next(r for r in package["resources"] if r["name"] == "service")
    fields = {field["name"]: field for field in service["schema"]["fields"]}
    assert fields["last_modified"]["type"] == "datetime"
    assert fields["id"]["format"] == "uuid" and fields["id"]["constraints"]["required"]


def test_every_reference_between_the_tables_points_at_a_row() -> None:
    make_directory(9)

    rows, _, _ = read_zip(Client())

    def keys(name: str) -> set[str]:
        return {row["id"] for row in rows[name]}

    for name in TABLES:
        assert len(keys(name)) == len(rows[name]), f"{name} ids are not unique"
    assert {r["organization_id"] for r in rows["service"]} <= keys("organization")
    assert {r["service_id"] for r in rows["service_at_location"]} <= keys("service")
    assert {r["location_id"] for r in rows["service_at_location"]} <= keys("location")
    assert {r["location_id"] for r in rows["address"]} == keys("location")
    assert {r["taxonomy_term_id"] for r in rows["attribute"]} <= keys("taxonomy_term")
    assert {r["link_id"] for r in rows["attribute"]} <= keys("service")
    assert {r["taxonomy_id"] for r in rows["taxonomy_term"]} == keys("taxonomy")
    for name in ("schedule", "service_area", "required_document", "cost_option"):
        assert {r["service_id"] for r in rows[name]} <= keys("service"), name
    phone_owners = {r["service_id"] or r["organization_id"] for r in rows["phone"]}
    assert phone_owners <= keys("service") | keys("organization")


def test_a_location_shared_by_several_services_is_one_row() -> None:
    make_directory(9)

    rows, _, _ = read_zip(Client())

    shared = [r for r in rows["location"] if r["name"] == "공유 기관"]
    assert len(shared) == 1


def test_the_json_export_holds_the_same_objects_as_the_api() -> None:
    make_directory(4)
    client = Client()

    data = client.get("/hsds/export.json").json()

    assert len(data["services"]) == 4
    for service in data["services"]:
        assert service == client.get(f"/hsds/services/{service['id']}").json()
        assert errors("service.json", service, service["name"]) == []
    for organization in data["organizations"]:
        assert errors("organization.json", organization, organization["name"]) == []
    assert data["hsds_version"] == "3.0"


@pytest.mark.parametrize("url", ["/hsds/export.zip", "/hsds/export.json"])
def test_the_export_costs_the_same_queries_whatever_the_directory_size(url: str) -> None:
    client = Client()
    make_directory(2)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    make_directory(12, prefix="더 ")
    with CaptureQueriesContext(connection) as large:
        client.get(url)

    assert len(small) == len(large) <= 8


def test_the_same_data_gives_the_same_bytes() -> None:
    make_directory(3)
    client = Client()

    first = client.get("/hsds/export.zip").content
    second = client.get("/hsds/export.zip").content

    assert first == second
    assert client.get("/hsds/export.json").content == client.get("/hsds/export.json").content
