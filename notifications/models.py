from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.validators import MaxLengthValidator, validate_slug
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A long SMS (LMS) carries about 2,000 bytes, 1,000 Korean characters; the gateway refuses
# more, so the outbox refuses it when the message is stored rather than at every retry.
BODY_MAX_LENGTH = 1000
TO_NAME_MAX_LENGTH = 50


class MessageState(models.TextChoices):
    PENDING = "pending", _("발송 대기")
    SENDING = "sending", _("발송 중")
    SENT = "sent", _("발송 완료")
    FAILED = "failed", _("발송 실패")
    CANCELLED = "cancelled", _("취소")


class MessageQuerySet(models.QuerySet["Message"]):
    def due(self, now: datetime) -> MessageQuerySet:
        """Pending messages whose next attempt has come (the sender's query, indexed)."""
        return self.filter(state=MessageState.PENDING, next_attempt_at__lte=now)

    def stuck(self, claimed_before: datetime) -> MessageQuerySet:
        """Messages a worker claimed before ``claimed_before`` and never finished: it died."""
        return self.filter(state=MessageState.SENDING, claimed_at__lt=claimed_before)


class Message(models.Model):
    """One text message to one person, stored before it is sent (the outbox).

    ``dedupe_key`` says which notice this is (for example ``episode_assigned:41:7``): the same
    notice enqueued twice is one row, and the gateway receives it as the idempotency key so
    that a re-send after a crash is dropped there too.
    """

    State = MessageState

    to_phone = models.CharField(_("받는 사람 전화번호"), max_length=30)
    # A copy of a person's name, capped like every stored name (base.validators'
    # PERSON_NAME_MAX_LENGTH; this app imports none): message_enqueue shortens a longer one.
    to_name = models.CharField(_("받는 사람"), max_length=TO_NAME_MAX_LENGTH)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("받는 사람 계정"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notification_messages",
    )
    kind = models.CharField(
        _("알림 종류"),
        max_length=40,
        validators=[validate_slug],
        help_text=_("예: episode_assigned, substitution, schedule_changed"),
    )
    body = models.TextField(
        _("내용"), max_length=BODY_MAX_LENGTH, validators=[MaxLengthValidator(BODY_MAX_LENGTH)]
    )
    dedupe_key = models.CharField(_("중복 방지 키"), max_length=200, unique=True)
    state = models.CharField(_("상태"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("시도 횟수"), default=0)
    last_error = models.TextField(_("마지막 오류"), blank=True)
    next_attempt_at = models.DateTimeField(_("다음 시도"), default=timezone.now)
    claimed_at = models.DateTimeField(_("발송 시작"), null=True, blank=True)
    sent_at = models.DateTimeField(_("발송 일시"), null=True, blank=True)
    gateway_message_id = models.CharField(_("발송사 메시지 ID"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("등록 일시"), default=timezone.now)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("알림 메시지")
        verbose_name_plural = _("알림 메시지")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=MessageState.values),
                name="notification_message_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state=MessageState.SENT) | Q(sent_at__isnull=False),
                name="notification_message_sent_has_sent_at",
                violation_error_message=_("발송 완료된 메시지에는 발송 일시가 있어야 합니다."),
            ),
            models.CheckConstraint(
                condition=~Q(state=MessageState.SENDING) | Q(claimed_at__isnull=False),
                name="notification_message_sending_has_claimed_at",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), BODY_MAX_LENGTH),
                name="notification_message_body_length",
                violation_error_message=_("알림 내용은 1,000자를 넘을 수 없습니다."),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="notification_message_due"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to_name} ({self.get_state_display()})"
