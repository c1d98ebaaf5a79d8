"""Concurrent surveys of one episode (PostgreSQL: real concurrent transactions): one stored,
the others a 400 (another survey) or the stored one (a retry), never a 500."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from care.models import SatisfactionResponse
from tests.care.satisfaction.factories import answers, closed_episode
from tests.care.test_visits_concurrency import run_together
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every writer, so nothing runs concurrently",
    ),
    pytest.mark.django_db(transaction=True),
]

THREADS = 8


def post(user_pk: int, body: dict[str, Any]) -> tuple[int, Any]:
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(pk=user_pk))
    response = client.post("/api/v1/satisfaction-responses/", body, format="json")
    return response.status_code, response.json().get("id")


def body(episode_pk: int, key: str | None = None) -> dict[str, Any]:
    return {
        "episode": episode_pk,
        "occasion": "closure",
        "channel": "phone",
        "respondent": "person",
        "answered_on": "2023-02-15",
        "client_uuid": key,
        "answers": answers(5, 4, 4, 5, 5),
    }


def test_concurrent_surveys_of_one_episode_store_one_and_refuse_the_others() -> None:
    user = UserFactory(username="coord", roles=["coordinator"])
    episode = closed_episode()

    results = run_together(THREADS, lambda: post(user.pk, body(episode.pk)))

    codes = Counter(code for code, _id in results)
    assert codes == {201: 1, 400: THREADS - 1}, results
    assert SatisfactionResponse.objects.count() == 1


def test_concurrent_retries_of_one_survey_all_get_the_stored_one() -> None:
    user = UserFactory(username="coord", roles=["coordinator"])
    episode = closed_episode()
    key = str(uuid.uuid4())

    results = run_together(THREADS, lambda: post(user.pk, body(episode.pk, key)))

    codes = Counter(code for code, _id in results)
    assert codes == {201: 1, 200: THREADS - 1}, results
    assert len({found for _code, found in results}) == 1
