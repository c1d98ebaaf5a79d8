"""The episode desk pages (/coordinator/episodes/): they render, and their forms work."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from base.models import AccessLog, Program
from care.models import AfterCareCheck, Episode, ExtensionRequest, Recipient
from tests.care.episodes.conftest import episode_in
from tests.factories import RecipientFactory, UserFactory

pytestmark = pytest.mark.django_db

DESK = "/coordinator/episodes/"
State = Episode.State


@pytest.fixture
def desk(coordinator: Any) -> Client:
    client = Client()
    client.force_login(coordinator)
    return client


def today() -> dt.date:
    return timezone.localdate()


@pytest.mark.parametrize("state", list(State))
def test_the_episode_page_renders_in_every_state(
    desk: Client, care_program: Program, state: str
) -> None:
    episode = episode_in(state, care_program)
    if state == State.CLOSED:
        AfterCareCheck.objects.create(episode=episode, due_on=today())

    response = desk.get(f"{DESK}{episode.pk}/")

    assert response.status_code == 200
    assert episode.recipient.name in response.content.decode()
    assert AccessLog.objects.filter(
        action=AccessLog.Action.VIEW, subject_id=episode.recipient_id
    ).exists()


def test_the_caseload_shows_usage_bars_and_the_warning(desk: Client, care_program: Program) -> None:
    near = episode_in(State.ACTIVE, care_program, starts_on=today() - dt.timedelta(days=25))

    response = desk.get(DESK, {"state": "active", "program": "test_care"})

    assert response.status_code == 200
    page = response.content.decode()
    assert near.recipient.name in page
    assert "<meter" in page and "일수 경고" in page


def test_the_caseload_filters_by_recipient(desk: Client, care_program: Program) -> None:
    mine = episode_in(State.ACTIVE, care_program)
    other = episode_in(State.ACTIVE, care_program)

    response = desk.get(DESK, {"recipient": mine.recipient_id})

    assert [episode.pk for episode, _usage in response.context["rows"]] == [mine.pk]
    assert other.recipient.name not in response.content.decode()


def test_a_new_referral_from_the_recipient_page(desk: Client, care_program: Program) -> None:
    recipient = RecipientFactory(status=Recipient.Status.CLOSED)
    assert (
        "새 돌봄 회차 의뢰" in desk.get(f"/coordinator/recipients/{recipient.pk}/").content.decode()
    )

    response = desk.post(
        f"{DESK}refer/{recipient.pk}/",
        {
            "program": care_program.pk,
            "referred_on": today().isoformat(),
            "referral_source": "family",
            "emergency_reason": "carer_absent",
            "referrer_name": "딸",
        },
    )

    episode = Episode.objects.get(recipient=recipient)
    assert response.status_code == 302
    assert response["Location"] == f"{DESK}{episode.pk}/"
    assert episode.state == State.REFERRED


def test_a_second_referral_shows_the_error_and_stores_nothing(
    desk: Client, care_program: Program
) -> None:
    open_one = episode_in(State.ACTIVE, care_program)

    response = desk.post(
        f"{DESK}refer/{open_one.recipient_id}/",
        {
            "program": care_program.pk,
            "referred_on": today().isoformat(),
            "referral_source": "family",
            "emergency_reason": "carer_absent",
        },
    )

    assert response.status_code == 200
    assert "이미 진행 중인 회차" in response.content.decode()
    assert Episode.objects.filter(recipient=open_one.recipient).count() == 1


def test_the_assessment_form_records_every_criterion(desk: Client, care_program: Program) -> None:
    episode = episode_in(State.REFERRED, care_program)
    day = today().isoformat()
    data = {
        "risk_level": "high",
        "living_situation": "alone",
        "carer_situation": "딸이 입원",
        "income_bracket": "",
    }
    for code, answer, note in (("no_carer", "yes", ""), ("no_ltc", "no", "행복e음 조회"),
                               ("income", "t_low", "")):  # fmt: skip
        data.update(
            {
                f"c_{code}_answer": answer,
                f"c_{code}_source": "system_check",
                f"c_{code}_checked_on": day,
                f"c_{code}_note": note,
            }
        )

    response = desk.post(f"{DESK}{episode.pk}/assess/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    episode.refresh_from_db()
    assert episode.state == State.ASSESSED
    assert episode.eligibility.count() == 3


def test_an_other_service_check_without_its_note_is_shown_on_the_form(
    desk: Client, care_program: Program
) -> None:
    episode = episode_in(State.REFERRED, care_program)

    response = desk.post(
        f"{DESK}{episode.pk}/assess/",
        {"risk_level": "high", "living_situation": "alone", "carer_situation": "없음",
         "c_no_ltc_answer": "no", "c_no_ltc_source": "system_check",
         "c_no_ltc_checked_on": today().isoformat(), "c_no_ltc_note": ""},
    )  # fmt: skip

    assert response.status_code == 400
    assert response.context["open_step"] == "assess"
    episode.refresh_from_db()
    assert episode.state == State.REFERRED


def test_decision_start_extension_closure_and_aftercare_through_the_forms(
    desk: Client, care_program: Program
) -> None:
    from consultations.models import Organization

    episode = episode_in(State.ASSESSED, care_program)
    url = f"{DESK}{episode.pk}/"
    assert "결정 기록" in desk.get(url).content.decode()

    assert desk.post(f"{url}decide/", {"approve": "1", "starts_on": today()}).status_code == 302
    assert desk.post(f"{url}start/", {}).status_code == 302
    assert desk.post(f"{url}extend/", {"reason": "회복 지연"}).status_code == 302
    extension = ExtensionRequest.objects.get(episode=episode)
    page = desk.get(url).content.decode()
    assert "승인" in page and "1회까지" in page and 'id="close"' in page
    desk.post(f"{DESK}extensions/{extension.pk}/approve/", {"note": "승인"})
    organization = Organization.objects.create(name="국민건강보험공단 전주지사")
    closed = desk.post(f"{url}close/", {"reason": "linked", "linked_organization": organization.pk})
    assert closed.status_code == 302
    check = AfterCareCheck.objects.get(episode=episode)
    assert (
        desk.post(f"{DESK}aftercare/{check.pk}/", {"outcome": "service_continues"}).status_code
        == 302
    )

    episode.refresh_from_db()
    check.refresh_from_db()
    assert episode.state == State.CLOSED
    assert episode.extensions_granted == 1
    assert episode.linked_organization == organization
    assert check.outcome == "service_continues"


def test_a_closure_without_reason_keeps_the_episode_open(
    desk: Client, care_program: Program
) -> None:
    episode = episode_in(State.ACTIVE, care_program)

    response = desk.post(f"{DESK}{episode.pk}/close/", {"reason": ""})

    assert response.status_code == 400
    episode.refresh_from_db()
    assert episode.state == State.ACTIVE


def test_the_desk_home_lists_episode_sections(desk: Client, care_program: Program) -> None:
    near = episode_in(State.ACTIVE, care_program, starts_on=today() - dt.timedelta(days=26))
    ExtensionRequest.objects.create(episode=near, reason="회복 지연", extra_days=15, extra_hours=36)
    due = episode_in(State.CLOSED, care_program)
    AfterCareCheck.objects.create(episode=due, due_on=today())

    response = desk.get("/coordinator/")

    page = response.content.decode()
    assert response.status_code == 200
    for heading in ("최대 일수·시간에 가까운 회차", "처리 대기 중인 연장 요청",
                    "종결 예정일이 지난 회차", "사후관리 예정"):  # fmt: skip
        assert heading in page
    assert near.recipient.name in page and due.recipient.name in page


def test_caregivers_and_managers_cannot_open_the_episode_desk(care_program: Program) -> None:
    episode = episode_in(State.ACTIVE, care_program)
    for role in ("caregiver", "manager"):
        client = Client()
        client.force_login(UserFactory(roles=[role]))
        assert client.get(DESK).status_code == 403
        assert client.get(f"{DESK}{episode.pk}/").status_code == 403


def test_anonymous_is_sent_to_log_in() -> None:
    response = Client().get(DESK)

    assert response.status_code == 302
    assert "/login/" in response["Location"]
