"""A tablet enrolled by a coordinator. Its credential is a random secret the tablet keeps in a
long-lived HttpOnly cookie; the database keeps only its SHA-256 (the secret has 256 bits, so a
plain hash is enough, and a leaked table lets nobody in). Until the tablet has used it, the
row holds the hash of a short one-time enrolment code instead."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from base.fields import MachineTokenField


class EnrolledTablet(models.Model):
    name = models.CharField(_("태블릿 이름"), max_length=50)
    enrolment_code_hash = MachineTokenField(
        _("등록 코드 (해시)"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    code_expires_at = models.DateTimeField(_("등록 코드 만료"), null=True, blank=True)
    credential_hash = MachineTokenField(
        _("기기 인증정보 (해시)"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("등록한 사람"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("등록 코드 발급"), auto_now_add=True)
    enrolled_at = models.DateTimeField(_("등록 완료"), null=True, blank=True)
    last_seen = models.DateTimeField(_("마지막 로그인"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("등록 해제"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("해제한 사람"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("등록된 태블릿")
        verbose_name_plural = _("등록된 태블릿")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Enrolled means a credential; a pending row has a code and when it expires.
            models.CheckConstraint(
                condition=Q(enrolled_at__isnull=True) | Q(credential_hash__isnull=False),
                name="enrolled_tablet_has_credential",
            ),
            models.CheckConstraint(
                condition=Q(enrolment_code_hash__isnull=True) | Q(code_expires_at__isnull=False),
                name="enrolment_code_expires",
            ),
        ]
        indexes = [models.Index(fields=["revoked_at"], name="enrolledtablet_revoked")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.enrolled_at is not None and self.revoked_at is None
