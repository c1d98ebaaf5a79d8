from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import Program, RefusesResidentRegistrationNumbers, Region, ServiceType
from base.roles import has_role
from base.validators import (
    validate_birth_date,
    validate_period_end,
    validate_recorded_instant,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def start_of_day(day: date) -> datetime:
    """Midnight of a Seoul day, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min))


class RecipientQuerySet(models.QuerySet["Recipient"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> RecipientQuerySet:
        """The recipients a user may read.

        A caregiver reads those assigned to them today, and those they cover as a substitute
        today or tomorrow (a scheduled visit given to them for that day, not cancelled): the
        tablet must show a substitute the address and phone of the person they are sent to.
        """
        if not user.is_authenticated:
            return self.none()
        if has_role(user, "coordinator", "counselor", "administrator"):
            return self
        if has_role(user, "caregiver"):
            today = timezone.localdate()
            covered = ScheduledVisit.objects.filter(
                corps_member__user=user,
                original_corps_member__isnull=False,
                starts_at__gte=start_of_day(today),
                starts_at__lt=start_of_day(today + timedelta(days=2)),
            ).exclude(state=ScheduledVisit.State.CANCELLED)
            return self.filter(
                Q(
                    pk__in=Assignment.objects.active_on(today)
                    .filter(corps_member__user=user)
                    .values("recipient_id")
                )
                | Q(pk__in=covered.values("recipient_id"))
            )
        return self.none()


class Recipient(RefusesResidentRegistrationNumbers):
    class Sex(models.TextChoices):
        FEMALE = "F", _("여")
        MALE = "M", _("남")

    class Category(models.TextChoices):
        ELDERLY = "elderly", _("노인")
        DISABLED = "disabled", _("장애인")
        CHILD = "child", _("아동")
        OTHER = "other", _("기타")

    class EmergencyReason(models.TextChoices):
        CARER_ABSENT = "carer_absent", _("주돌봄자 부재")
        SUDDEN_ILLNESS = "sudden_illness", _("갑작스러운 질병·부상")
        AFTER_DISCHARGE = "after_discharge", _("퇴원 후 돌봄 필요")
        SERVICE_GAP = "service_gap", _("기존 서비스 공백")
        OTHER = "other", _("기타")

    class RiskLevel(models.TextChoices):
        LOW = "low", _("낮음")
        MEDIUM = "medium", _("보통")
        HIGH = "high", _("높음")

    class Status(models.TextChoices):
        REFERRED = "referred", _("의뢰")
        ACTIVE = "active", _("이용 중")
        CLOSED = "closed", _("종결")

    name = models.CharField(_("이름"), max_length=50)
    birth_date = models.DateField(_("생년월일"), validators=[validate_birth_date])
    sex = models.CharField(_("성별"), max_length=1, choices=Sex.choices)
    phone = models.CharField(_("전화번호"), max_length=20, blank=True)
    address = models.CharField(_("주소"), max_length=200)
    region = models.ForeignKey(
        Region, verbose_name=_("시·군"), on_delete=models.PROTECT, related_name="recipients"
    )
    admin_unit = models.CharField(
        _("읍·면·동"), max_length=30, help_text=_("예: 봉동읍, 상관면, 효자동")
    )
    # Derived by the database from the admin unit, so it can never be typed wrongly:
    # a 읍 or 면 is rural (농촌지역), a 동 is urban.
    is_rural = models.GeneratedField(
        expression=models.Case(
            models.When(
                models.Q(admin_unit__endswith="읍") | models.Q(admin_unit__endswith="면"),
                then=models.Value(True),
            ),
            default=models.Value(False),
        ),
        output_field=models.BooleanField(),
        db_persist=True,
        verbose_name=_("농촌지역"),
    )
    category = models.CharField(_("대상 구분"), max_length=20, choices=Category.choices)
    emergency_reason = models.CharField(
        _("긴급돌봄 사유"), max_length=30, choices=EmergencyReason.choices
    )
    referral_source = models.CharField(_("의뢰 경로"), max_length=100, blank=True)
    guardian_name = models.CharField(_("보호자·비상연락 이름"), max_length=50, blank=True)
    guardian_relation = models.CharField(_("보호자 관계"), max_length=30, blank=True)
    guardian_phone = models.CharField(_("보호자 전화번호"), max_length=20, blank=True)
    needs = models.ManyToManyField(
        ServiceType, verbose_name=_("필요 서비스"), related_name="recipients", blank=True
    )
    risk_level = models.CharField(
        _("위험도"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.MEDIUM
    )
    consent_date = models.DateField(_("개인정보 수집·이용 동의일"), null=True, blank=True)
    consent_scope = models.CharField(_("동의 범위"), max_length=200, blank=True)
    status = models.CharField(
        _("상태"), max_length=10, choices=Status.choices, default=Status.REFERRED
    )
    notes = models.TextField(_("메모"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("등록자"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set when the identifying fields were erased past the retention period, or on a granted
    # deletion request (care/retention.py): the row stays, as a pseudonym, for the counts.
    pseudonymised_at = models.DateTimeField(_("가명처리 일시"), null=True, blank=True)
    created_at = models.DateTimeField(_("등록일시"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정일시"), auto_now=True)

    objects = RecipientQuerySet.as_manager()

    class Meta:
        verbose_name = _("돌봄대상자")
        verbose_name_plural = _("돌봄대상자")
        ordering = ["name", "birth_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="active") | Q(consent_date__isnull=False),
                name="recipient_active_requires_consent",
                violation_error_message=_(
                    "개인정보 수집·이용 동의일이 기록되어야 이용 중으로 바꿀 수 있습니다."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["region", "status"], name="recipient_region_status"),
            models.Index(fields=["status", "category"], name="recipient_status_category"),
            models.Index(fields=["name", "birth_date"], name="recipient_name_birth"),
            models.Index(fields=["is_rural"], name="recipient_is_rural"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.birth_date:%Y-%m-%d})"

    def clean(self) -> None:
        if self.status == self.Status.ACTIVE and not self.consent_date:
            raise ValidationError(
                {
                    "consent_date": _(
                        "개인정보 수집·이용 동의일이 있어야 이용 중으로 바꿀 수 있습니다."
                    )
                }
            )
        today = timezone.localdate()
        if self.birth_date and self.birth_date > today:
            raise ValidationError({"birth_date": _("생년월일이 오늘보다 늦을 수 없습니다.")})
        if self.consent_date and self.consent_date > today:
            raise ValidationError({"consent_date": _("동의일이 오늘보다 늦을 수 없습니다.")})
        if self.consent_date and not self.consent_scope:
            raise ValidationError({"consent_scope": _("동의 범위를 적어 주세요.")})


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def active_on(self, day: date) -> AssignmentQuerySet:
        return self.filter(starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))

    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> AssignmentQuerySet:
        if not user.is_authenticated:
            return self.none()
        if has_role(user, "coordinator", "counselor", "administrator"):
            return self
        if has_role(user, "caregiver"):
            # Only today's: an ended assignment must not keep showing the recipient's name.
            return self.active_on(timezone.localdate()).filter(corps_member__user=user)
        return self.none()


class Assignment(models.Model):
    recipient = models.ForeignKey(
        Recipient,
        verbose_name=_("돌봄대상자"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    # A lazy reference: volunteers depends on care (regions, service types), and an
    # assignment is the one place where care points back at a corps member.
    corps_member = models.ForeignKey(
        "volunteers.CorpsMember",
        verbose_name=_("긴급돌봄지원단원"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    # Every assignment serves one episode (돌봄 회차).
    episode = models.ForeignKey(
        "care.Episode",
        verbose_name=_("돌봄 회차"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    program = models.ForeignKey(
        Program, verbose_name=_("사업"), on_delete=models.PROTECT, related_name="assignments"
    )
    starts_on = models.DateField(_("시작일"))
    ends_on = models.DateField(_("종료일"), null=True, blank=True, validators=[validate_period_end])
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("배정자"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("배정일시"), auto_now_add=True)
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

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("배정")
        verbose_name_plural = _("배정")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="assignment_ends_after_start",
                violation_error_message=_("종료일은 시작일보다 빠를 수 없습니다."),
            ),
        ]
        indexes = [
            models.Index(fields=["corps_member", "starts_on", "ends_on"], name="assign_member"),
            models.Index(fields=["recipient", "starts_on", "ends_on"], name="assign_recipient"),
            models.Index(fields=["program", "starts_on"], name="assign_program"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient.name} ← {self.corps_member.name} ({self.starts_on})"

    def clean(self) -> None:
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("종료일은 시작일보다 빠를 수 없습니다.")})


class VisitQuerySet(models.QuerySet["Visit"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> VisitQuerySet:
        """Coordinators see every visit; a caregiver only the visits they gave."""
        if not user.is_authenticated:
            return self.none()
        if has_role(user, "coordinator", "administrator"):
            return self
        if has_role(user, "caregiver"):
            return self.filter(corps_member__user=user)
        return self.none()

    def counted(self) -> VisitQuerySet:
        """Visits that count for reports: void ones never do."""
        return self.exclude(status=Visit.Status.VOID)

    def with_open_exceptions(self, present: bool = True) -> VisitQuerySet:
        """Visits with (or, ``present=False``, without) an exception still open.

        As ``id IN (the open exceptions' visit ids)``, which PostgreSQL answers with one
        hashed pass over the open exceptions whatever its statistics say. ``NOT EXISTS``
        became a nested-loop anti join when the statistics lagged behind a day of syncing
        (12 waiting visits and 1 open exception expected, 1,500 and 1,280 there): 120 ms for
        the verification page's count, against 1 ms. ``visit_id`` is never NULL, so ``NOT IN``
        means what ``NOT EXISTS`` did."""
        open_visits = VisitException.objects.filter(resolved_at__isnull=True).values("visit_id")
        return self.filter(pk__in=open_visits) if present else self.exclude(pk__in=open_visits)


class Visit(RefusesResidentRegistrationNumbers):
    """방문기록: one home visit, identified by the ``client_uuid`` the tablet made.

    The tablet may send the same visit many times (offline outbox, retries); the unique
    ``client_uuid`` makes every later copy find the first instead of adding a second.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("제출")
        VERIFIED = "verified", _("확인")
        VOID = "void", _("무효")

    client_uuid = models.UUIDField(_("단말 기록 ID"), unique=True, editable=False)
    # The recipient, corps member and episode keys are indexed by Meta.indexes below, each
    # first in one index (a second index on the bare key would only cost every insert).
    recipient = models.ForeignKey(
        Recipient,
        verbose_name=_("돌봄대상자"),
        on_delete=models.PROTECT,
        related_name="visits",
        db_index=False,
    )
    corps_member = models.ForeignKey(
        "volunteers.CorpsMember",
        verbose_name=_("긴급돌봄지원단원"),
        on_delete=models.PROTECT,
        related_name="visits",
        db_index=False,
    )
    episode = models.ForeignKey(
        "care.Episode",
        verbose_name=_("돌봄 회차"),
        on_delete=models.PROTECT,
        related_name="visits",
        db_index=False,
    )
    program = models.ForeignKey(
        Program, verbose_name=_("사업"), on_delete=models.PROTECT, related_name="visits"
    )
    started_at = models.DateTimeField(_("시작 시각"), validators=[validate_recorded_instant])
    ended_at = models.DateTimeField(
        _("종료 시각"), null=True, blank=True, validators=[validate_recorded_instant]
    )
    service_types = models.ManyToManyField(
        ServiceType, verbose_name=_("제공 서비스"), related_name="visits"
    )
    notes = models.TextField(_("메모"), blank=True)
    latitude = models.DecimalField(_("위도"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("경도"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    status = models.CharField(
        _("상태"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    void_reason = models.CharField(_("무효 사유"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("기록한 계정"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("확인·무효 처리한 계정"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("확인·무효 처리 일시"), null=True, blank=True)
    # When the server first received it: the gap to ended_at is how late an offline tablet synced.
    created_at = models.DateTimeField(_("수신 일시"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("수정 일시"), auto_now=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("방문기록")
        verbose_name_plural = _("방문기록")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=models.F("started_at")),
                name="visit_ends_after_start",
                violation_error_message=_("종료 시각은 시작 시각보다 늦어야 합니다."),
            ),
            models.CheckConstraint(
                condition=~Q(status="void") | ~Q(void_reason=""),
                name="visit_void_has_reason",
                violation_error_message=_("무효 처리에는 사유가 필요합니다."),
            ),
        ]
        indexes = [
            models.Index(fields=["corps_member", "started_at"], name="visit_member_started"),
            models.Index(fields=["recipient", "started_at"], name="visit_recipient_started"),
            # An episode's delivered hours (``care.episodes.selectors.delivered_minutes``,
            # summed for every active episode on each desk home) and first visit, from the
            # index alone. Key columns rather than INCLUDE, which SQLite would ignore (W040).
            models.Index(
                fields=["episode", "started_at", "ended_at", "status"],
                name="visit_episode_hours",
            ),
            models.Index(fields=["status", "started_at"], name="visit_status_started"),
            models.Index(fields=["started_at"], name="visit_started"),
            models.Index(fields=["created_at"], name="visit_created"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.started_at:%Y-%m-%d %H:%M}"


class VisitException(models.Model):
    """Something about a visit a coordinator must look at (electronic visit verification)."""

    class Kind(models.TextChoices):
        OVERLAP = "overlap", _("같은 단원의 방문 시간 겹침")
        LATE_SYNC = "late_sync", _("종료 72시간 뒤 전송")
        OUTSIDE_ASSIGNMENT = "outside_assignment", _("배정 기간 밖 방문(코디네이터 기록)")
        MISSING_CHECKOUT = "missing_checkout", _("종료(체크아웃) 누락")
        HOURS_LIMIT = "hours_limit", _("회차 서비스 시간 초과")

    visit = models.ForeignKey(
        Visit, verbose_name=_("방문기록"), on_delete=models.CASCADE, related_name="exceptions"
    )
    kind = models.CharField(_("유형"), max_length=20, choices=Kind.choices)
    detail = models.CharField(_("내용"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("발생 일시"), default=timezone.now)
    resolved_at = models.DateTimeField(_("처리 일시"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("처리한 계정"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution = models.CharField(_("처리 사유"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("방문 예외")
        verbose_name_plural = _("방문 예외")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "kind"], name="visit_exception_once"),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | ~Q(resolution=""),
                name="visit_exception_resolution_has_reason",
                violation_error_message=_("처리 사유가 필요합니다."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="visit_exception_open",
                condition=Q(resolved_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.visit_id})"


class NoVisitAlert(models.Model):
    """A recipient with an active assignment and no visit for 7 days, as found by the daily task."""

    recipient = models.ForeignKey(
        Recipient, verbose_name=_("돌봄대상자"), on_delete=models.CASCADE, related_name="alerts"
    )
    corps_member = models.ForeignKey(
        "volunteers.CorpsMember",
        verbose_name=_("긴급돌봄지원단원"),
        on_delete=models.CASCADE,
        related_name="no_visit_alerts",
    )
    as_of = models.DateField(_("기준일"))
    last_visit_at = models.DateTimeField(_("마지막 방문"), null=True, blank=True)

    class Meta:
        verbose_name = _("미방문 알림")
        verbose_name_plural = _("미방문 알림")
        # Never-visited recipients first on both databases (they sort NULLs differently).
        ordering = ["-as_of", models.F("last_visit_at").asc(nulls_first=True), "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "corps_member", "as_of"], name="no_visit_alert_once_a_day"
            ),
        ]
        indexes = [models.Index(fields=["as_of"], name="no_visit_alert_as_of")]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.as_of}"


# Episodes and schedules are packages of their own (care/episodes, care/schedule); their
# models are imported here so that Django registers them with the care app.
from care.audit.models import AccessReview  # noqa: E402
from care.conferences.models import (  # noqa: E402
    ActionItem,
    CaseConference,
    CaseConferenceAttendee,
    ConferenceEpisode,
)
from care.consent.models import ConsentRecord  # noqa: E402
from care.episodes.models import (  # noqa: E402
    AfterCareCheck,
    EligibilityAnswer,
    EligibilityCriterion,
    Episode,
    EpisodeHours,
    EpisodeTransition,
    ExtensionRequest,
    FeeRule,
    IncomeBracket,
    ProgramRules,
)
from care.incidents.models import (  # noqa: E402
    Incident,
    IncidentExternalReport,
    IncidentFollowUp,
    OnCallShift,
    ReportingLine,
    StaffPhone,
)
from care.repairs.models import (  # noqa: E402
    RepairItem,
    RepairJob,
    RepairJobTransition,
    RepairPhoto,
)
from care.satisfaction.models import (  # noqa: E402
    Question,
    Questionnaire,
    SatisfactionAnswer,
    SatisfactionResponse,
)
from care.schedule.models import CarePlanEntry, ScheduledVisit  # noqa: E402

__all__ = [
    "AccessReview",
    "ActionItem",
    "AfterCareCheck",
    "Assignment",
    "CarePlanEntry",
    "CaseConference",
    "CaseConferenceAttendee",
    "ConferenceEpisode",
    "ConsentRecord",
    "EligibilityAnswer",
    "EligibilityCriterion",
    "Episode",
    "EpisodeHours",
    "EpisodeTransition",
    "ExtensionRequest",
    "FeeRule",
    "Incident",
    "IncidentExternalReport",
    "IncidentFollowUp",
    "IncomeBracket",
    "NoVisitAlert",
    "OnCallShift",
    "ProgramRules",
    "Question",
    "Questionnaire",
    "Recipient",
    "RepairItem",
    "RepairJob",
    "RepairJobTransition",
    "RepairPhoto",
    "SatisfactionAnswer",
    "SatisfactionResponse",
    "ReportingLine",
    "ScheduledVisit",
    "StaffPhone",
    "Visit",
    "VisitException",
]
