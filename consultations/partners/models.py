"""Partners and agreements (협약): the care network's agreement with each partner organization.

An organization of the directory (``consultations.Organization``) is a partner
(돌봄네트워크 협약기관) through its agreements: each has a signed date, a term, the date its
renewal is due, a scope and the signed copy. The organization's ``mou_date`` is kept equal to
its first agreement's signed date by ``consultations.partners.services``.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import RefusesResidentRegistrationNumbers
from base.validators import validate_period_end

# The desks list agreements whose renewal is due within this many days (the 60).
RENEWAL_WINDOW_DAYS = 60
# When an agreement gives no renewal date, it is due this long before the agreement ends: a
# month leaves time for both sides' approvals before the term runs out.
RENEWAL_NOTICE_DAYS = 30


class AgreementQuerySet(models.QuerySet["Agreement"]):
    def renewed(self) -> AgreementQuerySet:
        """Agreements followed by a later one with the same organization."""
        return self.filter(Exists(self._later()))

    def _later(self) -> models.QuerySet[Agreement]:
        return Agreement.objects.filter(
            organization=OuterRef("organization"), starts_on__gt=OuterRef("starts_on")
        )

    def due_for_renewal(
        self, today: date | None = None, *, within_days: int = RENEWAL_WINDOW_DAYS
    ) -> AgreementQuerySet:
        """Agreements not yet expired, not already followed by a renewal, whose renewal is due
        within ``within_days`` days (or already overdue)."""
        today = today or timezone.localdate()
        return (
            self.filter(renewal_due_on__lte=today + timedelta(days=within_days))
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
            .exclude(Exists(self._later()))
        )

    def with_status(self, today: date | None = None) -> AgreementQuerySet:
        """Annotate ``current_status``: expired after the end, expiring once its renewal is
        due within the window, active otherwise."""
        today = today or timezone.localdate()
        return self.annotate(
            current_status=Case(
                When(ends_on__lt=today, then=Value(Agreement.Status.EXPIRED)),
                When(
                    renewal_due_on__lte=today + timedelta(days=RENEWAL_WINDOW_DAYS),
                    then=Value(Agreement.Status.EXPIRING),
                ),
                default=Value(Agreement.Status.ACTIVE),
                output_field=models.CharField(),
            )
        )


def signed_file_path(agreement: Agreement, filename: str) -> str:
    """Under MEDIA_ROOT/agreements/<organization>/: never the uploader's own path."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    stamp = timezone.now().strftime("%Y%m%d%H%M%S")
    return f"agreements/{agreement.organization_id}/{agreement.pk or 'new'}-{stamp}.{suffix}"


class Agreement(RefusesResidentRegistrationNumbers):
    """협약: one agreement with one partner organization."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("유효")
        EXPIRING = "expiring", _("갱신 필요")
        EXPIRED = "expired", _("만료")

    organization = models.ForeignKey(
        "consultations.Organization",
        verbose_name=_("협약기관"),
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    title = models.CharField(_("협약명"), max_length=150)
    signed_on = models.DateField(_("체결일"))
    starts_on = models.DateField(_("협약 시작일"))
    # None: a term without an end (an agreement renewed automatically until either side ends it).
    ends_on = models.DateField(
        _("협약 종료일"), null=True, blank=True, validators=[validate_period_end]
    )
    renewal_due_on = models.DateField(
        _("갱신 예정일"), null=True, blank=True, validators=[validate_period_end]
    )
    scope = models.TextField(_("협약 내용"), blank=True)
    signed_file = models.FileField(
        _("협약서 사본"), upload_to=signed_file_path, blank=True, max_length=200
    )
    signed_file_name = models.CharField(_("협약서 파일명"), max_length=200, blank=True)
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

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("협약")
        verbose_name_plural = _("협약")
        ordering = ["organization", "-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="agreement_ends_after_start",
                violation_error_message=_("협약 종료일은 시작일보다 빠를 수 없습니다."),
            ),
            models.CheckConstraint(
                condition=Q(renewal_due_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(renewal_due_on__lte=F("ends_on")),
                name="agreement_renewal_before_end",
                violation_error_message=_("갱신 예정일은 협약 종료일보다 늦을 수 없습니다."),
            ),
        ]
        indexes = [
            models.Index(fields=["renewal_due_on"], name="agreement_renewal_due"),
            models.Index(fields=["organization", "starts_on"], name="agreement_org_starts"),
            models.Index(fields=["ends_on"], name="agreement_ends"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.title} ({self.signed_on})"

    def status_on(self, today: date | None = None) -> str:
        """The same rule as ``AgreementQuerySet.with_status``, for one loaded agreement."""
        today = today or timezone.localdate()
        if self.ends_on and self.ends_on < today:
            return self.Status.EXPIRED
        if self.renewal_due_on and self.renewal_due_on <= today + timedelta(
            days=RENEWAL_WINDOW_DAYS
        ):
            return self.Status.EXPIRING
        return self.Status.ACTIVE

    @property
    def status(self) -> str:
        return getattr(self, "current_status", None) or self.status_on()
