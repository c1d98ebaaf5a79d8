"""The load run (bench/load.py) at a tiny size, so it cannot rot: gunicorn and locust really
run, against this test's database, for a few seconds."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection

from bench.load import (
    GOAL_P95_MS,
    LoadResult,
    PhaseResult,
    RouteFigures,
    _reaped_cpu_seconds,
    exit_code,
    mix,
    report,
    run,
)
from care.models import Visit

ROUTES = {
    "caregiver recipients",
    "caregiver sync 20",
    "coordinator visits?status=submitted",
    "manager kpi/report",
}


# Transactional: gunicorn's workers are other processes and must see the committed data.
# (tests/conftest.py puts back the reference data and roles the flush removes.)
# threads=2: gunicorn's gthread workers, the other way the run can serve.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("threads", [1, 2])
def test_load_run_serves_every_kind_of_user_without_errors_and_measures_it(threads: int) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the load run needs PostgreSQL: gunicorn's workers are other processes")

    result = run(
        users=5,
        wait=(0.1, 0.3),
        first_seconds=4,
        steps=(3,),
        step_seconds=3,
        caregivers=3,
        recipients=9,
        coordinators=1,
        managers=1,
        history=60,
        waiting=10,
        route_requests=1,
        threads=threads,
    )

    assert result.errors == 0
    assert [step.users for step in result.steps] == [3]
    routes = {route.name for route in result.first.routes}
    # Each coordinator picks routes at random; these are the ones five users always reach.
    assert {"caregiver recipients", "caregiver sync 20"} <= routes
    assert routes <= ROUTES | {
        "coordinator recipients",
        "coordinator assignments",
        "desk /coordinator/",
        "desk /coordinator/visits/",
    }
    # The step sends the first run's mix (a caregiver's request 50 times in 65, a manager's 5),
    # not one user of each kind, where the fastest route's user would send most requests.
    (step,) = result.steps
    share = {
        kind: sum(r.requests for r in step.routes if r.name.startswith(kind)) / step.total.requests
        for kind in ("caregiver", "manager")
    }
    assert share["caregiver"] > 0.5 and share["manager"] < 0.3, share
    for phase in result.phases:
        assert phase.total.requests > 0
        assert phase.total.requests_per_second > 0
        assert phase.connections_max >= 1
        assert phase.app_cpu_seconds > 0
        assert phase.database_cpu_seconds > 0
    # Every sync wrote its 20 visits (a request cut off at the end of a run may still have).
    synced = sum(r.requests for p in result.phases for r in p.routes if r.name.endswith("sync 20"))
    waiting = Visit.objects.filter(status=Visit.Status.SUBMITTED).count()
    assert waiting >= 10 + 20 * synced and (waiting - 10) % 20 == 0
    assert any("count" in line for line in result.waiting_plans)
    assert set(result.route_cpu) >= ROUTES
    assert all(app > 0 for app, _database in result.route_cpu.values())
    assert "p95" in report(result)
    assert ("gthread, 2 threads each" in report(result)) == (threads == 2)


def test_the_cpu_of_an_exited_child_is_found_among_the_reaped() -> None:
    # As a database backend whose connection ended during a phase: gone from /proc, its CPU
    # is in its parent's (the postmaster's) cutime once reaped.
    before = _reaped_cpu_seconds(os.getpid())

    subprocess.run(
        [sys.executable, "-c", "import time\nt = time.process_time()\n"
         "while time.process_time() - t < 0.3: pass"],
        check=True,
    )  # fmt: skip

    assert _reaped_cpu_seconds(os.getpid()) - before >= 0.2
    assert _reaped_cpu_seconds(None) == 0.0


def test_the_first_run_keeps_its_proportions_with_one_user_of_each_kind_at_least() -> None:
    assert mix(65) == (50, 10, 5)
    assert mix(3) == (1, 1, 1)
    assert mix(8) == (6, 1, 1)
    assert mix(13) == (10, 2, 1)


def _phase(label: str, rate: float, p95: float, failures: int = 0) -> PhaseResult:
    total = RouteFigures("Aggregated", 100, failures, rate, 50, p95, p95, 60)
    return PhaseResult(label, 3, None, 30, [total], total)


def test_goal_needs_100_requests_a_second_within_p95_300_ms_and_no_errors() -> None:
    def result(*steps: PhaseResult) -> LoadResult:
        return LoadResult("db", 3, 1, 1, first=_phase("first", 10, 100), steps=list(steps))

    met = result(_phase("a", 80, 200), _phase("b", 120, GOAL_P95_MS), _phase("c", 130, 400))
    slow = result(_phase("a", 80, 200), _phase("b", 120, GOAL_P95_MS + 1))
    failing = result(_phase("a", 150, 200, failures=1))

    assert met.meets_goal and met.within_goal.label == "b" and met.crossing.label == "c"
    assert exit_code(met, check=True) == 0
    assert not slow.meets_goal and exit_code(slow, check=True) == 1
    assert exit_code(slow, check=False) == 0
    assert not failing.meets_goal and exit_code(failing, check=False) == 2
