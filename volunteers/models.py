from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from base.models import ReferenceData, RefusesResidentRegistrationNumbers, Region, ServiceType
from base.roles import has_role
from base.validators import validate_period_end

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

# Weekly availability as a bit per weekday (Monday = bit 0, as date.weekday() counts), so that
# "free on Tuesday and Thursday" is one indexed integer test rather than a join.
WEEKDAYS: tuple[tuple[str, str], ...] = (
    ("mon", pgettext_lazy("weekday", "월")),
    ("tue", pgettext_lazy("weekday", "화")),
    ("wed", pgettext_lazy("weekday", "수")),
    ("thu", pgettext_lazy("weekday", "목")),
    ("fri", pgettext_lazy("weekday", "금")),
    ("sat", pgettext_lazy("weekday", "토")),
    ("sun", pgettext_lazy("weekday", "일")),
)
WEEKDAY_CODES = [code for code, _label in WEEKDAYS]
ALL_WEEKDAYS_MASK = (1 << len(WEEKDAYS)) - 1


def weekdays_to_mask(codes: list[str]) -> int:
    return sum(1 << WEEKDAY_CODES.index(code) for code in set(codes))


def mask_to_weekdays(mask: int) -> list[str]:
    return [code for index, code in enumerate(WEEKDAY_CODES) if mask & (1 << index)]


class Qualification(ReferenceData):
    """자격: 요양보호사, 사회복지사 … (data, editable in admin)."""

    class Meta(ReferenceData.Meta):
        verbose_name = _("자격")
        verbose_name_plural = _("자격")


class CorpsMemberQuerySet(models.QuerySet["CorpsMember"]):
    def active(self) -> CorpsMemberQuerySet:
        return self.filter(status=CorpsMember.Status.ACTIVE)

    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> CorpsMemberQuerySet:
        """Coordinators and administrators see the corps; a caregiver sees their own record."""
        if not user.is_authenticated:
            return self.none()
        if has_role(user, "coordinator", "administrator"):
            return self
        return self.filter(user=user)


class CorpsMember(RefusesResidentRegistrationNumbers):
    """긴급돌봄지원단원: a member of the emergency care corps."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("활동")
        ON_LEAVE = "on_leave", _("휴직")
        LEFT = "left", _("퇴직")

    name = models.CharField(_("이름"), max_length=50)
    phone = models.CharField(_("전화번호"), max_length=20)
    region = models.ForeignKey(
        Region, verbose_name=_("활동 시·군"), on_delete=models.PROTECT, related_name="corps_members"
    )
    qualifications = models.ManyToManyField(
        Qualification, verbose_name=_("자격"), related_name="corps_members", blank=True
    )
    service_types = models.ManyToManyField(
        ServiceType,
        verbose_name=_("제공 가능 서비스"),
        related_name="corps_members",
        blank=True,
    )
    available_days = models.PositiveSmallIntegerField(
        _("활동 가능 요일"),
        default=0b0011111,
        help_text=_("요일별 비트: 월=1, 화=2, 수=4, 목=8, 금=16, 토=32, 일=64"),
    )
    availability_note = models.CharField(_("활동 가능 시간 메모"), max_length=200, blank=True)
    status = models.CharField(
        _("상태"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    joined_on = models.DateField(_("위촉일"), default=timezone.localdate)
    left_on = models.DateField(_("해촉일"), null=True, blank=True, validators=[validate_period_end])
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("로그인 계정"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="corps_member",
    )
    created_at = models.DateTimeField(_("등록일시"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정일시"), auto_now=True)

    objects = CorpsMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("긴급돌봄지원단원")
        verbose_name_plural = _("긴급돌봄지원단원")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="corps_member_left_after_joined",
                violation_error_message=_("해촉일은 위촉일보다 빠를 수 없습니다."),
            ),
            models.CheckConstraint(
                condition=~Q(status="left") | Q(left_on__isnull=False),
                name="corps_member_left_has_date",
                violation_error_message=_("퇴직 상태에는 해촉일이 필요합니다."),
            ),
            models.CheckConstraint(
                condition=Q(available_days__lte=ALL_WEEKDAYS_MASK),
                name="corps_member_available_days_range",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "status"], name="corps_member_region_status"),
            models.Index(fields=["status"], name="corps_member_status"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.region})"

    @property
    def available_weekdays(self) -> list[str]:
        return mask_to_weekdays(self.available_days)

    def clean(self) -> None:
        if self.left_on and self.joined_on and self.left_on < self.joined_on:
            raise ValidationError({"left_on": _("해촉일은 위촉일보다 빠를 수 없습니다.")})
        if self.status == self.Status.LEFT and not self.left_on:
            raise ValidationError({"left_on": _("퇴직 상태에는 해촉일이 필요합니다.")})


# Corps compliance (단원 관리) is a package of its own; its models are imported here so that
# Django registers them with the volunteers app.
from volunteers.compliance.models import (  # noqa: E402, F401
    ComplianceOverride,
    ComplianceRecord,
    ComplianceRequirement,
)
