"""``make run``'s demo logins and the second factor (DEMO ONLY): each demo account of a
two-factor role gets an authenticator (its key printed on the console, so it can be added to
an app; ``manage.py totp_code <username>`` prints the current code while DEBUG is on), and a
one-time code enrols the demo browser as a tablet for the caregiver."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from base.devices.services import PendingEnrolment, enrolment_code_create
from base.twofactor.services import manual_secret, needs_two_factor

DEMO_DEVICE_NAME = "demo"
DEMO_TABLET_NAME = "데모 태블릿 (demo tablet)"
DEMO_ENROLMENT_VALID = timedelta(hours=24)


@dataclass(frozen=True)
class DemoAuthenticator:
    username: str
    secret: str  # base32, as an app asks for it


@transaction.atomic
def demo_authenticators_ensure(usernames: list[str]) -> list[DemoAuthenticator]:
    """A confirmed authenticator for each demo login that needs one and has none."""
    found: list[DemoAuthenticator] = []
    for user in get_user_model().objects.filter(username__in=usernames).order_by("username"):
        if not needs_two_factor(user):
            continue
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEMO_DEVICE_NAME, confirmed=True)
        if device.name == DEMO_DEVICE_NAME:
            found.append(DemoAuthenticator(user.get_username(), manual_secret(device)))
    return found


def demo_tablet_code(by_username: str) -> PendingEnrolment | None:
    """A one-time code (valid 24 hours) that enrols the browser the demo is used in."""
    by = get_user_model().objects.filter(username=by_username).first()
    if by is None:
        return None
    return enrolment_code_create(name=DEMO_TABLET_NAME, by=by, valid_for=DEMO_ENROLMENT_VALID)


def demo_current_code(username: str) -> str | None:
    """The current code of a demo authenticator (never of a person's own app)."""
    device: Any = TOTPDevice.objects.filter(
        user__username=username, name=DEMO_DEVICE_NAME, confirmed=True
    ).first()
    if device is None:
        return None
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{code:0{device.digits}d}"
