"""Safety incidents and mandatory reports (안전사고·학대 의심 신고).

A caregiver reports what happened on a visit (a fall, an injury, a suspicion of abuse or
neglect, harm done to the caregiver themselves…) from the tablet, offline if need be; the
coordinators on duty are told at once through the notification outbox, and the desk follows the
incident up to its closure. Incidents are evidence that may end up in court: never deleted
(``PROTECT`` everywhere, no delete permission, no delete in the API or admin), only closed, and
kept longer than visits (``ProgramRules.incident_retention_years``).

Who reads what:
- coordinators and administrators read incidents; a manager sees aggregates only (the goal
  tracker);
- a caregiver creates incidents and reads only those they reported;
- harm done to a caregiver (종사자 인권보호, goal 2-2) is kept out of the coordinators' queue:
  administrators and holders of ``care.view_staff_harm_incident`` only;
- on a suspected abuse or neglect report the reporter's identity (reporter, corps member, the
  visit it came from) is shown to administrators only: the law protects a mandatory reporter's
  identity (노인복지법 제39조의6, 아동학대처벌법 제10조).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import RefusesResidentRegistrationNumbers
from base.roles import has_role
from base.validators import PERSON_NAME_MAX_LENGTH

# care.models imports this module at its end, once Recipient and Visit are defined.
from care.models import Recipient

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

STAFF_HARM_PERMISSION = "care.view_staff_harm_incident"


class ReportingLine(models.Model):
    """신고 전화: the agency a suspicion about a person of one target group is reported to.

    Data, not constants: loaded by the migration (노인보호전문기관 1577-1389, 아동보호전문기관
    1577-1391, 장애인권익옹호기관 1644-8295, and 112 for every group), edited in admin.
    """

    target_group = models.CharField(
        _("대상 구분"), max_length=20, choices=Recipient.Category.choices
    )
    agency = models.CharField(_("신고 기관"), max_length=100)
    phone = models.CharField(_("전화번호"), max_length=20)
    sort_order = models.PositiveSmallIntegerField(_("순서"), default=0)
    is_active = models.BooleanField(_("사용"), default=True)

    class Meta:
        verbose_name = _("신고 전화")
        verbose_name_plural = _("신고 전화")
        ordering = ["target_group", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["target_group", "agency", "phone"], name="reporting_line_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.phone}"


class StaffPhone(models.Model):
    """A staff login's mobile number, for alerts (users have no phone field; a corps member's
    phone is on their corps member record)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("계정"),
        on_delete=models.CASCADE,
        related_name="staff_phone",
    )
    phone = models.CharField(_("휴대전화"), max_length=20)

    class Meta:
        verbose_name = _("직원 연락처")
        verbose_name_plural = _("직원 연락처")
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user} {self.phone}"


class OnCallShift(models.Model):
    """당직: who takes the incident alerts for a span of time. Without a shift covering the
    moment, every active coordinator with a phone on record is alerted."""

    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("코디네이터"),
        on_delete=models.PROTECT,
        related_name="on_call_shifts",
    )
    phone = models.CharField(
        _("당직 전화"), max_length=20, blank=True, help_text=_("비우면 직원 연락처의 번호")
    )
    starts_at = models.DateTimeField(_("시작"))
    ends_at = models.DateTimeField(_("끝"))

    class Meta:
        verbose_name = _("당직")
        verbose_name_plural = _("당직")
        ordering = ["-starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="on_call_shift_ends_after_start",
                violation_error_message=_("당직은 시작 뒤에 끝나야 합니다."),
            ),
        ]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="on_call_shift_span")]

    def __str__(self) -> str:
        return f"{self.coordinator} {self.starts_at:%Y-%m-%d %H:%M}~{self.ends_at:%H:%M}"


