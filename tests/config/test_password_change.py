"""Every user changes their own password at /account/password/, linked from the header; the
session in use stays, the user's other sessions and API token end."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from base.tokens import token_issue
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

URL = "/account/password/"
NEW = "bom-nal-ui-gil-2026"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["caregiver", "coordinator", "counselor", "manager"])
def test_every_role_finds_the_page_from_the_header(role: str) -> None:
    client = signed_in(UserFactory(roles=[role]))

    home = client.get("/").content.decode()
    page = client.get(URL)

    assert f'href="{URL}"' in home
    assert page.status_code == 200
    assert 'name="old_password"' in page.content.decode()


def test_changing_keeps_this_session_and_ends_the_others_and_the_token() -> None:
    user = UserFactory(username="danwon1", roles=["caregiver"])
    here, elsewhere = signed_in(user), signed_in(user)
    key = token_issue(user).key

    response = here.post(
        URL, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    )

    assert response.status_code == 302 and response["Location"] == "/desk/"
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert here.get("/tablet/").status_code == 200
    assert elsewhere.get("/tablet/").status_code == 302
    assert not Token.objects.filter(key=key).exists()
    assert APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/regions/").status_code == 401


def test_a_wrong_old_password_or_a_weak_new_one_is_refused_with_the_fields_named() -> None:
    user = UserFactory(username="danwon1", roles=["caregiver"])
    client = signed_in(user)

    wrong_old = client.post(
        URL, {"old_password": "nope", "new_password1": NEW, "new_password2": NEW}
    )
    weak = client.post(
        URL, {"old_password": PASSWORD, "new_password1": "1234", "new_password2": "1234"}
    )

    assert wrong_old.status_code == 200
    assert 'id="id_old_password_error"' in wrong_old.content.decode()
    assert weak.status_code == 200
    assert 'id="id_new_password2_error"' in weak.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_page_needs_a_login() -> None:
    response = Client().get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
