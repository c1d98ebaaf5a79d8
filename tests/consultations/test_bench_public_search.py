"""The public search benchmark (bench/public_search.py) at a tiny size, so it cannot rot."""

from __future__ import annotations

import pytest
from django.db import connection

from bench.public_search import (
    GOAL_RATIO,
    GOAL_SHORT_SQL_MS,
    GROUPS,
    BenchResult,
    GroupFigures,
    Timing,
    exit_code,
    report,
    run,
)

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the floor's SQL is PostgreSQL's")
def test_the_bench_times_every_group_and_both_ways_give_the_same_first_page() -> None:
    result = run(resources=400, searches=3)

    assert result.resources == 400
    assert [g.searches for g in result.groups] == [3, 3, 3]
    assert result.same_pages
    assert all(t.selector_ms > 0 and t.floor_ms > 0 and t.selector_queries for t in result.timings)
    text = report(result)
    assert "ratio" in text and "organization names" in text and "EXPLAIN" in text
    assert exit_code(result, check=False) == 0


def _group(label: str, median: float, sql: float, floor: float) -> GroupFigures:
    return GroupFigures(label, 100, median, median, sql, sql, floor, floor)


def test_the_goal_needs_20_times_the_floor_and_5_ms_of_sql_for_two_syllables() -> None:
    assert _group("longer words", 2, 1.5, 2 * GOAL_RATIO).meets_goal()
    assert not _group("longer words", 2, 1.5, 2 * GOAL_RATIO - 1).meets_goal()
    assert _group("two syllables", 2, GOAL_SHORT_SQL_MS - 0.1, 100).meets_goal()
    assert not _group("two syllables", 6, GOAL_SHORT_SQL_MS + 0.1, 1000).meets_goal()


def test_a_different_first_page_fails_the_run_whatever_the_speed() -> None:
    timings = [Timing(label, "q", 1, 1.0, 0.5, 3, 100.0, same_page=True) for label in GROUPS]
    same = BenchResult("postgresql", 1, 1, 0.0, timings)
    differs = BenchResult(
        "postgresql",
        1,
        1,
        0.0,
        [
            *timings[:-1],
            timings[-1].__class__("two syllables", "q", 1, 1.0, 0.5, 3, 100.0, same_page=False),
        ],
    )

    assert exit_code(same, check=True) == 0
    assert exit_code(differs, check=False) == 2
