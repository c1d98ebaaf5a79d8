"""The OpenAPI document at /api/v1/schema/, the docs page, and settings sanity."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import resolve
from rest_framework import permissions
from rest_framework.test import APIClient

from config.env import env_bool, env_int

SCHEMA_URL = "/api/v1/schema/"


@pytest.fixture
def schema(coordinator_api: APIClient) -> dict[str, Any]:
    response = coordinator_api.get(SCHEMA_URL, {"format": "json"})
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def undocumented_properties(schema: dict[str, Any], component: str) -> list[str]:
    properties = schema["components"]["schemas"][component]["properties"]
    return sorted(
        name
        for name, spec in properties.items()
        if not (spec.get("description") or spec.get("title"))
    )


# --- the schema ---------------------------------------------------------------------------


def test_coordinator_gets_an_openapi_document(schema: dict[str, Any]) -> None:
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["version"] == "1.0.0"


@pytest.mark.django_db
def test_anonymous_cannot_read_the_schema(api: APIClient) -> None:
    response = api.get(SCHEMA_URL, {"format": "json"})

    assert response.status_code in {401, 403}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/recipients/",
        "/api/v1/volunteers/",
        "/api/v1/assignments/",
        "/api/v1/regions/",
        "/api/v1/auth/token/",
    ],
)
def test_schema_lists_the_path(schema: dict[str, Any], path: str) -> None:
    assert path in schema["paths"]


def test_volunteers_have_no_delete_operation(schema: dict[str, Any]) -> None:
    assert "delete" not in schema["paths"]["/api/v1/volunteers/{id}/"]


@pytest.mark.parametrize(
    "component",
    [
        "Recipient",
        "CorpsMember",
        "RecipientRequest",
        "PatchedRecipientRequest",
        "CorpsMemberRequest",
        "PatchedCorpsMemberRequest",
    ],
)
def test_every_property_is_described(schema: dict[str, Any], component: str) -> None:
    assert undocumented_properties(schema, component) == []


@pytest.mark.parametrize("status", ["400", "409"])
def test_recipient_create_documents_the_error_response(schema: dict[str, Any], status: str) -> None:
    responses = schema["paths"]["/api/v1/recipients/"]["post"]["responses"]

    assert status in responses


def test_volunteer_filters_are_documented(schema: dict[str, Any]) -> None:
    parameters = schema["paths"]["/api/v1/volunteers/"]["get"]["parameters"]

    assert {"region", "status", "service_type", "search"} <= {p["name"] for p in parameters}


@pytest.mark.django_db
def test_docs_page_is_html_for_a_logged_in_user(coordinator: Any) -> None:
    # given
    browser = Client()
    browser.force_login(coordinator)

    # when
    response = browser.get("/api/v1/docs/")

    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"swagger" in response.content.lower()


# --- settings sanity ----------------------------------------------------------------------


def test_korean_is_the_default_language() -> None:
    assert settings.LANGUAGE_CODE == "ko"


def test_english_is_available() -> None:
    assert "en" in dict(settings.LANGUAGES)


def test_time_zone_is_seoul() -> None:
    assert settings.TIME_ZONE == "Asia/Seoul"


def test_datetimes_are_time_zone_aware() -> None:
    assert settings.USE_TZ is True


def test_api_requires_authentication_by_default() -> None:
    assert settings.REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] == [
        "rest_framework.permissions.IsAuthenticated"
    ]


# --- reading the environment --------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("0", False), (" Yes ", True)])
def test_env_bool_reads_a_boolean(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    monkeypatch.setenv("DEBUG", raw)

    assert env_bool("DEBUG", not expected) is expected


def test_env_bool_refuses_a_value_that_is_not_a_boolean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBUG", "maybe")

    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env_bool("DEBUG", False)


def test_env_int_reads_an_integer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AXES_FAILURE_LIMIT", "7")

    assert env_int("AXES_FAILURE_LIMIT", 5) == 7


def test_env_int_refuses_a_value_that_is_not_an_integer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AXES_FAILURE_LIMIT", "five")

    with pytest.raises(ImproperlyConfigured, match="AXES_FAILURE_LIMIT"):
        env_int("AXES_FAILURE_LIMIT", 5)


def test_env_int_uses_the_default_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AXES_FAILURE_LIMIT", raising=False)

    assert env_int("AXES_FAILURE_LIMIT", 5) == 5


# --- what a generated client relies on ------------------------------------------------------

OPERATIONS = ("get", "post", "put", "patch", "delete")
# Endpoints that take a file upload, and so a multipart body. (The resource directory's CSV
# import is an admin page, consultations/admin.py, not part of /api/v1/.)
UPLOAD_ENDPOINTS: set[tuple[str, str]] = {
    # The home-repair photos (before and after).
    ("/api/v1/repair-jobs/{id}/photos/", "post"),
    # The signed copy of a partner agreement (PDF or image): multipart, declared as such.
    ("/api/v1/agreements/{id}/signed-file/", "post"),
}


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in OPERATIONS
    ]


def view_permissions(path: str, method: str) -> list[Any]:
    """The permission objects the view of ``path`` applies to ``method``, as at run time."""
    match = resolve(re.sub(r"\{[^}]+\}", "1", path))
    view_class, initkwargs = match.func.cls, match.func.initkwargs
    view = view_class(**initkwargs)
    actions = getattr(match.func, "actions", None)
    if actions:
        view.action = actions[method]
    return view.get_permissions()


def test_every_request_body_is_json_only(schema: dict[str, Any]) -> None:
    not_json = {
        f"{method.upper()} {path}": sorted(operation["requestBody"]["content"])
        for path, method, operation in operations(schema)
        if "requestBody" in operation
        and (path, method) not in UPLOAD_ENDPOINTS
        and list(operation["requestBody"]["content"]) != ["application/json"]
    }

    assert not_json == {}


def test_the_photo_upload_takes_multipart_only(schema: dict[str, Any]) -> None:
    body = schema["paths"]["/api/v1/repair-jobs/{id}/photos/"]["post"]["requestBody"]

    assert list(body["content"]) == ["multipart/form-data"]
    schema_ref = body["content"]["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
    image = schema["components"]["schemas"][schema_ref]["properties"]["image"]
    assert image == {**image, "type": "string", "format": "binary"}


def test_every_operation_that_needs_a_login_declares_401(schema: dict[str, Any]) -> None:
    missing = [
        f"{method.upper()} {path}"
        for path, method, operation in operations(schema)
        if operation.get("security")
        and {} not in operation["security"]
        and "401" not in operation["responses"]
    ]

    assert missing == []


def test_every_operation_on_a_named_record_declares_404(schema: dict[str, Any]) -> None:
    missing = [
        f"{method.upper()} {path}"
        for path, method, operation in operations(schema)
        if "{" in path and "404" not in operation["responses"]
    ]

    assert missing == []


def test_every_operation_that_checks_a_role_declares_403(schema: dict[str, Any]) -> None:
    anyone_logged_in = (permissions.AllowAny, permissions.IsAuthenticated)
    missing = [
        f"{method.upper()} {path}"
        for path, method, operation in operations(schema)
        if any(not isinstance(p, anyone_logged_in) for p in view_permissions(path, method))
        and "403" not in operation["responses"]
    ]

    assert missing == []


@pytest.mark.django_db
def test_anonymous_caller_is_told_to_log_in_with_a_token(api: APIClient) -> None:
    response = api.get("/api/v1/visits/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("Visit", "reviewed_by"),
        ("Visit", "reviewed_at"),
        ("VisitException", "resolved_by"),
        ("VisitException", "resolved_at"),
        ("VisitExceptionBrief", "resolved_at"),
        ("Period", "closed_by"),
        ("RollupRun", "requested_by"),
        ("EpisodeDetail", "closed_by"),
        ("ExtensionRequest", "decided_by"),
    ],
)
def test_a_field_that_can_come_back_null_is_declared_nullable(
    schema: dict[str, Any], component: str, field: str
) -> None:
    assert schema["components"]["schemas"][component]["properties"][field].get("nullable")


@pytest.mark.parametrize("field", ["email", "website"])
@pytest.mark.parametrize("component", ["Organization", "OrganizationRequest"])
def test_organization_contact_that_may_be_empty_has_no_format(
    schema: dict[str, Any], component: str, field: str
) -> None:
    # An organization without one answers "", which is no e-mail address or URL.
    declared = schema["components"]["schemas"][component]["properties"][field]

    assert declared["type"] == "string"
    assert "format" not in declared


@pytest.mark.parametrize("component", ["CarePlanEntry", "CarePlanEntryRequest"])
@pytest.mark.parametrize("answered", ["09:00:00", "06:27:20.201948"])
def test_a_time_of_day_is_declared_as_the_api_writes_it(
    schema: dict[str, Any], component: str, answered: str
) -> None:
    # DRF writes a time of day without an offset; JSON Schema's "time" format demands one.
    declared = schema["components"]["schemas"][component]["properties"]["start_time"]

    jsonschema.validate(answered, declared, format_checker=jsonschema.FormatChecker())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("25:00:00", declared, format_checker=jsonschema.FormatChecker())


def test_an_open_episode_may_answer_a_blank_closure_reason(schema: dict[str, Any]) -> None:
    declared = schema["components"]["schemas"]["Episode"]["properties"]["closure_reason"]

    assert {"$ref": "#/components/schemas/BlankEnum"} in declared["oneOf"]


def test_sync_items_are_the_visit_a_single_create_takes(schema: dict[str, Any]) -> None:
    sync = schema["paths"]["/api/v1/visits/sync/"]["post"]
    body = sync["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    single = schema["paths"]["/api/v1/visits/"]["post"]["requestBody"]["content"]
    visits = schema["components"]["schemas"][body]["properties"]["visits"]

    assert visits["items"] == single["application/json"]["schema"]
