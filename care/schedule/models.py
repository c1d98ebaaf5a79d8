"""Care plans and the schedule made from them (서비스 계획·방문 일정).

A plan entry is a weekly promise (every Tuesday at 10:00, 90 minutes, by this corps member);
a scheduled visit is one dated occurrence of it, made 14 days ahead by a nightly task and on
every plan change. Occurrences are keyed by (plan entry, occurrence date), so generating twice
inserts nothing new, and a coordinator's change to one day (a substitute, a new time, a
cancellation) marks it as touched so regeneration leaves it alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from base.models import RefusesResidentRegistrationNumbers
from base.roles import has_role
from base.validators import validate_period_end

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

WEEKDAY_CHOICES = [
    (0, pgettext_lazy("weekday", "월")),
    (1, pgettext_lazy("weekday", "화")),
    (2, pgettext_lazy("weekday", "수")),
    (3, pgettext_lazy("weekday", "목")),
    (4, pgettext_lazy("weekday", "금")),
    (5, pgettext_lazy("weekday", "토")),
    (6, pgettext_lazy("weekday", "일")),
]


class CarePlanEntryQuerySet(models.QuerySet["CarePlanEntry"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> CarePlanEntryQuerySet:
        if not user.is_authenticated:
            return self.none()
        if has_role(user, "coordinator", "administrator"):
            return self
        if has_role(user, "caregiver"):
            return self.filter(corps_member__user=user, episode__state__in=["approved", "active"])
        return self.none()


class CarePlanEntry(RefusesResidentRegistrationNumbers):
    """One weekly line of an approved episode's care plan."""

    episode = models.ForeignKey(
        "care.Episode",
        verbose_name=_("돌봄 회차"),
        on_delete=models.CASCADE,
        related_name="plan_entries",
    )
    weekday = models.PositiveSmallIntegerField(
        _("요일"), choices=WEEKDAY_CHOICES, validators=[MaxValueValidator(6)]
    )
    start_time = models.TimeField(_("시작 시각"))
    planned_minutes = models.PositiveSmallIntegerField(
        _("계획 시간(분)"), validators=[MinValueValidator(10), MaxValueValidator(720)]
    )
    service_types = models.ManyToManyField(
        "base.ServiceType", verbose_name=_("서비스"), related_name="plan_entries"
    )
    corps_member = models.ForeignKey(
        "volunteers.CorpsMember",
        verbose_name=_("긴급돌봄지원단원"),
        on_delete=models.PROTECT,
        related_name="plan_entries",
    )
    # A plan changes by ending an entry and starting another from a date, so the past
    # schedule keeps the entry it was made from.
    valid_from = models.DateField(_("적용 시작일"))
    valid_until = models.DateField(
        _("적용 종료일"), null=True, blank=True, validators=[validate_period_end]
    )
    note = models.CharField(_("메모"), max_length=200, blank=True)
    # Set when the corps member's required compliance item had lapsed or was missing and a
    # coordinator gave the work anyway, with a reason (who, when, why are on the override).
    compliance_override = models.ForeignKey(
        "volunteers.ComplianceOverride",
        verbose_name=_("단원 요건 예외 승인"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
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

    objects = CarePlanEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("서비스 계획")
        verbose_name_plural = _("서비스 계획")
        ordering = ["episode", "weekday", "start_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="plan_entry_weekday_range"
            ),
            models.CheckConstraint(
                condition=Q(planned_minutes__gte=10, planned_minutes__lte=720),
                name="plan_entry_minutes_range",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="plan_entry_valid_range",
                violation_error_message=_("적용 종료일은 시작일보다 빠를 수 없습니다."),
            ),
        ]
        indexes = [
            models.Index(fields=["episode", "valid_from"], name="plan_entry_episode"),
            models.Index(fields=["corps_member", "weekday"], name="plan_entry_member_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M} {self.planned_minutes}분"


class ScheduledVisitQuerySet(models.QuerySet["ScheduledVisit"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> ScheduledVisitQuerySet:
        """Coordinators see the whole schedule; a caregiver only the visits they are to make."""
        if not user.is_authenticated:
            return self.none()
        if has_role(user, "coordinator", "administrator"):
            return self
        if has_role(user, "caregiver"):
            return self.filter(corps_member__user=user)
        return self.none()

    def between(self, start, end) -> ScheduledVisitQuerySet:  # noqa: ANN001
        return self.filter(starts_at__gte=start, starts_at__lt=end)


class ScheduledVisit(RefusesResidentRegistrationNumbers):
    """방문 일정: one dated occurrence of a plan entry, and what became of it."""

    class State(models.TextChoices):
        PLANNED = "planned", _("예정")
        DONE = "done", _("완료")
        LATE = "late", _("지연")
        MISSED = "missed", _("미방문")
        CANCELLED = "cancelled", _("취소")

    # States from which a visit can still arrive and mark the occurrence done.
    AWAITING = ("planned", "late", "missed")

    episode = models.ForeignKey(
        "care.Episode",
        verbose_name=_("돌봄 회차"),
        on_delete=models.CASCADE,
        related_name="scheduled_visits",
    )
    # Kept on the row (it is the episode's) so that the lists filter without a join.
    recipient = models.ForeignKey(
        "care.Recipient",
        verbose_name=_("돌봄대상자"),
        on_delete=models.PROTECT,
        related_name="scheduled_visits",
    )
    plan_entry = models.ForeignKey(
        CarePlanEntry,
        verbose_name=_("서비스 계획"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="occurrences",
    )
    occurrence_date = models.DateField(_("계획상 날짜"))
    starts_at = models.DateTimeField(_("예정 시각"))
    planned_minutes = models.PositiveSmallIntegerField(_("계획 시간(분)"))
    corps_member = models.ForeignKey(
        "volunteers.CorpsMember",
        verbose_name=_("방문 단원"),
        on_delete=models.PROTECT,
        related_name="scheduled_visits",
    )
    # Set when another corps member covers this one day (대체 방문).
    original_corps_member = models.ForeignKey(
        "volunteers.CorpsMember",
        verbose_name=_("원래 단원"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    state = models.CharField(_("상태"), max_length=10, choices=State.choices, default=State.PLANNED)
    # A coordinator changed this occurrence (moved, reassigned, cancelled): regeneration of
    # the plan must not overwrite it.
    touched = models.BooleanField(_("개별 변경됨"), default=False)
    visit = models.OneToOneField(
        "care.Visit",
        verbose_name=_("방문기록"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="scheduled",
    )
    change_reason = models.CharField(_("변경·취소 사유"), max_length=300, blank=True)
    # Set when the corps member's required compliance item had lapsed or was missing and a
    # coordinator gave the work anyway, with a reason (who, when, why are on the override).
    compliance_override = models.ForeignKey(
        "volunteers.ComplianceOverride",
        verbose_name=_("단원 요건 예외 승인"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("변경한 계정"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("생성일시"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("수정일시"), auto_now=True)

    objects = ScheduledVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("방문 일정")
        verbose_name_plural = _("방문 일정")
        ordering = ["starts_at", "id"]
        constraints = [
            # What makes generation idempotent: one occurrence per plan entry and date.
            models.UniqueConstraint(
                fields=["plan_entry", "occurrence_date"], name="scheduled_visit_once"
            ),
            models.CheckConstraint(
                condition=~Q(state="cancelled") | ~Q(change_reason=""),
                name="scheduled_visit_cancel_has_reason",
                violation_error_message=_("취소에는 사유가 필요합니다."),
            ),
            models.CheckConstraint(
                condition=~Q(state="done") | Q(visit__isnull=False),
                name="scheduled_visit_done_has_visit",
            ),
            models.CheckConstraint(
                condition=Q(planned_minutes__gte=10, planned_minutes__lte=720),
                name="scheduled_visit_minutes_range",
            ),
        ]
        indexes = [
            models.Index(fields=["corps_member", "starts_at"], name="sched_member_starts"),
            models.Index(fields=["recipient", "starts_at"], name="sched_recipient_starts"),
            models.Index(fields=["episode", "starts_at"], name="sched_episode_starts"),
            models.Index(fields=["state", "starts_at"], name="sched_state_starts"),
            models.Index(fields=["starts_at"], name="sched_starts"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def is_substitution(self) -> bool:
        return self.original_corps_member_id is not None
