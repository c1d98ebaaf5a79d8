"""Who needs a second factor, enrolling an authenticator app, and checking a code.

The devices are django-otp's: a ``TOTPDevice`` (the authenticator app, RFC 6238) and a
``StaticDevice`` holding the recovery codes (each deleted when used).
"""

from __future__ import annotations

import io
from base64 import b32encode
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django_otp import verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from base.roles import ADMINISTRATOR, CAREGIVER, COORDINATOR, COUNSELOR, role_names

TWO_FACTOR_ROLES = (ADMINISTRATOR, COORDINATOR, COUNSELOR)
APP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery"
RECOVERY_CODE_COUNT = 10


def _roles(user: Any) -> frozenset[str]:
    return role_names(user)


def needs_two_factor(user: Any) -> bool:
    """Administrators, coordinators, counselors, and anyone who can open the admin."""
    if not settings.AUTH_SECOND_FACTOR:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return bool(_roles(user).intersection(TWO_FACTOR_ROLES))


def needs_enrolled_device(user: Any) -> bool:
    """Caregivers log in from an enrolled tablet (the office roles use a code instead)."""
    if not settings.AUTH_SECOND_FACTOR or needs_two_factor(user):
        return False
    return CAREGIVER in _roles(user)


def confirmed_app_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def app_device_pending(user: Any) -> TOTPDevice:
    """The authenticator being set up (its key is kept until confirmed, so a reload shows the
    same QR code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def manual_secret(device: TOTPDevice) -> str:
    """The key as an app asks for it when typed in (base32, in groups of four)."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(text: str) -> str:
    """An inline SVG (no script, no external reference) of a QR code for ``text``."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    # The XML declaration is not allowed inside an HTML document.
    return svg[svg.index("<svg") :]


@transaction.atomic
def app_device_confirm(device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the pending authenticator with its first code; returns the new recovery codes
    (shown once), or None for a wrong code."""
    if not device.verify_token(normalise(code)):
        return None
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_issue(device.user)


@transaction.atomic
def recovery_codes_issue(user: Any) -> list[str]:
    """New recovery codes, replacing any left (each works once)."""
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


def normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def second_factor_verify(user: Any, code: str) -> Device | None:
    """The device that accepts ``code`` (the app's current code, or an unused recovery code,
    which is then gone), or None. django-otp throttles each device after failures."""
    code = normalise(code or "")
    if not code or len(code) > 16:
        return None
    devices: list[Device] = [
        *TOTPDevice.objects.filter(user=user, confirmed=True),
        *StaticDevice.objects.filter(user=user, confirmed=True),
    ]
    for device in devices:
        # A six-digit code is the app's; a recovery code is eight letters and digits.
        if isinstance(device, TOTPDevice) != (len(code) == 6 and code.isdigit()):
            continue
        verified = verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified
    return None
