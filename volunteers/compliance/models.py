"""단원 관리: what a corps member must have done before working (trainings, the criminal-record
check, a health check, insurance) and what each member has done.

A requirement is data (edited in admin, seeded by volunteers/migrations/0004): which kind it is,
whether it is required, how long it stays valid, and for which recipient categories. A record
is one item done by one member; a member's standing on a requirement is read from their latest
record (``volunteers.compliance.selectors``). An override is the coordinator's recorded reason
for giving work to a member whose required item has lapsed or is missing.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from base.models import RefusesResidentRegistrationNumbers
from base.roles import has_role
from base.validators import validate_period_end

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

# The codes of care.Recipient.Category. volunteers cannot import care (the dependency goes the
# other way), so the codes are repeated here; tests/volunteers/compliance keeps them equal.
RECIPIENT_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("elderly", _("노인")),
    ("disabled", _("장애인")),
    ("child", _("아동")),
    ("other", _("기타")),
)
RECIPIENT_CATEGORY_CODES = [code for code, _label in RECIPIENT_CATEGORIES]

# The desk warns this many days before a required item lapses, and the members are told then.
WARN_DAYS = 30


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, the day clamped to the month's last (1/31 + 1 → 2/28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class ComplianceStatus(models.TextChoices):
    """A member's standing on one requirement, on a given day."""

    OK = "ok", _("유효")
    EXPIRING = "expiring", _("만료 임박")
    LAPSED = "lapsed", _("만료")
    MISSING = "missing", _("미이수")
    FAILED = "failed", _("부적합")


# The standings that keep a member from new work when the requirement is required.
BLOCKING_STATUSES = (ComplianceStatus.LAPSED, ComplianceStatus.MISSING, ComplianceStatus.FAILED)


class ComplianceRequirementQuerySet(models.QuerySet["ComplianceRequirement"]):
    def in_force(self) -> ComplianceRequirementQuerySet:
        return self.filter(is_active=True)


class ComplianceRequirement(RefusesResidentRegistrationNumbers):
    """단원 필수 요건: a training, a check or an insurance a corps member must hold."""

    class Kind(models.TextChoices):
        TRAINING = "training", _("교육")
        CRIMINAL_RECORD = "criminal_record", _("범죄경력 조회")
        HEALTH_CHECK = "health_check", _("건강검진")
        INSURANCE = "insurance", _("보험")

    code = models.SlugField(_("코드"), max_length=40, unique=True)
    name = models.CharField(_("이름"), max_length=100)
    kind = models.CharField(_("종류"), max_length=20, choices=Kind.choices)
    required = models.BooleanField(
        _("필수"),
        default=True,
        help_text=_("필수 요건이 만료되었거나 없는 단원에게는 새 배정·일정을 줄 수 없습니다."),
    )
    validity_months = models.PositiveSmallIntegerField(
        _("유효기간(개월)"),
        null=True,
        blank=True,
        help_text=_("비워 두면 한 번 이수로 계속 유효합니다."),
    )
    # Recipient category codes (care.Recipient.Category); empty: required for every category.
    applies_to = models.JSONField(
        _("적용 대상자 유형"),
        default=list,
        blank=True,
        help_text=_("이 유형의 대상자를 돌볼 때 필요합니다. 비워 두면 모든 대상자에 적용됩니다."),
    )
    basis = models.CharField(_("근거"), max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("순서"), default=0)
    is_active = models.BooleanField(_("사용"), default=True)

    objects = ComplianceRequirementQuerySet.as_manager()

    class Meta:
        verbose_name = _("단원 필수 요건")
        verbose_name_plural = _("단원 필수 요건")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(validity_months__isnull=True) | Q(validity_months__gte=1),
                name="compliance_requirement_validity_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.applies_to, list) or any(
            code not in RECIPIENT_CATEGORY_CODES for code in self.applies_to
        ):
            raise ValidationError(
                {
                    "applies_to": _("대상자 유형 코드 목록이어야 합니다: %(codes)s")
                    % {"codes": ", ".join(RECIPIENT_CATEGORY_CODES)}
                }
            )

    def applies_for(self, category: str | None) -> bool:
        """Whether the requirement holds for work with a recipient of ``category`` (None: any
        work at all, e.g. the warnings list)."""
        return not self.applies_to or category is None or category in self.applies_to

    def expiry_for(self, done_on: date) -> date | None:
        """The last day an item done on ``done_on`` is valid; None when it never lapses."""
        if self.validity_months is None:
            return None
        return add_months(done_on, self.validity_months)

    @property
    def records_result(self) -> bool:
        """Only the criminal-record check has a result, and it is pass or fail."""
        return self.kind == self.Kind.CRIMINAL_RECORD


