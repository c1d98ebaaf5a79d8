from datetime import date

from celery import shared_task

from consultations import services
from consultations.retention import retention_apply


@shared_task(name="consultations.record_follow_up_alerts", acks_late=True)
def record_follow_up_alerts(as_of: str | None = None) -> int:
    """Daily: consultations and referrals whose follow-up date passed without an update."""
    return services.follow_up_alerts_record(as_of=date.fromisoformat(as_of) if as_of else None)


# The package's tasks live in it; autodiscovery only finds consultations.tasks.
from consultations.freshness import tasks as freshness_tasks  # noqa: E402, F401


@shared_task(name="consultations.apply_retention", acks_late=True)
def apply_retention() -> dict[str, int]:
    """Weekly: personal data past its retention pseudonymised, old log rows purged (safe to
    run twice: nobody is due the second time)."""
    result = retention_apply()
    return {
        "recipients": len(result.recipients),
        "consultations": len(result.consultations),
        "callback_requests": len(result.callback_requests),
        "access_log_rows": result.access_log_rows,
        "role_changes": result.role_changes,
    }
