"""The conference desk pages and the due action items on the owners' desks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from base.models import AccessLog
from care.conferences.models import ActionItem, CaseConference
from tests.care.conferences.factories import ActionItemFactory, conference_with
from tests.consultations.factories import PartnerOrganizationFactory
from tests.factories import EpisodeFactory, UserFactory

pytestmark = pytest.mark.django_db

DESK = "/coordinator/conferences/"


def today() -> dt.date:
    return timezone.localdate()


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def desk(coordinator: Any) -> Client:
    return logged_in(coordinator)


def management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_a_coordinator_records_a_conference_with_the_plain_form(
    desk: Client, coordinator: Any
) -> None:
    counselor = UserFactory(username="counselor7", roles=["counselor"])
    organization = PartnerOrganizationFactory(name="완주군사회복지협의회")
    episode = EpisodeFactory()
    form = {
        "held_on": today().isoformat(),
        "title": "완주권 사례회의",
        "place": "완주군청",
        "chair": str(coordinator.pk),
        "decisions": "연계 추진",
        **management("attendees", 2),
        "attendees-0-user": str(counselor.pk),
        "attendees-1-name": "김민정",
        "attendees-1-role": "희망복지지원단",
        "attendees-1-organization": str(organization.pk),
        **management("episodes", 2),
        "episodes-0-episode": str(episode.pk),
        "episodes-0-notes": "퇴원 후",
        **management("actions", 2),
        "actions-0-text": "의뢰서 보내기",
        "actions-0-owner": str(counselor.pk),
        "actions-0-due_on": (today() + dt.timedelta(days=2)).isoformat(),
    }

    response = desk.post(f"{DESK}new/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    conference = CaseConference.objects.get()
    assert conference.attendees.count() == 2
    assert conference.discussions.get().episode == episode
    assert conference.action_items.get().owner == counselor
    page = desk.get(response["Location"]).content.decode()
    assert "완주군사회복지협의회" in page and episode.recipient.name in page


def test_the_form_shows_a_service_refusal_and_saves_nothing(desk: Client, coordinator: Any) -> None:
    form = {
        "held_on": today().isoformat(),
        "title": "사례회의",
        "chair": str(coordinator.pk),
        **management("attendees", 0),
        **management("episodes", 0),
        **management("actions", 1),
        "actions-0-text": "기한이 회의 전",
        "actions-0-owner": str(coordinator.pk),
        "actions-0-due_on": (today() - dt.timedelta(days=5)).isoformat(),
    }

    response = desk.post(f"{DESK}new/", form)

    assert response.status_code == 200
    assert "기한은 회의일보다 빠를 수 없습니다" in response.content.decode()
    assert not CaseConference.objects.exists()


def test_editing_removes_a_ticked_row_and_keeps_the_others(desk: Client, coordinator: Any) -> None:
    conference = conference_with(chair=coordinator)
    keep = ActionItemFactory(conference=conference, owner=coordinator)
    drop = ActionItemFactory(conference=conference, owner=coordinator)
    page = desk.get(f"{DESK}{conference.pk}/edit/")
    assert page.status_code == 200
    form = {
        "held_on": conference.held_on.isoformat(),
        "title": conference.title,
        "chair": str(coordinator.pk),
        **management("attendees", 1, 1),
        "attendees-0-name": "김민정",
        **management("episodes", 1, 1),
        "episodes-0-episode": str(conference.discussions.get().episode_id),
        **management("actions", 2, 2),
        "actions-0-id": str(keep.pk),
        "actions-0-text": keep.text,
        "actions-0-owner": str(coordinator.pk),
        "actions-0-due_on": keep.due_on.isoformat(),
        "actions-1-id": str(drop.pk),
        "actions-1-text": drop.text,
        "actions-1-owner": str(coordinator.pk),
        "actions-1-due_on": drop.due_on.isoformat(),
        "actions-1-DELETE": "on",
    }

    response = desk.post(f"{DESK}{conference.pk}/edit/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(conference.action_items.values_list("pk", flat=True)) == [keep.pk]


def test_the_list_and_detail_log_the_people_discussed(desk: Client) -> None:
    conference = conference_with(episodes=2)
    people = {d.episode.recipient_id for d in conference.discussions.all()}

    assert desk.get(DESK).status_code == 200
    assert desk.get(f"{DESK}{conference.pk}/").status_code == 200

    logged = AccessLog.objects.filter(action=AccessLog.Action.VIEW)
    assert set(logged.values_list("subject_id", flat=True)) == people
    assert logged.count() == 4


@pytest.mark.parametrize("role", ["counselor", "caregiver", "manager"])
def test_the_conference_pages_are_for_coordinators_only(role: str) -> None:
    conference = conference_with()
    client = logged_in(UserFactory(roles=[role]))

    assert client.get(DESK).status_code == 403
    assert client.get(f"{DESK}{conference.pk}/").status_code == 403
    assert client.get(f"{DESK}new/").status_code == 403


def test_the_coordinators_desk_lists_their_due_action_items_with_a_done_button(
    desk: Client, coordinator: Any
) -> None:
    due = ActionItemFactory(owner=coordinator, due_on=today() - dt.timedelta(days=1))
    ActionItemFactory(owner=coordinator, due_on=today() + dt.timedelta(days=30), text="먼 일")

    page = desk.get("/coordinator/").content.decode()

    assert due.text in page and "먼 일" not in page
    response = desk.post(f"{DESK}action-items/{due.pk}/done/", {"next": "/coordinator/"})
    assert response.status_code == 302 and response["Location"] == "/coordinator/"
    due.refresh_from_db()
    assert due.done_on == today() and due.done_by == coordinator
    assert (
        '나의 사례회의 할 일 <span class="badge ok">0</span>'
        in desk.get("/coordinator/").content.decode()
    )


def test_the_counselors_desk_lists_their_due_action_items_and_marks_them_done() -> None:
    counselor = UserFactory(username="counselor8", roles=["counselor"])
    due = ActionItemFactory(owner=counselor, due_on=today() + dt.timedelta(days=6))
    client = logged_in(counselor)

    assert due.text in client.get("/consultations/").content.decode()
    response = client.post(f"{DESK}action-items/{due.pk}/done/", {"next": "/consultations/"})

    assert response.status_code == 302
    assert ActionItem.objects.get(pk=due.pk).done_by == counselor


def test_a_counselor_cannot_mark_someone_elses_item_done_on_the_desk() -> None:
    counselor = UserFactory(username="counselor8", roles=["counselor"])
    item = ActionItemFactory()

    response = logged_in(counselor).post(f"{DESK}action-items/{item.pk}/done/")

    assert response.status_code == 404
    assert ActionItem.objects.get(pk=item.pk).done_on is None
