"""Daily counters of the public finder. One row per day and term (or resource), incremented
in place, so a year of busy searching stays a few thousand rows."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class SearchTermDay(models.Model):
    """How often a (normalised) term was searched on one Seoul day, and how often it found
    nothing. The empty term counts searches by filters only; ``""`` is also where a term is
    counted that was not kept (it looked like personal data)."""

    day = models.DateField(_("날짜"))
    term = models.CharField(_("검색어"), max_length=40, blank=True)
    searches = models.PositiveIntegerField(_("검색 수"), default=0)
    zero_results = models.PositiveIntegerField(_("결과 없음"), default=0)

    class Meta:
        app_label = "consultations"
        verbose_name = _("검색어 통계")
        verbose_name_plural = _("검색어 통계")
        ordering = ["-day", "-searches", "term"]
        constraints = [
            models.UniqueConstraint(fields=["day", "term"], name="search_term_day_unique"),
            models.CheckConstraint(
                condition=Q(zero_results__lte=F("searches")),
                name="search_term_day_zero_within_searches",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.term}: {self.searches}"


class ResourceViewDay(models.Model):
    """How often a resource's public page was opened on one Seoul day."""

    day = models.DateField(_("날짜"))
    resource = models.ForeignKey(
        "consultations.WelfareResource",
        verbose_name=_("복지자원"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    views = models.PositiveIntegerField(_("조회 수"), default=0)

    class Meta:
        app_label = "consultations"
        verbose_name = _("자원 조회 통계")
        verbose_name_plural = _("자원 조회 통계")
        ordering = ["-day", "-views"]
        constraints = [
            models.UniqueConstraint(fields=["day", "resource"], name="resource_view_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.resource_id}: {self.views}"
