"""Keeping the directory fresh (복지자원 조사): who to ask at each organization, the signed
link a provider gets, and what they send back for staff to review.

An entry nobody has confirmed for 11 months is due: a monthly task asks its organization's
contact, through the outbox, to open a link (no account) and confirm or correct it. What
comes back is a ``ProposedChange`` that a counselor accepts or rejects; only an accepted one
touches the resource (through ``consultations.services.resource_save``).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.fields import MachineTokenField
from base.models import RefusesResidentRegistrationNumbers

# The resource fields a provider may correct, in the order the form and the diff show them.
# Categories, regions, eligibility tags and publishing stay the staff's decision.
REVIEWABLE_FIELDS = (
    "name",
    "summary",
    "phone",
    "address",
    "hours",
    "how_to_apply",
    "documents",
    "eligibility",
    "fee",
    "description",
)

# A Korean phone number as people write it: 063-123-4567, 010 1234 5678, (063)123-4567,
# 1644-1234, 129. Digits, hyphens, spaces and brackets only; the digit count is checked apart.
phone_format = RegexValidator(
    r"^\+?[0-9()\- ]{3,20}\Z",
    _("전화번호는 숫자와 '-'로 적어 주세요 (예: 063-123-4567)."),
    code="phone_format",
)


def validate_phone(value: str) -> None:
    """A phone number a resident can dial: the format above with 3 to 12 digits (129 …
    0631234567 … 01012345678 with a 0 or two to spare)."""
    from django.core.exceptions import ValidationError

    if not value:
        return
    phone_format(value)
    digits = sum(char.isdigit() for char in value)
    if not 3 <= digits <= 12:
        raise ValidationError(
            _("전화번호는 숫자와 '-'로 적어 주세요 (예: 063-123-4567)."), code="phone_format"
        )


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class OrganizationContact(RefusesResidentRegistrationNumbers):
    """A person at an organization whom the institute asks to check its entries (담당자)."""

    organization = models.ForeignKey(
        "consultations.Organization",
        verbose_name=_("기관"),
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    name = models.CharField(_("이름"), max_length=50)
    title = models.CharField(_("직위·업무"), max_length=50, blank=True)
    # The outbox sends text messages: a contact without a phone could never be asked.
    phone = models.CharField(_("휴대전화"), max_length=30, validators=[validate_phone])
    email = models.EmailField(_("이메일"), blank=True)
    is_primary = models.BooleanField(
        _("주 담당자"), default=False, help_text=_("확인 요청을 먼저 받는 사람 (기관마다 한 명)")
    )
    is_active = models.BooleanField(_("사용"), default=True)
    created_at = models.DateTimeField(_("등록일시"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정일시"), auto_now=True)

    class Meta:
        verbose_name = _("기관 담당자")
        verbose_name_plural = _("기관 담당자")
        ordering = ["organization", "-is_primary", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(is_primary=True, is_active=True),
                name="contact_one_primary_per_organization",
                violation_error_message=_("기관마다 주 담당자는 한 명입니다."),
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "is_active"], name="contact_org_active"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organization})"


class ReviewInvitationQuerySet(models.QuerySet["ReviewInvitation"]):
    def open(self, now: datetime | None = None) -> ReviewInvitationQuerySet:
        """Not answered yet and not expired: the resource is being asked about."""
        return self.filter(used_at__isnull=True, expires_at__gt=now or timezone.now())


class ReviewInvitation(models.Model):
    """One request to one contact to check one resource, answered at most once.

    The link carries the id and the nonce, signed (``services.invitation_token``): a link
    that was altered is unknown, and a link past ``expires_at`` only says whom to call.
    """

    resource = models.ForeignKey(
        "consultations.WelfareResource",
        verbose_name=_("복지자원"),
        on_delete=models.CASCADE,
        related_name="review_invitations",
    )
    contact = models.ForeignKey(
        OrganizationContact,
        verbose_name=_("담당자"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
    )
    created_at = models.DateTimeField(_("요청일시"), default=timezone.now)
    expires_at = models.DateTimeField(_("만료일시"))
    nonce = MachineTokenField(_("일회용 값"), max_length=32, default=new_nonce, editable=False)
    # When the resource was last changed as the invitation went out: a later change makes the
    # provider's answer possibly stale, and the review page says so.
    resource_updated_at = models.DateTimeField(_("요청 당시 자원 수정일시"))
    message = models.ForeignKey(
        "notifications.Message",
        verbose_name=_("알림"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("요청한 직원"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("비어 있으면 매월 자동 요청"),
    )
    used_at = models.DateTimeField(_("응답일시"), null=True, blank=True)

    objects = ReviewInvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("정보 확인 요청")
        verbose_name_plural = _("정보 확인 요청")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="invitation_expires_after_creation",
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(used_at__gte=models.F("created_at")),
                name="invitation_used_after_creation",
            ),
        ]
        indexes = [
            # The monthly task's "no open invitation" look-up, per resource.
            models.Index(fields=["resource", "used_at", "expires_at"], name="invitation_open"),
        ]

    def __str__(self) -> str:
        return f"{self.resource} ({self.created_at:%Y-%m-%d})"

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())


class ProposedChangeQuerySet(models.QuerySet["ProposedChange"]):
    def pending(self) -> ProposedChangeQuerySet:
        return self.filter(state=ProposedChange.State.PENDING)


class ProposedChange(RefusesResidentRegistrationNumbers):
    """What a provider sent back through a link: corrections of the reviewable fields (only
    those that differ from the entry), or "그대로 맞습니다"."""

    class State(models.TextChoices):
        PENDING = "pending", _("검토 대기")
        ACCEPTED = "accepted", _("반영")
        REJECTED = "rejected", _("반려")

    resource = models.ForeignKey(
        "consultations.WelfareResource",
        verbose_name=_("복지자원"),
        on_delete=models.CASCADE,
        related_name="proposed_changes",
    )
    invitation = models.OneToOneField(
        ReviewInvitation,
        verbose_name=_("확인 요청"),
        on_delete=models.CASCADE,
        related_name="proposed_change",
    )
    submitted_at = models.DateTimeField(_("제출일시"), default=timezone.now)
    confirms_unchanged = models.BooleanField(_("변경 없음 확인"), default=False)
    # {field: proposed value} for fields of REVIEWABLE_FIELDS only (services.change_submit).
    values = models.JSONField(_("제안 내용"), default=dict, blank=True)
    note = models.TextField(_("제공기관 메모"), blank=True)
    state = models.CharField(_("상태"), max_length=10, choices=State.choices, default=State.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("검토자"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("검토일시"), null=True, blank=True)
    reject_reason = models.TextField(_("반려 사유"), blank=True)

    objects = ProposedChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("제공기관 수정 제안")
        verbose_name_plural = _("제공기관 수정 제안")
        ordering = ["submitted_at", "id"]
        constraints = [
            # Pending means nobody reviewed it; reviewed means someone did, at a time.
            models.CheckConstraint(
                condition=(
                    Q(state="pending", reviewed_by__isnull=True, reviewed_at__isnull=True)
                    | (
                        Q(state__in=["accepted", "rejected"])
                        & Q(reviewed_by__isnull=False, reviewed_at__isnull=False)
                    )
                ),
                name="proposed_change_reviewed_iff_decided",
            ),
            # A rejection says why; nothing else carries a reason.
            models.CheckConstraint(
                condition=Q(state="rejected", reject_reason__gt="")
                | (~Q(state="rejected") & Q(reject_reason="")),
                name="proposed_change_reason_iff_rejected",
            ),
            models.CheckConstraint(
                condition=Q(reviewed_at__isnull=True)
                | Q(reviewed_at__gte=models.F("submitted_at")),
                name="proposed_change_reviewed_after_submission",
            ),
        ]
        indexes = [models.Index(fields=["state", "submitted_at"], name="proposed_change_queue")]

    def __str__(self) -> str:
        return f"{self.resource} ({self.get_state_display()})"
