"""Token login (POST /api/v1/auth/token/) and the lockout after repeated wrong passwords."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory
from tests.two_factor import authenticator_for, enrol, fresh_code

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
PROTECTED_URL = "/api/v1/regions/"
WRONG = "not-the-password"


def ask_token(client: APIClient, username: str, password: str, **extra: str):  # noqa: ANN201
    return client.post(
        TOKEN_URL, {"username": username, "password": password}, format="json", **extra
    )


def fail_until_locked(client: APIClient, username: str, **extra: str) -> list[int]:
    return [
        ask_token(client, username, WRONG, **extra).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]


def test_lockout_limit_is_five_failures() -> None:
    assert settings.AXES_FAILURE_LIMIT == 5


def test_right_password_returns_a_token(api: APIClient) -> None:
    # given: a caregiver on an enrolled tablet
    user = UserFactory(username="tablet1", roles=["caregiver"])
    enrol(api)

    # when
    response = ask_token(api, "tablet1", PASSWORD)

    # then
    assert response.status_code == 200, response.content
    assert response.json()["token"] == Token.objects.get(user=user).key


def test_asking_twice_returns_the_same_token(api: APIClient) -> None:
    UserFactory(username="tablet1")

    first = ask_token(api, "tablet1", PASSWORD).json()["token"]
    second = ask_token(api, "tablet1", PASSWORD).json()["token"]

    assert first == second


def test_token_authenticates_api_calls(api: APIClient) -> None:
    # given
    UserFactory(username="tablet1", roles=["caregiver"])
    enrol(api)
    key = ask_token(api, "tablet1", PASSWORD).json()["token"]
    client = APIClient()

    # when
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(PROTECTED_URL)

    # then
    assert response.status_code == 200, response.content
    assert response.json()[0]["code"] == "jeonju"


def test_without_a_token_the_same_call_is_refused(api: APIClient) -> None:
    response = api.get(PROTECTED_URL)

    assert response.status_code in {401, 403}


def test_an_invalid_token_is_refused(api: APIClient) -> None:
    api.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    response = api.get(PROTECTED_URL)

    assert response.status_code in {401, 403}


def test_a_token_of_a_deactivated_account_is_refused(api: APIClient) -> None:
    # given
    user = UserFactory(username="tablet1")
    key = ask_token(api, "tablet1", PASSWORD).json()["token"]
    user.is_active = False
    user.save()

    # when
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get(PROTECTED_URL)

    # then
    assert response.status_code in {401, 403}


def test_wrong_password_is_a_400_with_non_field_errors(api: APIClient) -> None:
    UserFactory(username="tablet1")

    response = ask_token(api, "tablet1", WRONG)

    assert response.status_code == 400, response.content
    assert "non_field_errors" in response.json()
    assert "token" not in response.json()


def test_unknown_username_is_a_400_with_non_field_errors(api: APIClient) -> None:
    response = ask_token(api, "nobody", PASSWORD)

    assert response.status_code == 400, response.content
    assert "non_field_errors" in response.json()


def test_deactivated_account_gets_no_token(api: APIClient) -> None:
    UserFactory(username="tablet1", is_active=False)

    response = ask_token(api, "tablet1", PASSWORD)

    assert response.status_code == 400, response.content
    assert not Token.objects.exists()


def test_missing_fields_are_each_reported(api: APIClient) -> None:
    response = api.post(TOKEN_URL, {}, format="json")

    assert response.status_code == 400, response.content
    assert {"username", "password"} <= set(response.json())


def test_missing_password_is_reported_on_password(api: APIClient) -> None:
    response = api.post(TOKEN_URL, {"username": "tablet1"}, format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"password"}


def test_malformed_json_is_a_400(api: APIClient) -> None:
    response = api.post(TOKEN_URL, data='{"username": "tablet1", ', content_type="application/json")

    assert response.status_code == 400, response.content
    assert "detail" in response.json()


# --- lockout (django-axes: per username and IP address) ------------------------------------


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(
    api: APIClient,
) -> None:
    # given
    UserFactory(username="tablet1")
    statuses = fail_until_locked(api, "tablet1")

    # when
    response = ask_token(api, "tablet1", PASSWORD)

    # then
    assert all(code in {400, 429} for code in statuses), statuses
    assert response.status_code == 429, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    assert "token" not in response.json()


def test_four_wrong_passwords_do_not_lock_the_account(api: APIClient) -> None:
    # given
    UserFactory(username="tablet1")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert ask_token(api, "tablet1", WRONG).status_code == 400

    # when
    response = ask_token(api, "tablet1", PASSWORD)

    # then
    assert response.status_code == 200, response.content


def test_lockout_answer_says_when_to_retry(api: APIClient) -> None:
    UserFactory(username="tablet1")
    fail_until_locked(api, "tablet1")

    response = ask_token(api, "tablet1", PASSWORD)

    assert response.status_code == 429
    assert int(response["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()


def test_another_username_from_the_same_address_is_not_locked(api: APIClient) -> None:
    # given
    UserFactory(username="tablet1")
    UserFactory(username="tablet2")
    fail_until_locked(api, "tablet1")

    # when
    response = ask_token(api, "tablet2", PASSWORD)

    # then
    assert response.status_code == 200, response.content
    assert "token" in response.json()


def test_the_same_username_from_another_address_is_not_locked(api: APIClient) -> None:
    # given
    UserFactory(username="tablet1")
    fail_until_locked(api, "tablet1", REMOTE_ADDR="10.0.0.1")

    # when
    response = ask_token(api, "tablet1", PASSWORD, REMOTE_ADDR="10.0.0.2")

    # then
    assert response.status_code == 200, response.content


def test_a_locked_account_cannot_use_the_admin_login_either(api: APIClient) -> None:
    # given: locked out through the API
    UserFactory(username="admin1", is_staff=True, is_superuser=True)
    fail_until_locked(api, "admin1")

    # when
    response = Client().post("/admin/login/", {"username": "admin1", "password": PASSWORD})

    # then
    assert response.status_code == 429


def test_the_admin_login_asks_staff_for_the_second_factor_before_logging_in() -> None:
    UserFactory(username="admin1", is_staff=True, is_superuser=True)

    response = Client().post("/admin/login/", {"username": "admin1", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/login/enrol/"
    assert not response.wsgi_request.user.is_authenticated


def test_staff_logs_into_admin_with_the_right_password_and_code() -> None:
    user = UserFactory(username="admin1", is_staff=True, is_superuser=True)
    device = authenticator_for(user)
    browser = Client()
    browser.post("/admin/login/?next=/admin/", {"username": "admin1", "password": PASSWORD})

    response = browser.post("/login/code/", {"code": fresh_code(device)})

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert browser.get("/admin/").status_code == 200


def test_five_wrong_admin_logins_lock_the_session_login() -> None:
    # given
    UserFactory(username="admin1", is_staff=True, is_superuser=True)
    browser = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        browser.post("/admin/login/", {"username": "admin1", "password": WRONG})

    # when
    response = browser.post("/admin/login/", {"username": "admin1", "password": PASSWORD})

    # then
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert "_auth_user_id" not in browser.session


def test_a_token_is_read_with_its_user_as_one_fixed_query(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every tablet request authenticates: the ORM built and compiled the same join each time.
    from django.db import connection
    from django.db.models.sql.compiler import SQLCompiler
    from django.test.utils import CaptureQueriesContext

    from base.tokens import ExpiringTokenAuthentication

    user = UserFactory(roles=["caregiver"])
    stored = Token.objects.create(user=user)
    compiled: list[object] = []
    real_as_sql = SQLCompiler.as_sql
    monkeypatch.setattr(
        SQLCompiler,
        "as_sql",
        lambda self, *a, **k: compiled.append(self) or real_as_sql(self, *a, **k),
    )

    with CaptureQueriesContext(connection) as queries:
        found_user, token = ExpiringTokenAuthentication().authenticate_credentials(stored.key)

    assert (len(queries), compiled) == (1, [])
    assert (found_user.pk, found_user.username, found_user.is_active) == (
        user.pk,
        user.username,
        True,
    )
    assert (token.key, token.user_id, token.created) == (stored.key, user.pk, stored.created)
    assert not hasattr(found_user, "token_created")
