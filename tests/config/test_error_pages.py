"""The 403, 404 and 500 pages: Korean by default, English with the language cookie, in the
site's layout, each with a way back to the user's own desk; the API answers them in JSON."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import loader
from django.test import Client

from tests.factories import UserFactory

DESKS = [
    ("caregiver", "/tablet/"),
    ("coordinator", "/coordinator/"),
    ("counselor", "/consultations/"),
    ("manager", "/kpi/"),
    ("administrator", "/admin/"),
]
FAILING_URLS = "tests.config.error_urls"


def signed_in_as(role: str) -> Client:
    client = Client()
    # An administrator is staff, as /admin/ requires (the demo's is too).
    user = UserFactory(username=f"{role}-errors", roles=[role], is_staff=role == "administrator")
    client.force_login(user)
    return client


@pytest.fixture
def failing_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = FAILING_URLS


def back_link(html: str) -> str:
    start = html.index('id="back-to-desk" href="') + len('id="back-to-desk" href="')
    return html[start : html.index('"', start)]


# --- 404 -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_missing_page_is_a_korean_404_in_the_sites_layout(client: Client) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="ko">' in html
    assert "페이지를 찾을 수 없습니다" in html
    assert '<header class="top">' in html
    assert "/static/css/app.css" in html


@pytest.mark.django_db
def test_404_sends_a_visitor_to_log_in(client: Client) -> None:
    html = client.get("/no-such-page/").content.decode()

    assert back_link(html) == "/login/"


@pytest.mark.parametrize(("role", "desk"), DESKS)
@pytest.mark.django_db
def test_404_links_back_to_the_users_own_desk(role: str, desk: str) -> None:
    response = signed_in_as(role).get("/no-such-page/")

    assert response.status_code == 404
    assert back_link(response.content.decode()) == desk


@pytest.mark.django_db
def test_404_is_english_with_the_language_cookie(client: Client, settings: Any) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get("/no-such-page/").content.decode()

    assert '<html lang="en">' in html
    assert "Page not found" in html
    assert "페이지를 찾을 수 없습니다" not in html


@pytest.mark.django_db
def test_missing_api_address_is_still_a_json_404(client: Client) -> None:
    response = client.get("/api/v1/no-such-endpoint/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


# --- 403 -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_caregiver_on_the_coordinator_desk_gets_a_korean_403_back_to_the_tablet() -> None:
    response = signed_in_as("caregiver").get("/coordinator/")

    assert response.status_code == 403
    html = response.content.decode()
    assert "이 화면을 볼 권한이 없습니다" in html
    assert '<header class="top">' in html
    assert back_link(html) == "/tablet/"


@pytest.mark.parametrize(("role", "desk"), [d for d in DESKS if d[0] != "manager"])
@pytest.mark.django_db
def test_403_links_back_to_the_users_own_desk(role: str, desk: str) -> None:
    response = signed_in_as(role).get("/kpi/")  # the managers' goal tracker

    if role == "administrator":
        assert response.status_code == 200  # administrators may read it
        return
    assert response.status_code == 403
    assert back_link(response.content.decode()) == desk


@pytest.mark.django_db
def test_403_is_english_with_the_language_cookie(settings: Any) -> None:
    client = signed_in_as("caregiver")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get("/coordinator/").content.decode()

    assert "You do not have permission to see this page" in html
    assert "Back to my desk (Care visits (tablet))" in html


@pytest.mark.django_db
def test_api_refusal_stays_json(caregiver_api: Any) -> None:
    response = caregiver_api.get("/api/v1/consultations/")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"


# --- 500 -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_bug_shows_a_korean_500_with_the_users_desk(failing_urls: None) -> None:
    client = signed_in_as("counselor")
    client.raise_request_exception = False

    response = client.get("/fails/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "일시적인 서버 오류가 발생했습니다" in html
    assert '<header class="top">' in html
    assert back_link(html) == "/consultations/"


@pytest.mark.django_db
def test_500_is_english_with_the_language_cookie(failing_urls: None, settings: Any) -> None:
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get("/fails/").content.decode()

    assert '<html lang="en">' in html
    assert "A temporary server error occurred" in html


@pytest.mark.django_db
def test_500_page_still_renders_when_the_users_desk_cannot_be_read(
    failing_urls: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def database_down(user: Any) -> tuple[str, str]:
        raise RuntimeError("database is down")

    monkeypatch.setattr("config.errors.desk_for", database_down)
    client = Client(raise_request_exception=False)

    response = client.get("/fails/")

    assert response.status_code == 500
    assert back_link(response.content.decode()) == "/"


def test_500_template_renders_from_an_empty_context() -> None:
    """As Django's own handler would render it: no request, no context processors."""
    html = loader.get_template("500.html").render({})

    assert "일시적인 서버 오류가 발생했습니다" in html


@pytest.mark.django_db
def test_a_bug_in_the_api_is_a_json_500(failing_urls: None) -> None:
    client = Client(raise_request_exception=False)

    response = client.get("/api/v1/fails/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
