"""Desk sessions end after 30 idle minutes and with the browser; API tokens expire (12 hours
for people, longer for named integration accounts) and can be revoked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory
from tests.two_factor import enrol

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
REVOKE_URL = "/api/v1/auth/token/revoke/"
PROTECTED_URL = "/api/v1/regions/"


def token_for(client: APIClient, username: str) -> dict:
    if settings.DEVICE_COOKIE_NAME not in client.cookies:
        enrol(client)  # the caregivers' tokens are only for enrolled tablets
    response = client.post(TOKEN_URL, {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def age_token(username: str, hours: float) -> None:
    Token.objects.filter(user__username=username).update(
        created=timezone.now() - dt.timedelta(hours=hours)
    )


def test_the_token_answer_says_when_it_expires_twelve_hours_on(api: APIClient) -> None:
    UserFactory(username="tablet1", roles=["caregiver"])
    before = timezone.now()

    body = token_for(api, "tablet1")

    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert set(body) == {"token", "expires_at"}
    assert before + dt.timedelta(hours=12) <= expires <= timezone.now() + dt.timedelta(hours=12)


def test_an_expired_token_is_refused_with_401_and_a_new_login_gives_a_new_one(
    api: APIClient,
) -> None:
    UserFactory(username="tablet1", roles=["caregiver"])
    old = token_for(api, "tablet1")["token"]
    age_token("tablet1", 12.01)

    refused = APIClient(HTTP_AUTHORIZATION=f"Token {old}").get(PROTECTED_URL)
    new = token_for(api, "tablet1")["token"]

    assert refused.status_code == 401
    assert "만료" in refused.json()["detail"]
    assert new != old
    assert APIClient(HTTP_AUTHORIZATION=f"Token {new}").get(PROTECTED_URL).status_code == 200


def test_a_token_within_its_lifetime_is_the_same_at_the_next_login(api: APIClient) -> None:
    UserFactory(username="tablet1", roles=["caregiver"])
    first = token_for(api, "tablet1")["token"]
    age_token("tablet1", 11.9)

    assert token_for(api, "tablet1")["token"] == first
    assert APIClient(HTTP_AUTHORIZATION=f"Token {first}").get(PROTECTED_URL).status_code == 200


def test_a_named_integration_account_keeps_its_token_for_its_own_lifetime(
    api: APIClient, settings
) -> None:  # noqa: ANN001
    settings.API_INTEGRATION_USERS = frozenset({"goal-feed"})
    settings.API_INTEGRATION_TOKEN_DAYS = 90
    UserFactory(username="goal-feed", roles=["manager"])
    key = token_for(api, "goal-feed")["token"]
    age_token("goal-feed", 24 * 89)

    assert APIClient(HTTP_AUTHORIZATION=f"Token {key}").get(PROTECTED_URL).status_code == 200
    age_token("goal-feed", 24 * 90 + 1)
    assert APIClient(HTTP_AUTHORIZATION=f"Token {key}").get(PROTECTED_URL).status_code == 401


def test_revoking_a_token_ends_it_at_once(api: APIClient) -> None:
    UserFactory(username="tablet1", roles=["caregiver"])
    key = token_for(api, "tablet1")["token"]
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")

    revoked = client.post(REVOKE_URL)

    assert revoked.status_code == 204
    assert client.get(PROTECTED_URL).status_code == 401
    assert not Token.objects.filter(key=key).exists()


def test_revoking_without_credentials_is_401(api: APIClient) -> None:
    assert api.post(REVOKE_URL).status_code == 401


def test_revoking_with_a_wrong_method_is_405(api: APIClient) -> None:
    UserFactory(username="tablet1", roles=["caregiver"])
    key = token_for(api, "tablet1")["token"]

    assert APIClient(HTTP_AUTHORIZATION=f"Token {key}").get(REVOKE_URL).status_code == 405


def test_a_desk_session_ends_with_the_browser_and_after_thirty_idle_minutes() -> None:
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    # moved at most once a minute, not written on every request
    assert settings.SESSION_REFRESH_SECONDS == 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    assert "config.sessions.IdleSessionMiddleware" in settings.MIDDLEWARE
    assert settings.SESSION_ENGINE == "config.sessions"


def test_a_new_login_does_not_write_its_session_again_at_the_first_request() -> None:
    client, _session = _desk_client()

    assert _session_writes(client, "/coordinator/") == []


def _desk_client() -> tuple[Client, Session]:
    UserFactory(username="coordinator1", roles=["coordinator"])
    client = Client()
    client.force_login(User.objects.get(username="coordinator1"))
    return client, Session.objects.get()


def _last_used(session: Session, minutes_ago: float) -> None:
    """As if the session's end was last moved ``minutes_ago``."""
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() + dt.timedelta(minutes=30 - minutes_ago)
    )


def _session_writes(client: Client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [
        query["sql"]
        for query in queries.captured_queries
        if "django_session" in query["sql"] and not query["sql"].startswith("SELECT")
    ]


def test_a_request_moves_the_session_end_and_an_idle_session_is_logged_out() -> None:
    client, session = _desk_client()
    # the session was last used 29 minutes ago: one more request keeps it and moves its end
    _last_used(session, minutes_ago=29)

    kept = client.get("/coordinator/")

    assert kept.status_code == 200
    assert "Max-Age" not in str(kept.cookies.get(settings.SESSION_COOKIE_NAME, ""))
    moved = Session.objects.get(pk=session.pk).expire_date
    assert moved > timezone.now() + dt.timedelta(minutes=29)
    # 31 idle minutes later the server no longer knows the session: back to the login page
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(minutes=1))
    ended = client.get("/coordinator/")
    assert ended.status_code == 302
    assert ended["Location"].startswith(settings.LOGIN_URL)


def test_requests_within_a_minute_of_the_last_move_do_not_write_the_session() -> None:
    client, session = _desk_client()
    _last_used(session, minutes_ago=0.5)
    end = Session.objects.get(pk=session.pk).expire_date

    writes = _session_writes(client, "/coordinator/")

    assert writes == []
    assert Session.objects.get(pk=session.pk).expire_date == end


def test_the_first_request_a_minute_after_the_last_move_writes_the_session_once() -> None:
    client, session = _desk_client()
    _last_used(session, minutes_ago=1)

    writes = _session_writes(client, "/coordinator/")

    assert len(writes) == 1
    assert _session_writes(client, "/coordinator/") == []


def test_a_logged_out_session_cookie_does_not_bring_the_session_back() -> None:
    client, session = _desk_client()
    stale = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post("/logout/")
    assert not Session.objects.exists()

    client.cookies[settings.SESSION_COOKIE_NAME] = stale
    response = client.get("/coordinator/")

    assert response.status_code == 302
    assert not Session.objects.exists()


def test_an_anonymous_request_writes_no_session() -> None:
    response = Client().get("/privacy/")

    assert response.status_code == 200
    assert not Session.objects.exists()
