"""The OpenAPI document at /api/v1/schema/, the docs page, and settings sanity."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
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
