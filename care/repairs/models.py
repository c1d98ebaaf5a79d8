"""Home-repair jobs (가정내 돌봄주거환경개선): one work order per household.

A job goes survey → quoted → in progress → completed (or cancelled, with a reason) through one
table of allowed moves (``care.repairs.services.ALLOWED_MOVES``), each move recorded with who
and when. Money is whole won. Photos (before and after) are files in Django's default storage,
re-encoded on upload without any EXIF (no GPS location), and served only to staff through a
view that checks access.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import RefusesResidentRegistrationNumbers
from base.roles import has_role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

# Who may read and write repair jobs: the desk that runs them. Managers see the goal tracker's
# counts only; caregivers and counselors have no part in the work order.
REPAIR_ROLES = ("coordinator", "administrator")


class RepairJobQuerySet(models.QuerySet["RepairJob"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> RepairJobQuerySet:
        if not user.is_authenticated or not has_role(user, *REPAIR_ROLES):
            return self.none()
        return self

    def completed(self) -> RepairJobQuerySet:
        return self.filter(state=RepairJob.State.COMPLETED)


class RepairJob(RefusesResidentRegistrationNumbers):
    """주거환경개선 작업: survey, quote, items, work, completion and the household's sign-off."""

    class State(models.TextChoices):
        SURVEY = "survey", _("현장 조사")
        QUOTED = "quoted", _("견적")
        IN_PROGRESS = "in_progress", _("공사 중")
        COMPLETED = "completed", _("완료")
        CANCELLED = "cancelled", _("취소")

    OPEN_STATES = ("survey", "quoted", "in_progress")
    # States in which a quote (amount, date, contractor) must be on the job.
    QUOTED_STATES = ("quoted", "in_progress", "completed")

    class Relation(models.TextChoices):
        SELF = "self", _("본인")
        SPOUSE = "spouse", _("배우자")
        CHILD = "child", _("자녀")
        FAMILY = "family", _("기타 가족")
        GUARDIAN = "guardian", _("보호자·후견인")
        OTHER = "other", _("기타")

    recipient = models.ForeignKey(
        "care.Recipient",
        verbose_name=_("가구(돌봄대상자)"),
        on_delete=models.PROTECT,
        related_name="repair_jobs",
    )
    episode = models.ForeignKey(
        "care.Episode",
        verbose_name=_("돌봄 회차"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repair_jobs",
    )
    state = models.CharField(_("상태"), max_length=12, choices=State.choices, default=State.SURVEY)

    # Survey (현장 조사)
    surveyed_on = models.DateField(_("조사일"))
    surveyed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("조사한 계정"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    needs = models.TextField(_("개선 필요 사항"))

    # Quote (견적). The contractor is an organization of the directory, which lives in
    # consultations, above care: named by string, never imported.
    quoted_on = models.DateField(_("견적일"), null=True, blank=True)
    quote_amount = models.PositiveIntegerField(
        _("견적 금액(원)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    contractor = models.ForeignKey(
        "consultations.Organization",
        verbose_name=_("시공 업체"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repair_jobs",
    )

    # Work and completion (공사·완료)
    started_on = models.DateField(_("착공일"), null=True, blank=True)
    completed_on = models.DateField(_("완료일"), null=True, blank=True)
    completion_note = models.TextField(_("완료 내용"), blank=True)

    # The household's sign-off (가구 확인)
    signed_by_name = models.CharField(_("확인자 이름"), max_length=50, blank=True)
    signed_by_relation = models.CharField(
        _("대상자와의 관계"), max_length=10, choices=Relation.choices, blank=True
    )
    signed_on = models.DateField(_("확인일"), null=True, blank=True)

    cancelled_reason = models.TextField(_("취소 사유"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("등록자"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("등록일시"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("수정일시"), auto_now=True)

    objects = RepairJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("주거환경개선 작업")
        verbose_name_plural = _("주거환경개선 작업")
        ordering = ["-surveyed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quote_amount__isnull=True) | Q(quote_amount__gte=0),
                name="repair_quote_not_negative",
                violation_error_message=_("견적 금액은 0원 이상이어야 합니다."),
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["quoted", "in_progress", "completed"])
                | Q(quoted_on__isnull=False, quote_amount__isnull=False, contractor__isnull=False),
                name="repair_quoted_has_quote",
                violation_error_message=_("견적에는 견적일, 금액과 시공 업체가 필요합니다."),
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["in_progress", "completed"]) | Q(started_on__isnull=False),
                name="repair_started_has_date",
                violation_error_message=_("공사 중·완료 작업에는 착공일이 필요합니다."),
            ),
            models.CheckConstraint(
                condition=~Q(state="completed") | Q(completed_on__isnull=False),
                name="repair_completed_has_date",
                violation_error_message=_("완료한 작업에는 완료일이 필요합니다."),
            ),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completed_on__gte=F("started_on")),
                name="repair_completed_after_start",
                violation_error_message=_("완료일은 착공일보다 빠를 수 없습니다."),
            ),
            models.CheckConstraint(
                condition=Q(started_on__isnull=True) | Q(started_on__gte=F("surveyed_on")),
                name="repair_started_after_survey",
                violation_error_message=_("착공일은 조사일보다 빠를 수 없습니다."),
            ),
            # The household signs off a finished job, on or after its completion.
            models.CheckConstraint(
                condition=Q(signed_on__isnull=True)
                | Q(
                    state="completed",
                    completed_on__isnull=False,
                    signed_on__gte=F("completed_on"),
                )
                & ~Q(signed_by_name="")
                & ~Q(signed_by_relation=""),
                name="repair_signoff_after_completion",
                violation_error_message=_("가구 확인은 완료 후에, 확인자와 관계를 적어 받습니다."),
            ),
            models.CheckConstraint(
                condition=~Q(state="cancelled") | ~Q(cancelled_reason=""),
                name="repair_cancelled_has_reason",
                violation_error_message=_("취소에는 사유가 필요합니다."),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "surveyed_on"], name="repair_state_surveyed"),
            # The goal tracker's households: completed jobs by completion date.
            models.Index(
                fields=["completed_on", "recipient"],
                name="repair_completed_on",
                condition=Q(state="completed"),
            ),
            models.Index(fields=["recipient", "state"], name="repair_recipient_state"),
            models.Index(fields=["contractor", "surveyed_on"], name="repair_contractor"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.get_state_display()} ({self.surveyed_on})"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class RepairJobTransition(models.Model):
    """Every change of a job's state: who, when, why. Append-only."""

    job = models.ForeignKey(
        RepairJob,
        verbose_name=_("주거환경개선 작업"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    from_state = models.CharField(_("이전 상태"), max_length=12, blank=True)
    to_state = models.CharField(_("바뀐 상태"), max_length=12)
    at = models.DateTimeField(_("일시"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("처리한 계정"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    reason = models.TextField(_("사유"), blank=True)

    class Meta:
        verbose_name = _("작업 상태 변경")
        verbose_name_plural = _("작업 상태 변경")
        ordering = ["job", "at", "id"]
        indexes = [models.Index(fields=["job", "at"], name="repair_transition_at")]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.from_state or '-'} → {self.to_state}"

    @property
    def from_label(self) -> str:
        return RepairJob.State(self.from_state).label if self.from_state else ""

    @property
    def to_label(self) -> str:
        return RepairJob.State(self.to_state).label


class RepairItem(RefusesResidentRegistrationNumbers):
    """One line of the work: item, quantity, unit cost and its amount (quantity × unit cost,
    rounded to the won, kept so that totals are summed in SQL)."""

    job = models.ForeignKey(
        RepairJob,
        verbose_name=_("주거환경개선 작업"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    item = models.CharField(_("품목"), max_length=100)
    quantity = models.DecimalField(
        _("수량"), max_digits=8, decimal_places=2, validators=[MinValueValidator(0)]
    )
    unit = models.CharField(_("단위"), max_length=10, blank=True)
    unit_cost = models.PositiveIntegerField(_("단가(원)"), validators=[MinValueValidator(0)])
    amount = models.PositiveBigIntegerField(_("금액(원)"), validators=[MinValueValidator(0)])
    sort_order = models.PositiveSmallIntegerField(_("순서"), default=0)

    class Meta:
        verbose_name = _("작업 품목")
        verbose_name_plural = _("작업 품목")
        ordering = ["job", "sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="repair_item_quantity_positive",
                violation_error_message=_("수량은 0보다 커야 합니다."),
            ),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0) & Q(amount__gte=0),
                name="repair_item_costs_not_negative",
                violation_error_message=_("단가와 금액은 0원 이상이어야 합니다."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity}"


def repair_photo_path(photo: RepairPhoto, filename: str) -> str:
    """A name that tells nothing about the person or the original file (always a JPEG)."""
    return f"repairs/{photo.job_id}/{uuid.uuid4().hex}.jpg"


class RepairPhoto(RefusesResidentRegistrationNumbers):
    """A photo of the home before or after the work: a JPEG without EXIF, at most 1600 px."""

    class Stage(models.TextChoices):
        BEFORE = "before", _("공사 전")
        AFTER = "after", _("공사 후")

    job = models.ForeignKey(
        RepairJob,
        verbose_name=_("주거환경개선 작업"),
        on_delete=models.CASCADE,
        related_name="photos",
    )
    stage = models.CharField(_("구분"), max_length=6, choices=Stage.choices)
    image = models.FileField(_("사진"), upload_to=repair_photo_path, max_length=200)
    width = models.PositiveIntegerField(_("가로(px)"))
    height = models.PositiveIntegerField(_("세로(px)"))
    taken_on = models.DateField(_("촬영일"), null=True, blank=True)
    caption = models.CharField(_("설명"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("올린 계정"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("올린 일시"), default=timezone.now)

    class Meta:
        verbose_name = _("작업 사진")
        verbose_name_plural = _("작업 사진")
        ordering = ["job", "stage", "uploaded_at", "id"]
        indexes = [models.Index(fields=["job", "stage"], name="repair_photo_stage")]

    def __str__(self) -> str:
        return f"{self.job_id} {self.get_stage_display()} {self.pk}"
