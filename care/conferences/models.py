"""Case conferences (사례회의): the team and its partners discuss the people in their care.

A conference has a date, a chair, attendees (staff, or outside people such as a
희망복지지원단 worker with their organization), the episodes discussed with a note each,
its decisions, and action items with an owner and a due date. The owner sees a due action on
their own desk until it is marked done.

The partner organizations are consultations' (the directory), above care: named by string,
never imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import RefusesResidentRegistrationNumbers
from base.roles import has_role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class CaseConferenceQuerySet(models.QuerySet["CaseConference"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> CaseConferenceQuerySet:
        """Coordinators and administrators read every conference; a counselor those they
        attended or own an action item of; caregivers and managers none (managers read the
        aggregates only)."""
        if not user.is_authenticated:
            return self.none()
        if has_role(user, "coordinator", "administrator"):
            return self
        if has_role(user, "counselor"):
            # EXISTS rather than joins: no duplicate rows, so no DISTINCT over the page.
            attended = CaseConferenceAttendee.objects.filter(conference=OuterRef("pk"), user=user)
            owns = ActionItem.objects.filter(conference=OuterRef("pk"), owner=user)
            return self.filter(Q(Exists(attended)) | Q(Exists(owns)))
        return self.none()


class CaseConference(RefusesResidentRegistrationNumbers):
    """사례회의."""

    held_on = models.DateField(_("회의일"))
    place = models.CharField(_("장소"), max_length=200, blank=True)
    title = models.CharField(_("회의 제목"), max_length=200)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("사회자"),
        on_delete=models.PROTECT,
        related_name="chaired_conferences",
    )
    episodes = models.ManyToManyField(
        "care.Episode",
        verbose_name=_("논의한 돌봄 회차"),
        through="care.ConferenceEpisode",
        related_name="case_conferences",
        blank=True,
    )
    decisions = models.TextField(_("결정 사항"), blank=True)
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

    objects = CaseConferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("사례회의")
        verbose_name_plural = _("사례회의")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["held_on"], name="conference_held_on")]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class CaseConferenceAttendee(RefusesResidentRegistrationNumbers):
    """One attendee: a staff login, or an outside person's name, role and organization."""

    conference = models.ForeignKey(
        CaseConference,
        verbose_name=_("사례회의"),
        on_delete=models.CASCADE,
        related_name="attendees",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("직원"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="conference_attendances",
    )
    name = models.CharField(_("이름"), max_length=50, blank=True)
    role = models.CharField(_("직책·역할"), max_length=50, blank=True)
    organization = models.ForeignKey(
        "consultations.Organization",
        verbose_name=_("소속 기관"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="conference_attendances",
    )

    class Meta:
        verbose_name = _("사례회의 참석자")
        verbose_name_plural = _("사례회의 참석자")
        ordering = ["conference", "id"]
        constraints = [
            # Either a staff login or an outside person's name, never both or neither.
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(name=""))
                | (Q(user__isnull=True) & ~Q(name="")),
                name="conference_attendee_user_or_name",
                violation_error_message=_("직원을 고르거나 외부 참석자의 이름을 적으세요."),
            ),
            models.UniqueConstraint(
                fields=["conference", "user"],
                condition=Q(user__isnull=False),
                name="conference_attendee_once",
                violation_error_message=_("같은 직원이 두 번 참석자로 적혔습니다."),
            ),
        ]
        indexes = [
            models.Index(fields=["user"], name="conference_attendee_user"),
            models.Index(fields=["organization"], name="conference_attendee_org"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.user_id:
            user = self.user
            return user.get_full_name() or user.get_username()  # type: ignore[union-attr]
        return self.name


class ConferenceEpisode(RefusesResidentRegistrationNumbers):
    """An episode discussed at a conference, with what was said about it."""

    conference = models.ForeignKey(
        CaseConference,
        verbose_name=_("사례회의"),
        on_delete=models.CASCADE,
        related_name="discussions",
    )
    episode = models.ForeignKey(
        "care.Episode",
        verbose_name=_("돌봄 회차"),
        on_delete=models.PROTECT,
        related_name="conference_discussions",
    )
    notes = models.TextField(_("논의 내용"), blank=True)

    class Meta:
        verbose_name = _("논의한 돌봄 회차")
        verbose_name_plural = _("논의한 돌봄 회차")
        ordering = ["conference", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conference", "episode"],
                name="conference_episode_once",
                violation_error_message=_("같은 회차가 두 번 적혔습니다."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conference_id} · {self.episode_id}"


class ActionItemQuerySet(models.QuerySet["ActionItem"]):
    def open(self) -> ActionItemQuerySet:
        return self.filter(done_on__isnull=True)

    def due_for(self, user: AbstractBaseUser, *, within_days: int) -> ActionItemQuerySet:
        """The user's own open items due within ``within_days`` days, or overdue."""
        horizon = timezone.localdate() + timezone.timedelta(days=within_days)
        return self.open().filter(owner=user, due_on__lte=horizon)


class ActionItem(RefusesResidentRegistrationNumbers):
    """A decision's follow-up: what, by whom, by when, and when it was done."""

    conference = models.ForeignKey(
        CaseConference,
        verbose_name=_("사례회의"),
        on_delete=models.CASCADE,
        related_name="action_items",
    )
    text = models.CharField(_("할 일"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("담당자"),
        on_delete=models.PROTECT,
        related_name="conference_action_items",
    )
    due_on = models.DateField(_("기한"))
    done_on = models.DateField(_("완료일"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("완료 처리한 계정"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("사례회의 할 일")
        verbose_name_plural = _("사례회의 할 일")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done_on__isnull=True, done_by__isnull=True)
                | Q(done_on__isnull=False, done_by__isnull=False),
                name="action_item_done_has_who_and_when",
                violation_error_message=_("완료일과 완료 처리한 계정은 함께 적습니다."),
            ),
        ]
        indexes = [
            # The desks' "my action items due": open items of one owner by due date.
            models.Index(
                fields=["owner", "due_on"],
                name="action_item_owner_open",
                condition=Q(done_on__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    def is_overdue(self, today: object = None) -> bool:
        return self.done_on is None and self.due_on < (today or timezone.localdate())
