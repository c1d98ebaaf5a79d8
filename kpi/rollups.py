"""Monthly KPI rollups: compute every bound measure's figures for a month, store them, record
the run. Idempotent, locked per month, safe to retry, frozen once a manager closes the month.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, QuerySet
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from kpi import metrics, runs
from kpi.models import (
    YEAR_MAX,
    YEAR_MIN,
    LateRecord,
    ManualEntry,
    Measure,
    Measurement,
    MeasurementBreakdown,
    Period,
    RollupRun,
    StrategicGoal,
    Unit,
    UnitProgram,
)

logger = logging.getLogger(__name__)

# Units whose year-to-date figure is the latest month's, not a sum (a rate, a score).
LEVEL_UNITS = {Unit.PERCENT, Unit.POINTS}


def structure_year(year: int) -> int | None:
    """The goal structure that applies to ``year``: the latest plan year at or before it
    (the 2023 plan also sets the 2024 and 2025 targets)."""
    years = StrategicGoal.objects.filter(year__lte=year).aggregate(latest=Max("year"))
    return years["latest"]


@dataclass(frozen=True)
class Bound:
    """A measure or unit program and the metric bound to it."""

    metric: str
    measure_id: int | None = None
    unit_program_id: int | None = None


def bound_items(year: int) -> list[Bound]:
    plan = structure_year(year)
    if plan is None:
        return []
    measures = Measure.objects.automatic().filter(indicator__goal__year=plan)
    programs = UnitProgram.objects.exclude(metric="").filter(indicator__goal__year=plan)
    return [Bound(metric=m.metric, measure_id=m.pk) for m in measures] + [
        Bound(metric=p.metric, unit_program_id=p.pk) for p in programs
    ]


def _period(year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise ValidationError({"month": [_("월은 1–12 사이여야 합니다.")]})
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValidationError({"year": [_("연도는 2000–2100 사이여야 합니다.")]})
    period, _created = Period.objects.get_or_create(year=year, month=month)
    return period


def _write(
    year: int, month: int, items: list[Bound], figures: dict[str, metrics.Figures], run: RollupRun
) -> int:
    """Replace the month's automatic figures with ``figures`` (per metric: the total and the
    breakdowns by 시·군 and area): delete + insert in the caller's transaction, which is what
    makes a rerun give exactly the same rows."""
    Measurement.objects.filter(year=year, month=month, source=Measurement.Source.AUTO).delete()
    now = timezone.now()
    rows = Measurement.objects.bulk_create(
        Measurement(
            measure_id=item.measure_id,
            unit_program_id=item.unit_program_id,
            year=year,
            month=month,
            value=_decimal(figures[item.metric][metrics.TOTAL][0]),
            ytd_value=_decimal(figures[item.metric][metrics.TOTAL][1]),
            source=Measurement.Source.AUTO,
            run=run,
            computed_at=now,
        )
        for item in items
    )
    details = MeasurementBreakdown.objects.bulk_create(
        MeasurementBreakdown(
            measurement=row, dimension=dimension, key=key, value=monthly, ytd_value=ytd
        )
        for row, item in zip(rows, items, strict=True)
        for (dimension, key), (monthly, ytd) in sorted(figures[item.metric].items())
        if (dimension, key) != metrics.TOTAL
    )
    return len(rows) + len(details)


def _decimal(figure: int | Decimal | None) -> Decimal | None:
    """A stored figure; None where none can be stated (a rate over nothing)."""
    return None if figure is None else Decimal(figure)


# Session settings of the rollup's transaction (SET LOCAL: this transaction only).
# - work_mem: the reduced visit rows of the year (about 900,000 at a million visits) spill to
#   disk at PostgreSQL's default 4 MB; 64 MB keeps them in memory at that size.
# - enable_incremental_sort off: the reduction groups by recipient first, and every foreign key
#   has an index, so at ten million visits the planner reads the visits through the recipient
#   index and sorts each recipient's rows (48 s here) instead of one sequential scan into a
#   hash aggregate (13 s, spilling in 17 batches).
ROLLUP_SETTINGS = {"work_mem": "64MB", "enable_incremental_sort": "off"}


def _rollup_settings() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for name, value in ROLLUP_SETTINGS.items():
                cursor.execute(f"SET LOCAL {name} = '{value}'")


def rollup_run_create(
    *, year: int, month: int, trigger: str, requested_by: AbstractBaseUser | None = None
) -> RollupRun:
    _period(year, month)  # validates the month
    return RollupRun.objects.create(
        year=year, month=month, trigger=trigger, requested_by=requested_by
    )


def rollup_month(
    *, year: int, month: int, run: RollupRun | None = None, trigger: str = RollupRun.Trigger.COMMAND
) -> RollupRun:
    """Compute and store every bound measure's figures for one month.

    The month's ``Period`` row is locked for the whole transaction, so a second rollup of the
    same month waits and then recomputes from the same data: the same rows. A crash rolls the
    transaction back, leaving the previous figures; rerunning finishes the job. A closed month
    is not touched.
    """
    run = run or rollup_run_create(year=year, month=month, trigger=trigger)
    now = timezone.now()
    RollupRun.objects.filter(pk=run.pk).update(
        state=RollupRun.State.RUNNING, started_at=now, heartbeat_at=now
    )
    try:
        with runs.heartbeat(run.pk), transaction.atomic():
            period = Period.objects.select_for_update().get(pk=_period(year, month).pk)
            if period.is_closed:
                state, rows, error = RollupRun.State.SKIPPED, 0, _("마감된 달입니다.")
            else:
                items = bound_items(year)
                _rollup_settings()
                figures = metrics.month_all({item.metric for item in items}, year, month)
                rows = _write(year, month, items, figures, run)
                period.computed_at = timezone.now()
                period.save(update_fields=["computed_at"])
                state, error = RollupRun.State.SUCCEEDED, ""
    except Exception as exc:
        logger.exception("rollup of %s-%02d failed", year, month)
        RollupRun.objects.filter(pk=run.pk).update(
            state=RollupRun.State.FAILED, finished_at=timezone.now(), error=repr(exc)[:2000]
        )
        raise
    RollupRun.objects.filter(pk=run.pk).update(
        state=state, finished_at=timezone.now(), rows=rows, error=error
    )
    run.refresh_from_db()
    return run


def rollup_year(*, year: int, through: int = 12) -> int:
    """Compute months 1..``through`` of a year at once: two grouped queries per metric for
    the whole year, breakdowns included, instead of one per month (the path of the yearly
    recomputation and the benchmark). Closed months are left as they are. Returns the rows
    written."""
    items = bound_items(year)
    run = rollup_run_create(year=year, month=through, trigger=RollupRun.Trigger.COMMAND)
    RollupRun.objects.filter(pk=run.pk).update(
        state=RollupRun.State.RUNNING, started_at=timezone.now()
    )
    try:
        with transaction.atomic():
            for month in range(1, through + 1):
                _period(year, month)
            periods = list(
                Period.objects.select_for_update()
                .filter(year=year, month__lte=through)
                .order_by("month")
            )
            _rollup_settings()
            yearly = metrics.year_all({i.metric for i in items}, year, through)
            rows = 0
            for period in periods:
                if period.is_closed:
                    continue
                figures = {code: by_month[period.month] for code, by_month in yearly.items()}
                rows += _write(year, period.month, items, figures, run)
                period.computed_at = timezone.now()
                period.save(update_fields=["computed_at"])
    except Exception as exc:
        logger.exception("rollup of %s failed", year)
        RollupRun.objects.filter(pk=run.pk).update(
            state=RollupRun.State.FAILED, finished_at=timezone.now(), error=repr(exc)[:2000]
        )
        raise
    RollupRun.objects.filter(pk=run.pk).update(
        state=RollupRun.State.SUCCEEDED, finished_at=timezone.now(), rows=rows
    )
    return rows


def previous_month(today: datetime | None = None) -> tuple[int, int]:
    day = timezone.localdate(today) if today else timezone.localdate()
    first = day.replace(day=1) - timedelta(days=1)
    return first.year, first.month


def _touched_months(
    rows: QuerySet, time_field: str, changed_field: str, since: datetime
) -> set[tuple[int, int]]:
    return {
        (row["y"], row["m"])
        for row in rows.filter(**{f"{changed_field}__gte": since})
        .annotate(
            y=ExtractYear(time_field, tzinfo=metrics.SEOUL),
            m=ExtractMonth(time_field, tzinfo=metrics.SEOUL),
        )
        .values("y", "m")
        .distinct()
    }


def _touched_days(rows: QuerySet, day_field: str, since: datetime) -> set[tuple[int, int]]:
    """``_touched_months`` of records placed by a date (already a Seoul day): an outreach
    session's ``held_on``."""
    return {
        (row["y"], row["m"])
        for row in rows.filter(updated_at__gte=since)
        .annotate(y=ExtractYear(day_field), m=ExtractMonth(day_field))
        .values("y", "m")
        .distinct()
    }


