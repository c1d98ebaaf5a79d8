"""Assignments and visits belong to an episode; the hours limit raises an exception, not a 400."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from care.models import Assignment, Episode, Visit, VisitException
from notifications.models import Message
from tests.care.visit_factories import hours_ago, visit_payload
from tests.factories import (
    CorpsMemberFactory,
    EpisodeFactory,
    RecipientFactory,
    program,
)

pytestmark = pytest.mark.django_db

ASSIGNMENTS = "/api/v1/assignments/"
VISITS = "/api/v1/visits/"
SYNC = "/api/v1/visits/sync/"

State = Episode.State


def assignment_payload(recipient: Any, member: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "recipient": recipient.pk,
        "corps_member": member.pk,
        "program": "emergency_care",
        "starts_on": "2023-03-01",
        **overrides,
    }


# --- assignments --------------------------------------------------------------------------


def test_assignment_without_an_episode_is_refused_on_episode(coordinator_api: APIClient) -> None:
    recipient = RecipientFactory()

    response = coordinator_api.post(
        ASSIGNMENTS, assignment_payload(recipient, CorpsMemberFactory()), format="json"
    )

    assert response.status_code == 400
    assert "episode" in response.json()
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("state", [State.REFERRED, State.ASSESSED])
def test_assignment_on_an_episode_not_yet_approved_is_refused(
    coordinator_api: APIClient, state: str
) -> None:
    episode = EpisodeFactory(state=state)

    response = coordinator_api.post(
        ASSIGNMENTS, assignment_payload(episode.recipient, CorpsMemberFactory()), format="json"
    )

    assert response.status_code == 400
    assert "episode" in response.json()


def test_assignment_on_an_approved_episode_is_accepted_and_belongs_to_it(
    coordinator_api: APIClient,
) -> None:
    episode = EpisodeFactory(state=State.APPROVED, starts_on=dt.date(2023, 3, 1))

    response = coordinator_api.post(
        ASSIGNMENTS, assignment_payload(episode.recipient, CorpsMemberFactory()), format="json"
    )

    assert response.status_code == 201, response.content
    assert Assignment.objects.get().episode == episode
    assert response.json()["episode"] == episode.pk


def test_assignment_starting_before_its_episode_is_refused(coordinator_api: APIClient) -> None:
    episode = EpisodeFactory(state=State.ACTIVE, starts_on=dt.date(2023, 3, 10))

    response = coordinator_api.post(
        ASSIGNMENTS, assignment_payload(episode.recipient, CorpsMemberFactory()), format="json"
    )

    assert response.status_code == 400
    assert "starts_on" in response.json()


def test_assignment_naming_another_persons_episode_is_refused(
    coordinator_api: APIClient,
) -> None:
    mine = EpisodeFactory(state=State.ACTIVE)
    theirs = EpisodeFactory(state=State.ACTIVE)

    response = coordinator_api.post(
        ASSIGNMENTS,
        assignment_payload(mine.recipient, CorpsMemberFactory(), episode=theirs.pk),
        format="json",
    )

    assert response.status_code == 400
    assert "episode" in response.json()


def test_corps_member_new_to_an_episode_is_told_once(coordinator_api: APIClient) -> None:
    # given an active episode of a person in 봉동읍 and a corps member with a phone
    episode = EpisodeFactory(state=State.ACTIVE)
    member = CorpsMemberFactory(phone="010-1234-5678")

    # when the member is assigned, and later assigned again within the same episode
    first = assignment_payload(episode.recipient, member, ends_on="2023-03-10")
    again = assignment_payload(episode.recipient, member, starts_on="2023-04-01")
    assert coordinator_api.post(ASSIGNMENTS, first, format="json").status_code == 201
    assert coordinator_api.post(ASSIGNMENTS, again, format="json").status_code == 201

    # then one message was stored, with the place and the date but not the person's name
    message = Message.objects.get()
    assert message.kind == "episode_assigned"
    assert message.dedupe_key == f"episode_assigned:{episode.pk}:{member.pk}"
    assert message.to_phone == "010-1234-5678"
    assert "봉동읍" in message.body and "03/01" in message.body
    assert episode.recipient.name not in message.body
    assert episode.recipient.address not in message.body


# --- visits -------------------------------------------------------------------------------


def test_a_caregivers_visit_belongs_to_the_assignments_episode(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    response = caregiver_api.post(
        VISITS, visit_payload(caregiver.assigned_recipient), format="json"
    )

    assert response.status_code == 201, response.content
    visit = Visit.objects.get()
    assert (
        visit.episode == Assignment.objects.get(corps_member=caregiver.corps_member_record).episode
    )


def test_a_coordinators_visit_outside_assignments_takes_the_episode_of_that_day(
    coordinator_api: APIClient,
) -> None:
    # given a person with a closed episode last year and an open one now
    recipient = RecipientFactory()
    old = EpisodeFactory(
        recipient=recipient,
        state=State.CLOSED,
        starts_on=dt.date(2022, 3, 1),
        planned_end_on=dt.date(2022, 3, 30),
        closed_on=dt.date(2022, 3, 30),
    )
    current = EpisodeFactory(recipient=recipient, state=State.ACTIVE)
    member = CorpsMemberFactory()
    last_year = timezone.make_aware(dt.datetime(2022, 3, 10, 10, 0))

    # when the coordinator records a visit of last year and one of today for a member
    back_then = coordinator_api.post(
        VISITS,
        visit_payload(recipient, started=last_year, corps_member=member.pk),
        format="json",
    )
    today = coordinator_api.post(
        VISITS, visit_payload(recipient, corps_member=member.pk), format="json"
    )

    # then each belongs to the episode of its day
    assert Visit.objects.get(pk=back_then.json()["id"]).episode == old
    assert Visit.objects.get(pk=today.json()["id"]).episode == current


def test_a_coordinators_visit_for_a_person_without_any_episode_names_the_recipient(
    coordinator_api: APIClient,
) -> None:
    response = coordinator_api.post(
        VISITS,
        visit_payload(RecipientFactory(), corps_member=CorpsMemberFactory().pk),
        format="json",
    )

    assert response.status_code == 400
    assert "recipient" in response.json()
    assert not Visit.objects.exists()


def test_visit_past_the_hours_limit_is_stored_with_an_exception(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    # given the caregiver's episode allows 3 hours
    episode = Assignment.objects.get(corps_member=caregiver.corps_member_record).episode
    Episode.objects.filter(pk=episode.pk).update(max_hours=Decimal("3"))
    recipient = caregiver.assigned_recipient

    # when four one-hour visits are synced
    batch = [
        visit_payload(recipient, started=hours_ago(30 - 5 * index), length=dt.timedelta(hours=1))
        for index in range(4)
    ]
    response = caregiver_api.post(SYNC, {"visits": batch}, format="json")

    # then all four are stored, and only the fourth carries HOURS_LIMIT
    assert response.json()["summary"]["created"] == 4
    flagged = VisitException.objects.filter(kind=VisitException.Kind.HOURS_LIMIT)
    assert [e.visit.client_uuid for e in flagged] == [
        Visit.objects.order_by("started_at").last().client_uuid
    ]


def test_visit_within_the_hours_limit_has_no_hours_exception(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    episode = Assignment.objects.get(corps_member=caregiver.corps_member_record).episode
    Episode.objects.filter(pk=episode.pk).update(max_hours=Decimal("3"))

    response = caregiver_api.post(
        VISITS, visit_payload(caregiver.assigned_recipient), format="json"
    )

    assert response.status_code == 201
    assert not VisitException.objects.filter(kind=VisitException.Kind.HOURS_LIMIT).exists()


def test_void_visits_do_not_count_towards_the_hours_limit(
    caregiver_api: APIClient, caregiver: Any
) -> None:
    from tests.care.visit_factories import caregiver_visit

    episode = Assignment.objects.get(corps_member=caregiver.corps_member_record).episode
    Episode.objects.filter(pk=episode.pk).update(max_hours=Decimal("2"))
    caregiver_visit(
        caregiver,
        episode=episode,
        started_at=hours_ago(50),
        ended_at=hours_ago(47),
        status=Visit.Status.VOID,
        void_reason="중복",
        program=program(),
    )

    response = caregiver_api.post(
        VISITS, visit_payload(caregiver.assigned_recipient), format="json"
    )

    assert response.status_code == 201
    assert not VisitException.objects.filter(kind=VisitException.Kind.HOURS_LIMIT).exists()
