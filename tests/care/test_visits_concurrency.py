"""Concurrent replays of one visit store one row (PostgreSQL: real concurrent transactions)."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from care.models import Visit
from tests.care.visit_factories import hours_ago, visit_payload

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every writer, so nothing runs concurrently",
    ),
    pytest.mark.django_db(transaction=True),
]

THREADS = 20


def run_together(count: int, work: Any) -> list[Any]:
    """Run ``work()`` in ``count`` threads released at the same instant; return the results."""
    barrier = threading.Barrier(count)

    def one() -> Any:
        try:
            barrier.wait(timeout=30)
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(one) for _ in range(count)]
        return [future.result(timeout=120) for future in futures]


def caregiver_client(pk: int) -> APIClient:
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(pk=pk))
    return client


def test_twenty_concurrent_posts_of_one_visit_store_one_row(caregiver: Any) -> None:
    # given one visit the tablet's retries deliver twenty times at once
    payload = visit_payload(caregiver.assigned_recipient, notes="동시 재전송")

    # when twenty requests post it together
    def post() -> tuple[int, int | None]:
        response = caregiver_client(caregiver.pk).post("/api/v1/visits/", payload, format="json")
        body = response.json()
        return response.status_code, body.get("id") if isinstance(body, dict) else None

    answers = run_together(THREADS, post)

    # then one row exists, one request created it and every other one found it
    codes = Counter(code for code, _ in answers)
    assert set(codes) <= {200, 201}, answers
    assert codes[201] == 1, answers
    assert Visit.objects.count() == 1
    stored = Visit.objects.get()
    assert {visit_id for _, visit_id in answers} == {stored.pk}
    assert list(stored.service_types.values_list("code", flat=True)) == ["housework"]


def test_concurrent_syncs_of_one_outbox_store_each_visit_once(caregiver: Any) -> None:
    # given an outbox of ten visits that five retries send at once
    items = [
        visit_payload(
            caregiver.assigned_recipient,
            started=hours_ago(1 + index),
            length=timedelta(minutes=30),
        )
        for index in range(10)
    ]

    def post() -> list[str]:
        response = caregiver_client(caregiver.pk).post(
            "/api/v1/visits/sync/", {"visits": items}, format="json"
        )
        assert response.status_code == 200, response.content
        return [result["status"] for result in response.json()["results"]]

    answers = run_together(5, post)

    # then every visit is stored once, created by exactly one of the requests
    assert Visit.objects.count() == 10
    for index in range(10):
        per_item = Counter(statuses[index] for statuses in answers)
        assert per_item == {"created": 1, "existing": 4}, (index, answers)
