"""The visits ingest benchmark (bench/visits_ingest.py) at a tiny size, so it cannot rot."""

from __future__ import annotations

import pytest

from bench.visits_ingest import (
    GOAL_RATIO,
    BenchResult,
    PathResult,
    exit_code,
    report,
    run,
)
from care.models import Visit, VisitException


# Transactional, as the benchmark is meant to run: each request commits its own transaction.
# (tests/conftest.py puts back the reference data and roles an earlier flush removed.)
@pytest.mark.django_db(transaction=True)
def test_benchmark_sends_every_visit_through_the_api_and_writes_the_same_rows_bare() -> None:
    result = run(visits=200, batch=30, caregivers=4, recipients=40, repeat=2)

    assert result.created == 200
    assert result.requests == 4 * 2  # per round: 50 visits per caregiver, batches of 30 and 20
    assert result.api.rows == result.bare.rows == 200
    assert result.api.links == result.bare.links >= 200
    assert result.rows_match
    assert result.api.seconds > 0 and result.bare.seconds > 0
    assert result.access_log_rows > 0
    # The bare path leaves its rows; the API path's exceptions went with its visits.
    assert Visit.objects.count() == 200
    assert not VisitException.objects.exists()
    assert exit_code(result, check=False) == 0
    assert "visits/s" in report(result)


def _result(api_seconds: float, bare_seconds: float, *, rows_match: bool = True) -> BenchResult:
    return BenchResult(
        vendor="sqlite",
        visits=10,
        batch=5,
        caregivers=1,
        recipients=1,
        api=PathResult(rows=10, links=10, seconds=api_seconds),
        bare=PathResult(rows=10, links=10, seconds=bare_seconds),
        requests=2,
        created=10,
        rows_match=rows_match,
    )


def test_check_fails_only_when_the_ratio_exceeds_the_goal() -> None:
    within = _result(GOAL_RATIO, 1.0)
    over = _result(GOAL_RATIO + 0.5, 1.0)

    assert within.meets_goal and exit_code(within, check=True) == 0
    assert not over.meets_goal
    assert exit_code(over, check=False) == 0
    assert exit_code(over, check=True) == 1
    assert "NOT met" in report(over)
    assert exit_code(_result(1.0, 1.0, rows_match=False), check=False) == 2
