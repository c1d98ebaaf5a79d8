from datetime import date

from celery import shared_task

from consultations import services


@shared_task(name="consultations.record_follow_up_alerts", acks_late=True)
def record_follow_up_alerts(as_of: str | None = None) -> int:
    """Daily: consultations and referrals whose follow-up date passed without an update."""
    return services.follow_up_alerts_record(as_of=date.fromisoformat(as_of) if as_of else None)
