"""The goal tracker's structure: strategic goals → indicators → measures → targets per year,
and the unit programs (단위사업) planned under an indicator.

The figures of the source document (``kpi/data/goals.json``, loaded by ``manage.py
load_goals``) are kept as printed beside their numbers; the system computes achievement rates
itself (``achievement_rate``) and ``docs/kpi.md`` lists where the document's printed rates
disagree with its own numbers.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Plan years the tracker accepts; the check constraints keep a typo such as 20223 out.
YEAR_MIN = 2000
YEAR_MAX = 2100


def achievement_rate(actual: Decimal | None, target: Decimal | None) -> int | None:
    """Actual ÷ target × 100, truncated to a whole percent (DESIGN §3.5).

    The document's own figures: 125 against 30 → 416, 1,597 against 1,400 → 114, 92.3
    against 80 → 115, 22 against 20 → 110. ``None`` when either figure is missing or the
    target is zero (no rate can be stated).
    """
    if actual is None or target is None or target == 0:
        return None
    return int((Decimal(actual) * 100 / Decimal(target)).to_integral_value(rounding=ROUND_DOWN))


class Unit(models.TextChoices):
    """The units the document prints after a figure; the value is the printed symbol."""

    TIMES = "회", _("회")
    SITES = "개소", _("개소")
    PERCENT = "%", _("%")
    CASES = "건", _("건")
    POINTS = "점", _("점")
    PERSONS = "명", _("명")
    # 4-1's 2022 추진실적 (주거환경개선 60가구) and the operational measures (운영 지표).
    HOUSEHOLDS = "가구", _("가구")
    DAYS = "일", _("일")
    HOURS = "시간", _("시간")


class Metric(models.TextChoices):
    """Automatic metrics over operational data; a measure bound to none is entered by hand.

    The counting rule of each is in ``docs/kpi.md`` (DESIGN §3).
    """

    CORPS_MEMBERS_SERVED = "corps_members_served", _("활동 단원(실인원)")
    CORPS_MEMBERS_ACTIVE = "corps_members_active", _("활동 중 단원(기말)")
    RECIPIENTS_SERVED = "recipients_served", _("긴급돌봄 수혜자(실인원)")
    RURAL_RECIPIENTS_SERVED = "rural_recipients_served", _("농촌 틈새돌봄 대상자(실인원)")
    VISITS = "visits", _("방문 횟수")
    PROGRAMS_OPERATED = "programs_operated", _("운영 사업 수")
    OUTREACH_CONSULTATIONS = "outreach_consultations", _("찾아가는 상담 건수")
    # 4-1 사회서비스연계 상담 12회: days at a site, not the consultations held on them.
    OUTREACH_SESSIONS = "outreach_sessions", _("찾아가는 상담 회차")
    CARE_INFO_CONSULTATIONS = "care_info_consultations", _("돌봄종합정보상담 건수")
    REPAIR_HOUSEHOLDS = "repair_households", _("주거환경개선 가구(실가구)")
    # Operational measures (운영 지표) of episodes and schedules: no target, not in the report.
    EPISODES_OPENED = "episodes_opened", _("돌봄 회차 의뢰(개시)")
    EPISODES_CLOSED = "episodes_closed", _("돌봄 회차 종결")
    CLOSURE_LINKAGE_RATE = "closure_linkage_rate", _("종결 시 연계율")
    REFERRAL_TO_FIRST_VISIT_DAYS = "referral_to_first_visit_days", _("의뢰→첫 방문 일수(중앙값)")
    SCHEDULE_COMPLETION_RATE = "schedule_completion_rate", _("방문 일정 이행률")
    DELIVERED_HOURS = "delivered_hours", _("서비스 제공 시간")
    # 만족도 조사 (care.satisfaction): the mean overall score on 0–100 (점).
    SATISFACTION_SCORE = "satisfaction_score", _("만족도 점수(평균)")
    # Safety incidents (issue 12): by kind, and the median hours to acknowledgement.
    INCIDENTS = "incidents", _("안전사고·학대 의심 신고")
    INCIDENT_HOURS_TO_ACKNOWLEDGE = "incident_hours_to_acknowledge", _("신고→확인 시간(중앙값)")


def _year_between(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": YEAR_MIN, f"{field}__lte": YEAR_MAX}),
        name=name,
        violation_error_message=_("연도는 2000–2100 사이여야 합니다."),
    )


class StrategicGoal(models.Model):
    """전략목표: one of the five goals of a plan year's goal structure.

    ``year`` is the plan year whose structure the goal belongs to: the 2023 goal table, or the
    2022 results table, which has a different set of indicators.
    """

    year = models.PositiveSmallIntegerField(_("기준 연도"))
    number = models.PositiveSmallIntegerField(_("번호"))
    name = models.CharField(_("전략목표"), max_length=100)

    class Meta:
        verbose_name = _("전략목표")
        verbose_name_plural = _("전략목표")
        ordering = ["-year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="kpi_goal_year_number"),
            _year_between("year", "kpi_goal_year_range"),
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=5),
                name="kpi_goal_number_range",
                violation_error_message=_("전략목표 번호는 1–5입니다."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.number}. {self.name}"


class Indicator(models.Model):
    """성과지표, coded ``<goal>-<n>`` as the document numbers them (e.g. ``4-1``)."""

    goal = models.ForeignKey(
        StrategicGoal,
        verbose_name=_("전략목표"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    code = models.CharField(_("지표 번호"), max_length=10, help_text=_("예: 4-1"))
    name = models.CharField(_("성과지표"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(_("순서"), default=0)

    class Meta:
        verbose_name = _("성과지표")
        verbose_name_plural = _("성과지표")
        ordering = ["-goal__year", "goal__number", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "code"], name="kpi_indicator_goal_code"),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[1-9][0-9]*-[1-9][0-9]*$"),
                name="kpi_indicator_code_format",
                violation_error_message=_("지표 번호는 '4-1'처럼 적습니다."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        if self.goal_id and self.code and not self.code.startswith(f"{self.goal.number}-"):
            raise ValidationError(
                {"code": _("지표 번호는 전략목표 번호로 시작해야 합니다 (예: 4-1).")}
            )


class MeasureQuerySet(models.QuerySet["Measure"]):
    def automatic(self) -> MeasureQuerySet:
        """Measures whose actuals the monthly rollup computes."""
        return self.exclude(metric="")

    def manual(self) -> MeasureQuerySet:
        return self.filter(metric="")

    def goal_table(self) -> MeasureQuerySet:
        """The document's measures: what the report, the Excel and the goal table print."""
        return self.filter(operational=False)


