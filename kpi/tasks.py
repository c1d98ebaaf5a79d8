import logging

from celery import shared_task
from django.contrib.auth.models import AbstractBaseUser
from django.db import OperationalError, transaction

from kpi import rollups, runs
from kpi.models import RollupRun

logger = logging.getLogger(__name__)


# A locked database (SQLite under a busy demo) is worth a few retries; other errors are not.
@shared_task(
    name="kpi.rollup_month",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    max_retries=3,
)
def rollup_month(run_id: int) -> str:
    """Run a queued rollup (from the API or the page). Safe to run twice: it recomputes."""
    run = RollupRun.objects.get(pk=run_id)
    if run.state == RollupRun.State.LOST:
        # Redelivered after its worker died; the run that replaced it does the work.
        return run.state
    return rollups.rollup_month(year=run.year, month=run.month, run=run).state


@shared_task(name="kpi.rollup_previous_month", acks_late=True)
def rollup_previous_month() -> str:
    """1st of each month, 02:00 KST: last month's figures."""
    year, month = rollups.previous_month()
    return rollups.rollup_month(year=year, month=month, trigger=RollupRun.Trigger.SCHEDULE).state


@shared_task(name="kpi.recompute_late_records", acks_late=True)
def recompute_late_records() -> int:
    """Nightly: recompute open months touched by records that arrived late."""
    return len(rollups.late_records_recompute())


@shared_task(name="kpi.send_queued_rollups", acks_late=True)
def send_queued_rollups() -> int:
    """Every minute: send the runs requested while the broker was down."""
    return runs.rollup_runs_send_unsent()


@shared_task(name="kpi.recover_lost_rollups", acks_late=True)
def recover_lost_rollups() -> int:
    """Every few minutes: run again the runs whose worker went silent."""
    return len(runs.rollup_runs_recover_lost())


def rollup_request(
    *,
    year: int,
    month: int,
    trigger: str = RollupRun.Trigger.MANUAL,
    requested_by: AbstractBaseUser | None = None,
) -> RollupRun:
    """Ask a worker for a month's rollup: the run's row, then the task once the row is
    committed (the worker reads it), never for a transaction that rolls back. Used by the
    API, the dashboard and ``rollup_kpis --queue`` alike."""
    with transaction.atomic():
        run = rollups.rollup_run_create(
            year=year, month=month, trigger=trigger, requested_by=requested_by
        )
        runs.rollup_run_queue(run)
    return run
