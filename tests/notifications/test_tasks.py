"""The outbox's tasks on a real Celery worker against Redis, and their beat schedule.

The worker test is transactional (the worker thread reads what the test committed) and skips
without REDIS_URL; the schedule tests need neither.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import pytest
from celery import Task
from celery.schedules import crontab
from celery.signals import task_postrun
from django.conf import settings
from django.db import transaction

from config.celery import app
from notifications import services, tasks
from notifications.models import Message

TIMEOUT = 30


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def console_log() -> Iterator[list[logging.LogRecord]]:
    """What the console gateway writes, from any thread (the worker runs in its own)."""
    logger = logging.getLogger("notifications")
    handler, level = Collect(), logger.level
    logger.addHandler(handler)
    # The test worker sets the root logger to ERROR; the console gateway writes at INFO.
    logger.setLevel(logging.INFO)
    yield handler.records
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
def send_task_finished() -> Iterator[threading.Event]:
    """Set when the worker has run a send_message task.

    Waiting on this rather than polling the message keeps the test's thread off the database
    while the worker writes: the in-memory SQLite test database shares one cache between
    threads and refuses a write beside a read ("database table is locked") instead of waiting.
    """
    finished = threading.Event()

    def note(sender: Task, **kwargs: object) -> None:
        if sender.name == tasks.send_message.name:
            finished.set()

    task_postrun.connect(note, weak=False)
    yield finished
    task_postrun.disconnect(note)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("redis_worker", "worker_closes_its_connection")
def test_a_message_enqueued_in_a_transaction_is_sent_by_a_real_worker_once_after_commit(
    console_log: list[logging.LogRecord], send_task_finished: threading.Event
) -> None:
    # given a transaction that enqueues a message and is still open
    with transaction.atomic():
        message = services.message_enqueue(
            kind="episode_assigned",
            to_phone="010-1234-5678",
            to_name="김영희",
            body="[전북돌봄] 홍길순 님 돌봄 회차가 배정되었습니다.",
            dedupe_key="episode_assigned:41:7",
        )
        time.sleep(0.5)
        # then nothing was sent before commit
        assert console_log == []

    # when it commits, then the worker sends it through the console gateway
    assert send_task_finished.wait(TIMEOUT)
    message.refresh_from_db()
    assert message.state == Message.State.SENT

    # and the beat's sweep, run by the same worker, finds nothing left to send
    assert tasks.send_due_messages.delay().get(timeout=TIMEOUT) == 0
    assert tasks.send_message.delay(message.pk).get(timeout=TIMEOUT) is None
    sends = [record for record in console_log if record.name == "notifications"]
    assert len(sends) == 1
    assert "episode_assigned:41:7" in sends[0].getMessage()
    assert message.attempts == 1
    assert message.gateway_message_id.startswith("console-")


# --- the beat schedule -----------------------------------------------------------------------


def test_beat_sends_due_messages_every_minute() -> None:
    [entry] = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "notifications.send_due_messages"
    ]

    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert schedule.minute == set(range(60))
    assert schedule.hour == set(range(24))


def test_the_outbox_tasks_are_registered_under_their_names() -> None:
    app.loader.import_default_modules()

    assert {"notifications.send_message", "notifications.send_due_messages"} <= set(app.tasks)
