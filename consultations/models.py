"""The care information desk of program 4-2: the welfare resource directory and consultations.

The directory follows the Open Referral Human Services Data Specification in shape:
organization → service (here ``WelfareResource``) → where it is offered, with a taxonomy.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import Program, ReferenceData, RefusesResidentRegistrationNumbers, Region
from base.roles import has_role
from base.validators import validate_recorded_instant
from care.models import Recipient

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class ResourceCategory(ReferenceData):
    """복지자원 분류: the taxonomy of the directory, two levels deep at most."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("상위 분류"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    class Meta(ReferenceData.Meta):
        verbose_name = _("복지자원 분류")
        verbose_name_plural = _("복지자원 분류")


class TargetGroup(ReferenceData):
    """지원 대상: 노인, 장애인, 아동, 가족 …"""

    class Meta(ReferenceData.Meta):
        verbose_name = _("지원 대상")
        verbose_name_plural = _("지원 대상")


class EligibilityTag(ReferenceData):
    """자격 요건: a situation (주 돌봄자의 갑작스런 질병, 혼자 사는 분, 퇴원 후 …) or an
    income bracket (기초생활수급, 차상위 …) a resource is meant for. The public
    questionnaire matches a resident's answers against these; administrators edit them."""

    class Kind(models.TextChoices):
        SITUATION = "situation", _("상황")
        INCOME = "income", _("소득 기준")

    kind = models.CharField(_("종류"), max_length=10, choices=Kind.choices)

    class Meta(ReferenceData.Meta):
        verbose_name = _("자격 요건")
        verbose_name_plural = _("자격 요건")


