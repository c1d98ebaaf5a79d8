"""/api/v1/episodes/, /api/v1/episode-extensions/, /api/v1/program-rules/."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from base.models import AccessLog, Program
from care.models import AfterCareCheck, EligibilityAnswer, Episode, ExtensionRequest, Recipient
from tests.care.episodes.conftest import episode_in, rules_of
from tests.conftest import client_for
from tests.factories import AssignmentFactory, EpisodeFactory, RecipientFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/episodes/"
State = Episode.State


def detail(pk: int, action: str = "") -> str:
    return f"{URL}{pk}/{action + '/' if action else ''}"


def answers_payload(**overrides: str) -> list[dict[str, Any]]:
    answers = {"no_carer": "yes", "no_ltc": "no", "income": "t_mid", **overrides}
    return [
        {
            "criterion": code,
            "answer": answer,
            "source": "system_check",
            "checked_on": timezone.localdate().isoformat(),
            "note": "행복e음 조회" if code == "no_ltc" else "",
        }
        for code, answer in answers.items()
    ]


# --- the happy path, from referral to after-care ------------------------------------------


def test_coordinator_takes_an_episode_from_referral_to_aftercare(
    coordinator_api: APIClient, care_program: Program
) -> None:
    recipient = RecipientFactory(status=Recipient.Status.CLOSED)

    referred = coordinator_api.post(
        URL,
        {
            "recipient": recipient.pk,
            "program": "test_care",
            "referral_source": "hospital",
            "emergency_reason": "after_discharge",
            "referrer_name": "전북대병원",
        },
        format="json",
    )
    assert referred.status_code == 201, referred.content
    pk = referred.json()["id"]

    assessed = coordinator_api.post(
        detail(pk, "assess"),
        {
            "needs": ["housework", "meal"],
            "risk_level": "high",
            "living_situation": "alone",
            "carer_situation": "딸이 입원",
            "income_bracket": "t_mid",
            "answers": answers_payload(),
        },
        format="json",
    )
    assert assessed.status_code == 200, assessed.content
    assert len(assessed.json()["eligibility"]) == 3

    approved = coordinator_api.post(detail(pk, "decide"), {"approve": True}, format="json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["copay_percent"] == 20
    assert approved.json()["max_days"] == 30

    started = coordinator_api.post(detail(pk, "start"), {}, format="json")
    assert started.json()["state"] == "active"

    extension = coordinator_api.post(
        detail(pk, "extensions"), {"reason": "회복 지연"}, format="json"
    )
    assert extension.status_code == 201, extension.content
    approved_extension = coordinator_api.post(
        f"/api/v1/episode-extensions/{extension.json()['id']}/approve/", {}, format="json"
    )
    assert approved_extension.json()["state"] == "approved"

    closed = coordinator_api.post(detail(pk, "close"), {"reason": "recovered"}, format="json")
    assert closed.status_code == 200, closed.content
    body = closed.json()
    assert body["state"] == "closed"
    assert body["max_days"] == 45
    assert [t["to_state"] for t in body["transitions"]] == [
        "referred", "assessed", "approved", "active", "closed",
    ]  # fmt: skip
    assert body["aftercare"]["due_on"]

    after = coordinator_api.post(
        detail(pk, "aftercare"), {"outcome": "stable", "note": "잘 지내심"}, format="json"
    )
    assert after.status_code == 200, after.content
    assert after.json()["outcome"] == "stable"


def test_retrieve_shows_usage_and_writes_the_access_log(
    coordinator_api: APIClient, care_program: Program
) -> None:
    episode = episode_in(State.ACTIVE, care_program)

    response = coordinator_api.get(detail(episode.pk))

    assert response.status_code == 200
    usage = response.json()["usage"]
    assert usage["days_used"] == 3 and usage["days_max"] == 30
    assert usage["minutes_max"] == 72 * 60
    assert AccessLog.objects.filter(
        action=AccessLog.Action.VIEW, subject_id=episode.recipient_id
    ).exists()


def test_list_filters_by_state_program_and_region(
    coordinator_api: APIClient, care_program: Program
) -> None:
    active = episode_in(State.ACTIVE, care_program)
    episode_in(State.REFERRED, care_program)

    response = coordinator_api.get(
        URL, {"state": "active", "program": "test_care", "region": "wanju"}
    )

    assert [row["id"] for row in response.json()["results"]] == [active.pk]


def test_near_limit_filter_finds_episodes_at_80_percent_of_their_days(
    coordinator_api: APIClient, care_program: Program
) -> None:
    today = timezone.localdate()
    near = episode_in(State.ACTIVE, care_program, starts_on=today - timezone.timedelta(days=24))
    episode_in(State.ACTIVE, care_program)

    response = coordinator_api.get(URL, {"near_limit": "true"})

    assert [row["id"] for row in response.json()["results"]] == [near.pk]
    assert response.json()["results"][0]["usage"]["warn_days"] is True


# --- bad input: a 400 naming the field, nothing half-written ------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {"program": "test_care", "referral_source": "self", "emergency_reason": "other"},
            "recipient",
        ),
        ({"program": "nope", "referral_source": "self", "emergency_reason": "other"}, "program"),
        (
            {"program": "test_care", "referral_source": "pigeon", "emergency_reason": "other"},
            "referral_source",
        ),
        (
            {
                "program": "test_care",
                "referral_source": "self",
                "emergency_reason": "other",
                "referred_on": "2999-01-01",
            },
            "referred_on",
        ),
    ],  # fmt: skip
)
def test_bad_referral_is_a_400_naming_the_field(
    coordinator_api: APIClient, care_program: Program, payload: dict[str, Any], field: str
) -> None:
    recipient = RecipientFactory()
    if field != "recipient":
        payload = {**payload, "recipient": recipient.pk}

    response = coordinator_api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Episode.objects.exists()


def test_second_open_episode_is_a_400_on_recipient(
    coordinator_api: APIClient, care_program: Program
) -> None:
    open_one = episode_in(State.ACTIVE, care_program)

    response = coordinator_api.post(
        URL,
        {
            "recipient": open_one.recipient_id,
            "program": "test_care",
            "referral_source": "self",
            "emergency_reason": "other",
        },
        format="json",
    )

    assert response.status_code == 400
    assert "recipient" in response.json()


def test_assessment_with_a_bad_answer_is_a_400_and_writes_nothing(
    coordinator_api: APIClient, care_program: Program
) -> None:
    episode = episode_in(State.REFERRED, care_program)

    response = coordinator_api.post(
        detail(episode.pk, "assess"),
        {
            "risk_level": "high",
            "living_situation": "alone",
            "carer_situation": "없음",
            "answers": answers_payload(no_carer="perhaps"),
        },
        format="json",
    )

    assert response.status_code == 400
    assert "answers" in response.json()
    assert not EligibilityAnswer.objects.filter(episode=episode).exists()


@pytest.mark.parametrize(
    ("action", "payload", "field"),
    [
        ("close", {}, "reason"),
        ("close", {"reason": "linked"}, "linked_resource"),
        ("close", {"reason": "recovered", "closed_on": "2999-01-01"}, "closed_on"),
        ("withdraw", {"reason": "x"}, "state"),
        ("extensions", {"reason": ""}, "reason"),
        ("decide", {"approve": False}, "reason"),
        ("start", {}, "state"),
    ],
)
def test_bad_action_on_an_active_episode_is_a_400_naming_the_field(
    coordinator_api: APIClient, care_program: Program, action: str, payload: dict, field: str
) -> None:
    episode = episode_in(State.ACTIVE, care_program)

    response = coordinator_api.post(detail(episode.pk, action), payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    episode.refresh_from_db()
    assert episode.state == State.ACTIVE
    assert not AfterCareCheck.objects.exists()
    assert not ExtensionRequest.objects.exists()


# --- who may -----------------------------------------------------------------------------


def test_anonymous_is_refused(api: APIClient, care_program: Program) -> None:
    episode = episode_in(State.ACTIVE, care_program)

    assert api.get(URL).status_code in {401, 403}
    assert api.get(detail(episode.pk)).status_code in {401, 403}
    assert api.post(detail(episode.pk, "close"), {"reason": "recovered"}).status_code in {
        401,
        403,
    }


def test_manager_gets_403(manager_api: APIClient, care_program: Program) -> None:
    episode = episode_in(State.ACTIVE, care_program)

    assert manager_api.get(URL).status_code == 403
    assert manager_api.get(detail(episode.pk)).status_code == 403


def test_counselor_may_refer_and_read_but_not_decide(
    counselor_api: APIClient, care_program: Program
) -> None:
    recipient = RecipientFactory()
    referred = counselor_api.post(
        URL,
        {
            "recipient": recipient.pk,
            "program": "test_care",
            "referral_source": "family",
            "emergency_reason": "carer_absent",
        },
        format="json",
    )
    assert referred.status_code == 201, referred.content

    assert counselor_api.get(detail(referred.json()["id"])).status_code == 200
    refused = counselor_api.post(detail(referred.json()["id"], "decide"), {"approve": False})
    assert refused.status_code == 403


def test_caregiver_reads_their_recipients_open_episode_without_fee_or_eligibility(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    episode = Episode.objects.get(recipient=caregiver.assigned_recipient)

    response = caregiver_api.get(detail(episode.pk))

    assert response.status_code == 200
    body = response.json()
    assert "eligibility" not in body and "copay_percent" not in body and "fee_class" not in body
    assert body["usage"]["days_max"]


def test_caregiver_cannot_see_another_caregivers_episode(
    caregiver_api: APIClient, other_caregiver: Any
) -> None:
    theirs = Episode.objects.get(recipient=other_caregiver.assigned_recipient)

    assert caregiver_api.get(detail(theirs.pk)).status_code == 404
    assert theirs.pk not in [row["id"] for row in caregiver_api.get(URL).json()["results"]]


def test_caregiver_cannot_write(caregiver_api: APIClient, caregiver: Any) -> None:
    episode = Episode.objects.get(recipient=caregiver.assigned_recipient)

    response = caregiver_api.post(detail(episode.pk, "close"), {"reason": "recovered"})

    assert response.status_code == 403


def test_extension_of_a_program_approved_by_managers_is_403_for_a_coordinator(
    coordinator_api: APIClient, manager_api: APIClient, care_program: Program
) -> None:
    rules = rules_of(care_program)
    rules.extension_approver = "manager"
    rules.save()
    episode = episode_in(State.ACTIVE, care_program)
    extension = ExtensionRequest.objects.create(
        episode=episode,
        reason="회복 지연",
        extra_days=10,
        extra_hours=10,
        requested_by=UserFactory(roles=["coordinator"]),
    )
    url = f"/api/v1/episode-extensions/{extension.pk}/approve/"

    assert coordinator_api.post(url, {}, format="json").status_code == 403
    response = manager_api.post(url, {}, format="json")
    assert response.status_code == 200, response.content.decode()


def test_program_rules_are_readable_by_every_role(
    caregiver_api: APIClient, manager_api: APIClient, care_program: Program, api: APIClient
) -> None:
    for client in (caregiver_api, manager_api):
        response = client.get("/api/v1/program-rules/")
        assert response.status_code == 200
        assert "test_care" in [row["program"] for row in response.json()]
    assert api.get("/api/v1/program-rules/").status_code in {401, 403}


# --- the list's query count ---------------------------------------------------------------


def test_list_query_count_does_not_grow_with_page_size(
    coordinator_api: APIClient, care_program: Program
) -> None:
    for _ in range(30):
        episode = episode_in(State.ACTIVE, care_program)
        AssignmentFactory(recipient=episode.recipient, episode=episode, program=care_program)
    coordinator_api.get(URL)  # fills the permission cache

    def queries(size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = coordinator_api.get(URL, {"page_size": size})
        assert len(response.json()["results"]) == size
        return len(captured)

    assert queries(3) == queries(30)


def test_caregiver_list_query_count_does_not_grow_with_page_size(care_program: Program) -> None:
    user = UserFactory(roles=["caregiver"])
    from tests.factories import CorpsMemberFactory

    member = CorpsMemberFactory(user=user)
    for _ in range(30):
        episode = EpisodeFactory(program=care_program)
        AssignmentFactory(recipient=episode.recipient, corps_member=member, episode=episode)
    client = client_for(user)
    client.get(URL)

    def queries(size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, {"page_size": size})
        assert len(response.json()["results"]) == size
        return len(captured)

    assert queries(3) == queries(30)
