from celery import shared_task

from care import visits


@shared_task(name="care.record_no_visit_alerts", acks_late=True)
def record_no_visit_alerts(as_of: str | None = None) -> int:
    """Daily: recipients with an active assignment and no visit for 7 days (idempotent)."""
    from datetime import date

    return visits.no_visit_alerts_record(as_of=date.fromisoformat(as_of) if as_of else None)


# The schedule's tasks live in their package; autodiscovery only finds care.tasks.
from care.incidents import tasks as incidents_tasks  # noqa: E402, F401
from care.schedule import tasks as schedule_tasks  # noqa: E402, F401
