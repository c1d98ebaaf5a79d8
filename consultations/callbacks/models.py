"""상담 신청: a resident's request for a call back, from the public form to the consultation
that answered it. The state columns agree with each other by check constraints, so that no
path (desk, admin, a script) can leave a request called back without its consultation."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import RefusesResidentRegistrationNumbers, Region

# Request numbers are read out on the phone: no 0/O or 1/I to mix up. 32 symbols, 8 of them
# drawn by ``secrets``: 2^40 numbers, so the next one cannot be guessed from the last.
NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
NUMBER_LENGTH = 8
NUMBER_PREFIX = "CB-"


def new_request_number() -> str:
    return NUMBER_PREFIX + "".join(
        secrets.choice(NUMBER_ALPHABET) for _position in range(NUMBER_LENGTH)
    )


class CallbackRequestQuerySet(models.QuerySet["CallbackRequest"]):
    def open(self) -> CallbackRequestQuerySet:
        """Waiting for a call: new, or taken by a counselor who has not recorded it yet."""
        return self.filter(state__in=CallbackRequest.OPEN_STATES)


class CallbackRequest(RefusesResidentRegistrationNumbers):
    """상담 신청: who asked to be called, when suits them, about what, and what came of it."""

    class PreferredTime(models.TextChoices):
        WEEKDAY_MORNING = "weekday_morning", _("평일 오전 (9–12시)")
        WEEKDAY_AFTERNOON = "weekday_afternoon", _("평일 오후 (13–18시)")
        EVENING = "evening", _("평일 저녁 (18–20시)")
        ANYTIME = "anytime", _("언제든 괜찮아요")

    class State(models.TextChoices):
        NEW = "new", _("새 신청")
        TAKEN = "taken", _("상담원 배정")
        CALLED_BACK = "called_back", _("상담 완료")
        CLOSED = "closed", _("종결")

    class CloseReason(models.TextChoices):
        UNREACHABLE = "unreachable", _("연락 안 됨")
        DUPLICATE = "duplicate", _("중복 신청")

    OPEN_STATES = (State.NEW, State.TAKEN)

    number = models.CharField(
        _("신청 번호"), max_length=16, unique=True, default=new_request_number, editable=False
    )
    name = models.CharField(_("이름(별명)"), max_length=50)
    # Normalised by the form: 010-1234-5678, 063-123-4567, 02-123-4567.
    phone = models.CharField(_("전화번호"), max_length=20)
    region = models.ForeignKey(
        Region, verbose_name=_("시·군"), on_delete=models.PROTECT, related_name="+"
    )
    preferred_time = models.CharField(
        _("전화 받기 좋은 시간"),
        max_length=20,
        choices=PreferredTime.choices,
        default=PreferredTime.ANYTIME,
    )
    # The consultation topics (Consultation.topics): the top of the directory's taxonomy.
    topic = models.ForeignKey(
        "consultations.ResourceCategory",
        verbose_name=_("상담 분야"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The public resource page the resident came from, if any.
    resource = models.ForeignKey(
        "consultations.WelfareResource",
        verbose_name=_("보고 온 복지자원"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(_("내용"), max_length=1000, blank=True)
    consent_version = models.CharField(_("동의문 판"), max_length=20)
    consent_at = models.DateTimeField(_("동의 일시"))
    state = models.CharField(_("상태"), max_length=12, choices=State.choices, default=State.NEW)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("맡은 상담원"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    taken_at = models.DateTimeField(_("맡은 일시"), null=True, blank=True)
    consultation = models.OneToOneField(
        "consultations.Consultation",
        verbose_name=_("상담기록"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callback_request",
    )
    called_back_at = models.DateTimeField(_("상담 일시"), null=True, blank=True)
    close_reason = models.CharField(
        _("종결 사유"), max_length=12, choices=CloseReason.choices, blank=True
    )
    close_note = models.CharField(_("종결 메모"), max_length=300, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("종결한 계정"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("종결 일시"), null=True, blank=True)
    created_at = models.DateTimeField(_("신청 일시"), default=timezone.now)
    # Past the period its consent text states (``consultations.callbacks.retention``): the
    # name, phone and text are erased, and the row stays for the counts.
    erased_at = models.DateTimeField(_("파기 일시"), null=True, blank=True, editable=False)

    objects = CallbackRequestQuerySet.as_manager()

    class Meta:
        app_label = "consultations"
        verbose_name = _("상담 신청")
        verbose_name_plural = _("상담 신청")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["new", "taken", "called_back", "closed"]),
                name="callback_state_known",
            ),
            # new: nobody has it; taken: someone has it, nothing recorded yet.
            models.CheckConstraint(
                condition=~Q(state="new")
                | Q(
                    taken_by__isnull=True,
                    taken_at__isnull=True,
                    consultation__isnull=True,
                    called_back_at__isnull=True,
                    closed_at__isnull=True,
                ),
                name="callback_new_is_untouched",
            ),
            models.CheckConstraint(
                condition=~Q(state="taken")
                | Q(
                    taken_by__isnull=False,
                    taken_at__isnull=False,
                    consultation__isnull=True,
                    called_back_at__isnull=True,
                    closed_at__isnull=True,
                ),
                name="callback_taken_has_counselor",
            ),
            models.CheckConstraint(
                condition=~Q(state="called_back")
                | Q(
                    taken_by__isnull=False,
                    consultation__isnull=False,
                    called_back_at__isnull=False,
                    closed_at__isnull=True,
                ),
                name="callback_called_back_has_consultation",
                violation_error_message=_("상담 완료에는 상담기록이 필요합니다."),
            ),
            models.CheckConstraint(
                condition=~Q(state="closed")
                | (
                    Q(close_reason__in=["unreachable", "duplicate"], closed_at__isnull=False)
                    & ~Q(close_note="")
                    & Q(consultation__isnull=True)
                ),
                name="callback_closed_has_reason",
                violation_error_message=_("종결에는 사유가 필요합니다."),
            ),
            models.CheckConstraint(
                condition=Q(state="closed") | Q(close_reason="", close_note=""),
                name="callback_reason_only_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(called_back_at__isnull=True) | Q(called_back_at__gte=F("created_at")),
                name="callback_called_back_after_request",
            ),
            models.CheckConstraint(
                condition=~Q(consent_version=""), name="callback_consent_version_stored"
            ),
            models.CheckConstraint(
                condition=Q(erased_at__isnull=True)
                | (Q(name="", phone="", text="") & ~Q(state__in=["new", "taken"])),
                name="callback_erased_holds_no_contact",
            ),
        ]
        indexes = [
            # The desk's queue: open requests, oldest first.
            models.Index(
                fields=["created_at", "id"],
                name="callback_open_queue",
                condition=Q(state__in=["new", "taken"]),
            ),
            # Usage statistics: requests of a period by 시·군 and topic, and call-back times.
            models.Index(fields=["created_at"], name="callback_created"),
            models.Index(fields=["state", "called_back_at"], name="callback_state_called_back"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES
