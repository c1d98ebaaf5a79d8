"""The API docs pages (/api/v1/docs/, /api/v1/redoc/) on a closed network: every file they
need comes from this server, and they say how to get a token."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

DOCS = "/api/v1/docs/"
REDOC = "/api/v1/redoc/"
ABSOLUTE_URL = re.compile(r"""(?:https?:)?//[A-Za-z0-9.\-]+(?::\d+)?""")
# src= and href= of scripts, stylesheets and icons: what a browser fetches to draw the page.
ASSET = re.compile(r"""<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)\"""")


@pytest.fixture
def signed_in(coordinator: Any, settings: Any) -> Client:
    # Static files as whitenoise serves them once collected, found in the apps' static/.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    client = Client()
    client.force_login(coordinator)
    return client


def outside_hosts(html: str) -> set[str]:
    hosts = {urlsplit(url if ":" in url.split("//")[0] else "http:" + url).hostname
             for url in ABSOLUTE_URL.findall(html)}  # fmt: skip
    return hosts - {"testserver"}


@pytest.mark.parametrize("path", [DOCS, REDOC])
@pytest.mark.django_db
def test_docs_page_names_no_host_but_its_own(signed_in: Client, path: str) -> None:
    response = signed_in.get(path)

    assert response.status_code == 200
    assert outside_hosts(response.content.decode()) == set()


@pytest.mark.parametrize("path", [DOCS, REDOC])
@pytest.mark.django_db
def test_every_script_and_stylesheet_of_the_docs_is_served_here(
    signed_in: Client, path: str
) -> None:
    html = signed_in.get(path).content.decode()
    assets = ASSET.findall(html)

    assert any(asset.endswith(".js") for asset in assets), assets
    for asset in assets:
        response = signed_in.get(asset)
        assert response.status_code == 200, asset
        b"".join(response.streaming_content if response.streaming else [response.content])


@pytest.mark.django_db
def test_swagger_ui_files_come_from_the_sidecar(signed_in: Client) -> None:
    html = signed_in.get(DOCS).content.decode()

    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css" in html
    assert "@latest" not in html


@pytest.mark.django_db
def test_docs_page_explains_how_to_get_a_token_in_korean(signed_in: Client) -> None:
    html = signed_in.get(DOCS).content.decode()

    assert "API 토큰 받기" in html
    assert "POST /api/v1/auth/token/" in html
    assert "Authorization: Token &lt;토큰&gt;" in html


@pytest.mark.django_db
def test_docs_page_explains_how_to_get_a_token_in_english_with_the_language_cookie(
    signed_in: Client, settings: Any
) -> None:
    signed_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = signed_in.get(DOCS).content.decode()

    assert "Getting an API token" in html
    assert "Authorization: Token &lt;token&gt;" in html


@pytest.mark.django_db
def test_schema_description_says_how_to_authenticate(coordinator_api: Any) -> None:
    schema = coordinator_api.get("/api/v1/schema/", {"format": "json"}).json()

    assert "POST /api/v1/auth/token/" in schema["info"]["description"]
    assert "Authorization: Token" in schema["info"]["description"]


@pytest.mark.django_db
def test_anonymous_visitor_of_the_docs_is_sent_to_log_in(client: Client) -> None:
    response = client.get(DOCS)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