class Measure(models.Model):
    """측정방법: how an indicator is measured, in one unit, with the 사업비 printed beside it."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("성과지표"), on_delete=models.CASCADE, related_name="measures"
    )
    name = models.CharField(_("측정방법"), max_length=100, help_text=_("예: 제공인원수"))
    unit = models.CharField(_("단위"), max_length=4, choices=Unit.choices)
    # The document's 사업비 column in 억원 ("-" → empty). Where one printed cell spans two
    # measures (4-1), it is kept on the first only, so that sums count it once.
    budget_eok = models.DecimalField(
        _("사업비(억원)"), max_digits=10, decimal_places=3, null=True, blank=True
    )
    metric = models.CharField(
        _("자동 집계 지표"),
        max_length=40,
        choices=Metric.choices,
        blank=True,
        help_text=_("비워 두면 수기 입력 지표입니다."),
    )
    # An operational measure (운영 지표: episodes, schedules, hours) is the team's own, not the
    # document's: rolled up like the others, shown beside its indicator, never in the goal
    # table, the report or the Excel download, and it has no target.
    operational = models.BooleanField(
        _("운영 지표"), default=False, help_text=_("문서의 성과지표가 아닌 운영 지표입니다.")
    )
    sort_order = models.PositiveSmallIntegerField(_("순서"), default=0)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = _("측정방법")
        verbose_name_plural = _("측정방법")
        ordering = ["-indicator__goal__year", "indicator__goal__number",
                    "indicator__sort_order", "sort_order", "id"]  # fmt: skip
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "name"], name="kpi_measure_indicator_name"
            ),
            models.CheckConstraint(
                condition=Q(budget_eok__isnull=True) | Q(budget_eok__gte=0),
                name="kpi_measure_budget_not_negative",
                violation_error_message=_("사업비는 0 이상입니다."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.name} ({self.unit})"


class MeasureTarget(models.Model):
    """A measure's target for one year, with the figures the document prints beside it.

    For 2023 the goal table prints last year's figures beside each target: the 2022 actual,
    the 2022 target in parentheses and a "전년목표 대비" column (``reported_prior_*``). For the
    2022 results table the printed result is ``reported_actual*``. The printed rate columns
    are kept as text only; the system's own rates come from ``achievement_rate``.
    """

    measure = models.ForeignKey(
        Measure, verbose_name=_("측정방법"), on_delete=models.CASCADE, related_name="targets"
    )
    year = models.PositiveSmallIntegerField(_("연도"))
    target = models.DecimalField(_("목표"), max_digits=12, decimal_places=2)
    target_text = models.CharField(
        _("목표(표기)"),
        max_length=100,
        blank=True,
        help_text=_("문서 표기 그대로, 예: 80% 구축완료"),
    )
    reported_prior_actual = models.DecimalField(
        _("전년 실적(문서)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    reported_prior_target = models.DecimalField(
        _("전년 목표(문서)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    reported_prior_text = models.CharField(_("전년 실적(표기)"), max_length=200, blank=True)
    reported_prior_rate_text = models.CharField(
        _("전년목표 대비(표기)"), max_length=20, blank=True, help_text=_("예: 신규, -, 120%")
    )
    reported_actual = models.DecimalField(
        _("실적(문서)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    reported_actual_text = models.CharField(_("실적(표기)"), max_length=100, blank=True)
    reported_rate_text = models.CharField(_("달성률(표기)"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("연도별 목표")
        verbose_name_plural = _("연도별 목표")
        ordering = ["-measure__indicator__goal__year", "measure__indicator__goal__number",
                    "measure__indicator__sort_order", "measure__sort_order", "year"]  # fmt: skip
        constraints = [
            models.UniqueConstraint(fields=["measure", "year"], name="kpi_measure_target_year"),
            _year_between("year", "kpi_measure_target_year_range"),
            models.CheckConstraint(
                condition=Q(target__gte=0),
                name="kpi_measure_target_not_negative",
                violation_error_message=_("목표는 0 이상입니다."),
            ),
            models.CheckConstraint(
                condition=(Q(reported_actual__isnull=True) | Q(reported_actual__gte=0))
                & (Q(reported_prior_actual__isnull=True) | Q(reported_prior_actual__gte=0))
                & (Q(reported_prior_target__isnull=True) | Q(reported_prior_target__gte=0)),
                name="kpi_measure_target_reported_not_negative",
                violation_error_message=_("실적은 0 이상입니다."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.year}: {self.target_text or self.target}"

    @property
    def prior_achievement_rate(self) -> int | None:
        """Last year's achievement from the printed prior figures, computed (22 ÷ 20 → 110)."""
        return achievement_rate(self.reported_prior_actual, self.reported_prior_target)

    @property
    def reported_achievement_rate(self) -> int | None:
        """This year's achievement from the printed actual (the 2022 results table)."""
        return achievement_rate(self.reported_actual, self.target)


