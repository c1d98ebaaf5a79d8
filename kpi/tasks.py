from celery import shared_task

from kpi import rollups
from kpi.models import RollupRun


@shared_task(name="kpi.rollup_month", acks_late=True)
def rollup_month(run_id: int) -> str:
    """Run a queued rollup (from the API or the page). Safe to run twice: it recomputes."""
    run = RollupRun.objects.get(pk=run_id)
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
