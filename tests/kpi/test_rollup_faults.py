"""Rollups under faults: a broker that is down when a manager asks (the answer comes at once
and the run waits, queued, until the beat sends it), and a worker that dies mid-run (its run
goes silent, is marked lost and run again, with identical figures)."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from config.celery import app
from kpi import rollups, runs, tasks
from kpi.models import RollupRun
from tests.factories import UserFactory
from tests.kpi.test_metrics import YEAR, a_visit, kst
from tests.kpi.test_rollup_tasks import TIMEOUT, goals_and_reference_data, worker  # noqa: F401
from tests.kpi.test_rollups import snapshot

needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="the broker here is Redis")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of the test's own, which it may stop and start (the shared one serves
    the other tests)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def queued(self) -> int:
        return redis.Redis(port=self.port).llen("celery")


@contextmanager
def broker(url: str) -> Iterator[None]:
    """Point the app's producers at another broker for the block."""

    def reset() -> None:
        # kombu keeps one pool per broker URL, process-wide: drop the app's handles only, so
        # that the shared Redis's pool is found again, open, afterwards.
        app._pool = None
        app.amqp._producer_pool = None

    keys = ("broker_url", "broker_write_url", "broker_read_url")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(dict.fromkeys(keys, url))
    reset()
    try:
        yield
    finally:
        app.conf.update(saved)
        reset()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    try:
        with broker(server.url):
            yield server
    finally:
        server.stop()


@needs_redis
@pytest.mark.django_db
def test_a_rollup_asked_while_redis_is_down_answers_at_once_and_waits_queued(
    private_redis: PrivateRedis, django_capture_on_commit_callbacks
) -> None:  # noqa: ANN001
    manager = APIClient()
    manager.force_authenticate(UserFactory(username="manager1", roles=["manager"]))
    private_redis.stop()

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post("/api/v1/kpi/rollups/", {"year": 2023, "month": 3}, format="json")
    took = time.monotonic() - started

    assert response.status_code == 202, response.content
    assert took < 2, f"the request took {took:.1f} s with the broker down"
    run = RollupRun.objects.get()
    assert (run.state, run.sent_at) == (RollupRun.State.QUEUED, None)

    # when Redis is back, the beat's sweep sends it, once
    private_redis.start()
    RollupRun.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))
    assert runs.rollup_runs_send_unsent() == 1
    assert runs.rollup_runs_send_unsent() == 0
    run.refresh_from_db()
    assert run.sent_at is not None
    assert private_redis.queued() == 1


@pytest.mark.django_db
def test_a_run_just_requested_is_left_to_its_own_on_commit_send() -> None:
    RollupRun.objects.create(year=2023, month=3, trigger=RollupRun.Trigger.MANUAL)

    assert runs.rollup_runs_send_unsent() == 0


@pytest.mark.django_db
def test_a_silent_run_is_marked_lost_once_and_run_again(
    django_capture_on_commit_callbacks, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    sent: list[int] = []
    monkeypatch.setattr(runs, "rollup_run_send", sent.append)
    silent_since = timezone.now() - dt.timedelta(seconds=settings.KPI_ROLLUP_LOST_AFTER_SECONDS + 5)
    lost = RollupRun.objects.create(
        year=2023,
        month=3,
        trigger=RollupRun.Trigger.MANUAL,
        state=RollupRun.State.RUNNING,
        started_at=silent_since,
        heartbeat_at=silent_since,
    )
    beating = RollupRun.objects.create(
        year=2023,
        month=4,
        trigger=RollupRun.Trigger.MANUAL,
        state=RollupRun.State.RUNNING,
        started_at=silent_since,
        heartbeat_at=timezone.now(),
    )

    with django_capture_on_commit_callbacks(execute=True):
        (retry,) = runs.rollup_runs_recover_lost()
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.rollup_runs_recover_lost() == []

    lost.refresh_from_db()
    beating.refresh_from_db()
    assert lost.state == RollupRun.State.LOST
    assert beating.state == RollupRun.State.RUNNING
    assert (retry.year, retry.month, retry.retry_of_id, retry.state) == (
        2023,
        3,
        lost.pk,
        RollupRun.State.QUEUED,
    )
    assert sent == [retry.pk]


@pytest.mark.django_db
def test_a_lost_runs_redelivered_message_does_nothing() -> None:
    lost = RollupRun.objects.create(
        year=2023, month=3, trigger=RollupRun.Trigger.MANUAL, state=RollupRun.State.LOST
    )

    assert tasks.rollup_month.apply(args=[lost.pk]).get() == RollupRun.State.LOST
    lost.refresh_from_db()
    assert lost.state == RollupRun.State.LOST


@pytest.mark.django_db(transaction=True)
def test_a_running_rollup_beats_while_it_computes(
    goals_and_reference_data: None,  # noqa: F811
    settings,  # noqa: ANN001
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        pytest.skip("the heartbeat writes from a second connection: PostgreSQL")
    settings.KPI_ROLLUP_HEARTBEAT_SECONDS = 0.05
    a_visit(kst(1))
    slow = rollups.metrics.month_all

    def month_all(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        time.sleep(0.5)
        return slow(*args, **kwargs)

    monkeypatch.setattr(rollups.metrics, "month_all", month_all)
    run = rollups.rollup_month(year=YEAR, month=1)

    assert run.state == RollupRun.State.SUCCEEDED
    assert run.heartbeat_at > run.started_at


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@worker
def test_a_lost_run_run_again_on_a_real_worker_gives_identical_figures() -> None:
    a_visit(kst(1))
    a_visit(kst(1, 20))
    expected = rollups.rollup_month(year=YEAR, month=1)
    figures = snapshot()
    # a worker took the next run and died: the run says running, and nothing more
    silent_since = timezone.now() - dt.timedelta(seconds=settings.KPI_ROLLUP_LOST_AFTER_SECONDS + 5)
    RollupRun.objects.create(
        year=YEAR,
        month=1,
        trigger=RollupRun.Trigger.MANUAL,
        state=RollupRun.State.RUNNING,
        started_at=silent_since,
        heartbeat_at=silent_since,
    )

    retries = tasks.recover_lost_rollups.delay().get(timeout=TIMEOUT)

    assert retries == 1
    retry = RollupRun.objects.get(retry_of__isnull=False)
    for _ in range(TIMEOUT * 10):
        retry.refresh_from_db()
        if retry.state not in (RollupRun.State.QUEUED, RollupRun.State.RUNNING):
            break
        time.sleep(0.1)
    assert retry.state == RollupRun.State.SUCCEEDED
    assert retry.rows == expected.rows
    assert snapshot() == figures


def test_the_beat_sends_queued_runs_every_minute_and_recovers_lost_ones() -> None:
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["send-queued-rollups"]["task"] == "kpi.send_queued_rollups"
    assert schedule["recover-lost-rollups"]["task"] == "kpi.recover_lost_rollups"
    assert {"kpi.send_queued_rollups", "kpi.recover_lost_rollups"} <= set(app.tasks)