class ComplianceRecordQuerySet(models.QuerySet["ComplianceRecord"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> ComplianceRecordQuerySet:
        """Coordinators and administrators see the corps'; a caregiver sees their own;
        managers and counselors see none (personal records)."""
        if not user.is_authenticated:
            return self.none()
        if has_role(user, "coordinator", "administrator"):
            return self
        if has_role(user, "caregiver"):
            return self.filter(corps_member__user=user)
        return self.none()


class ComplianceRecord(RefusesResidentRegistrationNumbers):
    """One item done by one corps member (교육 이수, 조회, 검진, 가입)."""

    class Result(models.TextChoices):
        PASS = "pass", _("적합")
        FAIL = "fail", _("부적합")

    corps_member = models.ForeignKey(
        "volunteers.CorpsMember",
        verbose_name=_("긴급돌봄지원단원"),
        on_delete=models.PROTECT,
        related_name="compliance_records",
    )
    requirement = models.ForeignKey(
        ComplianceRequirement,
        verbose_name=_("요건"),
        on_delete=models.PROTECT,
        related_name="records",
    )
    done_on = models.DateField(_("이수·확인일"))
    expires_on = models.DateField(
        _("만료일"),
        null=True,
        blank=True,
        validators=[validate_period_end],
        help_text=_("비워 두면 요건의 유효기간으로 계산합니다. 이날까지 유효합니다."),
    )
    # The criminal-record check is recorded as pass or fail and nothing else: no detail of any
    # record is ever stored (성범죄·아동학대 범죄경력 조회 결과는 적합/부적합만).
    result = models.CharField(_("결과"), max_length=4, choices=Result.choices, blank=True)
    evidence_note = models.CharField(
        _("증빙 메모"),
        max_length=200,
        blank=True,
        help_text=_("이수증 번호, 보험 증권 번호 등. 범죄경력 조회에는 적지 않습니다."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("기록한 계정"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("기록일시"), auto_now_add=True)

    objects = ComplianceRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("단원 요건 이수 기록")
        verbose_name_plural = _("단원 요건 이수 기록")
        ordering = ["corps_member", "requirement", "-done_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["corps_member", "requirement", "done_on"],
                name="compliance_record_once_a_day",
                violation_error_message=_("같은 날 같은 요건의 기록이 이미 있습니다."),
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("done_on")),
                name="compliance_record_expires_after_done",
                violation_error_message=_("만료일은 이수·확인일보다 빠를 수 없습니다."),
            ),
            models.CheckConstraint(
                condition=Q(result__in=["", "pass", "fail"]), name="compliance_record_result"
            ),
            # A result is never stored beside a note: a note is where a detail would creep in.
            models.CheckConstraint(
                condition=Q(result="") | Q(evidence_note=""),
                name="compliance_record_result_without_note",
            ),
        ]
        indexes = [
            models.Index(
                fields=["corps_member", "requirement", "-done_on"], name="compliance_latest"
            ),
            models.Index(fields=["expires_on"], name="compliance_expires"),
        ]

    def __str__(self) -> str:
        return f"{self.corps_member_id} {self.requirement_id} {self.done_on}"

    def clean(self) -> None:
        if not self.requirement_id:
            return
        requirement = self.requirement
        if requirement.records_result:
            if self.result not in (self.Result.PASS, self.Result.FAIL):
                raise ValidationError({"result": _("범죄경력 조회 결과(적합/부적합)를 고르세요.")})
            if self.evidence_note:
                raise ValidationError(
                    {
                        "evidence_note": _(
                            "범죄경력 조회에는 적합/부적합 외에 아무것도 적지 않습니다."
                        )
                    }
                )
        elif self.result:
            raise ValidationError({"result": _("적합/부적합은 범죄경력 조회에만 기록합니다.")})
        if self.expires_on and self.done_on and self.expires_on < self.done_on:
            raise ValidationError({"expires_on": _("만료일은 이수·확인일보다 빠를 수 없습니다.")})


class ComplianceOverride(RefusesResidentRegistrationNumbers):
    """예외 승인: a coordinator gave work to a corps member whose required item had lapsed or
    was missing. Who, when and why; the record it allowed points here."""

    class Action(models.TextChoices):
        ASSIGNMENT = "assignment", _("배정")
        CARE_PLAN = "care_plan", _("서비스 계획")
        SUBSTITUTION = "substitution", _("대체 방문")

    corps_member = models.ForeignKey(
        "volunteers.CorpsMember",
        verbose_name=_("긴급돌봄지원단원"),
        on_delete=models.PROTECT,
        related_name="compliance_overrides",
    )
    action = models.CharField(_("작업"), max_length=20, choices=Action.choices)
    reason = models.CharField(_("예외 사유"), max_length=300)
    # What was lapsed or missing at that moment, in words: requirements are renamed later.
    items = models.CharField(_("미충족 요건"), max_length=500)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("승인한 계정"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("승인일시"), auto_now_add=True)

    class Meta:
        verbose_name = _("단원 요건 예외 승인")
        verbose_name_plural = _("단원 요건 예외 승인")
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="compliance_override_has_reason"),
        ]
        indexes = [
            models.Index(fields=["corps_member", "-granted_at"], name="compliance_override_member")
        ]

    def __str__(self) -> str:
        return f"{self.corps_member_id} {self.get_action_display()} {self.granted_at:%Y-%m-%d}"
