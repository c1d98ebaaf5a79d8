"""HTTP caching of the residents' pages and open data (config/public_cache.py), on small
stand-in views (tests/config/public_cache_urls.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stand_in_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.config.public_cache_urls"


def vary(response: Any) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",") if part}


@pytest.mark.parametrize("path", ["/find/?q=돌봄", "/hsds/services"])
def test_an_anonymous_read_of_a_public_page_is_public_for_five_minutes_with_an_etag(
    client: Client, path: str
) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["ETag"].startswith('"') and len(response["ETag"]) > 10
    assert {"accept-language", "cookie"} <= vary(response)


def test_the_same_etag_in_if_none_match_is_answered_304_without_a_body(client: Client) -> None:
    first = client.get("/find/?q=돌봄")

    again = client.get("/find/?q=돌봄", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def test_other_content_has_another_etag_and_an_old_etag_gets_the_full_page(
    client: Client,
) -> None:
    first = client.get("/find/?q=돌봄")

    other = client.get("/find/?q=노인", HTTP_IF_NONE_MATCH=first["ETag"])

    assert other.status_code == 200 and other["ETag"] != first["ETag"]
    assert "노인" in other.content.decode()


def test_head_is_cached_like_get(client: Client) -> None:
    response = client.head("/find/")

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300"


def test_a_signed_in_persons_pages_are_left_alone(client: Client) -> None:
    client.force_login(UserFactory())

    response = client.get("/find/?q=돌봄")

    assert response.status_code == 200
    assert "public" not in response.get("Cache-Control", "")
    assert not response.has_header("ETag")


@pytest.mark.parametrize(
    "path",
    [
        "/find/request/",  # the consultation request form
        "/elsewhere/",  # not a public path
        "/find/form/",  # the page used a CSRF token
        "/find/cookie/",  # the response sets a cookie
        "/find/missing/",  # not a 200
    ],
)
def test_responses_that_must_not_be_shared_are_not_marked_public(client: Client, path: str) -> None:
    response = client.get(path)

    assert "public" not in response.get("Cache-Control", "")
    assert not response.has_header("ETag")


def test_a_views_own_cache_policy_is_kept(client: Client) -> None:
    response = client.get("/find/own/")

    assert "public" not in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_a_post_is_not_cached(client: Client) -> None:
    response = client.post("/find/")

    assert response.status_code == 200
    assert not response.has_header("ETag")