class UnitProgram(models.Model):
    """단위사업: a line of an indicator's "향후 추진계획" table."""

    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("성과지표"),
        on_delete=models.CASCADE,
        related_name="unit_programs",
    )
    group = models.CharField(
        _("구분"), max_length=100, blank=True, help_text=_("예: 긴급돌봄 운영; 없으면 비워 둡니다.")
    )
    name = models.CharField(_("단위사업명"), max_length=200)
    unit = models.CharField(_("단위"), max_length=4, choices=Unit.choices, blank=True)
    metric = models.CharField(
        _("자동 집계 지표"),
        max_length=40,
        choices=Metric.choices,
        blank=True,
        help_text=_("비워 두면 수기 입력 사업입니다."),
    )
    note = models.CharField(_("비고"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("순서"), default=0)

    class Meta:
        verbose_name = _("단위사업")
        verbose_name_plural = _("단위사업")
        ordering = ["-indicator__goal__year", "indicator__goal__number",
                    "indicator__sort_order", "sort_order", "id"]  # fmt: skip
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "group", "name"], name="kpi_unit_program_indicator_name"
            ),
        ]

    def __str__(self) -> str:
        prefix = f"{self.group} · " if self.group else ""
        return f"{self.indicator.code} {prefix}{self.name}"


class UnitProgramTarget(models.Model):
    """A unit program's target for one year, or (2022) the result its 추진실적 table prints."""

    unit_program = models.ForeignKey(
        UnitProgram, verbose_name=_("단위사업"), on_delete=models.CASCADE, related_name="targets"
    )
    year = models.PositiveSmallIntegerField(_("연도"))
    # Empty when the cell is text only ("구축완료", "-") or the year prints a result only.
    target = models.DecimalField(_("목표"), max_digits=12, decimal_places=2, null=True, blank=True)
    target_text = models.CharField(
        _("목표(표기)"),
        max_length=200,
        blank=True,
        help_text=_("문서 표기 그대로, 예: 2개유형 시설 40곳 배포 및 교육"),
    )
    reported_actual = models.DecimalField(
        _("실적(문서)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    reported_actual_text = models.CharField(_("실적(표기)"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("단위사업 연도별 목표")
        verbose_name_plural = _("단위사업 연도별 목표")
        ordering = ["-unit_program__indicator__goal__year",
                    "unit_program__indicator__goal__number", "unit_program__indicator__sort_order",
                    "unit_program__sort_order", "year"]  # fmt: skip
        constraints = [
            models.UniqueConstraint(
                fields=["unit_program", "year"], name="kpi_unit_program_target_year"
            ),
            _year_between("year", "kpi_unit_program_target_year_range"),
            models.CheckConstraint(
                condition=(Q(target__isnull=True) | Q(target__gte=0))
                & (Q(reported_actual__isnull=True) | Q(reported_actual__gte=0)),
                name="kpi_unit_program_target_not_negative",
                violation_error_message=_("목표와 실적은 0 이상입니다."),
            ),
            models.CheckConstraint(
                condition=Q(target__isnull=False)
                | ~Q(target_text="")
                | Q(reported_actual__isnull=False)
                | ~Q(reported_actual_text=""),
                name="kpi_unit_program_target_not_empty",
                violation_error_message=_("목표나 실적 중 하나는 적어야 합니다."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_program} {self.year}: {self.target_text or self.target}"


class OperatingGroupProgram(models.Model):
    """Which 운영 group of an indicator a care or consultation program's records count for.

    4-1's 운영사업 (2건) are the two 운영 lines of its 사업내용 (긴급 돌봄사업, 전북형 돌봄체계
    추진), the groups of its unit programs; a group counts as operated in a period when any of
    its programs had a counted visit or consultation then (``kpi.metrics``). A program belongs
    to one group of an indicator: the database refuses a second.
    """

    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("성과지표"),
        on_delete=models.CASCADE,
        related_name="operating_programs",
    )
    group = models.CharField(_("운영 구분"), max_length=100, help_text=_("예: 긴급돌봄 운영"))
    program = models.ForeignKey(
        "base.Program", verbose_name=_("사업"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("운영 구분별 사업")
        verbose_name_plural = _("운영 구분별 사업")
        ordering = ["indicator", "group", "program"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "program"],
                name="kpi_operating_program_one_group",
                violation_error_message=_("한 사업은 한 운영 구분에만 속합니다."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.group} · {self.program}"


class Period(models.Model):
    """A calendar month of the tracker: when its figures were computed, and whether closed.

    Its row is also the lock of the month's rollup: a rollup holds it ``select_for_update``
    for its whole transaction, so two rollups of one month never interleave.
    """

    year = models.PositiveSmallIntegerField(_("연도"))
    month = models.PositiveSmallIntegerField(_("월"))
    computed_at = models.DateTimeField(_("마지막 집계"), null=True, blank=True)
    closed_at = models.DateTimeField(_("마감 일시"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("마감한 계정"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("집계 월")
        verbose_name_plural = _("집계 월")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="kpi_period_once"),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="kpi_period_month_range"
            ),
            _year_between("year", "kpi_period_year_range"),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class RollupRun(models.Model):
    """One computation of a month's (or a year's) figures: who or what asked, and how it went."""

    class State(models.TextChoices):
        QUEUED = "queued", _("대기")
        RUNNING = "running", _("실행 중")
        SUCCEEDED = "succeeded", _("완료")
        FAILED = "failed", _("실패")
        SKIPPED = "skipped", _("건너뜀(마감)")
        # Its worker went silent (killed, machine lost): a new run took its place.
        LOST = "lost", _("중단(다시 실행)")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("정기(매월 1일)")
        LATE_RECORDS = "late_records", _("늦게 도착한 기록")
        MANUAL = "manual", _("수동")
        COMMAND = "command", _("명령")

    year = models.PositiveSmallIntegerField(_("연도"))
    month = models.PositiveSmallIntegerField(_("월"))
    trigger = models.CharField(_("계기"), max_length=20, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("요청한 계정"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    state = models.CharField(_("상태"), max_length=10, choices=State.choices, default=State.QUEUED)
    created_at = models.DateTimeField(_("요청 일시"), default=timezone.now)
    started_at = models.DateTimeField(_("시작"), null=True, blank=True)
    finished_at = models.DateTimeField(_("종료"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("기록한 행"), default=0)
    error = models.TextField(_("오류"), blank=True)
    # When its message left for the broker: a queued run without one was requested while the
    # broker was down, and the beat's kpi.send_queued_rollups sends it once it is back.
    sent_at = models.DateTimeField(_("전송 일시"), null=True, blank=True)
    # Updated by a running rollup every few seconds: a run silent for longer than
    # KPI_ROLLUP_LOST_AFTER_SECONDS lost its worker and is run again.
    heartbeat_at = models.DateTimeField(_("마지막 신호"), null=True, blank=True)
    retry_of = models.ForeignKey(
        "self",
        verbose_name=_("다시 실행한 원래 실행"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="retries",
    )

    class Meta:
        verbose_name = _("집계 실행")
        verbose_name_plural = _("집계 실행")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["year", "month", "-created_at"], name="kpi_run_period"),
            # The beat's two sweeps: queued runs never sent, running runs gone silent.
            models.Index(fields=["state", "created_at"], name="kpi_run_state"),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.get_state_display()}"


class Measurement(models.Model):
    """A month's figure of a measure or a unit program, and its year-to-date figure.

    Automatic figures are replaced whole by each rollup of the month; manual ones are the
    latest of their ``ManualEntry`` history.
    """

    class Source(models.TextChoices):
        AUTO = "auto", _("자동 집계")
        MANUAL = "manual", _("수기 입력")

    measure = models.ForeignKey(
        Measure,
        verbose_name=_("측정방법"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="measurements",
    )
    unit_program = models.ForeignKey(
        UnitProgram,
        verbose_name=_("단위사업"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="measurements",
    )
    year = models.PositiveSmallIntegerField(_("연도"))
    month = models.PositiveSmallIntegerField(_("월"))
    # Empty where no figure can be stated: a rate with nothing to divide by, the median of
    # no episode (operational measures); a count is 0, never empty.
    value = models.DecimalField(_("월 실적"), max_digits=14, decimal_places=2, null=True)
    ytd_value = models.DecimalField(_("누적 실적"), max_digits=14, decimal_places=2, null=True)
    source = models.CharField(_("출처"), max_length=10, choices=Source.choices)
    run = models.ForeignKey(
        RollupRun,
        verbose_name=_("집계 실행"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="measurements",
    )
    computed_at = models.DateTimeField(_("집계 일시"), default=timezone.now)

    class Meta:
        verbose_name = _("실적")
        verbose_name_plural = _("실적")
        ordering = ["year", "month", "measure_id", "unit_program_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(measure__isnull=True) ^ Q(unit_program__isnull=True),
                name="kpi_measurement_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="kpi_measurement_month_range"
            ),
            models.UniqueConstraint(
                fields=["measure", "year", "month"],
                name="kpi_measurement_measure_month",
                condition=Q(measure__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["unit_program", "year", "month"],
                name="kpi_measurement_unit_month",
                condition=Q(unit_program__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["year", "month"], name="kpi_measurement_period")]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.value}"


class MeasurementBreakdown(models.Model):
    """A measurement split by region (시·군 code) or area (rural / urban)."""

    class Dimension(models.TextChoices):
        REGION = "region", _("시·군")
        AREA = "area", _("농촌·도시")
        REASON = "reason", _("종결 사유")

    measurement = models.ForeignKey(
        Measurement, verbose_name=_("실적"), on_delete=models.CASCADE, related_name="breakdowns"
    )
    dimension = models.CharField(_("구분"), max_length=10, choices=Dimension.choices)
    key = models.CharField(_("항목"), max_length=40)
    value = models.DecimalField(_("월 실적"), max_digits=14, decimal_places=2)
    ytd_value = models.DecimalField(_("누적 실적"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("실적 세부")
        verbose_name_plural = _("실적 세부")
        ordering = ["measurement_id", "dimension", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["measurement", "dimension", "key"], name="kpi_breakdown_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}:{self.key} {self.value}"


class ManualEntry(models.Model):
    """A manager's monthly figure for a manual measure, with its evidence. Never changed:
    a correction is a new entry, so every change is kept."""

    measure = models.ForeignKey(
        Measure,
        verbose_name=_("측정방법"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="manual_entries",
    )
    unit_program = models.ForeignKey(
        UnitProgram,
        verbose_name=_("단위사업"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="manual_entries",
    )
    year = models.PositiveSmallIntegerField(_("연도"))
    month = models.PositiveSmallIntegerField(_("월"))
    value = models.DecimalField(_("월 실적"), max_digits=14, decimal_places=2)
    evidence = models.TextField(_("근거"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("입력한 계정"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("입력 일시"), default=timezone.now)

    class Meta:
        verbose_name = _("수기 실적 입력")
        verbose_name_plural = _("수기 실적 입력")
        ordering = ["-entered_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(measure__isnull=True) ^ Q(unit_program__isnull=True),
                name="kpi_manual_entry_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="kpi_manual_entry_month_range"
            ),
            models.CheckConstraint(condition=~Q(evidence=""), name="kpi_manual_entry_evidence"),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.value}"


class LateRecord(models.Model):
    """A record that arrived for a closed month: listed for managers, never silently added."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("방문기록")
        CONSULTATION = "consultation", _("상담기록")
        OUTREACH_SESSION = "outreach_session", _("찾아가는 상담 회차")

    period = models.ForeignKey(
        Period, verbose_name=_("집계 월"), on_delete=models.CASCADE, related_name="late_records"
    )
    kind = models.CharField(_("유형"), max_length=20, choices=Kind.choices)
    object_id = models.BigIntegerField(_("기록 번호"))
    happened_at = models.DateTimeField(_("발생 일시"))
    arrived_at = models.DateTimeField(_("변경·도착 일시"))
    found_at = models.DateTimeField(_("발견 일시"), default=timezone.now)

    class Meta:
        verbose_name = _("마감 후 도착 기록")
        verbose_name_plural = _("마감 후 도착 기록")
        ordering = ["-found_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "arrived_at"], name="kpi_late_record_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} → {self.period}"


class ReportVersion(models.Model):
    """The version of the rows the year's report reads (kpi 0012): one row, whose ``n`` a
    statement trigger on each of those tables replaces in the writer's own transaction, so the
    report's body can be kept per process and keyed by it (``kpi.selectors.year_report_body``).
    Kept by the triggers on PostgreSQL only; empty on SQLite, where the report is always
    computed."""

    n = models.BigIntegerField(_("버전"), default=0)

    class Meta:
        verbose_name = _("보고서 버전")
        verbose_name_plural = _("보고서 버전")

    def __str__(self) -> str:
        return str(self.n)


# The served-person tables live in their own package; imported here so Django finds them.
from kpi.served.models import (  # noqa: E402, F401
    EpisodeFirst,
    ServedFirst,
    ServedPerson,
    ServedTotal,
)
