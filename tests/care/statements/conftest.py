"""A hand-built month (May 2024, Seoul time) of two corps members' visits and schedule."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from care.models import Episode, ProgramRules, Recipient, Visit
from care.schedule.models import ScheduledVisit
from tests.care.visit_factories import VisitFactory
from tests.factories import (
    CorpsMemberFactory,
    EpisodeFactory,
    ProgramRulesFactory,
    program,
)
from volunteers.models import CorpsMember

# 전주시청 (완산구 노송광장로 10) and 완주군청 (용진읍 지암로 61); 9.007 km apart on the WGS84
# ellipsoid (Vincenty's formula), the straight-line distance the statement must find.
JEONJU_CITY_HALL = (35.824171, 127.147953)
WANJU_COUNTY_OFFICE = (35.904520, 127.162160)
JEONJU_TO_WANJU_KM = 9.007


def seoul(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


@dataclass
class Month:
    kim: CorpsMember
    lee: CorpsMember
    first: Recipient
    second: Recipient
    third: Recipient
    first_episode: Episode
    second_episode: Episode
    third_episode: Episode


def visit(
    member: CorpsMember,
    episode: Episode,
    start: dt.datetime,
    minutes: int | None,
    *,
    at: tuple[float, float] | None = None,
    **fields: object,
) -> Visit:
    return VisitFactory(
        corps_member=member,
        recipient=episode.recipient,
        episode=episode,
        program=episode.program,
        started_at=start,
        ended_at=None if minutes is None else start + dt.timedelta(minutes=minutes),
        latitude=at[0] if at else None,
        longitude=at[1] if at else None,
        **fields,
    )


def scheduled(
    member: CorpsMember, episode: Episode, start: dt.datetime, state: str, **fields: object
) -> ScheduledVisit:
    return ScheduledVisit.objects.create(
        episode=episode,
        recipient=episode.recipient,
        occurrence_date=timezone.localdate(start),
        starts_at=start,
        planned_minutes=fields.pop("planned_minutes", 60),
        corps_member=member,
        state=state,
        **fields,
    )


@pytest.fixture
def may(db: None) -> Month:
    """Given: in May 2024 김영희 visits two people on the 2nd (전주시청 then 완주군청, then a
    visit without check-out and position), once at 23:30 on the 31st; one void visit; one
    visit at 00:10 on 1 June and one at 23:00 on 30 April; a scheduled visit she missed on
    the 20th. 이순자 makes one unscheduled visit and misses one scheduled visit."""
    # The program's money as the test says, whatever the data migration loaded.
    rules = ProgramRulesFactory(program=program())
    ProgramRules.objects.filter(pk=rules.pk).update(
        unit_cost_won=15000, budget_thousand_won=80000, national_share_percent=50
    )
    kim = CorpsMemberFactory(name="김영희")
    lee = CorpsMemberFactory(name="이순자")
    start = dt.date(2024, 4, 1)
    # The first episode's funding was fixed at 70 % 국비; the others carry no snapshot.
    first_episode = EpisodeFactory(starts_on=start, national_share_percent=70)
    second_episode = EpisodeFactory(starts_on=start, national_share_percent=None)
    third_episode = EpisodeFactory(starts_on=start, national_share_percent=None)
    first, second, third = (e.recipient for e in (first_episode, second_episode, third_episode))

    morning = visit(kim, first_episode, seoul(2024, 5, 2, 9), 90, at=JEONJU_CITY_HALL)
    scheduled(kim, first_episode, seoul(2024, 5, 2, 9), "done", visit=morning, planned_minutes=90)
    visit(kim, second_episode, seoul(2024, 5, 2, 11), 60, at=WANJU_COUNTY_OFFICE)
    visit(kim, first_episode, seoul(2024, 5, 2, 14), None)  # no check-out: 0 minutes
    visit(kim, second_episode, seoul(2024, 5, 31, 23, 30), 50)  # May, though 14:30 UTC
    visit(kim, first_episode, seoul(2024, 6, 1, 0, 10), 30)  # June
    visit(kim, second_episode, seoul(2024, 4, 30, 23), 60)  # April
    visit(
        kim,
        third_episode,
        seoul(2024, 5, 10, 10),
        60,
        status=Visit.Status.VOID,
        void_reason="중복 입력",
    )
    scheduled(kim, first_episode, seoul(2024, 5, 20, 10), "missed")
    scheduled(kim, first_episode, seoul(2024, 5, 27, 10), "cancelled", change_reason="입원")
    scheduled(kim, first_episode, seoul(2024, 6, 3, 10), "missed")

    visit(lee, third_episode, seoul(2024, 5, 3, 10), 45, at=WANJU_COUNTY_OFFICE)
    scheduled(lee, third_episode, seoul(2024, 5, 17, 10), "missed")
    return Month(kim, lee, first, second, third, first_episode, second_episode, third_episode)
