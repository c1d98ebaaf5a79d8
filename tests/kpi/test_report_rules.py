"""The rules of kpi/report.py at their edges: printed actuals of zero, the latest month, last
year's figures, statuses at their boundaries. Written against mutants the older tests let
through (docs/testing.md, `make mutation`)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kpi.goals import goals_load
from kpi.models import Measure, Measurement, MeasureTarget, UnitProgram, UnitProgramTarget
from kpi.report import ActualSource, Status, line_status, year_report
from kpi.rollups import manual_entry_record
from tests.factories import UserFactory
from tests.kpi.test_report import measure_line, program_line

D = Decimal

pytestmark = pytest.mark.django_db


@pytest.fixture
def goals(db: None) -> None:
    goals_load()


MEASURE = ("1-1", "지원사업 횟수")  # a manual count: 56 in 2023, 63 in 2024


def the_measure() -> Measure:
    return Measure.objects.get(indicator__goal__year=2023, name=MEASURE[1])


def enter(month: int, value: int, *, year: int = 2023, measure: Measure | None = None) -> None:
    manual_entry_record(
        actor=UserFactory(roles=["manager"]),
        measure=measure or the_measure(),
        year=year,
        month=month,
        value=D(value),
        evidence="결과보고",
    )


# --- printed actuals -----------------------------------------------------------------------------


def test_a_printed_actual_of_zero_is_an_actual_not_no_data(goals: None) -> None:
    MeasureTarget.objects.filter(measure=the_measure(), year=2023).update(
        reported_actual=D(0), reported_actual_text="0건"
    )

    line = measure_line(year_report(year=2023), *MEASURE)

    assert (line.actual, line.actual_text, line.actual_source) == (0, "0건", ActualSource.REPORTED)
    assert line.actual_through is None
    assert line.achievement_rate == 0
    assert line.status == Status.BEHIND


def test_a_unit_programs_printed_actual_of_zero_is_an_actual_not_no_data(goals: None) -> None:
    target = UnitProgramTarget.objects.filter(
        unit_program__indicator__goal__year=2023, year=2023, target__gt=0
    ).first()
    target.reported_actual = D(0)
    target.save()
    program = target.unit_program

    line = program_line(year_report(year=2023), program.indicator.code, program.name)

    assert (line.actual, line.actual_source) == (0, ActualSource.REPORTED)
    assert line.status != Status.NO_DATA


def test_measurements_take_the_place_of_the_printed_actual(goals: None) -> None:
    MeasureTarget.objects.filter(measure=the_measure(), year=2023).update(reported_actual=D(40))
    enter(2, 5)

    line = measure_line(year_report(year=2023), *MEASURE)

    assert (line.actual, line.actual_source, line.actual_through) == (5, "manual", 2)
    assert line.actual_text == ""


# --- the year to date and the latest month ------------------------------------------------------


def test_the_actual_is_the_year_to_date_of_the_latest_month_whatever_the_order_entered(
    goals: None,
) -> None:
    enter(3, 4)
    enter(1, 5)

    report = year_report(year=2023)
    line = measure_line(report, *MEASURE)

    assert (line.actual, line.actual_through) == (9, 3)
    assert report.through_month == 3
    assert [p.value for p in line.monthly] == [5, None, 4] + [None] * 9
    assert [p.ytd for p in line.monthly][:3] == [5, None, 9]


def test_last_years_months_do_not_make_this_years_latest_month(goals: None) -> None:
    enter(12, 60, year=2023)
    enter(2, 7, year=2024)

    report = year_report(year=2024)

    assert report.through_month == 2
    line = measure_line(report, *MEASURE)
    assert (line.actual, line.prior_actual) == (7, 60)
    assert line.prior_target == 56
    assert line.prior_rate == 107


def test_a_year_without_any_measurement_has_no_latest_month(goals: None) -> None:
    assert year_report(year=2023).through_month is None


def test_prior_figures_come_from_last_years_printed_actual_without_measurements(
    goals: None,
) -> None:
    MeasureTarget.objects.filter(measure=the_measure(), year=2023).update(reported_actual=D(28))

    line = measure_line(year_report(year=2024), *MEASURE)

    assert (line.prior_target, line.prior_actual, line.prior_rate) == (56, 28, 50)
    assert line.prior_text == ""


def test_the_printed_prior_figures_win_over_last_years_row(goals: None) -> None:
    MeasureTarget.objects.filter(measure=the_measure(), year=2024).update(
        reported_prior_actual=D(30), reported_prior_target=D(60), reported_prior_text="30회"
    )
    enter(12, 60, year=2023)

    line = measure_line(year_report(year=2024), *MEASURE)

    assert (line.prior_target, line.prior_actual, line.prior_text) == (60, 30, "30회")
    assert line.prior_rate == 50


@pytest.mark.parametrize(
    "field", ["reported_prior_actual", "reported_prior_target", "reported_prior_text"]
)
def test_any_printed_prior_figure_replaces_last_years_row(goals: None, field: str) -> None:
    value = "표기" if field == "reported_prior_text" else D(1)
    MeasureTarget.objects.filter(measure=the_measure(), year=2024).update(**{field: value})

    line = measure_line(year_report(year=2024), *MEASURE)

    assert line.prior_target == (1 if field == "reported_prior_target" else None)


def test_a_unit_programs_prior_figures_are_its_own_row_of_last_year(goals: None) -> None:
    program = (
        UnitProgram.objects.filter(
            indicator__goal__year=2023, targets__year=2023, targets__target__gt=0
        )
        .distinct()
        .first()
    )
    UnitProgramTarget.objects.filter(unit_program=program, year=2023).update(
        reported_actual=D(3), reported_actual_text="3회"
    )
    last = UnitProgramTarget.objects.get(unit_program=program, year=2023)

    line = program_line(year_report(year=2024), program.indicator.code, program.name)

    assert (line.prior_target, line.prior_actual, line.prior_text) == (last.target, 3, "3회")


def test_a_unit_programs_measurements_give_its_actual(goals: None) -> None:
    program = UnitProgram.objects.filter(indicator__goal__year=2023, metric="").first()
    manual_entry_record(
        actor=UserFactory(roles=["manager"]),
        unit_program=program,
        year=2023,
        month=4,
        value=D(2),
        evidence="근거",
    )

    line = program_line(year_report(year=2023), program.indicator.code, program.name)

    assert (line.actual, line.actual_through, line.actual_source) == (2, 4, "manual")
    assert line.monthly[3].value == 2


# --- statuses at their edges ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "target", "through", "level", "status"),
    [
        (D(0), D(10), 3, False, Status.BEHIND),
        (D(0), D(0), 3, False, Status.NO_TARGET),
        (D("99.9"), D(100), 12, False, Status.BEHIND),
        (D(100), D(100), 12, False, Status.ACHIEVED),
        (D(30), D(100), 3, True, Status.BEHIND),  # a level is never prorated
        (D(30), D(100), 3, False, Status.ON_TRACK),
        (D("24.9"), D(100), 3, False, Status.BEHIND),
        (D(25), D(100), 3, False, Status.ON_TRACK),
        (D(30), D(100), None, False, Status.BEHIND),  # a printed actual: the whole year
    ],
)
def test_line_status_at_its_boundaries(
    actual: Decimal, target: Decimal, through: int | None, level: bool, status: str
) -> None:
    assert line_status(actual=actual, target=target, through=through, level=level) == status


def test_a_rate_is_compared_whole_with_its_target(goals: None) -> None:
    measure = Measure.objects.get(indicator__goal__year=2023, name="직접고용 비율")
    enter(3, 30, measure=measure)

    line = measure_line(year_report(year=2023), "2-1", "직접고용 비율")

    assert line.status == Status.BEHIND


def test_the_plan_years_are_those_with_a_target(goals: None) -> None:
    report = year_report(year=2023)

    years = report.plan_years()

    assert years == sorted(set(years))
    assert 2023 in years
    UnitProgramTarget.objects.filter(year=2025).update(target=None, target_text="추진")
    assert 2025 in year_report(year=2023).plan_years()
    UnitProgramTarget.objects.filter(year=2025).delete()
    assert 2025 not in year_report(year=2023).plan_years()


def test_operational_measures_show_their_latest_month(goals: None) -> None:
    report = year_report(year=2023)
    if not report.operations:
        pytest.skip("no operational measure in the 2023 structure")
    line = report.operations[0]
    Measurement.objects.create(
        measure_id=line.id, year=2023, month=2, value=D(4), ytd_value=D(6), source="auto"
    )
    Measurement.objects.create(
        measure_id=line.id, year=2023, month=5, value=D(1), ytd_value=D(7), source="auto"
    )

    line = next(o for o in year_report(year=2023).operations if o.id == line.id)

    assert (line.month, line.value, line.ytd) == (5, 1, 7)
    assert [p.value for p in line.monthly][:5] == [None, 4, None, None, 1]


def test_a_line_without_a_target_row_for_the_year_prints_no_texts(goals: None) -> None:
    line = measure_line(year_report(year=2025), "4-1", "제공인원수")

    assert line.target is None
    assert (line.target_text, line.reported_rate_text, line.prior_rate_text) == ("", "", "")
    assert line.actual_text == ""
