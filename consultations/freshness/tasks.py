from datetime import date

from celery import shared_task

from consultations.freshness import services


@shared_task(name="consultations.send_review_invitations", acks_late=True)
def send_review_invitations(as_of: str | None = None) -> int:
    """Monthly: ask providers to confirm entries unchecked for 11 months (idempotent)."""
    return services.review_invitations_send(today=date.fromisoformat(as_of) if as_of else None)
