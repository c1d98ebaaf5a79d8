"""The served-person tables (see the package's docstring). Rows are written only by the
triggers and the rebuild of kpi 0010; nothing in Python writes them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ServedKind(models.IntegerChoices):
    RECIPIENT = 1, _("긴급돌봄 수혜자")
    RURAL_RECIPIENT = 2, _("농촌 틈새돌봄 대상자")
    CORPS_MEMBER = 3, _("활동 단원")


def _region() -> models.ForeignKey:
    # No database constraint: the rows are derived and rebuilt, and a foreign-key check per
    # row would cost every sync for nothing (the 시·군 comes from the recipient's own row).
    return models.ForeignKey(
        "base.Region",
        verbose_name=_("시·군"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )


class ServedPerson(models.Model):
    """A person served in a Seoul month, under one set of breakdown keys."""

    month = models.DateField(_("월(1일)"))
    kind = models.PositiveSmallIntegerField(_("구분"), choices=ServedKind.choices)
    # A recipient's or a corps member's id, as ``kind`` says.
    person_id = models.BigIntegerField(_("대상 ID"))
    region = _region()
    is_rural = models.BooleanField(_("농촌지역"))

    class Meta:
        verbose_name = _("월별 서비스 인원")
        verbose_name_plural = _("월별 서비스 인원")
        ordering = ["month", "kind", "person_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "person_id", "month", "region", "is_rural"],
                name="kpi_served_person_once",
            ),
            models.CheckConstraint(
                condition=Q(month__day=1), name="kpi_served_person_first_of_month"
            ),
        ]
        # Covering: a month's count reads the index alone (the table stays all-visible
        # between syncs; kpi 0011 tunes its autovacuum). Key columns, not INCLUDE, which
        # SQLite, the development default, would drop with the whole index.
        indexes = [
            models.Index(
                fields=["month", "kind", "region", "is_rural", "person_id"],
                name="kpi_served_person_month",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_kind_display()} {self.person_id}"


class ServedFirst(models.Model):
    """The month a person was first served in a year, under one set of breakdown keys."""

    year = models.PositiveSmallIntegerField(_("연도"))
    kind = models.PositiveSmallIntegerField(_("구분"), choices=ServedKind.choices)
    person_id = models.BigIntegerField(_("대상 ID"))
    region = _region()
    is_rural = models.BooleanField(_("농촌지역"))
    first_month = models.PositiveSmallIntegerField(_("처음 서비스한 월"))

    class Meta:
        verbose_name = _("연도별 첫 서비스 월")
        verbose_name_plural = _("연도별 첫 서비스 월")
        ordering = ["year", "kind", "person_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "person_id", "year", "region", "is_rural"],
                name="kpi_served_first_once",
            ),
            models.CheckConstraint(
                condition=Q(first_month__gte=1, first_month__lte=12),
                name="kpi_served_first_month_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["year", "kind", "first_month", "region", "is_rural", "person_id"],
                name="kpi_served_first_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_kind_display()} {self.person_id}: {self.first_month}"


class ServedTotal(models.Model):
    """Counted visits and their service time in a Seoul month, per program, 시·군 and area."""

    month = models.DateField(_("월(1일)"))
    program = models.ForeignKey(
        "base.Program",
        verbose_name=_("사업"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    region = _region()
    is_rural = models.BooleanField(_("농촌지역"))
    visits = models.BigIntegerField(_("방문 횟수"))
    # Whole microseconds from check-in to check-out, as kpi.metrics sums them.
    microseconds = models.BigIntegerField(_("서비스 시간(마이크로초)"))

    class Meta:
        verbose_name = _("월별 방문 합계")
        verbose_name_plural = _("월별 방문 합계")
        ordering = ["month", "program", "region"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "program", "region", "is_rural"], name="kpi_served_total_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.program_id} {self.region_id}: {self.visits}"


class EpisodeFirst(models.Model):
    """An episode's first counted visit."""

    episode = models.OneToOneField(
        "care.Episode",
        verbose_name=_("돌봄 회차"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="+",
    )
    first_at = models.DateTimeField(_("첫 방문 시각"))
    # Its Seoul date, and the episode's referral date (copied, and kept by a trigger on
    # care_episode): the median of the days between reads this table's index alone, with
    # no time-zone conversion per row.
    first_on = models.DateField(_("첫 방문일"))
    referred_on = models.DateField(_("의뢰일"))

    class Meta:
        verbose_name = _("회차 첫 방문")
        verbose_name_plural = _("회차 첫 방문")
        ordering = ["first_at"]
        indexes = [models.Index(fields=["first_on", "referred_on"], name="kpi_episode_first_on")]

    def __str__(self) -> str:
        return f"{self.episode_id}: {self.first_at:%Y-%m-%d %H:%M}"
