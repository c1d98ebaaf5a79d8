"""The schedule's tasks on a real Celery worker against Redis, and their beat entries."""

from __future__ import annotations

import datetime as dt

import pytest
from celery.schedules import crontab
from django.conf import settings

from care.schedule import tasks
from care.schedule.models import ScheduledVisit
from config.celery import app
from tests.care.schedule.helpers import entry, episode, member

TIMEOUT = 60


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("redis_worker", "worker_closes_its_connection")
def test_the_nightly_generation_runs_on_a_real_worker_and_twice_is_once() -> None:
    running = episode(starts_on=dt.date(2024, 5, 1), days=31)
    entry(running, member(), weekday=0)

    first = tasks.generate_schedule.delay("2024-05-06").get(timeout=TIMEOUT)
    second = tasks.generate_schedule.delay("2024-05-06").get(timeout=TIMEOUT)

    assert (first, second) == (2, 0)
    assert ScheduledVisit.objects.filter(episode=running).count() == 2


def test_the_schedule_tasks_are_registered_and_on_the_beat() -> None:
    beat = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {"care.schedule_generate", "care.schedule_mark_missed"} <= set(beat)
    assert beat["care.schedule_generate"] == crontab(hour=1, minute=30)
    assert beat["care.schedule_mark_missed"] == crontab(minute="*/15")
    assert settings.CELERY_TIMEZONE == "Asia/Seoul"
    app.loader.import_default_modules()
    assert "care.schedule_regenerate_episode" in app.tasks
