"""Itemised, versioned consent of a recipient (항목별 동의).

One row is one item (``texts.ITEMS``) agreed on one day under one text version, in a given way
(in person, by phone with who took it, in writing), by the person or by their legal
representative. A withdrawal (동의 철회) is written on the same row and the row stays: what was
agreed, and until when, is evidence. A new consent after a withdrawal is a new row; at most one
row per person and item is in force (a partial unique constraint).

Who reads and writes: coordinators, counselors and administrators (the desks that take intake
and refer people). Caregivers and managers do not: 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from base.models import RefusesResidentRegistrationNumbers
from base.roles import has_role
from care.consent import texts

# care.models imports this module at its end, once Recipient is defined.
from care.models import Recipient

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

CONSENT_ROLES = ("coordinator", "counselor", "administrator")


class ConsentRecordQuerySet(models.QuerySet["ConsentRecord"]):
    def in_force(self) -> ConsentRecordQuerySet:
        return self.filter(withdrawn_on__isnull=True)

    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> ConsentRecordQuerySet:
        if not user.is_authenticated or not has_role(user, *CONSENT_ROLES):
            return self.none()
        return self.filter(recipient__in=Recipient.objects.visible_to(user))


class ConsentRecord(RefusesResidentRegistrationNumbers):
    class Item(models.TextChoices):
        COLLECTION_USE = texts.COLLECTION_USE, _("개인정보 수집·이용")
        SENSITIVE = texts.SENSITIVE, _("민감정보(건강) 처리")
        THIRD_PARTY = texts.THIRD_PARTY, _("제3자 제공")

    class Method(models.TextChoices):
        IN_PERSON = "in_person", _("대면")
        PHONE = "phone", _("전화")
        IN_WRITING = "in_writing", _("서면")
        # Consent recorded before items existed: how it was given was not kept.
        LEGACY = "legacy", _("이전 기록(방법 미상)")

    class GivenBy(models.TextChoices):
        SELF = "self", _("본인")
        REPRESENTATIVE = "representative", _("법정대리인")

    recipient = models.ForeignKey(
        Recipient,
        verbose_name=_("돌봄대상자"),
        on_delete=models.PROTECT,
        related_name="consents",
    )
    item = models.CharField(_("동의 항목"), max_length=20, choices=Item.choices)
    text_version = models.CharField(_("동의문 판"), max_length=20)
    given_on = models.DateField(_("동의일"))
    method = models.CharField(_("동의 방법"), max_length=12, choices=Method.choices)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("동의 받은 직원"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    given_by = models.CharField(
        _("동의한 사람"), max_length=15, choices=GivenBy.choices, default=GivenBy.SELF
    )
    representative_name = models.CharField(_("법정대리인 이름"), max_length=50, blank=True)
    representative_relation = models.CharField(_("법정대리인 관계"), max_length=30, blank=True)
    withdrawn_on = models.DateField(_("철회일"), null=True, blank=True)
    withdrawal_method = models.CharField(
        _("철회 방법"), max_length=12, choices=Method.choices, blank=True
    )
    withdrawal_taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("철회 받은 직원"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("기록 일시"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정 일시"), auto_now=True)

    objects = ConsentRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("동의 기록")
        verbose_name_plural = _("동의 기록")
        ordering = ["recipient", "item", "-given_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "item"],
                condition=Q(withdrawn_on__isnull=True),
                name="consent_one_in_force_per_item",
                violation_error_message=_("이 항목에는 이미 유효한 동의가 있습니다."),
            ),
            models.CheckConstraint(condition=Q(item__in=texts.ITEMS), name="consent_item_known"),
            models.CheckConstraint(
                condition=~Q(text_version=""), name="consent_text_version_stored"
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=F("given_on")),
                name="consent_withdrawn_after_given",
                violation_error_message=_("철회일은 동의일보다 빠를 수 없습니다."),
            ),
            # Who took a consent by phone is the only evidence of it: required.
            models.CheckConstraint(
                condition=~Q(method="phone") | Q(taken_by__isnull=False),
                name="consent_phone_has_taker",
            ),
            models.CheckConstraint(
                condition=~Q(withdrawal_method="phone") | Q(withdrawal_taken_by__isnull=False),
                name="consent_phone_withdrawal_has_taker",
            ),
            models.CheckConstraint(
                condition=Q(given_by="self")
                | (
                    Q(given_by="representative")
                    & ~Q(representative_name="")
                    & ~Q(representative_relation="")
                ),
                name="consent_representative_named",
            ),
            # A withdrawal is a date and a way, together, or neither.
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True, withdrawal_method="")
                | (Q(withdrawn_on__isnull=False) & ~Q(withdrawal_method="")),
                name="consent_withdrawal_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["item", "withdrawn_on"], name="consent_item_withdrawn"),
        ]

    def __str__(self) -> str:
        return f"{self.get_item_display()} {self.text_version} ({self.given_on:%Y-%m-%d})"

    @property
    def text(self) -> texts.ConsentText | None:
        return texts.text_for(self.item, self.text_version)

    @property
    def in_force(self) -> bool:
        return self.withdrawn_on is None
