"""`make run`'s demo logins with the second factor on: load_demo gives each office login an
authenticator (its key printed; `manage.py totp_code <username>` prints the current code while
DEBUG is on) and prints a one-time code that makes the demo browser an enrolled tablet."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from base.twofactor.demo import demo_authenticators_ensure, demo_tablet_code
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

DEMO = [
    ("caregiver", ["caregiver"], False),
    ("coordinator", ["coordinator"], True),
    ("counselor", ["counselor"], True),
    ("manager", ["manager"], True),
    ("admin", ["administrator"], True),
]


@pytest.fixture
def demo_logins() -> list[str]:
    for username, roles, staff in DEMO:
        UserFactory(username=username, roles=roles, is_staff=staff)
    return [username for username, _roles, _staff in DEMO]


def test_every_office_demo_login_gets_an_authenticator_and_the_caregiver_none(
    demo_logins: list[str],
) -> None:
    found = demo_authenticators_ensure(demo_logins)

    assert [item.username for item in found] == ["admin", "coordinator", "counselor", "manager"]
    assert not TOTPDevice.objects.filter(user__username="caregiver").exists()
    assert demo_authenticators_ensure(demo_logins) == found  # a second run keeps the keys


def test_the_printed_code_logs_a_demo_coordinator_in(demo_logins: list[str], settings) -> None:  # noqa: ANN001
    settings.DEBUG = True
    demo_authenticators_ensure(demo_logins)
    browser = Client()
    browser.post("/login/", {"username": "coordinator", "password": PASSWORD})
    out = StringIO()

    call_command("totp_code", "coordinator", stdout=out)
    response = browser.post("/login/code/", {"code": out.getvalue().strip()})

    assert response.status_code == 302 and response["Location"] == "/desk/"


def test_totp_code_refuses_without_debug_and_for_a_persons_own_app(
    demo_logins: list[str],
    settings,  # noqa: ANN001
) -> None:
    demo_authenticators_ensure(demo_logins)
    own = UserFactory(username="real-person", roles=["coordinator"])
    TOTPDevice.objects.create(user=own, name="phone", confirmed=True)

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("totp_code", "coordinator", stdout=StringIO())
    settings.DEBUG = True
    with pytest.raises(CommandError):
        call_command("totp_code", "real-person", stdout=StringIO())


def test_the_printed_tablet_code_lets_the_demo_caregiver_in(demo_logins: list[str]) -> None:
    pending = demo_tablet_code("coordinator")
    browser = Client()

    browser.post("/tablet/enrol/", {"code": pending.display_code})
    response = browser.post("/login/", {"username": "caregiver", "password": PASSWORD})

    assert response.status_code == 302
