"""The KPI rollup benchmark (bench/kpi_rollup.py) at a tiny size, so it cannot rot.

Its generator and its floor are PostgreSQL SQL (generate_series, GROUPING SETS): these tests
skip on SQLite.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F

from bench.kpi_rollup import (
    GOAL_MONTH_SECONDS,
    GOAL_RATIO,
    BenchResult,
    Dataset,
    Timing,
    exit_code,
    report,
    run,
)
from care.models import Episode, Recipient, Visit
from consultations.models import Consultation
from tests.conftest import restore_migrated_data
from volunteers.models import CorpsMember

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the benchmark generates data with PostgreSQL SQL"
)


@pytest.fixture
def reference_data(db: None) -> None:
    """The regions and programs the migrations load (gone after a transactional test's flush;
    loading them again is a no-op when they are there)."""
    restore_migrated_data()


def _clear() -> None:
    """Remove what the generator made, so that it can run again in the same test."""
    Visit.objects.all().delete()
    Consultation.objects.all().delete()
    Episode.objects.all().delete()
    Recipient.objects.all().delete()
    CorpsMember.objects.all().delete()
    get_user_model().objects.filter(username__startswith="bench-counselor-").delete()


@postgresql_only
@pytest.mark.usefixtures("reference_data")
def test_the_benchmark_rolls_up_a_generated_year_to_the_bare_sqls_numbers() -> None:
    # when the benchmark runs at a tiny size
    result = run(visits=3000, recipients=400, members=56, consultations=500, repeat=1)

    # then it generated what it was asked, with void visits and rural recipients among them
    data = result.dataset
    assert (data.visits, data.recipients, data.members, data.consultations) == (
        3000,
        400,
        56,
        500,
    )
    assert Visit.objects.count() == 3000
    # every visit belongs to its recipient's episode
    assert not Visit.objects.exclude(episode__recipient=F("recipient")).exists()
    assert 0 < data.void_visits < 3000 * 0.05
    assert 0 < data.rural_gap_visits < 3000
    assert 0 < data.rural_recipients < 400
    assert set(Visit.objects.values_list("program__code", flat=True)) == {
        "emergency_care",
        "rural_gap_care",
    }
    assert Recipient.objects.values("region").distinct().count() == 14
    # a visit is given by a corps member of the recipient's 시·군
    assert not Visit.objects.exclude(corps_member__region=F("recipient__region")).exists()

    # and the rollups stored exactly the bare SQL's numbers, months and breakdowns alike
    assert result.figures_match, result.mismatches
    assert result.figures > 7 * 12
    assert result.rollup_rows > 7 * 12
    for timing in (result.rollup, result.floor, result.month, result.month_floor):
        assert len(timing.seconds) == 1 and timing.best > 0
    assert set(result.reference) == {
        "monthly counts and distinct persons, the year",
        "year-to-date distinct persons by first-visit month",
        "one month's counts and distinct persons",
    }
    assert exit_code(result, check=False) == 0
    text = report(result)
    assert "ratio rollup / independent floor" in text and "rollup_month(2023, 6)" in text


@postgresql_only
@pytest.mark.usefixtures("reference_data")
def test_the_rollups_query_count_does_not_grow_with_the_data() -> None:
    # given the benchmark at two sizes, four times apart
    small = run(visits=1000, recipients=200, members=28, consultations=200, repeat=1)
    _clear()
    large = run(visits=4000, recipients=800, members=112, consultations=800, repeat=1)

    # then the rollups ran the same number of queries: no query (or loop) per row
    assert small.figures_match and large.figures_match
    assert large.rollup_queries == small.rollup_queries
    assert large.month_queries == small.month_queries


def _result(
    rollup: float, floor: float, month: float, *, mismatches: list[str] | None = None
) -> BenchResult:
    return BenchResult(
        vendor="postgresql",
        dataset=Dataset(
            recipients=1,
            rural_recipients=1,
            members=1,
            visits=1,
            void_visits=0,
            rural_gap_visits=0,
            consultations=1,
            seconds=0.1,
        ),
        rollup=Timing([rollup, rollup + 1], [None, None]),
        floor=Timing([floor], [floor]),
        month=Timing([month], [None]),
        month_floor=Timing([month / 2], [None]),
        floor_parts={"monthly distinct": floor},
        reference={"one month's counts and distinct persons": 0.01},
        rollup_rows=10,
        rollup_queries=100,
        month_queries=30,
        figures=10,
        mismatches=mismatches or [],
    )


def test_check_fails_when_the_ratio_or_the_single_month_misses_its_goal() -> None:
    within = _result(GOAL_RATIO * 1.0, 1.0, GOAL_MONTH_SECONDS - 0.1)
    slow_year = _result(GOAL_RATIO + 0.1, 1.0, 0.5)
    slow_month = _result(1.0, 1.0, GOAL_MONTH_SECONDS)

    assert within.meets_goal and exit_code(within, check=True) == 0
    assert within.ratio == GOAL_RATIO  # the best of the runs counts
    for missed in (slow_year, slow_month):
        assert not missed.meets_goal
        assert exit_code(missed, check=False) == 0
        assert exit_code(missed, check=True) == 1
        assert "NOT met" in report(missed)


def test_different_numbers_fail_whatever_the_times() -> None:
    wrong = _result(1.0, 1.0, 0.1, mismatches=["('recipients_served', 6, '', ''): 1 != 2"])

    assert exit_code(wrong, check=False) == 2
    assert "NO" in report(wrong)


@postgresql_only
@pytest.mark.usefixtures("reference_data")
def test_the_metrics_give_the_independent_floors_figures_on_a_generated_year() -> None:
    # given a small generated year and the goals bound to metrics
    from bench.kpi_rollup import FLOORED, YEAR, generate, independent_floor
    from kpi import metrics
    from kpi.goals import goals_load

    goals_load()
    generate(visits=2000, recipients=300, members=42, consultations=300)

    # when the metrics compute the year and June, and the floor's minimal SQL does
    year = metrics.year_all(set(FLOORED), YEAR)
    june = metrics.month_all(set(FLOORED), YEAR, 6)
    floor_year = independent_floor()
    floor_june = independent_floor(through=6)

    # then every figure, month, breakdown and year to date is the same
    def keyed(by_month: dict[int, metrics.Figures], code: str) -> dict:
        return {(code, m, *key): v for m, figures in by_month.items() for key, v in figures.items()}

    ours = {k: v for code in FLOORED for k, v in keyed(year[code], code).items()}
    assert ours == floor_year
    ours_june = {k: v for code in FLOORED for k, v in keyed({6: june[code]}, code).items()}
    assert ours_june == {k: v for k, v in floor_june.items() if k[1] == 6}
    assert floor_year[("recipients_served", 12, "", "")][1] > 0
