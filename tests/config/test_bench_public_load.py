"""The residents' load run (bench/public_load.py) at a tiny size, so it cannot rot: gunicorn
and locust really run, against this test's database, for a few seconds."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from bench.load import RouteFigures
from bench.public_load import (
    GOAL_P95_MS,
    PublicLoadResult,
    Route,
    exit_code,
    parse_route,
    report,
    run,
)


# Transactional: gunicorn's workers are other processes and must see the committed data.
@pytest.mark.django_db(transaction=True)
def test_the_public_load_run_serves_anonymous_users_without_errors_and_measures_it() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the load run needs PostgreSQL: gunicorn's workers are other processes")

    result = run(
        resources=200,
        users=4,
        seconds=3,
        wait=(0.1, 0.3),
        workers=2,
        routes=[Route("home", "/", 2), Route("schema-free", "/login/?next=/find/%3Fq%3D{word}")],
        cache_url=os.environ.get("REDIS_URL", ""),
    )

    assert result.errors == 0
    assert {figures.name for figures in result.figures} == {"home", "schema-free"}
    assert result.total.requests > 0 and result.total.requests_per_second > 0
    assert "p95" in report(result)


def test_a_route_is_a_name_a_path_and_a_weight() -> None:
    assert parse_route("search=/find/?q={word}=3") == Route("search", "/find/?q={word}", 3)
    assert parse_route("home=/") == Route("home", "/", 1)


def _result(p95: float, failures: int = 0) -> PublicLoadResult:
    total = RouteFigures("Aggregated", 100, failures, 50.0, 20, p95, p95, 30)
    return PublicLoadResult("db", 1, 100, 60, 3, (1, 3), [], False, [total], total)


def test_the_goal_is_no_errors_and_p95_under_200_ms() -> None:
    assert _result(GOAL_P95_MS - 1).meets_goal
    assert not _result(GOAL_P95_MS).meets_goal
    assert exit_code(_result(GOAL_P95_MS), check=True) == 1
    assert exit_code(_result(10, failures=1), check=False) == 2
