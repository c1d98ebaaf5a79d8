"""The goal tracker's 가정내 돌봄주거환경개선: households with a job completed in the period,
each household once in a year to date (DESIGN §3), bound to 4-1's unit program (unit 가구)."""

from __future__ import annotations

import datetime as dt

import pytest

from care.models import Recipient
from care.repairs.models import RepairJob
from kpi import metrics
from kpi.goals import goals_load
from kpi.models import Measurement, UnitProgram
from kpi.rollups import rollup_month
from tests.care.repairs.factories import RepairJobFactory, completed_job
from tests.factories import RecipientFactory, region

pytestmark = pytest.mark.django_db

CODE = "repair_households"


@pytest.fixture
def year_2024() -> dict[str, Recipient]:
    """A hand-built 2024.

    - 가: two jobs completed, in February and July (one household, counted once a year)
    - 나: one job completed 31 July (a date: July, whatever the time zone)
    - 다: completed 2 January 2025 (next year), and one job completed 31 December 2023
    - 라: a job in progress and a cancelled one (never counted)
    """
    households = {
        "가": RecipientFactory(name="가", region=region("jeonju"), admin_unit="효자동"),
        "나": RecipientFactory(name="나"),  # 완주군 봉동읍: rural
        "다": RecipientFactory(name="다"),
        "라": RecipientFactory(name="라"),
    }
    completed_job(households["가"], dt.date(2024, 2, 14))
    completed_job(households["가"], dt.date(2024, 7, 1))
    completed_job(households["나"], dt.date(2024, 7, 31))
    completed_job(households["다"], dt.date(2025, 1, 2))
    completed_job(households["다"], dt.date(2023, 12, 31))
    RepairJobFactory(recipient=households["라"], state=RepairJob.State.IN_PROGRESS)
    RepairJobFactory(recipient=households["라"], state=RepairJob.State.CANCELLED)
    return households


def test_households_are_counted_once_a_year_in_the_month_their_job_was_completed(
    year_2024: dict[str, Recipient],
) -> None:
    series = metrics.series(CODE, 2024)

    assert {m: v for m, v in series.monthly.items() if v} == {2: 1, 7: 2}
    assert [series.ytd[m] for m in (1, 2, 6, 7, 12)] == [0, 1, 1, 2, 2]


def test_the_months_figure_agrees_with_the_years_path(year_2024: dict[str, Recipient]) -> None:
    for month in range(1, 13):
        assert metrics.month_figures(CODE, 2024, month) == metrics.year_figures(CODE, 2024)[month]


def test_households_are_broken_down_by_region_and_rural_area(
    year_2024: dict[str, Recipient],
) -> None:
    assert metrics.month_breakdown(CODE, 2024, 7, "region") == {"jeonju": (1, 1), "wanju": (1, 1)}
    assert metrics.month_breakdown(CODE, 2024, 7, "area") == {"urban": (1, 1), "rural": (1, 1)}


def test_the_unit_program_is_bound_to_the_metric_and_keeps_its_2022_result() -> None:
    goals_load()

    program = UnitProgram.objects.get(name="가정내 돌봄주거환경개선")

    assert program.metric == CODE
    assert program.unit == "가구"
    reported = program.targets.get(year=2022)
    assert (reported.reported_actual, reported.reported_actual_text) == (60, "60가구")


def test_the_monthly_rollup_stores_the_households_for_the_unit_program(
    year_2024: dict[str, Recipient],
) -> None:
    goals_load()

    rollup_month(year=2024, month=7)

    row = Measurement.objects.get(
        unit_program__name="가정내 돌봄주거환경개선", year=2024, month=7, source="auto"
    )
    assert (row.value, row.ytd_value) == (2, 2)
