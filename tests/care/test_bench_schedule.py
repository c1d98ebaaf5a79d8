"""The schedule benchmark (bench/schedule.py) at a tiny size, so it cannot rot. Its data and
its bare SQL are PostgreSQL's: these tests skip on SQLite."""

from __future__ import annotations

import pytest
from django.db import connection

from bench.schedule import GOAL_RATIO, exit_code, report, run
from care.models import Episode, Recipient
from care.schedule.models import CarePlanEntry, ScheduledVisit
from tests.conftest import restore_migrated_data
from volunteers.models import CorpsMember

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the benchmark's bare SQL is PostgreSQL's"
)


@pytest.fixture
def reference_data(db: None) -> None:
    restore_migrated_data()


def _clear() -> None:
    ScheduledVisit.objects.all().delete()
    CarePlanEntry.objects.all().delete()
    Episode.objects.all().delete()
    Recipient.objects.all().delete()
    CorpsMember.objects.all().delete()


@postgresql_only
@pytest.mark.usefixtures("reference_data")
def test_the_benchmark_generates_and_marks_the_bare_sqls_rows() -> None:
    result = run(episodes=60, members=12, repeat=1)

    # 60 episodes × two visits every weekday × two weeks
    assert result.entries == 600 and result.rows == 1200
    assert result.rows_match and result.states_match
    assert result.missed_rows > 0
    assert result.week.status == 200 and result.today.status == 200
    assert exit_code(result, check=False) == 0
    text = report(result)
    assert "ratio" in text and f"goal <= {GOAL_RATIO:.0f}x" in text


@postgresql_only
@pytest.mark.usefixtures("reference_data")
def test_the_pages_query_counts_do_not_grow_with_the_visits() -> None:
    small = run(episodes=30, members=6, repeat=1)
    _clear()
    large = run(episodes=120, members=6, repeat=1, label="bench-large")

    assert large.rows == 4 * small.rows
    assert large.week.queries == small.week.queries
    # A short first page is counted from its rows; a full one with one COUNT(*) more.
    assert large.today.queries - large.today.counts == small.today.queries - small.today.counts
    assert large.today.counts <= 1
