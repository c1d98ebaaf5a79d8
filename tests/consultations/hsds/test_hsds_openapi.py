"""The API against HSDS 3.0's own ``openapi.json`` (vendored): every path it describes answers
here, every query parameter it lists for a path is read (a bad value is a 400 naming it), and
the page object has exactly the keys of its ``Page`` schema."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from consultations.hsds import serializers as hsds
from consultations.hsds.views import SCHEMA_DIR as SERVED_SCHEMA_DIR
from tests.consultations.factories import OrganizationFactory, WelfareResourceFactory
from tests.consultations.hsds.schemas import SCHEMA_DIR, errors, openapi, schema_files

pytestmark = pytest.mark.django_db

# Every path of openapi.json; this issue names them all but /{id} of service_at_locations,
# taxonomies and taxonomy_terms, which openapi.json has too.
PATHS = {
    "/",
    "/services",
    "/services/{id}",
    "/organizations",
    "/organizations/{id}",
    "/service_at_locations",
    "/service_at_locations/{id}",
    "/taxonomies",
    "/taxonomies/{id}",
    "/taxonomy_terms",
    "/taxonomy_terms/{id}",
}
# The directory keeps neither postal codes nor coordinates: these two are refused with a 400
# that says so, rather than ignored (an ignored filter would answer a wrong question).
REFUSED = {"postcode", "proximity"}


def parameters(path: str) -> dict[str, dict[str, Any]]:
    """The query parameters openapi.json lists for GET ``path``, ``$ref``s resolved."""
    item = openapi()["paths"][path]
    found = {}
    for parameter in [*item.get("parameters", []), *item["get"].get("parameters", [])]:
        if "$ref" in parameter:
            name = parameter["$ref"].rsplit("/", 1)[-1]
            parameter = openapi()["components"]["parameters"][name]
        if parameter["in"] == "query":
            found[parameter["name"]] = parameter
    return found


@pytest.fixture
def ids() -> dict[str, str]:
    resource = WelfareResourceFactory(organization=OrganizationFactory(address="전주시 효자로 1"))
    service = Client().get(f"/hsds/services/{resource.uuid}").json()
    term = service["attributes"][0]["taxonomy_term"]
    return {
        "/services/{id}": service["id"],
        "/organizations/{id}": service["organization_id"],
        "/service_at_locations/{id}": service["service_at_locations"][0]["id"],
        "/taxonomies/{id}": term["taxonomy_id"],
        "/taxonomy_terms/{id}": term["id"],
    }


def url(path: str, ids: dict[str, str]) -> str:
    return "/hsds" + path.replace("{id}", ids.get(path, ""))


def test_openapi_describes_exactly_the_paths_served_here() -> None:
    assert set(openapi()["paths"]) == PATHS


def test_the_vendored_schemas_are_the_shared_hsds_files() -> None:
    names = {path.name for path in schema_files()}

    assert {"service.json", "organization.json", "location.json", "taxonomy_term.json"} <= names
    assert (SCHEMA_DIR / "LICENSE").exists()
    assert "v3.0" in (SCHEMA_DIR / "README.md").read_text(encoding="utf-8")
    assert SERVED_SCHEMA_DIR == SCHEMA_DIR


def test_no_schema_declares_a_draft_other_than_openapis_2020_12() -> None:
    assert openapi()["jsonSchemaDialect"] == "https://json-schema.org/draft/2020-12/schema"
    declared = {json.loads(p.read_text(encoding="utf-8")).get("$schema") for p in schema_files()}
    assert declared <= {None, "https://json-schema.org/draft/2020-12/schema"}


def test_the_validator_finds_what_is_wrong_with_a_bad_service() -> None:
    bad = {"id": "not-a-uuid", "name": "이름", "status": "open", "minimum_age": "12"}

    found = errors("service.json", bad, "bad")

    assert len(found) == 3  # the id's format, the status's enum, the age's type


@pytest.mark.parametrize("path", sorted(PATHS))
def test_every_openapi_path_answers_json(path: str, ids: dict[str, str]) -> None:
    response = Client().get(url(path, ids))

    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("path", sorted(p for p in PATHS if "{" not in p and p != "/"))
def test_the_page_has_exactly_the_keys_of_openapis_page_schema(
    path: str, ids: dict[str, str]
) -> None:
    page = Client().get(url(path, ids)).json()

    page_keys = set(openapi()["components"]["schemas"]["Page"]["properties"])
    assert set(page) - {"contents"} == page_keys
    assert isinstance(page["contents"], list)


SAMPLES = {"integer": "1", "boolean": "true"}
BAD = {"integer": "many", "boolean": "maybe"}


def sample(name: str, spec: dict[str, Any], ids: dict[str, str]) -> str:
    if name in {"taxonomy_term_id", "parent_id"}:
        return ids["/taxonomy_terms/{id}"]
    if name == "taxonomy_id":
        return ids["/taxonomies/{id}"]
    if name == "organization_id":
        return ids["/organizations/{id}"]
    if name == "modified_after":
        return "2020-01-01T00:00:00+09:00"
    if name == "format":
        return "json"
    return SAMPLES.get(spec["schema"]["type"], "돌봄")


@pytest.mark.parametrize(
    ("path", "name"),
    [(path, name) for path in sorted(PATHS) for name in parameters(path) if name not in REFUSED],
)
def test_every_parameter_openapi_lists_takes_a_good_value(
    path: str, name: str, ids: dict[str, str]
) -> None:
    spec = parameters(path)[name]

    response = Client().get(url(path, ids), {name: sample(name, spec, ids)})

    assert response.status_code == 200, response.content


BAD_VALUES = {
    "format": "xml",
    "modified_after": "yesterday",
    "taxonomy_term_id": "care",
    "taxonomy_id": "care",
    "organization_id": "42",
    "parent_id": "care",
}


@pytest.mark.parametrize(
    ("path", "name"),
    [
        (path, name)
        for path in sorted(PATHS)
        for name, spec in parameters(path).items()
        if name in BAD_VALUES or spec["schema"]["type"] in BAD
    ],
)
def test_a_bad_value_of_a_typed_parameter_is_a_400_naming_it(
    path: str, name: str, ids: dict[str, str]
) -> None:
    spec = parameters(path)[name]
    bad = BAD_VALUES.get(name) or BAD[spec["schema"]["type"]]

    response = Client().get(url(path, ids), {name: bad})

    assert response.status_code == 400, response.content
    assert list(response.json()) == [name]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_postcode_and_proximity_are_refused_with_the_reason(name: str) -> None:
    response = Client().get("/hsds/service_at_locations", {name: "54999"})

    assert response.status_code == 400
    assert "우편번호" in response.json()[name][0]


def test_openapi_json_is_served_with_its_paths_and_this_server(ids: dict[str, str]) -> None:
    response = Client().get("/hsds/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["paths"] == openapi()["paths"]
    assert document["components"] == openapi()["components"]
    assert document["servers"] == [{"url": "http://testserver/hsds/"}]
    assert "REQUIRED" not in json.dumps(document["info"])


def test_the_api_information_points_at_the_served_openapi() -> None:
    info = Client().get("/hsds/").json()

    assert info["openapi_url"] == "http://testserver/hsds/openapi.json"
    assert info["version"] == hsds.HSDS_VERSION