def late_records_recompute(*, since: datetime | None = None) -> list[RollupRun]:
    """Nightly: recompute the open months touched by records that arrived or changed since the
    last such run (offline tablets sync days late); list those of closed months as exceptions.

    A change in month m also moves the year-to-date figures of every later computed month of
    that year, so those are recomputed too.
    """
    from care.models import SatisfactionResponse, Visit
    from consultations.models import Consultation, OutreachSession

    # The next night looks for changes from the moment this scan began (kept as the runs'
    # created_at), not from when a run started: a record changed during the scan is not lost.
    scanned_at = timezone.now()
    if since is None:
        last = (
            RollupRun.objects.filter(
                trigger=RollupRun.Trigger.LATE_RECORDS, state=RollupRun.State.SUCCEEDED
            )
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        since = last or scanned_at - timedelta(days=2)
    touched = _touched_months(Visit.objects.all(), "started_at", "updated_at", since)
    touched |= _touched_months(Consultation.objects.all(), "held_at", "updated_at", since)
    # A satisfaction survey is often recorded days after the day it was answered (the
    # after-care call's notes typed in later): its answer day's month is recomputed. Its date
    # is already a Seoul date.
    touched |= {
        (day.year, day.month)
        for day in SatisfactionResponse.objects.filter(created_at__gte=since).dates(
            "answered_on", "month"
        )
    }
    touched |= _touched_days(OutreachSession.objects.all(), "held_on", since)
    if not touched:
        return []
    closed = {(p.year, p.month): p for p in Period.objects.exclude(closed_at__isnull=True)}
    _record_late(closed, since)
    runs = []
    for year in sorted({y for y, _m in touched}):
        first = min(m for y, m in touched if y == year)
        computed = (
            Period.objects.filter(year=year, computed_at__isnull=False).aggregate(
                last=Max("month")
            )["last"]
            or first
        )
        for month in range(first, max(first, computed) + 1):
            if (year, month) in closed:
                continue
            run = rollup_run_create(year=year, month=month, trigger=RollupRun.Trigger.LATE_RECORDS)
            RollupRun.objects.filter(pk=run.pk).update(created_at=scanned_at)
            runs.append(rollup_month(year=year, month=month, run=run))
    return runs


def _record_late(closed: dict[tuple[int, int], Period], since: datetime) -> None:
    """List records of closed months that changed after the close (one query per kind and
    closed month; months are few)."""
    from care.models import Visit
    from consultations.models import Consultation

    late = []
    for (year, month), period in closed.items():
        start, end = metrics.month_start(year, month), metrics.month_start(year, month + 1)
        after = max(since, period.closed_at)
        for kind, rows, time_field in (
            (LateRecord.Kind.VISIT, Visit.objects.all(), "started_at"),
            (LateRecord.Kind.CONSULTATION, Consultation.objects.all(), "held_at"),
        ):
            for pk, happened, changed in rows.filter(
                **{f"{time_field}__gte": start, f"{time_field}__lt": end, "updated_at__gt": after}
            ).values_list("pk", time_field, "updated_at"):
                late.append(
                    LateRecord(
                        period=period,
                        kind=kind,
                        object_id=pk,
                        happened_at=happened,
                        arrived_at=changed,
                    )
                )
    # Outreach sessions are placed by their day; a session's moment is its day's Seoul midnight.
    from consultations.models import OutreachSession

    for (year, month), period in closed.items():
        after = max(since, period.closed_at)
        days = OutreachSession.objects.filter(
            held_on__gte=metrics.month_start(year, month).date(),
            held_on__lt=metrics.month_start(year, month + 1).date(),
            updated_at__gt=after,
        ).values_list("pk", "held_on", "updated_at")
        for pk, held_on, changed in days:
            late.append(
                LateRecord(
                    period=period,
                    kind=LateRecord.Kind.OUTREACH_SESSION,
                    object_id=pk,
                    happened_at=datetime.combine(held_on, time.min, tzinfo=metrics.SEOUL),
                    arrived_at=changed,
                )
            )
    LateRecord.objects.bulk_create(late, ignore_conflicts=True)


@transaction.atomic
def month_close(*, actor: AbstractBaseUser, year: int, month: int) -> Period:
    """A manager closes a month: its figures are frozen from now on."""
    period = Period.objects.select_for_update().get(pk=_period(year, month).pk)
    if period.is_closed:
        raise ValidationError({"month": [_("이미 마감된 달입니다.")]})
    if period.computed_at is None:
        raise ValidationError(
            {"month": [_("집계하지 않은 달은 마감할 수 없습니다. 먼저 집계하세요.")]}
        )
    period.closed_at = timezone.now()
    period.closed_by = actor
    period.save(update_fields=["closed_at", "closed_by"])
    return period


@transaction.atomic
def manual_entry_record(
    *,
    actor: AbstractBaseUser,
    year: int,
    month: int,
    value: Decimal,
    evidence: str,
    measure: Measure | None = None,
    unit_program: UnitProgram | None = None,
) -> ManualEntry:
    """A manager's figure for a manual measure, with evidence. Stored as a new entry (every
    change kept) and applied to the month's measurement and the year-to-date figures after it."""
    owner = measure or unit_program
    if (measure is None) == (unit_program is None):
        raise ValidationError({"measure": [_("측정방법이나 단위사업 하나를 고르세요.")]})
    if owner.metric:  # type: ignore[union-attr]
        raise ValidationError({"measure": [_("자동 집계 지표는 수기로 입력할 수 없습니다.")]})
    if not evidence.strip():
        raise ValidationError({"evidence": [_("근거를 적어 주세요.")]})
    # Lock the month against a concurrent close while the entry goes in.
    Period.objects.select_for_update().get(pk=_period(year, month).pk)
    # A month's figure also moves the year-to-date figures of the later months, so no later
    # month may be closed either.
    if Period.objects.filter(year=year, month__gte=month, closed_at__isnull=False).exists():
        raise ValidationError(
            {"month": [_("마감된 달(또는 그 뒤의 마감된 달)의 실적은 바꿀 수 없습니다.")]}
        )
    entry = ManualEntry(
        measure=measure,
        unit_program=unit_program,
        year=year,
        month=month,
        value=value,
        evidence=evidence.strip(),
        entered_by=actor,
    )
    entry.full_clean()
    entry.save()
    _apply_manual(owner=owner, measure=measure, unit_program=unit_program, year=year)
    return entry


def _apply_manual(
    *,
    owner: Measure | UnitProgram,
    measure: Measure | None,
    unit_program: UnitProgram | None,
    year: int,
) -> None:
    """Rebuild a manual measure's measurements for the year from the latest entry per month."""
    entries = ManualEntry.objects.filter(measure=measure, unit_program=unit_program, year=year)
    latest: dict[int, Decimal] = {}
    for entry in entries.order_by("month", "entered_at", "id"):
        latest[entry.month] = entry.value  # later entries of a month replace earlier ones
    Measurement.objects.filter(
        measure=measure, unit_program=unit_program, year=year, source=Measurement.Source.MANUAL
    ).delete()
    running = Decimal(0)
    rows = []
    for month in sorted(latest):
        value = latest[month]
        running = value if owner.unit in LEVEL_UNITS else running + value
        rows.append(
            Measurement(
                measure=measure,
                unit_program=unit_program,
                year=year,
                month=month,
                value=value,
                ytd_value=running,
                source=Measurement.Source.MANUAL,
            )
        )
    Measurement.objects.bulk_create(rows)
