"""Concurrent replays of one report store one incident (PostgreSQL: real concurrent
transactions), and alert the coordinators once."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db import connection

from care.incidents.models import Incident
from notifications.models import Message
from tests.care.incidents.factories import StaffPhoneFactory, report_payload
from tests.care.test_visits_concurrency import caregiver_client, run_together
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every writer, so nothing runs concurrently",
    ),
    pytest.mark.django_db(transaction=True),
]

THREADS = 10


def test_ten_concurrent_posts_of_one_report_store_one_incident(caregiver: Any) -> None:
    # given a coordinator with a phone, and one report the outbox delivers ten times at once
    StaffPhoneFactory(user=UserFactory(username="desk1", roles=["coordinator"]))
    payload = report_payload(recipient=caregiver.assigned_recipient.pk)

    # when ten requests post it together
    def post() -> tuple[int, int | None]:
        response = caregiver_client(caregiver.pk).post("/api/v1/incidents/", payload, format="json")
        body = response.json()
        return response.status_code, body.get("id") if isinstance(body, dict) else None

    answers = run_together(THREADS, post)

    # then one incident exists, one request created it, every other one found it
    codes = Counter(code for code, _ in answers)
    assert set(codes) <= {200, 201}, answers
    assert codes[201] == 1, answers
    assert Incident.objects.count() == 1
    assert {incident_id for _, incident_id in answers} == {Incident.objects.get().pk}
    # and the coordinator was alerted once
    assert Message.objects.filter(kind="incident_reported").count() == 1