class IncidentQuerySet(models.QuerySet["Incident"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> IncidentQuerySet:
        """The incidents a user may read (see the module's docstring)."""
        if not user.is_authenticated:
            return self.none()
        if has_role(user, "administrator"):
            return self
        allowed = Q(pk__in=[])
        if has_role(user, "coordinator"):
            allowed |= ~Q(kind=Incident.Kind.STAFF_HARM)
        if user.has_perm(STAFF_HARM_PERMISSION):
            allowed |= Q(kind=Incident.Kind.STAFF_HARM)
        if has_role(user, "caregiver"):
            allowed |= Q(reporter=user)
        return self.filter(allowed)

    def queue_order(self) -> IncidentQuerySet:
        """Open first, then acknowledged, then closed; the oldest report first in each."""
        order = models.Case(
            models.When(state=Incident.State.OPEN, then=0),
            models.When(state=Incident.State.ACKNOWLEDGED, then=1),
            default=2,
            output_field=models.IntegerField(),
        )
        return self.alias(queue_rank=order).order_by("queue_rank", "reported_at", "pk")


class Incident(RefusesResidentRegistrationNumbers):
    """안전사고·학대 의심 신고: one incident, reported once (its tablet's ``client_uuid``)."""

    class Kind(models.TextChoices):
        FALL = "fall", _("낙상")
        INJURY = "injury", _("부상")
        MEDICAL_EMERGENCY = "medical_emergency", _("응급 상황")
        SUSPECTED_ABUSE = "suspected_abuse", _("학대 의심")
        SUSPECTED_NEGLECT = "suspected_neglect", _("방임 의심")
        SELF_NEGLECT = "self_neglect", _("자기방임")
        STAFF_HARM = "staff_harm", _("종사자 피해")
        PROPERTY_DAMAGE = "property_damage", _("재산 피해")
        OTHER = "other", _("기타")

    class State(models.TextChoices):
        OPEN = "open", _("접수")
        ACKNOWLEDGED = "acknowledged", _("확인")
        CLOSED = "closed", _("종결")

    # Mandatory reports (신고의무): the reporting line is shown, the reporter's identity hidden.
    MANDATORY_REPORT_KINDS = (Kind.SUSPECTED_ABUSE, Kind.SUSPECTED_NEGLECT)
    # About a person: a recipient is required.
    ABOUT_A_RECIPIENT = (Kind.SUSPECTED_ABUSE, Kind.SUSPECTED_NEGLECT, Kind.SELF_NEGLECT)

    client_uuid = models.UUIDField(_("기록 ID"), unique=True)
    kind = models.CharField(_("유형"), max_length=20, choices=Kind.choices)
    recipient = models.ForeignKey(
        Recipient,
        verbose_name=_("대상자"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
    )
    episode = models.ForeignKey(
        "care.Episode",
        verbose_name=_("돌봄 회차"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
    )
    visit = models.ForeignKey(
        "care.Visit",
        verbose_name=_("방문"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("신고자"),
        on_delete=models.PROTECT,
        related_name="incidents_reported",
    )
    corps_member = models.ForeignKey(
        "volunteers.CorpsMember",
        verbose_name=_("단원"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
    )
    occurred_at = models.DateTimeField(_("발생 일시"))
    late_reason = models.CharField(
        _("늦은 신고 사유"), max_length=500, blank=True, help_text=_("7일이 지난 일을 신고할 때")
    )
    place = models.CharField(_("장소"), max_length=200)
    what_happened = models.TextField(_("일어난 일"), max_length=4000)
    action_taken = models.TextField(_("취한 조치"), max_length=4000, blank=True)
    who_was_told = models.CharField(_("알린 사람"), max_length=500, blank=True)
    reporting_line = models.ForeignKey(
        ReportingLine,
        verbose_name=_("신고한 전화"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reported_to_line_at = models.DateTimeField(_("신고 전화 확인 일시"), null=True, blank=True)
    state = models.CharField(_("상태"), max_length=20, choices=State.choices, default=State.OPEN)
    reported_at = models.DateTimeField(_("접수 일시"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("확인 일시"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("확인한 사람"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    escalated_at = models.DateTimeField(_("경영진 보고 일시"), null=True, blank=True)
    outcome = models.TextField(_("결과"), max_length=4000, blank=True)
    closed_at = models.DateTimeField(_("종결 일시"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("종결한 사람"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("안전사고·학대 의심 신고")
        verbose_name_plural = _("안전사고·학대 의심 신고")
        ordering = ["-reported_at", "-pk"]
        # Never deleted: no delete permission for anyone.
        default_permissions = ("view", "add", "change")
        permissions = [("view_staff_harm_incident", _("종사자 피해 신고 열람"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["open", "acknowledged", "closed"]),
                name="incident_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(state="open") | Q(acknowledged_at__isnull=False),
                name="incident_acknowledged_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | (Q(closed_at__isnull=False) & ~Q(outcome="")),
                name="incident_closed_has_outcome",
                violation_error_message=_("종결에는 결과와 종결 일시가 있어야 합니다."),
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["suspected_abuse", "suspected_neglect", "self_neglect"])
                | Q(recipient__isnull=False),
                name="incident_about_a_person_has_recipient",
                violation_error_message=_("학대·방임 의심 신고에는 대상자가 있어야 합니다."),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "reported_at"], name="incident_queue"),
            models.Index(fields=["kind", "occurred_at"], name="incident_kind_occurred"),
            models.Index(fields=["recipient", "occurred_at"], name="incident_recipient"),
            models.Index(fields=["reporter", "reported_at"], name="incident_reporter"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"

    @property
    def is_mandatory_report(self) -> bool:
        return self.kind in self.MANDATORY_REPORT_KINDS

    @property
    def subject_label(self) -> str:
        """Whom the access log names: the recipient, else the corps member concerned."""
        if self.recipient_id is not None:
            return self.recipient.name
        if self.corps_member_id is not None:
            return self.corps_member.name
        return ""


class IncidentFollowUp(RefusesResidentRegistrationNumbers):
    """후속 조치: one dated note of what was done after the report."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("신고"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("작성자"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("일시"), default=timezone.now)
    text = models.TextField(_("내용"), max_length=4000)

    class Meta:
        verbose_name = _("후속 조치")
        verbose_name_plural = _("후속 조치")
        ordering = ["incident", "at", "pk"]
        default_permissions = ("view", "add")

    def __str__(self) -> str:
        return f"{self.incident_id} {self.at:%Y-%m-%d %H:%M}"


class IncidentExternalReport(RefusesResidentRegistrationNumbers):
    """외부 기관 신고: the report made to an outside agency (119, 112, 노인보호전문기관 …)."""

    incident = models.ForeignKey(
        Incident,
        verbose_name=_("신고"),
        on_delete=models.PROTECT,
        related_name="external_reports",
    )
    agency = models.CharField(_("기관"), max_length=100)
    reported_at = models.DateTimeField(_("신고 일시"))
    person = models.CharField(_("담당자"), max_length=PERSON_NAME_MAX_LENGTH, blank=True)
    receipt_number = models.CharField(_("접수번호"), max_length=50, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("기록자"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("기록 일시"), default=timezone.now)

    class Meta:
        verbose_name = _("외부 기관 신고")
        verbose_name_plural = _("외부 기관 신고")
        ordering = ["incident", "reported_at", "pk"]
        default_permissions = ("view", "add")

    def __str__(self) -> str:
        return f"{self.agency} {self.reported_at:%Y-%m-%d %H:%M}"
