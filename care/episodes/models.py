"""Episodes (돌봄 회차): one bounded run of help for one recipient, from referral to closure.

Emergency care is short, bounded help; the team runs it as a caseload of episodes. The limits
of an episode (days, hours, extensions, after-care delay, unit cost, funding shares) are data on
the program (``ProgramRules``), never constants in code. The allowed moves between states are
enforced by one service, ``care.episodes.services.episode_transition``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import RefusesResidentRegistrationNumbers
from base.roles import has_role
from base.validators import validate_period_end

# care.models imports this module at its end, once Recipient is defined.
from care.models import Recipient

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class ProgramRules(models.Model):
    """사업 기준: the limits and money of one program's episodes, edited in admin."""

    class Approver(models.TextChoices):
        COORDINATOR = "coordinator", _("코디네이터")
        MANAGER = "manager", _("경영진")
        ADMINISTRATOR = "administrator", _("시스템 관리자")

    program = models.OneToOneField(
        "base.Program", verbose_name=_("사업"), on_delete=models.CASCADE, related_name="rules"
    )
    max_days = models.PositiveSmallIntegerField(
        _("회차당 최대 일수"), validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    max_hours = models.DecimalField(
        _("회차당 최대 서비스 시간"),
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5"))],
    )
    extensions_allowed = models.PositiveSmallIntegerField(_("연장 가능 횟수"), default=0)
    extension_days = models.PositiveSmallIntegerField(_("연장 1회당 일수"), default=0)
    extension_hours = models.DecimalField(
        _("연장 1회당 시간"), max_digits=6, decimal_places=1, default=Decimal("0")
    )
    extension_approver = models.CharField(
        _("연장 승인자"), max_length=20, choices=Approver.choices, default=Approver.COORDINATOR
    )
    warn_percent = models.PositiveSmallIntegerField(
        _("경고 기준(%)"), default=80, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    aftercare_days = models.PositiveSmallIntegerField(_("종결 후 사후관리까지 일수"), default=14)
    # Money: 원 per delivered hour; the budget in 천원 as the seed's tables print it.
    unit_cost_won = models.PositiveIntegerField(_("시간당 단가(원)"), default=0)
    budget_thousand_won = models.PositiveIntegerField(_("사업비(천원)"), default=0)
    national_share_percent = models.PositiveSmallIntegerField(
        _("국비 비율(%)"), default=50, validators=[MaxValueValidator(100)]
    )
    # Retention (보존 기간): incidents are evidence (a fall, a suspicion of abuse may reach a
    # court years later), so they are kept longer than the visits they came from.
    visit_retention_years = models.PositiveSmallIntegerField(
        _("방문기록 보존 기간(년)"), default=5, validators=[MinValueValidator(1)]
    )
    incident_retention_years = models.PositiveSmallIntegerField(
        _("안전사고·신고 보존 기간(년)"), default=10, validators=[MinValueValidator(1)]
    )
    # After this many years from the closure of a person's last episode (or from a
    # consultation of this program) their identifying fields are erased and replaced by a
    # pseudonym (care/retention.py); the counts the goal tracker reads stay as they were.
    personal_data_retention_years = models.PositiveSmallIntegerField(
        _("개인정보 보유 기간(년)"), default=5, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("사업 기준")
        verbose_name_plural = _("사업 기준")
        ordering = ["program__sort_order", "program__code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(national_share_percent__lte=100),
                name="program_rules_share_percent",
            ),
            models.CheckConstraint(
                condition=Q(warn_percent__gte=1, warn_percent__lte=100),
                name="program_rules_warn_percent",
            ),
            models.CheckConstraint(
                condition=Q(incident_retention_years__gt=models.F("visit_retention_years")),
                name="program_rules_incidents_kept_longer",
                violation_error_message=_("안전사고·신고는 방문기록보다 오래 보존해야 합니다."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.program)

    @property
    def provincial_share_percent(self) -> int:
        return 100 - self.national_share_percent


class IncomeBracket(models.Model):
    """소득 구간 and the co-payment each program asks of it (data, editable in admin)."""

    code = models.SlugField(_("코드"), max_length=40, unique=True)
    name = models.CharField(_("이름"), max_length=100)
    sort_order = models.PositiveSmallIntegerField(_("순서"), default=0)

    class Meta:
        verbose_name = _("소득 구간")
        verbose_name_plural = _("소득 구간")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class FeeRule(models.Model):
    """본인부담: the share of the cost a person in one income bracket pays in one program."""

    program = models.ForeignKey(
        "base.Program", verbose_name=_("사업"), on_delete=models.CASCADE, related_name="fee_rules"
    )
    income_bracket = models.ForeignKey(
        IncomeBracket,
        verbose_name=_("소득 구간"),
        on_delete=models.CASCADE,
        related_name="fee_rules",
    )
    copay_percent = models.PositiveSmallIntegerField(
        _("본인부담률(%)"), default=0, validators=[MaxValueValidator(100)]
    )
    basis = models.CharField(_("근거"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("본인부담 기준")
        verbose_name_plural = _("본인부담 기준")
        ordering = ["program", "income_bracket__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "income_bracket"], name="fee_rule_once_per_bracket"
            ),
            models.CheckConstraint(
                condition=Q(copay_percent__lte=100), name="fee_rule_copay_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program} · {self.income_bracket} · {self.copay_percent}%"


class EligibilityCriterion(models.Model):
    """대상자 선정 기준: one question a program's assessment must answer, with the answer needed.

    ``other_service`` marks the checks against other public services (장기요양,
    노인맞춤돌봄, 장애인활동지원): for those the assessment records the check made, by whom
    and when, so that the decision can be defended at audit.
    """

    class AnswerKind(models.TextChoices):
        YES_NO = "yes_no", _("예/아니오")
        INCOME_BRACKET = "income_bracket", _("소득 구간")

    program = models.ForeignKey(
        "base.Program",
        verbose_name=_("사업"),
        on_delete=models.CASCADE,
        related_name="eligibility_criteria",
    )
    code = models.SlugField(_("코드"), max_length=40)
    question = models.CharField(_("질문"), max_length=200)
    answer_kind = models.CharField(
        _("답 유형"), max_length=20, choices=AnswerKind.choices, default=AnswerKind.YES_NO
    )
    # For yes/no questions, the answer that makes a person eligible ("yes" or "no").
    eligible_answer = models.CharField(_("선정 조건 답"), max_length=10, blank=True)
    other_service = models.BooleanField(_("타 서비스 이용 확인"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("순서"), default=0)
    is_active = models.BooleanField(_("사용"), default=True)

    class Meta:
        verbose_name = _("선정 기준")
        verbose_name_plural = _("선정 기준")
        ordering = ["program", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="criterion_code_per_program"),
        ]

    def __str__(self) -> str:
        return self.question


class EpisodeQuerySet(models.QuerySet["Episode"]):
    def open(self) -> EpisodeQuerySet:
        return self.filter(state__in=Episode.OPEN_STATES)

    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> EpisodeQuerySet:
        """Coordinators see every episode; a caregiver those of recipients assigned to them."""
        if not user.is_authenticated:
            return self.none()
        if has_role(user, "coordinator", "administrator"):
            return self
        if has_role(user, "counselor"):
            return self
        if has_role(user, "caregiver"):
            return self.filter(
                state__in=Episode.OPEN_STATES, assignments__corps_member__user=user
            ).distinct()
        return self.none()


class Episode(RefusesResidentRegistrationNumbers):
    """돌봄 회차. A person may have several over the years, never two open at once."""

    class State(models.TextChoices):
        REFERRED = "referred", _("의뢰")
        ASSESSED = "assessed", _("사정 완료")
        APPROVED = "approved", _("선정")
        ACTIVE = "active", _("서비스 중")
        CLOSED = "closed", _("종결")
        DECLINED = "declined", _("미선정")
        WITHDRAWN = "withdrawn", _("철회")

    OPEN_STATES = ("referred", "assessed", "approved", "active")

    class ReferralSource(models.TextChoices):
        SELF = "self", _("본인")
        FAMILY = "family", _("가족")
        PARTNER = "partner", _("협약기관")
        MUNICIPAL_OFFICE = "municipal_office", _("시·군·읍·면·동 행정복지센터")
        HOSPITAL = "hospital", _("병원")
        OTHER = "other", _("기타")

    class LivingSituation(models.TextChoices):
        ALONE = "alone", _("혼자 거주")
        WITH_SPOUSE = "with_spouse", _("배우자와 거주")
        WITH_FAMILY = "with_family", _("가족과 거주")
        OTHER = "other", _("기타")

    class FeeClass(models.TextChoices):
        FREE = "free", _("무료")
        COPAY = "copay", _("본인부담")

    class ClosureReason(models.TextChoices):
        RECOVERED = "recovered", _("회복")
        CARER_RETURNED = "carer_returned", _("주돌봄자 복귀")
        LINKED = "linked", _("장기 서비스 연계(장기요양·노인맞춤돌봄 등)")
        ADMITTED = "admitted", _("시설·병원 입소")
        MOVED = "moved", _("이사")
        DIED = "died", _("사망")
        REFUSED = "refused", _("서비스 거부")
        PERIOD_ENDED = "period_ended", _("제공 기간 만료")

    recipient = models.ForeignKey(
        "care.Recipient",
        verbose_name=_("돌봄대상자"),
        on_delete=models.PROTECT,
        related_name="episodes",
    )
    program = models.ForeignKey(
        "base.Program", verbose_name=_("사업"), on_delete=models.PROTECT, related_name="episodes"
    )
    state = models.CharField(
        _("상태"), max_length=10, choices=State.choices, default=State.REFERRED
    )

    # Referral (의뢰)
    referred_on = models.DateField(_("의뢰일"), default=timezone.localdate)
    referral_source = models.CharField(
        _("의뢰 경로"), max_length=20, choices=ReferralSource.choices
    )
    # The directory is the one list of partners every desk shares; an episode names the
    # partner that referred the person and, on closure, the service it was linked to.
    referral_organization = models.ForeignKey(
        "consultations.Organization",
        verbose_name=_("의뢰 기관"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referred_episodes",
    )
    referral_region = models.ForeignKey(
        "base.Region",
        verbose_name=_("의뢰 시·군"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    referrer_name = models.CharField(_("의뢰인"), max_length=50, blank=True)
    referrer_contact = models.CharField(_("의뢰인 연락처"), max_length=50, blank=True)
    emergency_reason = models.CharField(
        _("긴급돌봄 사유"), max_length=30, choices=Recipient.EmergencyReason.choices
    )
    referral_note = models.TextField(_("의뢰 내용"), blank=True)

    # Assessment (사정)
    needs = models.ManyToManyField(
        "base.ServiceType", verbose_name=_("필요 서비스"), related_name="episodes", blank=True
    )
    risk_level = models.CharField(
        _("위험도"), max_length=10, choices=Recipient.RiskLevel.choices, blank=True
    )
    living_situation = models.CharField(
        _("거주 형태"), max_length=20, choices=LivingSituation.choices, blank=True
    )
    carer_situation = models.TextField(_("주돌봄자 상황"), blank=True)
    assessment_note = models.TextField(_("사정 의견"), blank=True)
    income_bracket = models.ForeignKey(
        IncomeBracket,
        verbose_name=_("소득 구간"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="episodes",
    )
    assessed_at = models.DateTimeField(_("사정 일시"), null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("사정한 계정"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    # Decision (선정), with the fee and funding fixed at that moment for audit.
    decided_at = models.DateTimeField(_("결정 일시"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("결정한 계정"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.TextField(_("결정 사유"), blank=True)
    fee_class = models.CharField(
        _("본인부담 구분"), max_length=10, choices=FeeClass.choices, blank=True
    )
    copay_percent = models.PositiveSmallIntegerField(
        _("본인부담률(%)"), default=0, validators=[MaxValueValidator(100)]
    )
    fee_basis = models.CharField(_("본인부담 근거"), max_length=200, blank=True)
    national_share_percent = models.PositiveSmallIntegerField(
        _("국비 비율(%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )

    # Period and limits: copied from the program's rules at approval and raised by extensions.
    starts_on = models.DateField(_("시작일"), null=True, blank=True)
    planned_end_on = models.DateField(
        _("종료 예정일"), null=True, blank=True, validators=[validate_period_end]
    )
    max_days = models.PositiveSmallIntegerField(_("최대 일수"), null=True, blank=True)
    max_hours = models.DecimalField(
        _("최대 서비스 시간"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    extensions_granted = models.PositiveSmallIntegerField(_("승인된 연장 횟수"), default=0)

    # Closure (종결)
    closed_on = models.DateField(_("종결일"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("종결한 계정"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closure_reason = models.CharField(
        _("종결 사유"), max_length=20, choices=ClosureReason.choices, blank=True
    )
    closure_note = models.TextField(_("종결 메모"), blank=True)
    linked_organization = models.ForeignKey(
        "consultations.Organization",
        verbose_name=_("연계 기관"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="linked_episodes",
    )
    linked_resource = models.ForeignKey(
        "consultations.WelfareResource",
        verbose_name=_("연계 서비스"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="linked_episodes",
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

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("돌봄 회차")
        verbose_name_plural = _("돌봄 회차")
        ordering = ["-referred_on", "-id"]
        constraints = [
            # Never two open episodes for one person: the database refuses the second.
            models.UniqueConstraint(
                fields=["recipient"],
                condition=Q(state__in=["referred", "assessed", "approved", "active"]),
                name="episode_one_open_per_recipient",
                violation_error_message=_("이 대상자에게는 이미 진행 중인 회차가 있습니다."),
            ),
            models.CheckConstraint(
                condition=Q(planned_end_on__isnull=True)
                | Q(starts_on__isnull=False, planned_end_on__gte=models.F("starts_on")),
                name="episode_planned_end_after_start",
                violation_error_message=_("종료 예정일은 시작일보다 빠를 수 없습니다."),
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | (~Q(closure_reason="") & Q(closed_on__isnull=False)),
                name="episode_closed_has_reason",
                violation_error_message=_("종결에는 사유와 종결일이 필요합니다."),
            ),
            models.CheckConstraint(
                condition=~Q(closure_reason="linked")
                | Q(linked_organization__isnull=False)
                | Q(linked_resource__isnull=False),
                name="episode_linked_closure_names_service",
                violation_error_message=_("연계 종결에는 연계한 기관이나 서비스가 필요합니다."),
            ),
            models.CheckConstraint(
                condition=~Q(state="declined") | ~Q(decision_reason=""),
                name="episode_declined_has_reason",
                violation_error_message=_("미선정에는 사유가 필요합니다."),
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["approved", "active", "closed"])
                | Q(starts_on__isnull=True)
                | Q(max_days__isnull=False),
                name="episode_approved_has_limits",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "referred_on"], name="episode_state_referred"),
            models.Index(fields=["recipient", "state"], name="episode_recipient_state"),
            models.Index(fields=["program", "starts_on"], name="episode_program_starts"),
            models.Index(fields=["closed_on"], name="episode_closed_on"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.get_state_display()} ({self.referred_on})"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    def day_number(self, on: date | None = None) -> int | None:
        """Which day of the episode ``on`` is (the first day is 1), or None before it starts."""
        return day_number_of(self.starts_on, self.closed_on, on or timezone.localdate())


def day_number_of(starts_on: date | None, closed_on: date | None, on: date) -> int | None:
    """``Episode.day_number`` from its two dates, for lists that read them without the model."""
    if starts_on is None:
        return None
    end = closed_on if closed_on and closed_on < on else on
    return max(0, (end - starts_on).days + 1)


class EpisodeHours(models.Model):
    """The service time an episode's counted visits have delivered, kept at write time.

    PostgreSQL only (care 0030): a row for every episode, made by a trigger on the episode's
    insert; the visits' statement triggers add what an insert delivers and recount an
    episode whose visits are changed or deleted. The desk home tests every active episode
    against its hours limit, and summing every visit of each on every load grew with the
    visits. SQLite keeps no rows: ``care.episodes.selectors.delivered_minutes`` sums there.
    """

    episode = models.OneToOneField(
        Episode,
        verbose_name=_("돌봄 회차"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="hours",
    )
    microseconds = models.BigIntegerField(_("제공 시간(마이크로초)"), default=0)

    class Meta:
        verbose_name = _("회차 제공 시간")
        verbose_name_plural = _("회차 제공 시간")
        ordering = ["episode"]
        constraints = [
            models.CheckConstraint(
                condition=Q(microseconds__gte=0), name="episode_hours_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.episode_id}: {self.microseconds / 3_600_000_000:.1f}h"


class EpisodeTransition(models.Model):
    """Every change of an episode's state: who, when, why. Append-only."""

    episode = models.ForeignKey(
        Episode, verbose_name=_("돌봄 회차"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_state = models.CharField(_("이전 상태"), max_length=10, blank=True)
    to_state = models.CharField(_("바뀐 상태"), max_length=10)
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
        verbose_name = _("회차 상태 변경")
        verbose_name_plural = _("회차 상태 변경")
        ordering = ["episode", "at", "id"]
        indexes = [models.Index(fields=["episode", "at"], name="episode_transition_at")]

    def __str__(self) -> str:
        return f"{self.episode_id}: {self.from_state or '-'} → {self.to_state}"


class EligibilityAnswer(RefusesResidentRegistrationNumbers):
    """One criterion answered for one episode's assessment, with where the answer came from."""

    class Source(models.TextChoices):
        SELF_REPORT = "self_report", _("본인 진술")
        FAMILY = "family", _("가족 진술")
        DOCUMENT = "document", _("증빙 서류")
        SYSTEM_CHECK = "system_check", _("전산 조회(행복e음 등)")
        AGENCY = "agency", _("기관 확인")

    episode = models.ForeignKey(
        Episode, verbose_name=_("돌봄 회차"), on_delete=models.CASCADE, related_name="eligibility"
    )
    criterion = models.ForeignKey(
        EligibilityCriterion,
        verbose_name=_("선정 기준"),
        on_delete=models.PROTECT,
        related_name="answers",
    )
    answer = models.CharField(_("답"), max_length=40)
    source = models.CharField(_("확인 출처"), max_length=20, choices=Source.choices)
    checked_on = models.DateField(_("확인일"))
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("확인한 계정"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    note = models.CharField(_("확인 내용"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("선정 기준 확인")
        verbose_name_plural = _("선정 기준 확인")
        ordering = ["episode", "criterion__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "criterion"], name="eligibility_answer_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.answer}"


class ExtensionRequest(RefusesResidentRegistrationNumbers):
    """연장 요청: more days and hours for an episode, approved by the role the program names."""

    class State(models.TextChoices):
        PENDING = "pending", _("대기")
        APPROVED = "approved", _("승인")
        REJECTED = "rejected", _("반려")

    episode = models.ForeignKey(
        Episode, verbose_name=_("돌봄 회차"), on_delete=models.CASCADE, related_name="extensions"
    )
    reason = models.TextField(_("연장 사유"))
    extra_days = models.PositiveSmallIntegerField(_("연장 일수"))
    extra_hours = models.DecimalField(_("연장 시간"), max_digits=6, decimal_places=1)
    state = models.CharField(_("상태"), max_length=10, choices=State.choices, default=State.PENDING)
    requested_at = models.DateTimeField(_("요청 일시"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("요청한 계정"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("처리 일시"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("처리한 계정"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_note = models.TextField(_("처리 의견"), blank=True)

    class Meta:
        verbose_name = _("연장 요청")
        verbose_name_plural = _("연장 요청")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode"],
                condition=Q(state="pending"),
                name="extension_one_pending_per_episode",
                violation_error_message=_("이미 처리 대기 중인 연장 요청이 있습니다."),
            ),
            models.CheckConstraint(
                condition=Q(state="pending") | Q(decided_at__isnull=False),
                name="extension_decided_has_time",
            ),
        ]
        indexes = [models.Index(fields=["state", "requested_at"], name="extension_state")]

    def __str__(self) -> str:
        return f"{self.episode_id} +{self.extra_days}일/{self.extra_hours}시간"


class AfterCareCheck(RefusesResidentRegistrationNumbers):
    """사후관리: a follow-up some days after closure, with its outcome."""

    class Outcome(models.TextChoices):
        STABLE = "stable", _("안정적 생활")
        SERVICE_CONTINUES = "service_continues", _("연계 서비스 이용 중")
        NEEDS_HELP = "needs_help", _("추가 도움 필요(재의뢰)")
        UNREACHABLE = "unreachable", _("연락 안 됨")
        OTHER = "other", _("기타")

    episode = models.OneToOneField(
        Episode, verbose_name=_("돌봄 회차"), on_delete=models.CASCADE, related_name="aftercare"
    )
    due_on = models.DateField(_("예정일"))
    done_at = models.DateTimeField(_("확인 일시"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("확인한 계정"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.CharField(_("결과"), max_length=20, choices=Outcome.choices, blank=True)
    note = models.TextField(_("내용"), blank=True)

    class Meta:
        verbose_name = _("사후관리")
        verbose_name_plural = _("사후관리")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | ~Q(outcome=""),
                name="aftercare_done_has_outcome",
                violation_error_message=_("사후관리 결과를 고르세요."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_on"], name="aftercare_due", condition=Q(done_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.episode_id} {self.due_on}"
