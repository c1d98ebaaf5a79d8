"""Enrolling, recognising and revoking tablets."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.devices.models import EnrolledTablet

# Without 0/O and 1/I/L: the code is read off one screen and typed on another.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


@dataclass(frozen=True)
class PendingEnrolment:
    tablet: EnrolledTablet
    code: str  # shown once, as XXXX-XXXX

    @property
    def display_code(self) -> str:
        return f"{self.code[:4]}-{self.code[4:]}"


@transaction.atomic
def enrolment_code_create(
    *, name: str, by: AbstractBaseUser, valid_for: timedelta | None = None
) -> PendingEnrolment:
    """A tablet to be enrolled: a one-time code the coordinator types on the tablet."""
    valid_for = valid_for or timedelta(minutes=settings.DEVICE_ENROLMENT_CODE_MINUTES)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    tablet = EnrolledTablet(
        name=name.strip(),
        enrolment_code_hash=_digest(code),
        code_expires_at=timezone.now() + valid_for,
        created_by=by,
    )
    tablet.full_clean()
    tablet.save()
    return PendingEnrolment(tablet=tablet, code=code)


@transaction.atomic
def tablet_enrol(code: str) -> tuple[EnrolledTablet, str]:
    """Use a one-time code: the tablet is enrolled and its credential returned (once)."""
    tablet = (
        EnrolledTablet.objects.select_for_update()
        .filter(
            enrolment_code_hash=_digest(normalise_code(code)),
            code_expires_at__gt=timezone.now(),
            revoked_at__isnull=True,
            enrolled_at__isnull=True,
        )
        .first()
    )
    if tablet is None:
        raise ValidationError(
            {
                "code": [
                    _("등록 코드가 맞지 않거나 만료되었습니다. 코디네이터에게 새 코드를 받으세요.")
                ]
            }
        )
    credential = secrets.token_urlsafe(32)
    tablet.credential_hash = _digest(credential)
    tablet.enrolment_code_hash = None
    tablet.enrolled_at = timezone.now()
    tablet.save(update_fields=["credential_hash", "enrolment_code_hash", "enrolled_at"])
    return tablet, credential


def tablet_for_credential(credential: str | None) -> EnrolledTablet | None:
    """The enrolled, unrevoked tablet holding ``credential``, or None."""
    if not credential or len(credential) > 200:
        return None
    return EnrolledTablet.objects.filter(
        credential_hash=_digest(credential), enrolled_at__isnull=False, revoked_at__isnull=True
    ).first()


def tablet_seen(tablet: EnrolledTablet) -> None:
    EnrolledTablet.objects.filter(pk=tablet.pk).update(last_seen=timezone.now())


@transaction.atomic
def tablet_revoke(tablet: EnrolledTablet, *, by: AbstractBaseUser) -> EnrolledTablet:
    """From now on the tablet's credential is refused (a pending code too); safe to repeat."""
    tablet = EnrolledTablet.objects.select_for_update().get(pk=tablet.pk)
    if tablet.revoked_at is None:
        tablet.revoked_at = timezone.now()
        tablet.revoked_by = by
        tablet.enrolment_code_hash = None
        tablet.save(update_fields=["revoked_at", "revoked_by", "enrolment_code_hash"])
    return tablet
