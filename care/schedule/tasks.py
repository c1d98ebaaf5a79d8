"""The schedule's background work: nightly generation, the missed-visit pass, and the
regeneration of one episode queued on commit by a plan change. Each is idempotent."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from care.schedule import services


@shared_task(name="care.schedule_generate", acks_late=True)
def generate_schedule(today: str | None = None) -> int:
    """Nightly: the next 14 days of every approved or active episode's plan."""
    return services.schedule_generate(today=date.fromisoformat(today) if today else None)


@shared_task(name="care.schedule_mark_missed", acks_late=True)
def mark_missed_visits() -> int:
    """Every 15 minutes: planned → late after the grace, → missed after the day."""
    return services.schedule_mark_missed()


@shared_task(name="care.schedule_regenerate_episode", acks_late=True)
def regenerate_episode_schedule(episode_id: int) -> int:
    """After a plan change (queued on commit): the episode's future, untouched occurrences."""
    return services.schedule_regenerate_episode(episode_id=episode_id)
