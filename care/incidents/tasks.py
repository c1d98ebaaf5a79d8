"""The incidents' background work: the escalation pass (beat, every 15 minutes)."""

from __future__ import annotations

from celery import shared_task

from care.incidents import services


@shared_task(name="care.incidents_escalate", acks_late=True)
def escalate_incidents() -> int:
    """Open incidents unacknowledged for 24 hours, told to the managers once each."""
    return services.incidents_escalate()
