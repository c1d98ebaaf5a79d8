"""Outreach sessions (찾아가는 상담): a day at a site with its partner, staff and attendees.

Program 4-1's unit program "사회서비스연계 상담 12회" counts these days, not the consultations
held on them: one busy day at an LH 단지 is one session (``kpi.metrics``: ``outreach_sessions``).
The consultations of a day point at it (``Consultation.outreach_session``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from base.models import Program, RefusesResidentRegistrationNumbers, Region
from base.roles import has_role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

# The program a session belongs to unless the counselor says otherwise (4-1 찾아가는 상담).
OUTREACH_PROGRAM = "outreach_counseling"


def rural_from_admin_unit() -> models.Case:
    """A 읍 or 면 is rural (농촌지역), a 동 urban: the rule of ``Recipient.is_rural``."""
    return models.Case(
        models.When(
            Q(admin_unit__endswith="읍") | Q(admin_unit__endswith="면"), then=models.Value(True)
        ),
        default=models.Value(False),
    )


class OutreachSiteQuerySet(models.QuerySet["OutreachSite"]):
    def active(self) -> OutreachSiteQuerySet:
        return self.filter(is_active=True)


class OutreachSite(RefusesResidentRegistrationNumbers):
    """찾아가는 상담 장소: a 마을회관, an LH 주거행복지원센터 단지, a partner's office …"""

    class Kind(models.TextChoices):
        VILLAGE_HALL = "village_hall", _("마을회관·경로당")
        LH_COMPLEX = "lh_complex", _("LH 주거행복지원센터 단지")
        PARTNER_OFFICE = "partner_office", _("협약기관 사무실")
        COMMUNITY_CENTER = "community_center", _("행정복지센터")
        OTHER = "other", _("기타")

    name = models.CharField(_("장소명"), max_length=150)
    kind = models.CharField(_("장소 유형"), max_length=20, choices=Kind.choices)
    address = models.CharField(_("주소"), max_length=200, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("시·군"), on_delete=models.PROTECT, related_name="outreach_sites"
    )
    admin_unit = models.CharField(
        _("읍·면·동"), max_length=30, help_text=_("예: 봉동읍, 상관면, 효자동")
    )
    # Derived by the database from the admin unit, as a recipient's is: never typed by hand.
    is_rural = models.GeneratedField(
        expression=rural_from_admin_unit(),
        output_field=models.BooleanField(),
        db_persist=True,
        verbose_name=_("농촌지역"),
    )
    organization = models.ForeignKey(
        "consultations.Organization",
        verbose_name=_("협약기관"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outreach_sites",
    )
    is_active = models.BooleanField(_("사용"), default=True)
    created_at = models.DateTimeField(_("등록일시"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정일시"), auto_now=True)

    objects = OutreachSiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("찾아가는 상담 장소")
        verbose_name_plural = _("찾아가는 상담 장소")
        ordering = ["region__sort_order", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"],
                name="outreach_site_name_per_region",
                violation_error_message=_("이 시·군에 같은 이름의 장소가 있습니다."),
            ),
        ]
        indexes = [
            models.Index(fields=["kind"], name="outreach_site_kind"),
            models.Index(fields=["is_active"], name="outreach_site_active"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.region.name} {self.admin_unit})"


class OutreachSessionQuerySet(models.QuerySet["OutreachSession"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> OutreachSessionQuerySet:
        """Counselors, coordinators and administrators read sessions; managers see only the
        goal tracker's counts of them."""
        if not user.is_authenticated:
            return self.none()
        if has_role(user, "counselor", "coordinator", "administrator"):
            return self
        return self.none()


class OutreachSession(RefusesResidentRegistrationNumbers):
    """찾아가는 상담 회차: one day at one site."""

    held_on = models.DateField(_("상담일"))
    site = models.ForeignKey(
        OutreachSite, verbose_name=_("장소"), on_delete=models.PROTECT, related_name="sessions"
    )
    organization = models.ForeignKey(
        "consultations.Organization",
        verbose_name=_("협약기관"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outreach_sessions",
        help_text=_("비우면 장소의 협약기관"),
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("참여 직원"), related_name="outreach_sessions"
    )
    attendees = models.PositiveIntegerField(_("참석 인원"), default=0)
    notes = models.TextField(_("메모"), blank=True)
    program = models.ForeignKey(
        Program,
        verbose_name=_("사업"),
        on_delete=models.PROTECT,
        related_name="outreach_sessions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("등록자"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("등록일시"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정일시"), auto_now=True)

    objects = OutreachSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("찾아가는 상담 회차")
        verbose_name_plural = _("찾아가는 상담 회차")
        ordering = ["-held_on", "-id"]
        constraints = [
            # A day at a site is one session: recording it twice would count it twice.
            models.UniqueConstraint(
                fields=["site", "held_on"],
                name="outreach_session_once_per_site_day",
                violation_error_message=_("이 장소의 이 날 상담은 이미 기록되어 있습니다."),
            ),
            models.CheckConstraint(
                condition=Q(attendees__gte=0),
                name="outreach_session_attendees_not_negative",
                violation_error_message=_("참석 인원은 0 이상입니다."),
            ),
        ]
        indexes = [
            models.Index(fields=["held_on"], name="outreach_session_held"),
            models.Index(fields=["organization", "held_on"], name="outreach_session_org_held"),
            models.Index(fields=["program", "held_on"], name="outreach_session_program_held"),
        ]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.site.name}"
