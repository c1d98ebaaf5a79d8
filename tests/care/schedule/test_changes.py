"""A coordinator's changes to the plan and to one day: the rules and the notices."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from care.models import Episode
from care.schedule import services
from care.schedule.models import CarePlanEntry, ScheduledVisit
from notifications.models import Message
from tests.care.schedule.helpers import entry, episode, member, occurrence, seoul, today
from tests.factories import UserFactory, service_type

pytestmark = pytest.mark.django_db

TOMORROW = today() + dt.timedelta(days=1)
IN_THREE_DAYS = today() + dt.timedelta(days=3)


@pytest.fixture
def coordinator_user() -> Any:
    return UserFactory(username="schedule-coordinator", roles=["coordinator"])


def booked(day: dt.date = IN_THREE_DAYS, hour: int = 10, **member_fields: Any) -> ScheduledVisit:
    caregiver = member(**member_fields) if member_fields else member()
    plan_entry = entry(episode(), caregiver, weekday=day.weekday(), at=dt.time(hour))
    return occurrence(plan_entry, day)


# --- plan entries -------------------------------------------------------------------------


def plan(coordinator_user: Any, **overrides: Any) -> CarePlanEntry:
    fields: dict[str, Any] = {
        "actor": coordinator_user,
        "episode": episode(),
        "weekday": 2,
        "start_time": dt.time(10),
        "planned_minutes": 90,
        "service_types": [service_type("housework")],
        "corps_member": member(),
    }
    fields.update(overrides)
    return services.plan_entry_create(**fields)


def test_a_plan_entry_starts_today_by_default_within_the_episode(coordinator_user: Any) -> None:
    created = plan(coordinator_user)

    assert created.valid_from == today()
    assert list(created.service_types.values_list("code", flat=True)) == ["housework"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"valid_from": today() - dt.timedelta(days=10)}, "valid_from"),
        ({"valid_until": today() + dt.timedelta(days=60)}, "valid_until"),
        ({"valid_from": today() + dt.timedelta(days=40)}, "valid_from"),
        ({"service_types": []}, "service_types"),
        ({"planned_minutes": 5}, "planned_minutes"),
    ],
)
def test_a_plan_entry_outside_the_rules_is_refused_naming_the_field(
    coordinator_user: Any, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        plan(coordinator_user, **overrides)

    assert field in refused.value.message_dict
    assert not CarePlanEntry.objects.exists()


@pytest.mark.parametrize("state", ["referred", "assessed", "closed"])
def test_a_plan_entry_needs_an_approved_or_active_episode(
    coordinator_user: Any, state: str
) -> None:
    not_running = episode()
    Episode.objects.filter(pk=not_running.pk).update(
        state=state,
        closed_on=today() if state == "closed" else None,
        closure_reason="recovered" if state == "closed" else "",
    )

    with pytest.raises(ValidationError) as refused:
        plan(coordinator_user, episode=not_running)

    assert "episode" in refused.value.message_dict


@pytest.mark.parametrize(
    "who",
    [
        {"login": False},
        {"status": "on_leave"},
        {"status": "left", "left_on": dt.date(2024, 1, 1)},
        {"services": ("meal",)},
    ],
)
def test_a_plan_entry_needs_an_active_qualified_member_with_an_account(
    coordinator_user: Any, who: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError) as refused:
        plan(coordinator_user, corps_member=member("박정숙", **who))

    assert "corps_member" in refused.value.message_dict


def test_an_entry_with_history_is_ended_not_deleted(coordinator_user: Any) -> None:
    done_before = booked(today() - dt.timedelta(days=1))

    with pytest.raises(ValidationError) as refused:
        services.plan_entry_delete(actor=coordinator_user, entry=done_before.plan_entry)

    assert "valid_until" in refused.value.message_dict
    ended = services.plan_entry_end(
        actor=coordinator_user, entry=done_before.plan_entry, valid_until=today()
    )
    assert ended.valid_until == today()


# --- reassign (substitution) -------------------------------------------------------------


def test_a_substitute_takes_the_day_and_is_told_once(coordinator_user: Any) -> None:
    scheduled = booked()
    original = scheduled.corps_member
    substitute = member("이순자")

    services.scheduled_visit_reassign(
        actor=coordinator_user, scheduled_visit=scheduled, corps_member=substitute, reason="병가"
    )

    scheduled.refresh_from_db()
    assert scheduled.corps_member == substitute
    assert scheduled.original_corps_member == original
    assert scheduled.touched and scheduled.change_reason == "병가"
    assert scheduled.changed_by == coordinator_user
    message = Message.objects.get()
    assert message.kind == "substitution" and message.to_phone == substitute.phone
    assert message.dedupe_key == f"substitution:{scheduled.pk}:{substitute.pk}"


def test_a_substitution_is_refused_when_the_substitute_is_booked_then(
    coordinator_user: Any,
) -> None:
    scheduled = booked(hour=10)
    substitute = member("이순자")
    other = entry(episode(), substitute, weekday=IN_THREE_DAYS.weekday(), at=dt.time(11))
    occurrence(other, IN_THREE_DAYS)  # 11:00–12:30 overlaps 10:00–11:30

    with pytest.raises(ValidationError) as refused:
        services.scheduled_visit_reassign(
            actor=coordinator_user, scheduled_visit=scheduled, corps_member=substitute
        )

    assert "corps_member" in refused.value.message_dict
    scheduled.refresh_from_db()
    assert not scheduled.touched and not Message.objects.exists()


def test_a_substitute_booked_just_after_is_not_a_double_booking(coordinator_user: Any) -> None:
    scheduled = booked(hour=10)  # 10:00–11:30
    substitute = member("이순자")
    later = entry(episode(), substitute, weekday=IN_THREE_DAYS.weekday(), at=dt.time(11, 30))
    occurrence(later, IN_THREE_DAYS)

    services.scheduled_visit_reassign(
        actor=coordinator_user, scheduled_visit=scheduled, corps_member=substitute
    )


@pytest.mark.parametrize(
    "who",
    [
        {"status": "on_leave"},
        {"status": "left", "left_on": dt.date(2024, 1, 1)},
        {"services": ("meal",)},
        {"login": False},
    ],
)
def test_a_substitution_is_refused_for_inactive_unqualified_or_accountless(
    coordinator_user: Any, who: dict[str, Any]
) -> None:
    scheduled = booked()

    with pytest.raises(ValidationError) as refused:
        services.scheduled_visit_reassign(
            actor=coordinator_user, scheduled_visit=scheduled, corps_member=member("최미경", **who)
        )

    assert "corps_member" in refused.value.message_dict


def test_reassigning_tomorrows_visit_tells_the_original_caregiver_too(
    coordinator_user: Any,
) -> None:
    scheduled = booked(TOMORROW)
    original = scheduled.corps_member
    substitute = member("이순자")

    for _attempt in range(2):  # a retried request must not double a message
        with contextlib.suppress(ValidationError):
            services.scheduled_visit_reassign(
                actor=coordinator_user, scheduled_visit=scheduled, corps_member=substitute
            )

    kinds = sorted(Message.objects.values_list("kind", "to_phone"))
    assert kinds == [("schedule_changed", original.phone), ("substitution", substitute.phone)]


# --- cover a day ---------------------------------------------------------------------------


def test_a_sick_caregivers_day_is_covered_in_one_action(coordinator_user: Any) -> None:
    # given a caregiver with two visits on one day
    morning = booked(hour=9)
    sick = morning.corps_member
    afternoon = occurrence(
        entry(episode(), sick, weekday=IN_THREE_DAYS.weekday(), at=dt.time(14)), IN_THREE_DAYS
    )
    first, second = member("이순자"), member("박정숙")

    done = services.scheduled_visits_reassign_day(
        actor=coordinator_user,
        corps_member=sick,
        day=IN_THREE_DAYS,
        substitutes={morning.pk: first, afternoon.pk: second},
        reason="병가",
    )

    assert len(done) == 2
    assert dict(ScheduledVisit.objects.values_list("pk", "corps_member")) == {
        morning.pk: first.pk,
        afternoon.pk: second.pk,
    }
    assert Message.objects.filter(kind="substitution").count() == 2


def test_covering_a_day_is_all_or_nothing(coordinator_user: Any) -> None:
    morning = booked(hour=9)
    sick = morning.corps_member
    afternoon = occurrence(
        entry(episode(), sick, weekday=IN_THREE_DAYS.weekday(), at=dt.time(9, 30)),
        IN_THREE_DAYS,
    )
    one = member("이순자")

    # when one substitute is named for two overlapping visits
    with pytest.raises(ValidationError) as refused:
        services.scheduled_visits_reassign_day(
            actor=coordinator_user,
            corps_member=sick,
            day=IN_THREE_DAYS,
            substitutes={morning.pk: one, afternoon.pk: one},
        )

    # then nothing changed and nobody was told
    assert "substitutes" in refused.value.message_dict
    assert set(ScheduledVisit.objects.values_list("corps_member", flat=True)) == {sick.pk}
    assert not Message.objects.exists()


def test_covering_a_day_refuses_visits_of_another_day(coordinator_user: Any) -> None:
    scheduled = booked()

    with pytest.raises(ValidationError) as refused:
        services.scheduled_visits_reassign_day(
            actor=coordinator_user,
            corps_member=scheduled.corps_member,
            day=TOMORROW,
            substitutes={scheduled.pk: member("이순자")},
        )

    assert "substitutes" in refused.value.message_dict


# --- move and cancel -----------------------------------------------------------------------


def test_moving_tomorrows_visit_tells_the_caregiver(coordinator_user: Any) -> None:
    scheduled = booked(TOMORROW, hour=10)

    services.scheduled_visit_move(
        actor=coordinator_user, scheduled_visit=scheduled, starts_at=seoul(TOMORROW, 15)
    )

    scheduled.refresh_from_db()
    assert timezone.localtime(scheduled.starts_at).hour == 15 and scheduled.touched
    assert Message.objects.get().kind == "schedule_changed"


def test_moving_onto_another_booking_is_refused(coordinator_user: Any) -> None:
    scheduled = booked(hour=10)
    occurrence(
        entry(episode(), scheduled.corps_member, weekday=IN_THREE_DAYS.weekday(), at=dt.time(15)),
        IN_THREE_DAYS,
    )

    with pytest.raises(ValidationError) as refused:
        services.scheduled_visit_move(
            actor=coordinator_user,
            scheduled_visit=scheduled,
            starts_at=seoul(IN_THREE_DAYS, 14, 30),
        )

    assert "starts_at" in refused.value.message_dict


def test_moving_outside_the_episode_is_refused(coordinator_user: Any) -> None:
    scheduled = booked()

    with pytest.raises(ValidationError) as refused:
        services.scheduled_visit_move(
            actor=coordinator_user,
            scheduled_visit=scheduled,
            starts_at=seoul(today() + dt.timedelta(days=90), 10),
        )

    assert "starts_at" in refused.value.message_dict


def test_cancelling_needs_a_reason(coordinator_user: Any) -> None:
    scheduled = booked()

    with pytest.raises(ValidationError) as refused:
        services.scheduled_visit_cancel(
            actor=coordinator_user, scheduled_visit=scheduled, reason="  "
        )

    assert "reason" in refused.value.message_dict
    scheduled.refresh_from_db()
    assert scheduled.state == "planned"


def test_cancelling_tomorrows_visit_keeps_the_reason_and_tells_the_caregiver(
    coordinator_user: Any,
) -> None:
    scheduled = booked(TOMORROW)

    services.scheduled_visit_cancel(
        actor=coordinator_user, scheduled_visit=scheduled, reason="병원 외래"
    )

    scheduled.refresh_from_db()
    assert (scheduled.state, scheduled.change_reason) == ("cancelled", "병원 외래")
    assert Message.objects.get().dedupe_key == (
        f"schedule_changed:{scheduled.pk}:{scheduled.corps_member_id}:cancelled"
    )


def test_closure_cancels_the_future_schedule_only(coordinator_user: Any) -> None:
    # given an episode with a done visit yesterday and planned ones tomorrow and later
    running = episode()
    caregiver = member()
    yesterday = today() - dt.timedelta(days=1)
    done = occurrence(
        entry(running, caregiver, weekday=yesterday.weekday()), yesterday, state="missed"
    )
    tomorrow = occurrence(entry(running, caregiver, weekday=TOMORROW.weekday()), TOMORROW)
    later = occurrence(tomorrow.plan_entry, TOMORROW + dt.timedelta(days=7))

    cancelled = services.schedule_cancel_future(
        episode=running, actor=coordinator_user, reason="회복으로 종결"
    )

    assert cancelled == 2
    states = dict(ScheduledVisit.objects.values_list("pk", "state"))
    assert states == {done.pk: "missed", tomorrow.pk: "cancelled", later.pk: "cancelled"}
    # the caregiver of tomorrow's visit is told, once
    services.schedule_cancel_future(episode=running, actor=coordinator_user, reason="회복")
    assert Message.objects.filter(kind="schedule_changed").count() == 1


# --- substitutes ---------------------------------------------------------------------------


def test_substitute_suggestions_are_free_active_and_qualified_same_region_first() -> None:
    scheduled = booked(hour=10)  # a Jeonju person, housework
    near = member("가까운단원", region_code="jeonju")
    far = member("먼단원", region_code="gunsan")
    busy = member("바쁜단원", region_code="jeonju")
    occurrence(
        entry(episode(), busy, weekday=IN_THREE_DAYS.weekday(), at=dt.time(10, 30)), IN_THREE_DAYS
    )
    member("휴직단원", status="on_leave")
    member("자격없음", services=("meal",))
    member("계정없음", login=False)

    names = [
        s.corps_member.name for s in services.substitute_suggestions(scheduled_visit=scheduled)
    ]

    assert names[:2] == [near.name, far.name]
    assert set(names) == {near.name, far.name}
