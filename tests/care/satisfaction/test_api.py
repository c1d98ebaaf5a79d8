"""/api/v1/questionnaires/, /api/v1/satisfaction-responses/, /api/v1/satisfaction-results/:
the happy paths, bad input, roles, other users' rows and query counts."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from base.models import AccessLog
from care.models import Episode, SatisfactionResponse
from care.satisfaction import services
from tests.care.satisfaction.factories import (
    COMMENT,
    a_response,
    answers,
    closed_episode,
    questionnaire,
)
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/satisfaction-responses/"
RESULTS = "/api/v1/satisfaction-results/"
QUESTIONNAIRES = "/api/v1/questionnaires/"


def payload(of: Episode, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "episode": of.pk,
        "occasion": "closure",
        "channel": "phone",
        "respondent": "family",
        "respondent_relation": "딸",
        "answered_on": "2023-02-15",
        "answers": answers(5, 4, 4, 5, 5, comment=COMMENT),
    }
    body.update(fields)
    return body


# --- questionnaires -------------------------------------------------------------------------


def test_any_staff_member_reads_the_questionnaire_with_its_scales(
    caregiver_api: APIClient,
) -> None:
    response = caregiver_api.get(QUESTIONNAIRES)

    assert response.status_code == 200
    (found,) = response.json()["results"]
    assert found["code"] == "emergency_care" and found["version"] == 1
    assert found["questions"][0]["scale_min"] == 1 and found["questions"][0]["scale_max"] == 5
    assert found["questions"][0]["max_label"] == "매우 만족"


def test_an_anonymous_caller_cannot_read_the_questionnaire(api: APIClient) -> None:
    assert api.get(QUESTIONNAIRES).status_code in (401, 403)


def test_a_draft_version_is_not_listed_and_not_found(coordinator_api: APIClient) -> None:
    draft = services.questionnaire_revise(questionnaire=questionnaire())

    listed = [row["id"] for row in coordinator_api.get(QUESTIONNAIRES).json()["results"]]

    assert draft.pk not in listed
    assert coordinator_api.get(f"{QUESTIONNAIRES}{draft.pk}/").status_code == 404


def test_the_questionnaire_list_takes_the_same_queries_for_more_versions(
    coordinator_api: APIClient,
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert coordinator_api.get(QUESTIONNAIRES).status_code == 200
        return len(queries)

    before = count()
    for _ in range(3):
        draft = services.questionnaire_revise(questionnaire=questionnaire())
        services.questionnaire_publish(questionnaire=draft)

    assert count() == before


# --- recording ------------------------------------------------------------------------------


def test_coordinator_records_a_phone_survey_with_its_answers(coordinator_api: APIClient) -> None:
    episode = closed_episode()

    response = coordinator_api.post(URL, payload(episode), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["overall_score"] == "90.00"
    assert body["respondent_relation"] == "딸"
    assert [a["score"] for a in body["answers"][:5]] == [5, 4, 4, 5, 5]
    assert body["answers"][5]["text"] == COMMENT
    assert body["asked_by"] == "coordinator1"


def test_the_same_client_uuid_twice_stores_one_response(coordinator_api: APIClient) -> None:
    episode = closed_episode()
    key = str(uuid.uuid4())

    first = coordinator_api.post(URL, payload(episode, client_uuid=key), format="json")
    again = coordinator_api.post(URL, payload(episode, client_uuid=key), format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert SatisfactionResponse.objects.count() == 1


# Each case: (what changes in the payload, made when the test runs; the field named).
BAD_INPUT = {
    "score_above_the_scale": (lambda: {"answers": answers(5, 4, 9, 5, 5)}, "answers[2].score"),
    "score_below_the_scale": (lambda: {"answers": answers(5, 4, 0, 5, 5)}, "answers[2].score"),
    "question_not_a_number": (
        lambda: {"answers": [{"question": "x", "score": 3}]},
        "answers[0].question",
    ),
    "required_unanswered": (lambda: {"answers": answers(5, 4, 4, 5, 5)[:3]}, "answers"),
    "unknown_occasion": (lambda: {"occasion": "never"}, "occasion"),
    "family_without_relation": (lambda: {"respondent_relation": ""}, "non_field_errors"),
    "answered_in_the_future": (lambda: {"answered_on": "2999-01-01"}, "answered_on"),
    "unknown_episode": (lambda: {"episode": 999999}, "episode"),
    "unknown_questionnaire": (lambda: {"questionnaire": 999999}, "questionnaire"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_written(
    coordinator_api: APIClient, case: str
) -> None:
    change, field = BAD_INPUT[case]

    response = coordinator_api.post(URL, payload(closed_episode(), **change()), format="json")

    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not SatisfactionResponse.objects.exists()


def test_an_answer_to_another_versions_question_is_a_400(coordinator_api: APIClient) -> None:
    draft = services.questionnaire_revise(questionnaire=questionnaire())
    rows = answers(5, 4, 4, 5, 5)
    rows[4]["question"] = draft.questions.get(code="recommend").pk

    response = coordinator_api.post(URL, payload(closed_episode(), answers=rows), format="json")

    assert response.status_code == 400
    assert "answers[4].question" in response.json()


def test_a_second_closure_survey_of_one_episode_is_a_400(coordinator_api: APIClient) -> None:
    episode = closed_episode()
    coordinator_api.post(URL, payload(episode), format="json")

    response = coordinator_api.post(URL, payload(episode), format="json")

    assert response.status_code == 400
    assert SatisfactionResponse.objects.count() == 1


def test_an_anonymous_caller_cannot_record(api: APIClient) -> None:
    assert api.post(URL, payload(closed_episode()), format="json").status_code in (401, 403)


@pytest.mark.parametrize("role", ["manager", "counselor"])
def test_managers_and_counselors_neither_record_nor_read_responses(role: str) -> None:
    client = client_for(UserFactory(roles=[role]))
    a_response(closed_episode())

    assert client.post(URL, payload(closed_episode()), format="json").status_code == 403
    assert client.get(URL).status_code == 403


def test_caregiver_records_the_closure_survey_of_their_own_recipient(
    caregiver: Any, caregiver_api: APIClient
) -> None:
    episode = Episode.objects.get(recipient=caregiver.assigned_recipient)

    body = payload(episode, channel="tablet")
    del body["answered_on"]  # today

    response = caregiver_api.post(URL, body, format="json")

    assert response.status_code == 201, response.content
    # a caregiver reads their own response, without the comment
    assert all(not answer["text"] for answer in response.json()["answers"])


def test_caregiver_cannot_record_for_another_caregivers_recipient(
    caregiver_api: APIClient, other_caregiver: Any
) -> None:
    episode = Episode.objects.get(recipient=other_caregiver.assigned_recipient)

    response = caregiver_api.post(URL, payload(episode, channel="tablet"), format="json")

    assert response.status_code == 400
    assert "episode" in response.json()
    assert not SatisfactionResponse.objects.exists()


def test_caregiver_cannot_record_the_after_care_survey(
    caregiver: Any, caregiver_api: APIClient
) -> None:
    episode = Episode.objects.get(recipient=caregiver.assigned_recipient)

    response = caregiver_api.post(URL, payload(episode, occasion="aftercare"), format="json")

    assert response.status_code == 400


# --- reading --------------------------------------------------------------------------------


def test_coordinator_reads_a_response_with_its_comment_and_the_read_is_logged(
    coordinator_api: APIClient,
) -> None:
    found = a_response(closed_episode(), comment=COMMENT)

    response = coordinator_api.get(f"{URL}{found.pk}/")

    assert response.status_code == 200
    assert response.json()["answers"][-1]["text"] == COMMENT
    assert AccessLog.objects.filter(
        action=AccessLog.Action.VIEW, subject_id=found.episode.recipient_id
    ).exists()


def test_caregiver_cannot_read_a_response_they_did_not_record(caregiver_api: APIClient) -> None:
    found = a_response(closed_episode(), comment=COMMENT)

    assert caregiver_api.get(f"{URL}{found.pk}/").status_code == 404
    assert caregiver_api.get(URL).json()["results"] == []


def test_the_list_filters_by_occasion_and_answer_date(coordinator_api: APIClient) -> None:
    early = a_response(closed_episode(), answered_on=dt.date(2023, 1, 5))
    a_response(closed_episode(aftercare=True), occasion="aftercare")

    response = coordinator_api.get(URL, {"occasion": "closure", "answered_before": "2023-01-31"})

    assert [row["id"] for row in response.json()["results"]] == [early.pk]


def test_the_response_list_takes_the_same_queries_for_a_longer_page(
    coordinator_api: APIClient,
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert coordinator_api.get(URL).status_code == 200
        return len(queries)

    for _ in range(2):
        a_response(closed_episode(), comment=COMMENT)
    before = count()
    for _ in range(4):
        a_response(closed_episode(), comment=COMMENT)

    assert count() == before


# --- results --------------------------------------------------------------------------------


def test_manager_reads_the_results_without_comments(manager_api: APIClient) -> None:
    a_response(closed_episode(region="jeonju"), 5, 5, 5, 5, 5, comment=COMMENT)
    a_response(closed_episode(region="imsil"), 3, 3, 3, 3, 3)

    response = manager_api.get(RESULTS, {"year": 2023, "month": 2, "by": "region"})

    assert response.status_code == 200
    body = response.json()
    assert body["total"]["responses"] == 2 and body["total"]["overall"] == "75.0"
    assert {g["key"]: g["overall"] for g in body["groups"]} == {"jeonju": "100.0", "imsil": "50.0"}
    assert COMMENT not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "field"),
    [({"by": "recipient"}, "by"), ({"month": 13}, "month"), ({"year": "x"}, "year")],
)
def test_results_refuse_a_bad_query_with_a_400(
    manager_api: APIClient, query: dict[str, Any], field: str
) -> None:
    response = manager_api.get(RESULTS, query)

    assert response.status_code == 400
    assert field in response.json()


def test_caregivers_and_anonymous_callers_cannot_read_the_results(
    caregiver_api: APIClient, api: APIClient
) -> None:
    assert caregiver_api.get(RESULTS).status_code == 403
    assert api.get(RESULTS).status_code in (401, 403)


def test_the_results_take_the_same_queries_for_more_responses_and_groups(
    coordinator_api: APIClient,
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = coordinator_api.get(RESULTS, {"year": 2023, "by": "corps_member"})
            assert response.status_code == 200
        return len(queries)

    a_response(closed_episode())
    before = count()
    for region in ("imsil", "gunsan", "namwon"):
        a_response(closed_episode(region=region), 4, 4, 4, 4, 4)

    assert count() == before
