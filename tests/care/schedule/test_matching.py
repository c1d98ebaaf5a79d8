"""Visits find their scheduled visit; what is left becomes late, then missed; the old 7-day
alert stays for recipients without a plan."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from care.models import Assignment, NoVisitAlert, Visit
from care.schedule import services
from care.schedule.models import ScheduledVisit
from care.visits import VisitInput, no_visit_alerts_record, visit_record, visit_sync
from tests.care.schedule.helpers import entry, episode, member, occurrence, seoul, today
from tests.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


def planned_visit(
    hour: int = 10, day: dt.date | None = None, *, since: dt.date | None = None, **fields: Any
) -> ScheduledVisit:
    """A caregiver, assigned to a person whose episode (from ``since``) plans a visit at
    ``hour``."""
    day = day or today() - dt.timedelta(days=1)
    running = episode(starts_on=since, days=60)
    caregiver = member()
    AssignmentFactory(
        recipient=running.recipient,
        corps_member=caregiver,
        episode=running,
        starts_on=running.starts_on,
        program=running.program,
    )
    plan_entry = entry(running, caregiver, weekday=day.weekday(), at=dt.time(hour))
    return occurrence(plan_entry, day, **fields)


def visit_input(scheduled: ScheduledVisit, started_at: dt.datetime, **fields: Any) -> VisitInput:
    return VisitInput(
        client_uuid=uuid.uuid4(),
        recipient_id=scheduled.recipient_id,
        started_at=started_at,
        ended_at=started_at + dt.timedelta(hours=1),
        service_type_codes=("housework",),
        **fields,
    )


def test_a_visit_naming_its_scheduled_visit_marks_it_done() -> None:
    scheduled = planned_visit(10)
    caregiver = scheduled.corps_member.user

    # when the caregiver records the visit they started from the schedule, three hours off
    visit, outcome = visit_record(
        actor=caregiver,
        item=visit_input(
            scheduled,
            scheduled.starts_at + dt.timedelta(hours=3),
            scheduled_visit_id=scheduled.pk,
        ),
    )

    scheduled.refresh_from_db()
    assert outcome == "created"
    assert scheduled.state == "done" and scheduled.visit == visit


def test_a_visit_within_two_hours_of_the_schedule_matches_it_without_an_id() -> None:
    scheduled = planned_visit(10)

    visit, _ = visit_record(
        actor=scheduled.corps_member.user,
        item=visit_input(scheduled, scheduled.starts_at + dt.timedelta(minutes=95)),
    )

    scheduled.refresh_from_db()
    assert scheduled.state == "done" and scheduled.visit_id == visit.pk


def test_a_visit_far_from_any_schedule_is_kept_as_unscheduled() -> None:
    scheduled = planned_visit(10)

    visit, outcome = visit_record(
        actor=scheduled.corps_member.user,
        item=visit_input(scheduled, scheduled.starts_at + dt.timedelta(hours=4)),
    )

    scheduled.refresh_from_db()
    assert outcome == "created"
    assert scheduled.state == "planned" and scheduled.visit is None
    # unscheduled is derived: no scheduled visit points at it
    assert Visit.objects.filter(pk=visit.pk, scheduled__isnull=True).exists()


def test_naming_another_caregivers_scheduled_visit_is_refused_on_scheduled_visit() -> None:
    mine = planned_visit(10)
    theirs = planned_visit(10)

    with pytest.raises(ValidationError) as refused:
        visit_record(
            actor=mine.corps_member.user,
            item=visit_input(mine, mine.starts_at, scheduled_visit_id=theirs.pk),
        )

    assert set(refused.value.message_dict) == {"scheduled_visit"}
    assert not Visit.objects.exists()


def test_naming_a_scheduled_visit_of_another_person_is_refused() -> None:
    mine = planned_visit(10)
    other_entry = entry(episode(), mine.corps_member, weekday=mine.occurrence_date.weekday())
    other_person = occurrence(other_entry, mine.occurrence_date)

    with pytest.raises(ValidationError) as refused:
        visit_record(
            actor=mine.corps_member.user,
            item=visit_input(mine, mine.starts_at, scheduled_visit_id=other_person.pk),
        )

    assert "scheduled_visit" in refused.value.message_dict


def test_a_sync_batch_matches_each_visit_to_its_own_scheduled_visit() -> None:
    # given the caregiver's two visits to one person on one day, at 9 and at 13
    morning = planned_visit(9)
    afternoon_entry = entry(
        morning.episode,
        morning.corps_member,
        weekday=morning.occurrence_date.weekday(),
        at=dt.time(13),
    )
    afternoon = occurrence(afternoon_entry, morning.occurrence_date)

    # when both arrive in one sync, a bit late each
    results = visit_sync(
        actor=morning.corps_member.user,
        items=[
            visit_input(morning, afternoon.starts_at + dt.timedelta(minutes=20)),
            visit_input(morning, morning.starts_at + dt.timedelta(minutes=20)),
        ],
    )

    morning.refresh_from_db()
    afternoon.refresh_from_db()
    assert [r.status for r in results] == ["created", "created"]
    assert morning.visit == results[1].visit and afternoon.visit == results[0].visit


def test_a_substitute_without_an_assignment_records_the_visit_they_cover() -> None:
    scheduled = planned_visit(10)
    substitute = member("이순자")
    ScheduledVisit.objects.filter(pk=scheduled.pk).update(
        corps_member=substitute, original_corps_member=scheduled.corps_member, touched=True
    )
    assert not Assignment.objects.filter(corps_member=substitute).exists()

    visit, outcome = visit_record(
        actor=substitute.user,
        item=visit_input(scheduled, scheduled.starts_at, scheduled_visit_id=scheduled.pk),
    )

    scheduled.refresh_from_db()
    assert outcome == "created"
    assert visit.episode_id == scheduled.episode_id
    assert scheduled.state == "done" and scheduled.visit == visit


# --- late and missed -----------------------------------------------------------------------


@override_settings(SCHEDULE_LATE_AFTER_MINUTES=30)
def test_a_planned_visit_is_late_after_the_grace_and_missed_after_its_day() -> None:
    day = today() - dt.timedelta(days=1)
    scheduled = planned_visit(10, day=day)

    # 20 minutes after the start: still planned; 40 minutes after: late
    assert services.schedule_mark_missed(now=seoul(day, 10, 20)) == 0
    scheduled.refresh_from_db()
    assert scheduled.state == "planned"
    services.schedule_mark_missed(now=seoul(day, 10, 40))
    scheduled.refresh_from_db()
    assert scheduled.state == "late"

    # after midnight (Seoul): missed
    services.schedule_mark_missed(now=seoul(day + dt.timedelta(days=1), 0, 5))
    scheduled.refresh_from_db()
    assert scheduled.state == "missed"


def test_a_late_visit_becomes_done_when_the_visit_arrives() -> None:
    scheduled = planned_visit(10, state="late")

    visit_record(
        actor=scheduled.corps_member.user,
        item=visit_input(scheduled, scheduled.starts_at + dt.timedelta(minutes=50)),
    )

    scheduled.refresh_from_db()
    assert scheduled.state == "done"


def test_a_missed_visit_becomes_done_when_an_offline_tablet_syncs_it() -> None:
    scheduled = planned_visit(10, state="missed")

    visit_record(
        actor=scheduled.corps_member.user,
        item=visit_input(scheduled, scheduled.starts_at, scheduled_visit_id=scheduled.pk),
    )

    scheduled.refresh_from_db()
    assert scheduled.state == "done"


def test_the_missed_pass_leaves_done_and_cancelled_visits_alone() -> None:
    day = today() - dt.timedelta(days=2)
    cancelled = planned_visit(10, day=day, state="cancelled", change_reason="입원", touched=True)

    services.schedule_mark_missed()

    cancelled.refresh_from_db()
    assert cancelled.state == "cancelled"


def test_the_missed_pass_is_two_statements(django_assert_num_queries) -> None:  # noqa: ANN001
    planned_visit(10)
    with django_assert_num_queries(2):
        services.schedule_mark_missed()


# --- the 7-day alert -----------------------------------------------------------------------


def test_the_no_visit_alert_skips_recipients_whose_episode_has_a_plan() -> None:
    # given two people nobody visited for weeks, one with a care plan
    planned = planned_visit(10, since=today() - dt.timedelta(days=30))
    unplanned = AssignmentFactory(starts_on=today() - dt.timedelta(days=30))

    no_visit_alerts_record(as_of=today())

    alerted = set(NoVisitAlert.objects.values_list("recipient", flat=True))
    assert alerted == {unplanned.recipient_id}
    assert planned.recipient_id not in alerted


def test_the_no_visit_alert_still_covers_recipients_without_a_plan() -> None:
    # given the same two people, the plan ended (its entry removed)
    planned = planned_visit(10, since=today() - dt.timedelta(days=30))
    planned.plan_entry.occurrences.all().delete()
    planned.plan_entry.delete()

    no_visit_alerts_record(as_of=today())

    assert NoVisitAlert.objects.filter(recipient=planned.recipient).exists()
