"""The desk's survey form (at closure, from the after-care queue), the results page, and the
caregiver's closure survey on the tablet."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from base.models import AccessLog
from care.models import Episode, SatisfactionResponse
from tests.care.satisfaction.factories import COMMENT, a_response, closed_episode
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RESULTS = "/coordinator/satisfaction/"


def survey_url(episode: Episode, occasion: str = "closure") -> str:
    return f"{RESULTS}episodes/{episode.pk}/{occasion}/"


@pytest.fixture
def desk(coordinator: Any) -> Client:
    client = Client()
    client.force_login(coordinator)
    return client


def form_data(*scores: int, **fields: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "channel": "phone",
        "respondent": "person",
        "respondent_relation": "",
        "answered_on": timezone.localdate().isoformat(),
        **{f"q{i}": str(score) for i, score in enumerate(scores, start=1)},
        "q6": COMMENT,
    }
    data.update(fields)
    return data


def test_coordinator_records_a_phone_survey_from_the_closed_episodes_page(desk: Client) -> None:
    # given an episode closed today, its page offering the survey
    episode = closed_episode(closed_on=timezone.localdate())
    page = desk.get(f"/coordinator/episodes/{episode.pk}/").content.decode()
    assert survey_url(episode) in page

    # when the coordinator opens the form and records the answers given on the phone
    form = desk.get(survey_url(episode))
    assert form.status_code == 200 and "매우 만족" in form.content.decode()
    response = desk.post(survey_url(episode), form_data(5, 4, 5, 4, 5))

    # then the response is stored and the episode's page shows it
    assert response.status_code == 302
    stored = SatisfactionResponse.objects.get(episode=episode)
    assert stored.channel == "phone" and stored.overall_score == 90
    assert "종합 90.00점" in desk.get(f"/coordinator/episodes/{episode.pk}/").content.decode()


def test_an_unanswered_question_shows_the_form_again_with_its_error(desk: Client) -> None:
    episode = closed_episode(closed_on=timezone.localdate())
    data = form_data(5, 4, 5, 4, 5)
    del data["q3"]

    response = desk.post(survey_url(episode), data)

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["q3"]
    assert "error-summary" in response.content.decode()
    assert not SatisfactionResponse.objects.exists()


def test_the_after_care_queue_leads_to_the_after_care_survey(desk: Client) -> None:
    # given an after-care call due today (14 days after closure) without its survey
    episode = closed_episode(closed_on=timezone.localdate() - dt.timedelta(days=14), aftercare=True)

    page = desk.get(RESULTS).content.decode()
    assert survey_url(episode, "aftercare") in page

    response = desk.post(survey_url(episode, "aftercare"), form_data(4, 4, 4, 4, 4))

    assert response.status_code == 302
    stored = SatisfactionResponse.objects.get(episode=episode)
    assert stored.occasion == "aftercare" and stored.aftercare is not None
    assert survey_url(episode, "aftercare") not in desk.get(RESULTS).content.decode()


def test_the_results_page_shows_the_means_and_the_comments(desk: Client) -> None:
    a_response(closed_episode(), 5, 5, 5, 5, 5, comment=COMMENT)

    response = desk.get(RESULTS, {"year": 2023, "month": 2, "by": "program"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "긴급돌봄" in page and "100.0" in page
    assert COMMENT in page
    assert AccessLog.objects.filter(action=AccessLog.Action.VIEW).exists()


@pytest.mark.parametrize("role", ["manager", "caregiver", "counselor"])
def test_only_coordinators_open_the_desk_survey_pages(role: str) -> None:
    client = Client()
    client.force_login(UserFactory(roles=[role]))
    episode = closed_episode()

    assert client.get(RESULTS).status_code == 403
    assert client.get(survey_url(episode)).status_code == 403


# --- tablet -----------------------------------------------------------------------------------


@pytest.fixture
def tablet(caregiver: Any) -> Client:
    client = Client()
    client.force_login(caregiver)
    return client


def test_caregiver_records_the_closure_survey_on_the_tablet(tablet: Client, caregiver: Any) -> None:
    episode = Episode.objects.get(recipient=caregiver.assigned_recipient)
    listed = tablet.get("/tablet/satisfaction/").content.decode()
    assert caregiver.assigned_recipient.name in listed

    response = tablet.post(
        f"/tablet/satisfaction/{episode.pk}/", form_data(5, 5, 4, 5, 5, channel="tablet")
    )

    assert response.status_code == 302
    stored = SatisfactionResponse.objects.get(episode=episode)
    assert stored.channel == "tablet" and stored.asked_by == caregiver
    assert (
        caregiver.assigned_recipient.name
        not in tablet.get("/tablet/satisfaction/").content.decode()
    )


def test_caregiver_cannot_open_another_caregivers_recipients_survey(
    tablet: Client, other_caregiver: Any
) -> None:
    episode = Episode.objects.get(recipient=other_caregiver.assigned_recipient)

    assert tablet.get(f"/tablet/satisfaction/{episode.pk}/").status_code == 404
    assert (
        tablet.post(f"/tablet/satisfaction/{episode.pk}/", form_data(5, 5, 5, 5, 5)).status_code
        == 404
    )
    assert not SatisfactionResponse.objects.exists()
