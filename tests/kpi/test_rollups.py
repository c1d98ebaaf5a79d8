"""Monthly KPI rollups (``kpi/rollups.py``): stored figures, idempotence, late records, closed
months, the yearly path and manual entries (DESIGN §3, docs/kpi.md §3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from care.models import Visit
from kpi import metrics, rollups
from kpi.goals import goals_load
from kpi.models import (
    LateRecord,
    ManualEntry,
    Measure,
    Measurement,
    MeasurementBreakdown,
    MeasureTarget,
    Period,
    RollupRun,
    UnitProgram,
    achievement_rate,
)
from tests.factories import UserFactory
from tests.kpi.test_metrics import (
    YEAR,
    a_consultation,
    a_member,
    a_recipient,
    a_visit,
    an_urban_recipient,
    kst,
)

D = Decimal
AUTO = Measurement.Source.AUTO
# The metrics bound in the 2023 plan: two measures of 4-1 and six unit programs, and the
# operational measures (운영 지표) beside 4-1 (issue 8's six; issue 12's satisfaction score,
# incidents, and the outreach consultations beside the sessions 사회서비스연계 상담 counts).
DOCUMENT_BOUND = {
    "corps_members_served",
    "programs_operated",
    "corps_members_active",
    "recipients_served",
    "rural_recipients_served",
    "outreach_sessions",
    "care_info_consultations",
    "repair_households",
}
OPERATIONAL_BOUND = {
    "episodes_opened",
    "episodes_closed",
    "closure_linkage_rate",
    "referral_to_first_visit_days",
    "schedule_completion_rate",
    "delivered_hours",
    "satisfaction_score",
    "incidents",
    "incident_hours_to_acknowledge",
    "outreach_consultations",
}
BOUND = DOCUMENT_BOUND | OPERATIONAL_BOUND

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def goals(db: None) -> None:
    goals_load()


def metric_of(row: Measurement) -> str:
    return (row.measure or row.unit_program).metric  # type: ignore[union-attr]


def _plain(value: Decimal | None) -> int | Decimal | None:
    """A stored figure as an int where whole (a count), else as it is (hours, a rate, none)."""
    if value is None or value != value.to_integral_value():
        return value
    return int(value)


def stored(month: int, year: int = YEAR) -> dict[str, tuple[Any, Any]]:
    """The month's automatic figures per metric: (month's value, year to date)."""
    rows = Measurement.objects.filter(year=year, month=month, source=AUTO).select_related(
        "measure", "unit_program"
    )
    return {metric_of(row): (_plain(row.value), _plain(row.ytd_value)) for row in rows}


def snapshot(year: int = YEAR) -> list[tuple[Any, ...]]:
    """Every stored figure of the year with its breakdowns, without runs and timestamps."""
    rows = Measurement.objects.filter(year=year).order_by(
        "month", "source", "measure_id", "unit_program_id"
    )
    return [
        (
            row.measure_id,
            row.unit_program_id,
            row.month,
            row.source,
            row.value,
            row.ytd_value,
            sorted((b.dimension, b.key, b.value, b.ytd_value) for b in row.breakdowns.all()),
        )
        for row in rows.prefetch_related("breakdowns")
    ]


def breakdowns(metric: str, month: int, dimension: str) -> dict[str, tuple[int, int]]:
    row = Measurement.objects.get(
        year=YEAR,
        month=month,
        source=AUTO,
        **(
            {"measure__metric": metric}
            if Measure.objects.filter(metric=metric).exists()
            else {"unit_program__metric": metric}
        ),
    )
    return {
        b.key: (int(b.value), int(b.ytd_value)) for b in row.breakdowns.filter(dimension=dimension)
    }


def rollup(*months: int) -> list[RollupRun]:
    return [rollups.rollup_month(year=YEAR, month=month) for month in months]


# --- what a rollup stores --------------------------------------------------------------------


def test_a_rollup_stores_a_figure_for_every_bound_measure_and_unit_program() -> None:
    # given a visit and a consultation in January
    a_visit(kst(1))
    a_consultation(kst(1))

    # when January is rolled up
    run = rollups.rollup_month(year=YEAR, month=1)

    # then each bound metric has its row, and the run says how it went (4-1's two measures,
    # and the operational ones beside it)
    assert set(stored(1)) == BOUND
    assert Measurement.objects.filter(measure__isnull=False).count() == 2 + len(OPERATIONAL_BOUND)
    assert Measurement.objects.filter(unit_program__isnull=False).count() == 6
    assert run.state == RollupRun.State.SUCCEEDED
    assert run.started_at is not None and run.finished_at is not None
    assert run.rows == Measurement.objects.count() + sum(
        row.breakdowns.count() for row in Measurement.objects.all()
    )
    assert set(Measurement.objects.values_list("run", flat=True)) == {run.pk}
    assert Period.objects.get(year=YEAR, month=1).computed_at is not None


def test_manual_measures_are_not_rolled_up() -> None:
    a_visit(kst(1))

    rollup(1)

    assert not Measurement.objects.filter(measure__metric="").exists()
    assert not Measurement.objects.filter(unit_program__metric="").exists()


def test_a_rollup_refuses_a_month_outside_1_to_12() -> None:
    with pytest.raises(ValidationError):
        rollups.rollup_month(year=YEAR, month=13)
    assert not RollupRun.objects.exists()


# --- §3 counting rules, as stored ------------------------------------------------------------


def test_a_visit_at_2330_kst_on_january_31_is_stored_in_january() -> None:
    # given one recipient served 2023-01-31 23:30 KST (14:30 UTC) and another at
    # 2023-02-01 00:30 KST (15:30 UTC on January 31)
    a_visit(datetime(2023, 1, 31, 14, 30, tzinfo=UTC))
    a_visit(datetime(2023, 1, 31, 15, 30, tzinfo=UTC))

    # when January and February are rolled up
    rollup(1, 2)

    # then each month has its one recipient
    assert stored(1)["recipients_served"] == (1, 1)
    assert stored(2)["recipients_served"] == (1, 2)


def test_one_person_served_in_january_and_february_is_stored_once_in_the_year_to_date() -> None:
    person, other = a_recipient(), a_recipient()
    a_visit(kst(1), recipient=person)
    a_visit(kst(2), recipient=person)
    a_visit(kst(3), recipient=person)
    a_visit(kst(3), recipient=other)

    rollup(1, 2, 3)

    assert [stored(m)["recipients_served"] for m in (1, 2, 3)] == [(1, 1), (1, 1), (2, 2)]


def test_void_visits_are_not_stored() -> None:
    a_visit(kst(1), void=True)
    a_visit(kst(1), program="rural_gap_care", void=True)

    rollup(1)

    figures = stored(1)
    assert figures["recipients_served"] == (0, 0)
    assert figures["corps_members_served"] == (0, 0)
    assert figures["rural_recipients_served"] == (0, 0)
    assert figures["programs_operated"] == (0, 0)


def test_consultation_counts_are_stored_as_a_running_sum() -> None:
    for day in (3, 4):
        a_consultation(kst(1, day))
    a_consultation(kst(2))
    a_consultation(kst(2), "outreach_counseling")

    rollup(1, 2, 3)

    assert [stored(m)["care_info_consultations"] for m in (1, 2, 3)] == [(2, 2), (1, 3), (0, 3)]
    assert [stored(m)["outreach_consultations"] for m in (1, 2, 3)] == [(0, 0), (1, 1), (0, 1)]


def test_the_corps_stock_is_stored_as_at_each_months_end() -> None:
    a_member(joined_on=date(2022, 5, 1))
    a_member(joined_on=date(2023, 2, 1))
    a_member(joined_on=date(2022, 5, 1), left_on=date(2023, 1, 31))

    rollup(1, 2)

    assert stored(1)["corps_members_active"] == (1, 1)
    assert stored(2)["corps_members_active"] == (2, 2)


def test_the_achievement_rate_of_a_rolled_up_figure_is_truncated() -> None:
    # given three corps members serving in January, in four care programs between them
    members = [a_member() for _ in range(3)]
    programs = ["emergency_care", "rural_gap_care", "home_environment"]
    for member, program in zip(members, programs, strict=True):
        a_visit(kst(1), member=member, program=program)
    a_visit(kst(1), member=members[0], program="outreach_counseling")

    # when January is rolled up
    rollup(1)

    # then 제공인원수 is 3 of 25 → 12 %, and 운영사업 is 2 of 2 → 100 %: the four care programs
    # belong to 4-1's two 운영 groups (kpi.md §3)
    def rate(metric: str) -> int | None:
        row = Measurement.objects.get(year=YEAR, month=1, measure__metric=metric)
        target = MeasureTarget.objects.get(measure=row.measure, year=YEAR).target
        return achievement_rate(row.ytd_value, target)

    assert rate("corps_members_served") == 12
    assert rate("programs_operated") == 100


# --- breakdowns ------------------------------------------------------------------------------


def test_breakdowns_by_region_and_area_are_stored_with_each_figure() -> None:
    # given a rural recipient of 완주 served in January and February, an urban one of 전주 in
    # February, and consultations from 군산
    rural, urban = a_recipient("wanju", "봉동읍"), an_urban_recipient()
    a_visit(kst(1), recipient=rural)
    a_visit(kst(2), recipient=rural)
    a_visit(kst(2, 20), recipient=urban)
    a_consultation(kst(1), region_code="gunsan")
    a_consultation(kst(2), region_code="gunsan")

    # when the months are rolled up
    rollup(1, 2)

    # then distinct persons count once per key, counts add up, consultations have no area
    assert breakdowns("recipients_served", 2, "region") == {"wanju": (1, 1), "jeonju": (1, 1)}
    assert breakdowns("recipients_served", 2, "area") == {"rural": (1, 1), "urban": (1, 1)}
    assert breakdowns("care_info_consultations", 2, "region") == {"gunsan": (1, 2)}
    assert breakdowns("care_info_consultations", 2, "area") == {}
    assert breakdowns("corps_members_active", 2, "region") == {"jeonju": (3, 3)}


# --- §3.6 idempotence ------------------------------------------------------------------------


def test_rolling_a_month_up_twice_gives_the_same_rows() -> None:
    # given a mixed month
    people = [a_recipient(), an_urban_recipient()]
    for day in range(1, 6):
        a_visit(kst(3, day), recipient=people[day % 2], program="rural_gap_care")
        a_consultation(kst(3, day), region_code="iksan")
    rollup(1, 2)

    # when March is rolled up twice
    first = rollups.rollup_month(year=YEAR, month=3)
    rows = snapshot()
    second = rollups.rollup_month(year=YEAR, month=3)

    # then the rows are the same (values, year to date, breakdowns), both runs succeeded
    assert snapshot() == rows
    assert first.state == second.state == RollupRun.State.SUCCEEDED
    assert first.rows == second.rows > 0
    assert set(Measurement.objects.filter(month=3).values_list("run", flat=True)) == {second.pk}
    assert Measurement.objects.filter(month=3).count() == len(BOUND)


def _failing_on_call(real: Callable[..., Any], n: int) -> Callable[..., Any]:
    calls = {"n": 0}

    def call(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == n:
            raise RuntimeError("worker lost its database connection")
        return real(*args, **kwargs)

    return call


@pytest.mark.parametrize(
    ("owner", "name", "call"),
    [
        # before the month's rows are replaced: computing the second metric's figures
        (metrics, "month_figures", 2),
        # half way: after the old rows were deleted and the new measurements written
        (MeasurementBreakdown.objects, "bulk_create", 1),
    ],
    ids=["computing", "writing"],
)
def test_a_rollup_that_crashes_keeps_the_previous_rows_and_a_rerun_finishes_the_job(
    owner: Any, name: str, call: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given January rolled up with one recipient, then a second recipient's visit
    a_visit(kst(1))
    rollup(1)
    before = snapshot()
    a_visit(kst(1, 20))

    # when the next rollup crashes half way
    monkeypatch.setattr(owner, name, _failing_on_call(getattr(owner, name), call))
    with pytest.raises(RuntimeError):
        rollups.rollup_month(year=YEAR, month=1)
    monkeypatch.undo()

    # then the run says it failed and the previous rows are intact
    failed = RollupRun.objects.order_by("-id").first()
    assert failed.state == RollupRun.State.FAILED
    assert "database connection" in failed.error
    assert failed.finished_at is not None
    assert snapshot() == before
    assert not Measurement.objects.filter(run=failed).exists()

    # and a rerun succeeds with every row
    rerun = rollups.rollup_month(year=YEAR, month=1)
    assert rerun.state == RollupRun.State.SUCCEEDED
    assert set(stored(1)) == BOUND
    assert stored(1)["recipients_served"] == (2, 2)


# --- late records ----------------------------------------------------------------------------


def test_a_late_visit_recomputes_its_month_and_the_year_to_date_of_later_months() -> None:
    # given January to March rolled up, with one recipient served in January and February
    person = a_recipient()
    a_visit(kst(1), recipient=person)
    a_visit(kst(2), recipient=person)
    rollup(1, 2, 3)
    assert [stored(m)["recipients_served"] for m in (1, 2, 3)] == [(1, 1), (1, 1), (0, 1)]

    # when a tablet syncs a January visit of another recipient and the nightly job runs
    since = timezone.now()
    late = a_visit(kst(1, 25), recipient=a_recipient())
    runs = rollups.late_records_recompute(since=since)

    # then January and every later computed month are recomputed
    assert [(run.month, run.trigger, run.state) for run in runs] == [
        (m, RollupRun.Trigger.LATE_RECORDS, RollupRun.State.SUCCEEDED) for m in (1, 2, 3)
    ]
    assert [stored(m)["recipients_served"] for m in (1, 2, 3)] == [(2, 2), (1, 2), (0, 2)]
    assert late.created_at >= since
    assert not LateRecord.objects.exists()


def test_a_visit_voided_late_is_taken_out_of_its_month() -> None:
    visit = a_visit(kst(2))
    rollup(1, 2)
    assert stored(2)["recipients_served"] == (1, 1)

    since = timezone.now()
    Visit.objects.filter(pk=visit.pk).update(
        status=Visit.Status.VOID, void_reason="잘못된 대상자", updated_at=timezone.now()
    )
    runs = rollups.late_records_recompute(since=since)

    assert [run.month for run in runs] == [2]
    assert stored(2)["recipients_served"] == (0, 0)


def test_a_late_consultation_recomputes_its_month() -> None:
    rollup(1, 2, 3)

    since = timezone.now()
    a_consultation(kst(2), "outreach_counseling")
    runs = rollups.late_records_recompute(since=since)

    assert [run.month for run in runs] == [2, 3]
    assert [stored(m)["outreach_consultations"] for m in (1, 2, 3)] == [(0, 0), (1, 1), (0, 1)]


def test_the_nightly_job_finds_nothing_new_after_its_own_run() -> None:
    rollup(1)
    since = timezone.now()
    a_visit(kst(1, 20))
    assert len(rollups.late_records_recompute(since=since)) == 1

    # without ``since`` it starts from its own last successful run
    assert rollups.late_records_recompute() == []


def test_nothing_late_means_nothing_recomputed() -> None:
    a_visit(kst(1))
    rollup(1)

    assert rollups.late_records_recompute(since=timezone.now()) == []
    assert RollupRun.objects.count() == 1


# --- closed months ---------------------------------------------------------------------------


def test_a_closed_month_is_frozen_and_its_late_records_are_listed_as_exceptions() -> None:
    # given January rolled up with one recipient and closed by a manager
    a_visit(kst(1))
    rollup(1)
    manager = UserFactory(roles=["manager"])
    period = rollups.month_close(actor=manager, year=YEAR, month=1)
    assert period.is_closed and period.closed_by == manager
    frozen = snapshot()

    # when a visit of 2023-01-31 23:30 KST (14:30 UTC) arrives late
    since = timezone.now()
    late = a_visit(datetime(2023, 1, 31, 14, 30, tzinfo=UTC))

    # then a rollup of January is skipped and changes nothing
    run = rollups.rollup_month(year=YEAR, month=1)
    assert run.state == RollupRun.State.SKIPPED
    assert run.rows == 0 and run.error
    assert snapshot() == frozen

    # and the nightly job leaves January alone and lists the visit, once
    assert rollups.late_records_recompute(since=since) == []
    rollups.late_records_recompute(since=since)
    assert snapshot() == frozen
    record = LateRecord.objects.get()
    assert record.period == period
    assert record.kind == LateRecord.Kind.VISIT
    assert record.object_id == late.pk
    assert record.happened_at == late.started_at
    assert record.arrived_at == Visit.objects.get(pk=late.pk).updated_at


def test_a_rollup_of_the_year_leaves_a_closed_month_as_it_was() -> None:
    a_visit(kst(1))
    rollup(1)
    rollups.month_close(actor=UserFactory(), year=YEAR, month=1)
    frozen = [row for row in snapshot() if row[2] == 1]
    a_visit(kst(1, 20))

    rollups.rollup_year(year=YEAR)

    assert [row for row in snapshot() if row[2] == 1] == frozen
    assert stored(2)["recipients_served"] == (0, 2)  # later months see the data as it is


def test_a_month_that_was_never_computed_cannot_be_closed() -> None:
    with pytest.raises(ValidationError) as error:
        rollups.month_close(actor=UserFactory(), year=YEAR, month=4)

    assert "month" in error.value.message_dict
    assert not Period.objects.filter(year=YEAR, month=4, closed_at__isnull=False).exists()


def test_a_closed_month_cannot_be_closed_again() -> None:
    rollup(4)
    first = rollups.month_close(actor=UserFactory(), year=YEAR, month=4)

    with pytest.raises(ValidationError):
        rollups.month_close(actor=UserFactory(), year=YEAR, month=4)
    assert Period.objects.get(pk=first.pk).closed_at == first.closed_at


# --- the yearly path -------------------------------------------------------------------------


def test_a_rollup_of_the_year_equals_twelve_monthly_rollups() -> None:
    # given a year of mixed data
    people = [a_recipient(), an_urban_recipient(), a_recipient("gochang", "흥덕면")]
    members = [a_member(joined_on=date(2023, m, 5)) for m in (1, 3, 7)]
    for month in range(1, 13):
        a_visit(kst(month, 2), recipient=people[month % 3], member=members[month % 3])
        a_visit(kst(month, 8), recipient=people[(month + 1) % 3], program="rural_gap_care")
        a_visit(kst(month, 9), recipient=people[2], void=month % 5 == 0)
        a_consultation(kst(month, 11), region_code="namwon")
        if month % 3 == 0:
            a_consultation(kst(month, 12), "outreach_counseling", region_code="buan")

    # when the year is rolled up at once, then month by month
    rows = rollups.rollup_year(year=YEAR)
    yearly = snapshot()
    monthly_runs = rollup(*range(1, 13))

    # then the rows are the same
    assert snapshot() == yearly
    assert len(yearly) == 12 * len(BOUND)
    assert rows == sum(run.rows for run in monthly_runs)
    assert Period.objects.filter(year=YEAR, computed_at__isnull=False).count() == 12
    year_run = RollupRun.objects.order_by("id").first()
    assert (year_run.month, year_run.state) == (12, RollupRun.State.SUCCEEDED)


# --- manual entries --------------------------------------------------------------------------


def _measure(code: str, name: str) -> Measure:
    return Measure.objects.get(indicator__goal__year=YEAR, indicator__code=code, name=name)


def test_manual_entries_are_all_kept_and_counts_add_up_in_the_year_to_date() -> None:
    # given a manager entering 1-1's 지원사업 횟수 (회): 5 in January, corrected to 6, 4 in March
    manager = UserFactory(roles=["manager"])
    measure = _measure("1-1", "지원사업 횟수")
    for month, value in ((1, 5), (1, 6), (3, 4)):
        rollups.manual_entry_record(
            actor=manager,
            year=YEAR,
            month=month,
            value=D(value),
            evidence="결과보고서",
            measure=measure,
        )

    # then every entry is kept, each month shows its latest, the year to date sums the months
    assert ManualEntry.objects.filter(measure=measure).count() == 3
    rows = Measurement.objects.filter(measure=measure).order_by("month")
    assert [(r.month, r.value, r.ytd_value, r.source) for r in rows] == [
        (1, D(6), D(6), Measurement.Source.MANUAL),
        (3, D(4), D(10), Measurement.Source.MANUAL),
    ]


@pytest.mark.parametrize(
    ("code", "name", "entries", "expected"),
    [
        ("2-1", "직접고용 비율", [(1, "90"), (2, "100"), (2, "95")], [(1, "90"), (2, "95")]),
        ("3-3", "만족도 점수", [(1, "80"), (3, "85.5")], [(1, "80"), (3, "85.5")]),
    ],
)
def test_rates_and_scores_take_the_latest_figure_as_the_year_to_date(
    code: str,
    name: str,
    entries: list[tuple[int, str]],
    expected: list[tuple[int, str]],
) -> None:
    measure = _measure(code, name)
    for month, value in entries:
        rollups.manual_entry_record(
            actor=UserFactory(),
            year=YEAR,
            month=month,
            value=D(value),
            evidence="조사 결과",
            measure=measure,
        )

    rows = Measurement.objects.filter(measure=measure).order_by("month")
    assert [(r.month, r.value, r.ytd_value) for r in rows] == [
        (month, D(value), D(value)) for month, value in expected
    ]


def test_a_rollup_leaves_manual_figures_alone() -> None:
    measure = _measure("1-1", "지원사업 횟수")
    rollups.manual_entry_record(
        actor=UserFactory(), year=YEAR, month=1, value=D(3), evidence="보고서", measure=measure
    )

    rollup(1)
    rollup(1)

    assert Measurement.objects.get(measure=measure, month=1).value == D(3)


def test_manual_entries_are_refused_for_bound_measures_without_evidence_or_in_a_closed_month() -> (
    None
):
    manager = UserFactory()
    bound = UnitProgram.objects.get(indicator__goal__year=YEAR, metric="recipients_served")
    manual = _measure("1-1", "지원사업 횟수")
    rollup(2)
    rollups.month_close(actor=manager, year=YEAR, month=2)

    def enter(**kwargs: Any) -> None:
        fields = {"actor": manager, "year": YEAR, "month": 1, "value": D(1), "evidence": "근거"}
        rollups.manual_entry_record(**{**fields, **kwargs})

    with pytest.raises(ValidationError):
        enter(unit_program=bound)
    with pytest.raises(ValidationError):
        enter(measure=manual, evidence="  ")
    with pytest.raises(ValidationError):
        enter(measure=manual, month=2)
    assert not ManualEntry.objects.exists()
