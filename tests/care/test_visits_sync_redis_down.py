"""A tablet syncs its outbox while Redis (the broker and the cache) goes down in the middle of
a batch: every visit is stored and every batch answered; with Redis back, the work queued
meanwhile is sent, and the month's figures are those of a rollup done without faults (issue
10, item 15).

Redis here is a private redis-server of the test's own, used as the deployment uses it: the
broker of Celery and Django's cache (``CACHE_URL``). The test stops it from inside the sync's
own transaction, at the first insert of the batch's visits.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
import redis
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from base.tokens import token_issue
from care.models import Visit
from kpi import metrics, rollups, runs
from kpi.models import RollupRun
from tests.care.visit_factories import visit_payload
from tests.kpi.test_rollup_faults import PrivateRedis, broker, needs_redis
from tests.kpi.test_rollup_tasks import goals_and_reference_data  # noqa: F401
from tests.kpi.test_rollups import snapshot

SYNC = "/api/v1/visits/sync/"
ROLLUPS = "/api/v1/kpi/rollups/"
# With Redis down, an answer that waited on it would take a connect timeout or more.
PROMPT = 2.0


@pytest.fixture
def redis_as_deployed(settings: Any) -> Iterator[PrivateRedis]:  # noqa: ANN401
    """A private Redis as the broker and the cache."""
    server = PrivateRedis()
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "care",
        }
    }
    try:
        with broker(server.url):
            yield server
    finally:
        server.stop()


def stop_at_first_visit_insert(server: PrivateRedis) -> Callable[..., Any]:
    """A database execute wrapper that stops Redis when the sync inserts its visits."""

    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:  # noqa: ANN401
        if server.process is not None and sql.startswith('INSERT INTO "care_visit"'):
            server.stop()
        return execute(sql, params, many, context)

    return wrapper


def previous_month() -> tuple[int, int, datetime]:
    year, month = rollups.previous_month()
    return year, month, metrics.month_start(year, month)


def an_outbox(recipient_id: int) -> list[list[dict[str, Any]]]:
    """Three batches: last month's visits (the tablet was offline: they arrive late) and
    this week's."""
    _year, _month, start = previous_month()
    late = [
        visit_payload(recipient_id, started=start + timedelta(days=day, hours=10))
        for day in range(0, 27, 2)
    ]
    now = timezone.now()
    recent = [
        visit_payload(recipient_id, started=now - timedelta(hours=3 + 2 * i)) for i in range(6)
    ]
    return [late[:7], late[7:] + recent[:2], recent[2:]]


def sync(tablet: APIClient, batch: list[dict[str, Any]]) -> tuple[Any, float]:
    started = time.monotonic()
    response = tablet.post(SYNC, {"visits": batch}, format="json")
    return response, time.monotonic() - started


@needs_redis
@pytest.mark.slow
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("goals_and_reference_data")
def test_a_sync_while_redis_goes_down_stores_every_visit_and_the_figures_come_out_right(
    redis_as_deployed: PrivateRedis,
    caregiver: Any,  # noqa: ANN401
    manager_api: APIClient,
    redis_worker: None,
    worker_closes_its_connection: None,
) -> None:
    year, month, _start = previous_month()
    # last month was rolled up before the tablet came back online
    assert rollups.rollup_month(year=year, month=month).state == RollupRun.State.SUCCEEDED
    before = snapshot(year)
    tablet = APIClient()
    tablet.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(caregiver).key}")
    batches = an_outbox(caregiver.assigned_recipient.pk)

    first, took_first = sync(tablet, batches[0])
    with connection.execute_wrapper(stop_at_first_visit_insert(redis_as_deployed)):
        second, took_second = sync(tablet, batches[1])
    assert redis_as_deployed.process is None, "Redis went down in the middle of the batch"
    third, took_third = sync(tablet, batches[2])
    # while Redis is down, a manager asks for last month's figures again
    started = time.monotonic()
    asked = manager_api.post(ROLLUPS, {"year": year, "month": month}, format="json")
    took_asking = time.monotonic() - started

    for response in (first, second, third):
        assert response.status_code == 200, response.content
        assert response.json()["summary"]["error"] == 0, response.json()
    assert max(took_second, took_third) < PROMPT, (took_first, took_second, took_third)
    assert asked.status_code == 202, asked.content
    assert took_asking < PROMPT
    sent = {UUID(item["client_uuid"]) for batch in batches for item in batch}
    assert Visit.objects.count() == len(sent)
    assert set(Visit.objects.values_list("client_uuid", flat=True)) == sent

    # Redis is back: the beat's sweep sends the run that waited, the worker computes it
    redis_as_deployed.start()
    waiting = RollupRun.objects.get(state=RollupRun.State.QUEUED, sent_at__isnull=True)
    RollupRun.objects.filter(pk=waiting.pk).update(
        created_at=timezone.now() - runs.UNSENT_AFTER - timedelta(seconds=1)
    )
    assert runs.rollup_runs_send_unsent() == 1
    for _ in range(300):
        waiting.refresh_from_db()
        if waiting.state not in (RollupRun.State.QUEUED, RollupRun.State.RUNNING):
            break
        time.sleep(0.1)
    assert waiting.state == RollupRun.State.SUCCEEDED
    assert redis.Redis.from_url(redis_as_deployed.url).ping()

    after = snapshot(year)
    assert after != before, "last month's late visits are counted"
    # the same figures as a rollup of the same records done without any fault
    rollups.rollup_month(year=year, month=month)
    assert snapshot(year) == after
