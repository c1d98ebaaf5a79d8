"""Logging in as the login page asks: a real TOTP code for the two-factor roles (computed from
the device's key, RFC 6238), an enrolled tablet's cookie for caregivers."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from base.devices.services import enrolment_code_create, tablet_enrol
from base.twofactor.services import needs_enrolled_device, needs_two_factor
from tests.factories import PASSWORD

LOGIN = "/login/"
CODE = "/login/code/"


def authenticator_for(user: Any) -> TOTPDevice:
    """The user's confirmed authenticator app (one is made if there is none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def code_now(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """What the user's app shows now (``steps_ahead`` 30-second steps later, for a second login
    within one step: a code once accepted is not accepted again)."""
    device.refresh_from_db()
    value = totp(device.bin_key, device.step, device.t0 - steps_ahead * device.step, 6, 0)
    return f"{value:06d}"


def fresh_code(device: TOTPDevice) -> str:
    """A code the device has not accepted yet: the current one, or the next step's when the
    current one was used (the device allows one step of clock difference)."""
    device.refresh_from_db()
    current_t = int((time.time() - device.t0) // device.step)
    return code_now(device, steps_ahead=1 if device.last_t >= current_t else 0)


def enrolled_credential() -> str:
    """A new tablet, enrolled by a coordinator: its credential (the cookie's value)."""
    coordinator = get_user_model().objects.filter(groups__name="coordinator").first()
    if coordinator is None:
        coordinator, _new = get_user_model().objects.get_or_create(username="tablet-enroller")
    pending = enrolment_code_create(name="테스트 태블릿", by=coordinator)
    return tablet_enrol(pending.code)[1]


def enrol(client: Client) -> str:
    """Make ``client`` an enrolled tablet; returns its credential."""
    credential = enrolled_credential()
    client.cookies[settings.DEVICE_COOKIE_NAME] = credential
    return credential


def log_in(
    client: Client, username: str, password: str = PASSWORD, *, next_url: str = "", **extra: Any
) -> Any:
    """Through the login page, as the user would (``follow`` in ``extra`` as for Client.post):
    the password, then the app's code for a two-factor role; a caregiver's client is enrolled
    first."""
    user = get_user_model().objects.get(username=username)
    if needs_enrolled_device(user) and settings.DEVICE_COOKIE_NAME not in client.cookies:
        enrol(client)
    url = f"{LOGIN}?next={next_url}" if next_url else LOGIN
    if not needs_two_factor(user):
        return client.post(url, {"username": username, "password": password}, **extra)
    device = authenticator_for(user)
    first = client.post(url, {"username": username, "password": password})
    assert first.status_code == 302 and first["Location"] == CODE, first
    return client.post(CODE, {"code": fresh_code(device)}, **extra)
