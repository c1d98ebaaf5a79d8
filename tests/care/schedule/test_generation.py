"""Generating the schedule from the plans: idempotent, inside the periods, and on a plan
change only the future occurrences nobody touched."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from care.models import Episode
from care.schedule import services
from care.schedule.models import ScheduledVisit
from tests.care.schedule.helpers import entry, episode, member, occurrence, rows, today

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2024, 5, 6)


def test_generation_makes_each_weekday_of_the_next_14_days_at_seoul_time() -> None:
    # given an episode running through May 2024 with a Monday and a Thursday visit
    running = episode(starts_on=dt.date(2024, 5, 1), days=31)
    caregiver = member()
    monday = entry(running, caregiver, weekday=0, at=dt.time(9, 30))
    thursday = entry(running, caregiver, weekday=3, at=dt.time(23, 30), minutes=60)

    # when the nightly generation runs on Monday 6 May
    inserted = services.schedule_generate(today=MONDAY)

    # then two Mondays and two Thursdays, at Seoul wall-clock times
    assert inserted == 4
    made = ScheduledVisit.objects.order_by("starts_at")
    assert [(v.plan_entry_id, v.occurrence_date) for v in made] == [
        (monday.pk, dt.date(2024, 5, 6)),
        (thursday.pk, dt.date(2024, 5, 9)),
        (monday.pk, dt.date(2024, 5, 13)),
        (thursday.pk, dt.date(2024, 5, 16)),
    ]
    late_thursday = made[1]
    assert timezone.localtime(late_thursday.starts_at).time() == dt.time(23, 30)
    assert late_thursday.starts_at == dt.datetime(2024, 5, 9, 14, 30, tzinfo=dt.UTC)
    assert late_thursday.recipient_id == running.recipient_id
    assert late_thursday.planned_minutes == 60
    assert {v.state for v in made} == {"planned"}


def test_generating_twice_inserts_nothing_the_second_time() -> None:
    running = episode(starts_on=dt.date(2024, 5, 1), days=31)
    entry(running, member(), weekday=2)
    services.schedule_generate(today=MONDAY)
    before = rows()

    again = services.schedule_generate(today=MONDAY)

    assert again == 0
    assert rows() == before


def test_generation_skips_days_outside_the_episode_and_the_entry() -> None:
    # given an episode ending Thursday 9 May and an entry valid from Tuesday 7 May
    short = episode(starts_on=dt.date(2024, 5, 1), days=9)
    caregiver = member()
    entry(short, caregiver, weekday=0)  # Monday 6 (in), Monday 13 (after the end)
    entry(short, caregiver, weekday=4)  # Friday 10: after the end
    entry(short, caregiver, weekday=0, at=dt.time(15), valid_from=dt.date(2024, 5, 7))
    ended = entry(short, caregiver, weekday=2, valid_until=dt.date(2024, 5, 7))

    services.schedule_generate(today=MONDAY)

    assert [
        (v.occurrence_date, timezone.localtime(v.starts_at).hour)
        for v in ScheduledVisit.objects.order_by("starts_at")
    ] == [(dt.date(2024, 5, 6), 10)]
    assert not ScheduledVisit.objects.filter(plan_entry=ended).exists()


@pytest.mark.parametrize("state", ["referred", "assessed", "closed", "withdrawn"])
def test_generation_ignores_episodes_not_approved_or_active(state: str) -> None:
    running = episode(starts_on=dt.date(2024, 5, 1), days=31)
    entry(running, member(), weekday=0)
    Episode.objects.filter(pk=running.pk).update(
        state=state,
        closed_on=dt.date(2024, 5, 5) if state == "closed" else None,
        closure_reason="recovered" if state == "closed" else "",
    )

    assert services.schedule_generate(today=MONDAY) == 0


def test_generation_for_some_episodes_leaves_the_others() -> None:
    first = episode(starts_on=dt.date(2024, 5, 1), days=31)
    second = episode(starts_on=dt.date(2024, 5, 1), days=31)
    caregiver = member()
    entry(first, caregiver, weekday=0)
    entry(second, caregiver, weekday=1)

    services.schedule_generate(today=MONDAY, episode_ids=[first.pk])

    assert set(ScheduledVisit.objects.values_list("episode", flat=True)) == {first.pk}


def test_generation_is_one_statement_whatever_the_number_of_plans() -> None:
    caregiver = member()
    for _ in range(5):
        entry(episode(starts_on=dt.date(2024, 5, 1), days=31), caregiver, weekday=3)

    with CaptureQueriesContext(connection) as captured:
        services.schedule_generate(today=MONDAY)

    assert ScheduledVisit.objects.count() == 10
    if connection.vendor == "postgresql":
        assert len(captured) == 1


# --- regeneration after a plan change ------------------------------------------------------


def test_regeneration_follows_a_changed_time_in_the_future_only() -> None:
    # given a plan entry for yesterday's weekday and tomorrow's, generated
    running = episode()
    caregiver = member()
    yesterday, tomorrow = today() - dt.timedelta(days=1), today() + dt.timedelta(days=1)
    past_entry = entry(running, caregiver, weekday=yesterday.weekday())
    future_entry = entry(running, caregiver, weekday=tomorrow.weekday())
    past = occurrence(past_entry, yesterday)
    services.schedule_generate(today=today())
    upcoming = ScheduledVisit.objects.get(plan_entry=future_entry, occurrence_date=tomorrow)

    # when both entries move to 14:00 and the episode is regenerated
    for plan_entry in (past_entry, future_entry):
        plan_entry.start_time = dt.time(14, 0)
        plan_entry.save()
    services.schedule_regenerate_episode(episode_id=running.pk)

    # then the future occurrence moved in place (same id) and the past one did not
    upcoming.refresh_from_db()
    past.refresh_from_db()
    assert timezone.localtime(upcoming.starts_at).hour == 14
    assert timezone.localtime(past.starts_at).hour == 10


def test_regeneration_leaves_touched_and_done_occurrences_alone() -> None:
    running = episode()
    caregiver, substitute = member(), member("이순자")
    tomorrow = today() + dt.timedelta(days=1)
    plan_entry = entry(running, caregiver, weekday=tomorrow.weekday())
    services.schedule_generate(today=today())
    covered = ScheduledVisit.objects.get(plan_entry=plan_entry, occurrence_date=tomorrow)
    ScheduledVisit.objects.filter(pk=covered.pk).update(
        corps_member=substitute, original_corps_member=caregiver, touched=True
    )

    # when the plan entry ends today (no more occurrences wanted) and is regenerated
    plan_entry.valid_until = today()
    plan_entry.save()
    services.schedule_regenerate_episode(episode_id=running.pk)

    # then the touched occurrence is still there, with its substitute
    covered.refresh_from_db()
    assert covered.corps_member == substitute
    # and the untouched ones of the following weeks are gone
    assert list(ScheduledVisit.objects.values_list("pk", flat=True)) == [covered.pk]


def test_regeneration_adds_the_missing_and_deletes_what_the_plan_no_longer_asks() -> None:
    running = episode()
    caregiver = member()
    tomorrow = today() + dt.timedelta(days=1)
    plan_entry = entry(running, caregiver, weekday=tomorrow.weekday())
    services.schedule_generate(today=today())
    assert ScheduledVisit.objects.count() == 2

    plan_entry.weekday = (tomorrow.weekday() + 1) % 7
    plan_entry.save()
    services.schedule_regenerate_episode(episode_id=running.pk)

    days = sorted(ScheduledVisit.objects.values_list("occurrence_date", flat=True))
    assert days == [tomorrow + dt.timedelta(days=1), tomorrow + dt.timedelta(days=8)]


def test_regenerating_twice_changes_nothing_the_second_time() -> None:
    running = episode()
    entry(running, member(), weekday=(today().weekday() + 2) % 7)
    services.schedule_regenerate_episode(episode_id=running.pk)
    before = rows()

    assert services.schedule_regenerate_episode(episode_id=running.pk) == 0
    assert rows() == before


def test_a_plan_change_queues_the_regeneration_on_commit(
    django_capture_on_commit_callbacks, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    from care.schedule import tasks

    queued: list[int] = []
    monkeypatch.setattr(tasks.regenerate_episode_schedule, "delay", queued.append)
    running = episode()
    caregiver = member()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.plan_entry_create(
            actor=caregiver.user,
            episode=running,
            weekday=1,
            start_time=dt.time(9),
            planned_minutes=60,
            service_types=[caregiver.service_types.first()],
            corps_member=caregiver,
        )

    assert len(callbacks) == 1
    assert queued == [running.pk]
