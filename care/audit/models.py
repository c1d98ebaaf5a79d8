from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import RefusesResidentRegistrationNumbers


class AccessReview(RefusesResidentRegistrationNumbers):
    """접속기록 점검: one month's review, by whom, when, with what they found."""

    year = models.PositiveSmallIntegerField(_("연도"))
    month = models.PositiveSmallIntegerField(_("월"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("점검자"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("점검 일시"), default=timezone.now)
    note = models.TextField(_("점검 의견"))

    class Meta:
        app_label = "care"
        verbose_name = _("접속기록 점검")
        verbose_name_plural = _("접속기록 점검")
        ordering = ["-year", "-month"]
        default_permissions = ("view", "add")
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="access_review_once_a_month"),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="access_review_month_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"
