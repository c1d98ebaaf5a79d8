"""Factories of case conferences, their attendees, episodes discussed and action items."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from care.conferences.models import (
    ActionItem,
    CaseConference,
    CaseConferenceAttendee,
    ConferenceEpisode,
)
from tests.factories import EpisodeFactory, UserFactory


class CaseConferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseConference

    held_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=3))
    title = factory.Sequence(lambda n: f"통합사례회의 {n}")
    place = "회의실"
    chair = factory.SubFactory(UserFactory, roles=["coordinator"])
    decisions = "연계 추진"


class AttendeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseConferenceAttendee

    conference = factory.SubFactory(CaseConferenceFactory)
    user = None
    name = "김민정"
    role = "희망복지지원단 통합사례관리사"


class DiscussionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConferenceEpisode

    conference = factory.SubFactory(CaseConferenceFactory)
    episode = factory.SubFactory(EpisodeFactory)
    notes = "퇴원 후 돌봄 공백"


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionItem

    conference = factory.SubFactory(CaseConferenceFactory)
    text = factory.Sequence(lambda n: f"할 일 {n}")
    owner = factory.SubFactory(UserFactory, roles=["counselor"])
    due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=3))


def conference_with(
    *, episodes: int = 1, staff: list | None = None, **fields: object
) -> CaseConference:
    """A conference discussing ``episodes`` episodes, attended by ``staff`` and one outsider."""
    conference = CaseConferenceFactory(**fields)
    for _ in range(episodes):
        DiscussionFactory(conference=conference)
    for user in staff or []:
        AttendeeFactory(conference=conference, user=user, name="")
    AttendeeFactory(conference=conference)
    return conference