class Organization(RefusesResidentRegistrationNumbers):
    """A provider of services, or a partner of the care network (돌봄네트워크 협약기관)."""

    class Kind(models.TextChoices):
        PUBLIC = "public", _("공공기관")
        COUNCIL = "council", _("사회복지협의회")
        WELFARE_CENTER = "welfare_center", _("복지관·센터")
        HOSPITAL = "hospital", _("병원")
        HOUSING = "housing", _("주거지원기관")
        PROVIDER = "provider", _("사회서비스 제공기관")
        NONPROFIT = "nonprofit", _("비영리단체")
        OTHER = "other", _("기타")

    # The stable public id (HSDS ``organization.id``): never reused, never changed.
    uuid = models.UUIDField(_("공개 ID"), default=uuid.uuid4, unique=True, editable=False)
    external_id = models.CharField(_("외부 ID"), max_length=64, unique=True, null=True, blank=True)
    name = models.CharField(_("기관명"), max_length=150, unique=True)
    kind = models.CharField(_("기관 유형"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    region = models.ForeignKey(
        Region,
        verbose_name=_("시·군"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
    )
    phone = models.CharField(_("전화번호"), max_length=30, blank=True)
    email = models.EmailField(_("이메일"), blank=True)
    website = models.URLField(_("누리집"), blank=True)
    address = models.CharField(_("주소"), max_length=200, blank=True)
    is_partner = models.BooleanField(_("돌봄네트워크 협약기관"), default=False)
    mou_date = models.DateField(_("업무협약일"), null=True, blank=True)
    notes = models.TextField(_("메모"), blank=True)
    created_at = models.DateTimeField(_("등록일시"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정일시"), auto_now=True)

    class Meta:
        verbose_name = _("기관")
        verbose_name_plural = _("기관")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_partner=False) | Q(mou_date__isnull=False),
                name="organization_partner_has_mou_date",
                violation_error_message=_("협약기관에는 업무협약일이 필요합니다."),
            ),
        ]
        indexes = [
            models.Index(fields=["kind"], name="organization_kind"),
            models.Index(fields=["is_partner"], name="organization_partner"),
        ]

    def __str__(self) -> str:
        return self.name


class WelfareResourceQuerySet(models.QuerySet["WelfareResource"]):
    def serving(self, region: Region) -> WelfareResourceQuerySet:
        """Resources offered in a region, province-wide ones included."""
        return self.filter(Q(province_wide=True) | Q(regions=region)).distinct()

    def needing_review(self, today: object = None) -> WelfareResourceQuerySet:
        from consultations.resources import review_cutoff

        return self.filter(Q(assured_date__isnull=True) | Q(assured_date__lt=review_cutoff(today)))

    def public(self) -> WelfareResourceQuerySet:
        """What residents and open data see: published entries that are running."""
        return self.filter(is_published=True, status=WelfareResource.Status.ACTIVE)


class WelfareResource(RefusesResidentRegistrationNumbers):
    """복지자원: a service someone can be linked to (HSDS ``service``)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("운영")
        INACTIVE = "inactive", _("중단")
        DEFUNCT = "defunct", _("폐지")
        TEMPORARILY_CLOSED = "temporarily_closed", _("일시 중단")

    class Cost(models.TextChoices):
        FREE = "free", _("무료")
        PAID = "paid", _("유료")
        INCOME_BASED = "income_based", _("소득에 따라 다름")

    # The stable public id (HSDS ``service.id``): never reused, never changed.
    uuid = models.UUIDField(_("공개 ID"), default=uuid.uuid4, unique=True, editable=False)
    external_id = models.CharField(_("외부 ID"), max_length=64, unique=True, null=True, blank=True)
    name = models.CharField(_("자원명"), max_length=200)
    summary = models.CharField(
        _("한 줄 소개"), max_length=150, blank=True, help_text=_("검색 결과에 보이는 한 문장")
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("제공기관"), on_delete=models.PROTECT, related_name="resources"
    )
    category = models.ForeignKey(
        ResourceCategory, verbose_name=_("분류"), on_delete=models.PROTECT, related_name="resources"
    )
    target_groups = models.ManyToManyField(
        TargetGroup, verbose_name=_("지원 대상"), related_name="resources", blank=True
    )
    eligibility_tags = models.ManyToManyField(
        EligibilityTag, verbose_name=_("자격 요건"), related_name="resources", blank=True
    )
    min_age = models.PositiveSmallIntegerField(_("최소 나이"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("최대 나이"), null=True, blank=True)
    description = models.TextField(_("내용"), blank=True)
    eligibility = models.TextField(_("지원 자격"), blank=True)
    documents = models.TextField(_("필요 서류"), blank=True)
    hours = models.CharField(_("운영 시간"), max_length=200, blank=True)
    province_wide = models.BooleanField(_("도 전역"), default=False)
    regions = models.ManyToManyField(
        Region, verbose_name=_("제공 시·군"), related_name="resources", blank=True
    )
    phone = models.CharField(_("문의 전화"), max_length=30, blank=True)
    address = models.CharField(_("주소"), max_length=200, blank=True)
    how_to_apply = models.TextField(_("신청 방법"), blank=True)
    fee = models.CharField(_("이용료"), max_length=100, blank=True)
    cost = models.CharField(
        _("비용"),
        max_length=20,
        choices=Cost.choices,
        blank=True,
        help_text=_("모르면 비워 둡니다"),
    )
    status = models.CharField(
        _("상태"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    is_published = models.BooleanField(
        _("공개"), default=True, help_text=_("도민 검색(/find/)과 공개 데이터(/hsds/)에 보임")
    )
    assured_date = models.DateField(
        _("최종 확인일"),
        null=True,
        blank=True,
        help_text=_("누군가 이 정보를 마지막으로 확인한 날"),
    )
    # Lower-cased name, organization, category, eligibility and regions, kept by the service:
    # the one column the Korean substring search and its indexes work on.
    search_text = models.TextField(_("검색용 글"), blank=True, editable=False)
    created_at = models.DateTimeField(_("등록일시"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정일시"), auto_now=True)

    objects = WelfareResourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("복지자원")
        verbose_name_plural = _("복지자원")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="resource_name_per_org"),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=F("max_age")),
                name="resource_age_range_ordered",
                violation_error_message=_("최소 나이는 최대 나이보다 클 수 없습니다."),
            ),
            models.CheckConstraint(
                condition=Q(max_age__isnull=True) | Q(max_age__lte=150),
                name="resource_max_age_plausible",
                violation_error_message=_("나이는 150세를 넘을 수 없습니다."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "category"], name="resource_status_category"),
            models.Index(fields=["is_published", "status"], name="resource_public"),
            # The finder's filter-only pages (a category, a 시·군) list public resources by
            # name: read in this order with a limit instead of sorting every match (100,000
            # resources: a category's first page 126 → 19 ms, measured).
            models.Index(
                fields=["name", "id"],
                name="resource_public_by_name",
                condition=Q(is_published=True, status="active"),
            ),
            models.Index(fields=["updated_at"], name="resource_updated"),
            models.Index(fields=["assured_date"], name="resource_assured"),
        ]

    def __str__(self) -> str:
        return self.name


class SearchGramCount(models.Model):
    """How many resources hold each two-character gram (DESIGN §6, "Common two-syllable
    words"): in their search text and in their own name, over the published, running ones
    (``WelfareResource.objects.public()``) and over all. The gram ``""`` holds the totals.

    Kept by PostgreSQL triggers on the resources (migration 0018), in the statement that
    writes them, so it is exact whatever writes (the desk, the admin, an import, a bulk
    update); ``consultations_gram_counts_rebuild()`` recomputes it from scratch. For a
    two-character search of the whole directory it is the exact count, without reading the
    thousands of matches of a common word, and it tells whether the word is common enough in
    names to walk them in order. Never written by Django; empty on SQLite, where the search
    reads no index.

    The counts are plain integers, without a check that they stay at or above zero: the
    triggers add signed differences by ``INSERT … ON CONFLICT DO UPDATE``, and PostgreSQL
    checks a row's constraints on the row proposed for insertion (a difference of -1) before
    it finds the conflict. A recount (``tests/consultations/test_search_gram_counts.py``)
    is the check.
    """

    gram = models.CharField(_("두 글자"), max_length=2, primary_key=True)
    public_texts = models.IntegerField(_("공개 자원: 검색어 포함"), default=0)
    public_names = models.IntegerField(_("공개 자원: 이름에 포함"), default=0)
    all_texts = models.IntegerField(_("모든 자원: 검색어 포함"), default=0)
    all_names = models.IntegerField(_("모든 자원: 이름에 포함"), default=0)

    class Meta:
        verbose_name = _("검색 글자쌍 집계")
        verbose_name_plural = _("검색 글자쌍 집계")
        ordering = ["gram"]

    def __str__(self) -> str:
        return self.gram


class ConsultationQuerySet(models.QuerySet["Consultation"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> ConsultationQuerySet:
        """Counselors, coordinators and administrators read consultations; nobody else."""
        if not user.is_authenticated:
            return self.none()
        if has_role(user, "counselor", "coordinator", "administrator"):
            return self
        return self.none()


class Consultation(RefusesResidentRegistrationNumbers):
    """상담기록: a care-information or outreach-linkage consultation."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("전화")
        WALK_IN = "walk_in", _("내방")
        OUTREACH = "outreach", _("찾아가는 상담")
        ONLINE = "online", _("온라인")

    class Outcome(models.TextChoices):
        INFORMED = "informed", _("정보 제공")
        REFERRED = "referred", _("기관 의뢰")
        LINKED = "linked", _("서비스 연계")
        FOLLOW_UP = "follow_up", _("추후 상담 필요")

    held_at = models.DateTimeField(
        _("상담 일시"), default=timezone.now, validators=[validate_recorded_instant]
    )
    channel = models.CharField(_("상담 방법"), max_length=10, choices=Channel.choices)
    program = models.ForeignKey(
        Program, verbose_name=_("사업"), on_delete=models.PROTECT, related_name="consultations"
    )
    counselor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("상담원"),
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    recipient = models.ForeignKey(
        Recipient,
        verbose_name=_("돌봄대상자"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
    )
    is_anonymous = models.BooleanField(_("익명"), default=False)
    person_name = models.CharField(_("상담 대상자 이름"), max_length=50, blank=True)
    person_contact = models.CharField(_("연락처"), max_length=50, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("시·군"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
    )
    topics = models.ManyToManyField(
        ResourceCategory, verbose_name=_("상담 주제"), related_name="consultations", blank=True
    )
    summary = models.TextField(_("상담 내용"))
    outcome = models.CharField(_("결과"), max_length=10, choices=Outcome.choices)
    follow_up_on = models.DateField(_("추후 상담일"), null=True, blank=True)
    follow_up_done_at = models.DateTimeField(_("추후 상담 완료"), null=True, blank=True)
    # Consent to pass the person's data to an outside organization (개인정보 제3자 제공 동의).
    share_consent_at = models.DateTimeField(_("제3자 제공 동의 일시"), null=True, blank=True)
    share_consent_scope = models.CharField(_("제3자 제공 동의 범위"), max_length=200, blank=True)
    # The outreach day (찾아가는 상담 회차) this consultation was held at, if any.
    outreach_session = models.ForeignKey(
        "consultations.OutreachSession",
        verbose_name=_("찾아가는 상담 회차"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
    )
    # When the person's name, contact and the summary were erased past the retention period
    # (consultations/retention.py, care/retention.py for a recipient's consultations).
    pseudonymised_at = models.DateTimeField(_("가명처리 일시"), null=True, blank=True)
    created_at = models.DateTimeField(_("등록일시"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정일시"), auto_now=True)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        verbose_name = _("상담기록")
        verbose_name_plural = _("상담기록")
        ordering = ["-held_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_anonymous=False) | (Q(person_name="") & Q(recipient__isnull=True)),
                name="consultation_anonymous_has_no_identity",
                violation_error_message=_("익명 상담에는 이름이나 대상자를 적지 않습니다."),
            ),
            models.CheckConstraint(
                condition=~Q(outcome="follow_up") | Q(follow_up_on__isnull=False),
                name="consultation_follow_up_has_date",
                violation_error_message=_("추후 상담이 필요하면 추후 상담일을 정하세요."),
            ),
        ]
        indexes = [
            models.Index(fields=["held_at"], name="consultation_held"),
            # Covering: the rollup's count of a program's consultations per 시·군 reads the
            # index alone (kpi.metrics filters by the program's id). The 시·군 as a key column,
            # not INCLUDE, which SQLite would drop with the whole index.
            models.Index(fields=["program", "held_at", "region"], name="consultation_program_held"),
            models.Index(fields=["channel", "held_at"], name="consultation_channel_held"),
            models.Index(fields=["counselor", "held_at"], name="consultation_counselor_held"),
            models.Index(fields=["outcome"], name="consultation_outcome"),
            models.Index(
                fields=["follow_up_on"],
                name="consultation_follow_up_open",
                condition=Q(follow_up_on__isnull=False, follow_up_done_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.held_at:%Y-%m-%d} {self.get_channel_display()}"

    def clean(self) -> None:
        super().clean()
        if self.outreach_session_id:
            # Held at an outreach day: in person, there, on that (Seoul) day.
            errors = {}
            if self.channel != self.Channel.OUTREACH:
                errors["channel"] = _(
                    "찾아가는 상담 회차의 상담은 상담 방법이 '찾아가는 상담'입니다."
                )
            held_on = self.outreach_session.held_on
            if self.held_at and timezone.localdate(self.held_at) != held_on:
                errors["held_at"] = _(
                    "찾아가는 상담 회차의 날(%(day)s)에 한 상담이어야 합니다."
                ) % {"day": held_on.isoformat()}
            if errors:
                raise ValidationError(errors)

    @property
    def person_label(self) -> str:
        if self.is_anonymous:
            return str(_("익명"))
        if self.recipient_id:
            return self.recipient.name
        return self.person_name


class Referral(models.Model):
    """A consultation's referral of the person to a resource, and how it went."""

    class State(models.TextChoices):
        REFERRED = "referred", _("의뢰")
        ACCEPTED = "accepted", _("수락")
        DECLINED = "declined", _("거절")
        LINKED = "linked", _("연계(서비스 시작)")
        CLOSED = "closed", _("종결")

    # Which states may follow which: referred → accepted / declined; accepted → linked;
    # anything open → closed (with a reason).
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        State.REFERRED: (State.ACCEPTED, State.DECLINED, State.CLOSED),
        State.ACCEPTED: (State.LINKED, State.CLOSED),
        State.DECLINED: (State.CLOSED,),
        State.LINKED: (State.CLOSED,),
        State.CLOSED: (),
    }

    consultation = models.ForeignKey(
        Consultation, verbose_name=_("상담기록"), on_delete=models.CASCADE, related_name="referrals"
    )
    resource = models.ForeignKey(
        WelfareResource,
        verbose_name=_("복지자원"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    state = models.CharField(
        _("상태"), max_length=10, choices=State.choices, default=State.REFERRED
    )
    reason = models.CharField(_("사유"), max_length=300, blank=True)
    follow_up_on = models.DateField(_("확인 예정일"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("의뢰한 계정"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("의뢰 일시"), default=timezone.now)
    updated_at = models.DateTimeField(_("수정 일시"), auto_now=True)

    class Meta:
        verbose_name = _("의뢰")
        verbose_name_plural = _("의뢰")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "resource"], name="referral_once_per_resource"
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | ~Q(reason=""),
                name="referral_closed_has_reason",
                violation_error_message=_("종결에는 사유가 필요합니다."),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "follow_up_on"], name="referral_state_follow_up"),
        ]

    def __str__(self) -> str:
        return f"{self.resource} ({self.get_state_display()})"


class ReferralStateChange(models.Model):
    """Every change of a referral's state, who made it and why: the referral's history."""

    referral = models.ForeignKey(
        Referral, verbose_name=_("의뢰"), on_delete=models.CASCADE, related_name="history"
    )
    from_state = models.CharField(_("이전 상태"), max_length=10, blank=True)
    to_state = models.CharField(_("바뀐 상태"), max_length=10)
    reason = models.CharField(_("사유"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("변경한 계정"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("변경 일시"), default=timezone.now)

    class Meta:
        verbose_name = _("의뢰 상태 변경")
        verbose_name_plural = _("의뢰 상태 변경")
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.from_state} → {self.to_state}"


class FollowUpAlert(models.Model):
    """A consultation or referral whose follow-up date passed without an update (daily task)."""

    class Kind(models.TextChoices):
        CONSULTATION = "consultation", _("추후 상담")
        REFERRAL = "referral", _("의뢰 확인")

    kind = models.CharField(_("유형"), max_length=20, choices=Kind.choices)
    consultation = models.ForeignKey(
        Consultation, verbose_name=_("상담기록"), on_delete=models.CASCADE, related_name="alerts"
    )
    referral = models.ForeignKey(
        Referral,
        verbose_name=_("의뢰"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
    )
    due_on = models.DateField(_("예정일"))
    as_of = models.DateField(_("기준일"))

    class Meta:
        verbose_name = _("추후 관리 알림")
        verbose_name_plural = _("추후 관리 알림")
        ordering = ["-as_of", "due_on", "id"]
        # One alert a day per consultation, or per referral. Two constraints rather than one
        # with nulls_distinct=False, which SQLite ignores (models.W047 on every command): the
        # partial one covers consultation alerts, whose referral is NULL, on both databases.
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "consultation", "referral", "as_of"],
                name="follow_up_alert_once_a_day",
            ),
            models.UniqueConstraint(
                fields=["kind", "consultation", "as_of"],
                condition=models.Q(referral__isnull=True),
                name="follow_up_alert_once_a_day_no_referral",
            ),
        ]
        indexes = [models.Index(fields=["as_of"], name="follow_up_alert_as_of")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}"


# The partners' agreements are a package of consultations; imported here so that Django
# registers their models with the app.
# The outreach package's models register with this app (as care's subpackages do with care).
from consultations.callbacks.models import CallbackRequest  # noqa: E402
from consultations.freshness.models import (  # noqa: E402
    OrganizationContact,
    ProposedChange,
    ReviewInvitation,
)
from consultations.outreach.models import OutreachSession, OutreachSite  # noqa: E402
from consultations.partners.models import Agreement  # noqa: E402, F401
from consultations.rights.models import RightsRequest  # noqa: E402
from consultations.usage.models import ResourceViewDay, SearchTermDay  # noqa: E402

__all__ = [
    "Agreement",
    "CallbackRequest",
    "Consultation",
    "EligibilityTag",
    "FollowUpAlert",
    "Organization",
    "OrganizationContact",
    "OutreachSession",
    "OutreachSite",
    "ProposedChange",
    "Referral",
    "ReferralStateChange",
    "ResourceCategory",
    "RightsRequest",
    "ReviewInvitation",
    "ResourceViewDay",
    "SearchTermDay",
    "TargetGroup",
    "WelfareResource",
]
