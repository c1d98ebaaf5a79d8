"""정보주체의 권리 행사: a person's request to see, correct, delete or stop the processing of
their data (개인정보 보호법 제35조~제37조), answered within 10 days (시행령 제41조 등)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import RefusesResidentRegistrationNumbers
from care.models import Recipient

ANSWER_WITHIN_DAYS = 10


def due_for(received_on: date) -> date:
    """The last day to answer: 10 days from the day the request was received."""
    return received_on + timedelta(days=ANSWER_WITHIN_DAYS)


class RightsRequestQuerySet(models.QuerySet["RightsRequest"]):
    def open(self) -> RightsRequestQuerySet:
        return self.filter(status=RightsRequest.Status.OPEN)

    def overdue(self, today: date | None = None) -> RightsRequestQuerySet:
        return self.open().filter(due_on__lt=today or timezone.localdate())


class RightsRequest(RefusesResidentRegistrationNumbers):
    class Kind(models.TextChoices):
        ACCESS = "access", _("열람")
        CORRECTION = "correction", _("정정")
        DELETION = "deletion", _("삭제")
        SUSPENSION = "suspension", _("처리정지")

    class Channel(models.TextChoices):
        IN_PERSON = "in_person", _("방문")
        PHONE = "phone", _("전화")
        WRITING = "writing", _("서면·우편")
        EMAIL = "email", _("전자우편")

    class Requester(models.TextChoices):
        SELF = "self", _("본인")
        REPRESENTATIVE = "representative", _("대리인")

    class Status(models.TextChoices):
        OPEN = "open", _("처리 중")
        GRANTED = "granted", _("처리 완료")
        REFUSED = "refused", _("거절")

    kind = models.CharField(_("요구 종류"), max_length=12, choices=Kind.choices)
    # The person whose data it is: a recipient, or the client of a consultation who is none.
    recipient = models.ForeignKey(
        Recipient,
        verbose_name=_("돌봄대상자"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rights_requests",
    )
    consultation = models.ForeignKey(
        "consultations.Consultation",
        verbose_name=_("상담기록"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rights_requests",
    )
    requester = models.CharField(
        _("요구한 사람"), max_length=16, choices=Requester.choices, default=Requester.SELF
    )
    received_on = models.DateField(_("접수일"))
    # Stored, not computed on reading: the deadline the person was told stays what it was.
    due_on = models.DateField(_("처리 기한"))
    received_via = models.CharField(_("접수 방법"), max_length=12, choices=Channel.choices)
    detail = models.TextField(_("요구 내용"), max_length=4000)
    status = models.CharField(_("상태"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answered_on = models.DateField(_("답변일"), null=True, blank=True)
    answer = models.TextField(_("답변·거절 사유"), max_length=4000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("답변한 계정"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("접수한 계정"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("등록일시"), default=timezone.now, editable=False)

    objects = RightsRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("정보주체 권리 요구")
        verbose_name_plural = _("정보주체 권리 요구")
        ordering = ["due_on", "id"]
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=False, consultation__isnull=True)
                | Q(recipient__isnull=True, consultation__isnull=False),
                name="rights_request_one_person",
                violation_error_message=_("돌봄대상자나 상담기록 가운데 하나를 고르세요."),
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("received_on")),
                name="rights_request_due_after_received",
            ),
            models.CheckConstraint(
                condition=Q(status="open", answered_on__isnull=True, answered_by__isnull=True)
                | (
                    ~Q(status="open")
                    & Q(answered_on__isnull=False, answered_by__isnull=False)
                    & ~Q(answer="")
                ),
                name="rights_request_answered_has_answer",
                violation_error_message=_("답변일과 답변(거절이면 그 사유)을 적으세요."),
            ),
            models.CheckConstraint(
                condition=Q(answered_on__isnull=True) | Q(answered_on__gte=models.F("received_on")),
                name="rights_request_answered_after_received",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="rights_request_status_due"),
            models.Index(fields=["recipient"], name="rights_request_recipient"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.received_on}"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_on < timezone.localdate()

    @property
    def subject(self) -> tuple[str, int]:
        """The access log's name for the person: (``subject_type``, ``subject_id``)."""
        if self.recipient_id:
            return "recipient", self.recipient_id
        return "consultation", self.consultation_id  # type: ignore[return-value]
