"""Corps compliance's background work: the daily reminder of items about to lapse."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from volunteers.compliance import services


@shared_task(name="volunteers.compliance_expiry_notify", acks_late=True)
def notify_expiring_compliance(today: str | None = None) -> int:
    """Daily: text each corps member whose required items lapse within 30 days (once per
    member, item and expiry: safe to run twice)."""
    return services.compliance_expiry_notify(today=date.fromisoformat(today) if today else None)
