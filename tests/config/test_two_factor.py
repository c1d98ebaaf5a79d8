"""Two-factor login for administrators, coordinators, counselors and staff: the password, then
a code from the authenticator app (computed here from the device's key, as the app does) or a
recovery code; enrolment with a QR code first; the token endpoint asks for ``otp``."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from base.twofactor.services import needs_enrolled_device, needs_two_factor
from tests.factories import PASSWORD, UserFactory
from tests.two_factor import authenticator_for, code_now, fresh_code

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def password_step(client: Client, username: str, next_url: str = "") -> object:
    url = f"/login/?next={next_url}" if next_url else "/login/"
    return client.post(url, {"username": username, "password": PASSWORD})


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def secret_on_page(html: str) -> bytes:
    """The key as the enrolment page shows it for typing into an app (base32)."""
    from base64 import b32decode

    shown = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', html).group(1)
    compact = shown.replace(" ", "")
    return b32decode(compact + "=" * (-len(compact) % 8))


# --- who needs what -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "staff", "two_factor", "device"),
    [
        (["administrator"], False, True, False),
        (["coordinator"], False, True, False),
        (["counselor"], False, True, False),
        (["manager"], False, False, False),
        (["manager"], True, True, False),  # staff open the admin
        (["caregiver"], False, False, True),
        (["caregiver", "coordinator"], False, True, False),
        ([], False, False, False),
    ],
)
def test_the_second_factor_depends_on_the_roles(
    roles: list[str], staff: bool, two_factor: bool, device: bool
) -> None:
    user = UserFactory(roles=roles, is_staff=staff)

    assert needs_two_factor(user) is two_factor
    assert needs_enrolled_device(user) is device


# --- the login page -----------------------------------------------------------------------


def test_a_coordinators_password_alone_does_not_log_in() -> None:
    user = UserFactory(username="coord", roles=["coordinator"])
    authenticator_for(user)
    browser = Client()

    response = password_step(browser, "coord")

    assert response.status_code == 302
    assert response["Location"] == "/login/code/"
    assert "_auth_user_id" not in browser.session
    assert browser.get("/coordinator/").status_code == 302  # still sent to log in


def test_the_apps_current_code_logs_a_coordinator_in_where_they_asked() -> None:
    user = UserFactory(username="coord", roles=["coordinator"])
    device = authenticator_for(user)
    browser = Client()
    password_step(browser, "coord", next_url="/coordinator/visits/")

    response = browser.post("/login/code/", {"code": code_now(device)})

    assert response.status_code == 302
    assert response["Location"] == "/coordinator/visits/"
    assert browser.get("/coordinator/").status_code == 200
    assert browser.session["otp_device_id"] == device.persistent_id


def test_a_wrong_code_is_refused_with_a_message_and_no_login() -> None:
    user = UserFactory(username="coord", roles=["coordinator"])
    device = authenticator_for(user)
    browser = Client()
    password_step(browser, "coord")

    response = browser.post("/login/code/", {"code": wrong(code_now(device))})

    assert response.status_code == 200
    assert "코드가 맞지 않습니다" in response.content.decode()
    assert "_auth_user_id" not in browser.session


def test_a_code_once_used_does_not_log_in_again() -> None:
    user = UserFactory(username="coord", roles=["coordinator"])
    device = authenticator_for(user)
    code = code_now(device)
    first, second = Client(), Client()
    password_step(first, "coord")
    assert first.post("/login/code/", {"code": code}).status_code == 302
    password_step(second, "coord")

    replay = second.post("/login/code/", {"code": code})

    assert replay.status_code == 200
    assert "_auth_user_id" not in second.session


def test_five_wrong_codes_lock_the_account_like_wrong_passwords() -> None:
    user = UserFactory(username="coord", roles=["coordinator"])
    device = authenticator_for(user)
    browser = Client()
    password_step(browser, "coord")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        # django-otp's own throttle would refuse even a right code now; axes counts each try.
        browser.post("/login/code/", {"code": wrong(code_now(device))})

    locked = password_step(Client(), "coord")

    assert locked.status_code == 429


def test_the_code_step_without_a_password_first_goes_back_to_the_login() -> None:
    response = Client().post("/login/code/", {"code": "123456"})

    assert response.status_code == 302
    assert response["Location"] == "/login/"


def test_a_password_step_left_waiting_too_long_starts_over(settings) -> None:  # noqa: ANN001
    user = UserFactory(username="coord", roles=["coordinator"])
    device = authenticator_for(user)
    browser = Client()
    password_step(browser, "coord")
    session = browser.session
    session["login_pending"]["at"] -= settings.LOGIN_CODE_MINUTES * 60 + 1
    session.save()

    response = browser.post("/login/code/", {"code": code_now(device)})

    assert response["Location"] == "/login/"
    assert "_auth_user_id" not in browser.session


def test_the_admin_login_goes_through_the_same_second_step() -> None:
    user = UserFactory(username="boss", roles=["administrator"], is_staff=True)
    device = authenticator_for(user)
    browser = Client()

    page = browser.get("/admin/login/?next=/admin/")
    step = browser.post("/admin/login/?next=/admin/", {"username": "boss", "password": PASSWORD})
    done = browser.post("/login/code/", {"code": code_now(device)})

    assert page.status_code == 200
    assert step["Location"] == "/login/code/"
    assert done["Location"] == "/admin/"


def test_the_browsable_apis_login_goes_through_the_same_second_step() -> None:
    user = UserFactory(username="coord", roles=["coordinator"])
    authenticator_for(user)
    browser = Client()

    step = browser.post("/api-auth/login/", {"username": "coord", "password": PASSWORD})

    assert step["Location"] == "/login/code/"
    assert "_auth_user_id" not in browser.session


def test_a_manager_without_staff_logs_in_with_the_password_alone() -> None:
    UserFactory(username="boss", roles=["manager"])

    response = password_step(Client(), "boss")

    assert response["Location"] == "/desk/"


# --- recovery codes -----------------------------------------------------------------------


def enrolled_coordinator(browser: Client) -> tuple[TOTPDevice, list[str]]:
    """A coordinator through the enrolment pages: the device and the recovery codes shown."""
    UserFactory(username="coord", roles=["coordinator"])
    password_step(browser, "coord")
    page = browser.get("/login/enrol/").content.decode()
    key = secret_on_page(page)
    confirmed = browser.post("/login/enrol/", {"code": f"{totp(key):06d}"})
    assert confirmed["Location"] == "/account/recovery-codes/"
    shown = browser.get("/account/recovery-codes/").content.decode()
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", shown)
    return TOTPDevice.objects.get(user__username="coord"), codes


def test_a_recovery_code_logs_in_once() -> None:
    _device, codes = enrolled_coordinator(Client())
    first, second = Client(), Client()
    password_step(first, "coord")
    password_step(second, "coord")

    used = first.post("/login/code/", {"code": codes[0].upper()})
    again = second.post("/login/code/", {"code": codes[0]})

    assert used.status_code == 302
    assert again.status_code == 200
    assert "_auth_user_id" not in second.session
    assert StaticToken.objects.filter(device__user__username="coord").count() == len(codes) - 1


def test_the_recovery_codes_are_shown_once_and_can_be_replaced() -> None:
    browser = Client()
    _device, codes = enrolled_coordinator(browser)

    later = browser.get("/account/recovery-codes/").content.decode()
    replaced = browser.post("/account/recovery-codes/").content.decode()

    assert len(codes) == 10
    assert not any(code in later for code in codes)
    new = re.findall(r"<li>([a-z2-7]{8})</li>", replaced)
    assert len(new) == 10 and not set(new) & set(codes)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)


# --- enrolment ------------------------------------------------------------------------------


def test_a_coordinator_without_an_app_is_sent_to_enrol_with_a_qr_code() -> None:
    UserFactory(username="coord", roles=["coordinator"])
    browser = Client()

    step = password_step(browser, "coord")
    page = browser.get("/login/enrol/")
    html = page.content.decode()

    assert step["Location"] == "/login/enrol/"
    assert page.status_code == 200
    assert "<svg" in html and "<path" in html and "<script" not in html.split("<main>")[1]
    device = TOTPDevice.objects.get(user__username="coord")
    assert not device.confirmed
    assert secret_on_page(html) == device.bin_key
    assert browser.get("/coordinator/").status_code == 302  # no desk before enrolment


def test_enrolment_is_confirmed_by_a_first_code_and_logs_in() -> None:
    browser = Client()

    device, codes = enrolled_coordinator(browser)

    assert device.confirmed
    assert len(codes) == 10
    assert browser.get("/coordinator/").status_code == 200


def test_a_wrong_first_code_does_not_confirm_the_app() -> None:
    UserFactory(username="coord", roles=["coordinator"])
    browser = Client()
    password_step(browser, "coord")
    key = secret_on_page(browser.get("/login/enrol/").content.decode())

    response = browser.post("/login/enrol/", {"code": wrong(f"{totp(key):06d}")})

    assert response.status_code == 200
    assert not TOTPDevice.objects.get(user__username="coord").confirmed
    assert "_auth_user_id" not in browser.session


def test_a_password_alone_cannot_enrol_a_second_app() -> None:
    user = UserFactory(username="coord", roles=["coordinator"])
    authenticator_for(user)
    browser = Client()
    password_step(browser, "coord")

    response = browser.get("/login/enrol/")

    assert response["Location"] == "/login/code/"
    assert TOTPDevice.objects.filter(user=user).count() == 1


# --- the API's token ------------------------------------------------------------------------


def ask(api: APIClient, username: str, **extra: str) -> object:
    return api.post(TOKEN_URL, {"username": username, "password": PASSWORD, **extra}, format="json")


def test_the_token_needs_the_apps_code_for_a_coordinator(api: APIClient) -> None:
    user = UserFactory(username="coord", roles=["coordinator"])
    device = authenticator_for(user)

    missing = ask(api, "coord")
    right = ask(api, "coord", otp=fresh_code(device))
    # (after a wrong code django-otp also makes the device wait a second before the next)
    wrong_code = ask(api, "coord", otp=wrong(fresh_code(device)))

    assert missing.status_code == 400 and set(missing.json()) == {"otp"}
    assert wrong_code.status_code == 400 and set(wrong_code.json()) == {"otp"}
    assert right.status_code == 200, right.content
    assert (
        APIClient(HTTP_AUTHORIZATION=f"Token {right.json()['token']}")
        .get("/api/v1/regions/")
        .status_code
        == 200
    )


def test_the_token_for_a_counselor_without_an_app_says_to_enrol(api: APIClient) -> None:
    UserFactory(username="coun", roles=["counselor"])

    response = ask(api, "coun", otp="123456")

    assert response.status_code == 400
    assert "등록" in response.json()["otp"][0]


def test_a_recovery_code_gives_a_token_once(api: APIClient) -> None:
    _device, codes = enrolled_coordinator(Client())

    assert ask(api, "coord", otp=codes[1]).status_code == 200
    assert ask(api, "coord", otp=codes[1]).status_code == 400


def test_five_wrong_codes_at_the_token_endpoint_lock_the_account(api: APIClient) -> None:
    user = UserFactory(username="coord", roles=["coordinator"])
    device = authenticator_for(user)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        ask(api, "coord", otp=wrong(code_now(device)))

    response = ask(api, "coord", otp=fresh_code(device))

    assert response.status_code == 429


# --- the setting ----------------------------------------------------------------------------


def test_the_second_factor_is_on_unless_turned_off(settings) -> None:  # noqa: ANN001
    from config.env import env_bool

    assert settings.AUTH_SECOND_FACTOR is True
    assert env_bool("AUTH_SECOND_FACTOR_UNSET_NAME", True) is True


def test_turned_off_explicitly_a_coordinator_logs_in_with_the_password(settings) -> None:  # noqa: ANN001
    settings.AUTH_SECOND_FACTOR = False
    UserFactory(username="coord", roles=["coordinator"])

    response = password_step(Client(), "coord")

    assert response["Location"] == "/desk/"


def test_a_deployment_refuses_to_start_with_the_second_factor_off() -> None:
    import os
    import subprocess
    import sys

    env = {
        **{k: v for k, v in os.environ.items() if k != "DEBUG"},
        "SECRET_KEY": "x" * 50,
        "AUTH_SECOND_FACTOR": "false",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert run.returncode != 0
    assert "AUTH_SECOND_FACTOR cannot be turned off" in run.stderr
