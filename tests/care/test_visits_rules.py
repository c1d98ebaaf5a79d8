"""The rules of care/visits.py at their edges: replays, the late-sync and overlap boundaries,
the first and last day of an assignment, voiding. Written against mutants that the older
tests let through (docs/testing.md, `make mutation`)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from care import visits
from care.models import Visit, VisitException
from care.visits import VisitInput
from tests.care.visit_factories import VisitFactory, caregiver_visit, hours_ago
from tests.factories import (
    AssignmentFactory,
    CorpsMemberFactory,
    RecipientFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

KST = dt.timezone(dt.timedelta(hours=9))


def item_for(caregiver: Any, **fields: Any) -> VisitInput:
    started = fields.pop("started_at", None) or hours_ago(3).replace(microsecond=0)
    values: dict[str, Any] = {
        "client_uuid": uuid.uuid4(),
        "recipient_id": caregiver.assigned_recipient.pk,
        "started_at": started,
        "ended_at": started + timedelta(hours=1),
        "service_type_codes": ("housework",),
    }
    values.update(fields)
    return VisitInput(**values)


def sync_one(actor: Any, item: VisitInput) -> visits.SyncResult:
    [result] = visits.visit_sync(actor=actor, items=[item])
    return result


def kinds_of(result: visits.SyncResult) -> set[str]:
    assert result.status == "created", result.errors
    return set(VisitException.objects.filter(visit=result.visit).values_list("kind", flat=True))


# --- replays of a client_uuid ----------------------------------------------------------------


@pytest.fixture
def stored_item(caregiver: Any) -> VisitInput:
    item = item_for(caregiver, service_type_codes=("housework", "meal"))
    assert sync_one(caregiver, item).status == "created"
    return item


@pytest.mark.parametrize(
    "change",
    [
        "recipient_id",
        "started_at",
        "ended_at",
        "ended_at_missing",
        "service_type_codes",
        "program_code",
        "notes",
        "corps_member_id",
    ],
)
def test_a_replay_that_differs_in_any_recorded_field_is_a_conflict(
    caregiver: Any, stored_item: VisitInput, change: str
) -> None:
    changed = {
        "recipient_id": {"recipient_id": RecipientFactory().pk},
        "started_at": {"started_at": stored_item.started_at - timedelta(minutes=1)},
        "ended_at": {"ended_at": stored_item.ended_at + timedelta(minutes=1)},
        "ended_at_missing": {"ended_at": None},
        "service_type_codes": {"service_type_codes": ("housework",)},
        "program_code": {"program_code": "rural_gap_care"},
        "notes": {"notes": "나중에 덧붙인 메모"},
        "corps_member_id": {"corps_member_id": CorpsMemberFactory().pk},
    }[change]

    result = sync_one(caregiver, replace(stored_item, **changed))

    assert result.status == "conflict"
    assert Visit.objects.count() == 1


def test_a_replay_with_the_same_content_is_existing_whatever_the_order_of_its_services(
    caregiver: Any, stored_item: VisitInput
) -> None:
    replay = replace(
        stored_item,
        service_type_codes=("meal", "housework", "meal"),
        notes="  ",
        program_code="emergency_care",
        corps_member_id=caregiver.corps_member_record.pk,
    )

    assert visits.visit_matches(Visit.objects.get(), replay)
    assert sync_one(caregiver, replay).status == "existing"


def test_a_replay_through_visit_record_answers_conflict_for_another_start(
    caregiver: Any, stored_item: VisitInput
) -> None:
    stored, outcome = visits.visit_record(
        actor=caregiver, item=replace(stored_item, started_at=stored_item.started_at + timedelta(1))
    )

    assert outcome == "conflict"
    assert stored.started_at == stored_item.started_at


def test_a_replay_of_another_persons_key_is_refused_on_client_uuid(
    caregiver: Any, stored_item: VisitInput
) -> None:
    other = UserFactory(roles=["caregiver"])
    member = CorpsMemberFactory(user=other)
    AssignmentFactory(corps_member=member, recipient=caregiver.assigned_recipient)

    result = sync_one(other, stored_item)

    assert result.status == "error"
    assert set(result.errors) == {"client_uuid"}


def test_the_same_key_twice_in_one_outbox_is_existing_only_when_identical(
    caregiver: Any,
) -> None:
    first = item_for(caregiver)
    results = visits.visit_sync(
        actor=caregiver,
        items=[first, first, replace(first, ended_at=first.ended_at - timedelta(minutes=5))],
    )

    assert [r.status for r in results] == ["created", "existing", "conflict"]


# --- late sync: 72 hours after the visit ended ------------------------------------------------


def checked_visit(caregiver: Any, **fields: Any) -> visits.CheckedVisit:
    item = item_for(caregiver, **fields)
    ctx = visits.visit_context_load(actor=caregiver, items=[item])
    return visits.visit_check(item, ctx)


def test_a_visit_sent_exactly_72_hours_after_it_ended_is_not_late(caregiver: Any) -> None:
    checked = checked_visit(caregiver)
    now = checked.visit.ended_at + visits.LATE_SYNC_AFTER

    kinds = {e.kind for e in visits._exceptions_for([checked], now)}

    assert VisitException.Kind.LATE_SYNC not in kinds


def test_a_visit_sent_a_second_after_72_hours_is_late_and_says_how_many_hours(
    caregiver: Any,
) -> None:
    checked = checked_visit(caregiver)
    now = checked.visit.ended_at + visits.LATE_SYNC_AFTER + timedelta(hours=1, seconds=1)

    [late] = [
        e for e in visits._exceptions_for([checked], now) if e.kind == VisitException.Kind.LATE_SYNC
    ]

    assert "73시간" in str(late.detail)


def test_a_visit_without_check_out_is_late_from_its_start(caregiver: Any) -> None:
    checked = checked_visit(caregiver, ended_at=None)
    now = checked.visit.started_at + visits.LATE_SYNC_AFTER + timedelta(seconds=1)

    kinds = {e.kind for e in visits._exceptions_for([checked], now)}

    assert kinds == {VisitException.Kind.LATE_SYNC, VisitException.Kind.MISSING_CHECKOUT}


def test_a_visit_synced_four_days_later_is_stored_with_a_late_sync_exception(
    caregiver: Any,
) -> None:
    result = sync_one(caregiver, item_for(caregiver, started_at=hours_ago(100)))

    assert kinds_of(result) == {VisitException.Kind.LATE_SYNC}


# --- overlaps of one corps member's visits -----------------------------------------------------


@pytest.fixture
def earlier(caregiver: Any) -> Visit:
    """A stored visit of the caregiver, 10:00-11:00 two days ago (KST)."""
    day = timezone.localdate() - timedelta(days=2)
    start = datetime.combine(day, dt.time(10), tzinfo=KST)
    return caregiver_visit(caregiver, started_at=start, ended_at=start + timedelta(hours=1))


@pytest.mark.parametrize(
    ("start_minutes", "length_minutes", "overlaps"),
    [
        (60, 30, False),  # starts as the other ends
        (59, 30, True),  # starts a minute before it ends
        (-30, 30, False),  # ends as the other starts
        (-30, 31, True),  # ends a minute after it starts
        (10, 10, True),  # inside it
        (-60, 180, True),  # around it
        (-12 * 60 + 1, 12 * 60, True),  # a 12-hour visit ending a minute after it starts
    ],
)
def test_a_visit_overlaps_another_of_the_same_corps_member_only_when_their_times_cross(
    caregiver: Any, earlier: Visit, start_minutes: int, length_minutes: int, overlaps: bool
) -> None:
    start = earlier.started_at + timedelta(minutes=start_minutes)
    item = item_for(caregiver, started_at=start, ended_at=start + timedelta(minutes=length_minutes))

    kinds = kinds_of(sync_one(caregiver, item))

    assert (VisitException.Kind.OVERLAP in kinds) is overlaps


def test_an_overlap_names_the_start_of_the_other_visit(caregiver: Any, earlier: Visit) -> None:
    item = item_for(caregiver, started_at=earlier.started_at + timedelta(minutes=30))

    sync_one(caregiver, item)

    detail = VisitException.objects.get(kind=VisitException.Kind.OVERLAP).detail
    assert timezone.localtime(earlier.started_at).strftime("%Y-%m-%d %H:%M") in detail


def test_a_visit_without_check_out_occupies_its_first_minute(
    caregiver: Any, earlier: Visit
) -> None:
    inside = item_for(caregiver, started_at=earlier.started_at + timedelta(minutes=59, seconds=30))
    after = item_for(caregiver, started_at=earlier.ended_at, ended_at=None)

    assert VisitException.Kind.OVERLAP not in kinds_of(sync_one(caregiver, after))
    assert VisitException.Kind.OVERLAP in kinds_of(sync_one(caregiver, inside))


def test_a_stored_visit_without_check_out_overlaps_a_visit_around_its_start(
    caregiver: Any,
) -> None:
    start = timezone.now().replace(microsecond=0) - timedelta(hours=20)
    caregiver_visit(caregiver, started_at=start, ended_at=None)
    around = item_for(
        caregiver, started_at=start - timedelta(minutes=30), ended_at=start + timedelta(seconds=30)
    )
    before = item_for(caregiver, started_at=start - timedelta(minutes=30), ended_at=start)

    assert VisitException.Kind.OVERLAP not in kinds_of(sync_one(caregiver, before))
    assert VisitException.Kind.OVERLAP in kinds_of(sync_one(caregiver, around))


def test_a_long_visit_far_before_does_not_hide_an_overlap_nearer(
    caregiver: Any, earlier: Visit
) -> None:
    long_ago = earlier.started_at - timedelta(hours=13)
    caregiver_visit(caregiver, started_at=long_ago, ended_at=long_ago + timedelta(hours=1))
    item = item_for(caregiver, started_at=earlier.started_at + timedelta(minutes=5))

    assert VisitException.Kind.OVERLAP in kinds_of(sync_one(caregiver, item))


def test_two_overlapping_visits_in_one_batch_both_carry_the_overlap(
    caregiver: Any,
) -> None:
    first = item_for(caregiver, started_at=hours_ago(10))
    second = item_for(caregiver, started_at=first.started_at + timedelta(minutes=30))

    results = visits.visit_sync(actor=caregiver, items=[first, second])

    assert [VisitException.Kind.OVERLAP in kinds_of(r) for r in results] == [True, True]


def test_another_corps_members_visit_at_the_same_time_is_no_overlap(
    caregiver: Any, earlier: Visit
) -> None:
    VisitFactory(started_at=earlier.started_at, ended_at=earlier.ended_at)
    item = item_for(caregiver, started_at=earlier.ended_at)

    assert VisitException.Kind.OVERLAP not in kinds_of(sync_one(caregiver, item))


def test_a_void_visit_is_no_overlap(caregiver: Any, earlier: Visit) -> None:
    Visit.objects.filter(pk=earlier.pk).update(status=Visit.Status.VOID, void_reason="중복")
    item = item_for(caregiver, started_at=earlier.started_at)

    assert VisitException.Kind.OVERLAP not in kinds_of(sync_one(caregiver, item))


# --- the first and last day of an assignment ---------------------------------------------------


@pytest.fixture
def bounded_caregiver(db: Any) -> Any:
    """A caregiver assigned to one person from ten days ago to five days ago."""
    user = UserFactory(roles=["caregiver"])
    member = CorpsMemberFactory(user=user)
    today = timezone.localdate()
    assignment = AssignmentFactory(
        corps_member=member,
        starts_on=today - timedelta(days=10),
        ends_on=today - timedelta(days=5),
    )
    user.assigned_recipient = assignment.recipient
    user.corps_member_record = member
    user.assignment = assignment
    return user


def visit_on(caregiver: Any, day: dt.date, at: dt.time = dt.time(10)) -> VisitInput:
    start = datetime.combine(day, at, tzinfo=KST)
    return item_for(caregiver, started_at=start, ended_at=start + timedelta(minutes=30))


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [("first", True), ("last", True), ("before", False), ("after", False)],
)
def test_a_caregiver_may_record_visits_from_the_first_to_the_last_day_of_the_assignment(
    bounded_caregiver: Any, offset: str, accepted: bool
) -> None:
    assignment = bounded_caregiver.assignment
    day = {
        "first": assignment.starts_on,
        "last": assignment.ends_on,
        "before": assignment.starts_on - timedelta(days=1),
        "after": assignment.ends_on + timedelta(days=1),
    }[offset]

    result = sync_one(bounded_caregiver, visit_on(bounded_caregiver, day))

    assert (result.status == "created") is accepted, result.errors
    if not accepted:
        assert result.errors == {"recipient": [f"{day}에 이 대상자에 대한 배정이 없습니다."]}


def test_the_day_of_a_visit_is_its_day_in_korea(bounded_caregiver: Any) -> None:
    # 23:30 KST on the last day is 14:30 UTC the same day; 00:30 KST the next day is still
    # the previous day in UTC, and outside the assignment.
    last = bounded_caregiver.assignment.ends_on
    late = visit_on(bounded_caregiver, last, dt.time(23, 0))
    next_day = visit_on(bounded_caregiver, last + timedelta(days=1), dt.time(0, 30))

    assert sync_one(bounded_caregiver, late).status == "created"
    assert sync_one(bounded_caregiver, next_day).status == "error"


def test_a_visit_takes_the_program_and_episode_of_the_assignment_that_covers_it(
    bounded_caregiver: Any,
) -> None:
    assignment = bounded_caregiver.assignment
    result = sync_one(bounded_caregiver, visit_on(bounded_caregiver, assignment.starts_on))

    visit = Visit.objects.get(pk=result.visit.pk)
    assert visit.episode_id == assignment.episode_id
    assert visit.program_id == assignment.program_id
    assert visit.corps_member_id == bounded_caregiver.corps_member_record.pk
    assert visit.recorded_by_id == bounded_caregiver.pk


# --- other rules of one visit ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "field"),
    [
        (timedelta(0), "ended_at"),
        (-timedelta(minutes=1), "ended_at"),
        (timedelta(hours=12, seconds=1), "ended_at"),
    ],
)
def test_a_visit_must_end_after_it_starts_and_within_12_hours(
    caregiver: Any, length: timedelta, field: str
) -> None:
    start = hours_ago(20).replace(microsecond=0)
    result = sync_one(caregiver, item_for(caregiver, started_at=start, ended_at=start + length))

    assert result.status == "error"
    assert set(result.errors) == {field}


def test_a_visit_of_exactly_12_hours_is_accepted(caregiver: Any) -> None:
    start = hours_ago(20).replace(microsecond=0)
    item = item_for(caregiver, started_at=start, ended_at=start + timedelta(hours=12))

    assert sync_one(caregiver, item).status == "created"


def test_a_visit_ending_in_the_future_past_the_clock_skew_is_refused_on_ended_at(
    caregiver: Any,
) -> None:
    start = hours_ago(1)
    soon = item_for(caregiver, started_at=start, ended_at=timezone.now() + timedelta(minutes=4))
    later = item_for(caregiver, started_at=start, ended_at=timezone.now() + timedelta(minutes=6))

    assert sync_one(caregiver, soon).status == "created"
    result = sync_one(caregiver, later)
    assert set(result.errors) == {"ended_at"}


def test_a_visit_without_check_out_starting_in_the_future_is_refused_on_started_at(
    caregiver: Any,
) -> None:
    item = item_for(caregiver, started_at=timezone.now() + timedelta(minutes=6), ended_at=None)

    assert set(sync_one(caregiver, item).errors) == {"started_at"}


@pytest.mark.parametrize(
    ("codes", "accepted"),
    [((), False), (("juggling",), False), (("housework", "juggling"), False), (("meal",), True)],
)
def test_a_visit_names_at_least_one_known_service(
    caregiver: Any, codes: tuple[str, ...], accepted: bool
) -> None:
    result = sync_one(caregiver, item_for(caregiver, service_type_codes=codes))

    assert (result.status == "created") is accepted
    if not accepted:
        assert set(result.errors) == {"service_types"}


def test_notes_with_a_resident_registration_number_are_refused_on_notes(caregiver: Any) -> None:
    result = sync_one(caregiver, item_for(caregiver, notes="주민번호 900101-1234567"))

    assert set(result.errors) == {"notes"}


def test_an_unknown_program_is_refused_on_program(caregiver: Any) -> None:
    result = sync_one(caregiver, item_for(caregiver, program_code="no_such_program"))

    assert set(result.errors) == {"program"}
    assert "no_such_program" in result.errors["program"][0]


def test_notes_are_stored_without_surrounding_spaces(caregiver: Any) -> None:
    result = sync_one(caregiver, item_for(caregiver, notes="  문 앞에서 인사  "))

    assert Visit.objects.get(pk=result.visit.pk).notes == "문 앞에서 인사"


def test_a_coordinator_visit_outside_any_assignment_is_kept_with_an_exception(
    coordinator: Any, caregiver: Any
) -> None:
    stranger = RecipientFactory()
    from tests.factories import episode_of

    episode_of(stranger)
    item = item_for(
        caregiver, recipient_id=stranger.pk, corps_member_id=caregiver.corps_member_record.pk
    )

    result = sync_one(coordinator, item)

    assert kinds_of(result) == {VisitException.Kind.OUTSIDE_ASSIGNMENT}
    assert VisitException.objects.get().detail == "배정 기간 밖의 방문을 코디네이터가 기록했습니다."


def test_a_coordinator_visit_to_a_person_without_any_episode_is_refused_on_recipient(
    coordinator: Any, caregiver: Any
) -> None:
    item = item_for(
        caregiver,
        recipient_id=RecipientFactory().pk,
        corps_member_id=caregiver.corps_member_record.pk,
    )

    result = sync_one(coordinator, item)

    assert result.errors == {"recipient": ["이 대상자에게는 돌봄 회차가 없습니다."]}


# --- voiding and resolving ---------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", "\t\n"])
def test_a_void_needs_a_reason_that_is_not_only_spaces(coordinator: Any, reason: str) -> None:
    visit = VisitFactory()

    with pytest.raises(ValidationError) as raised:
        visits.visit_void(actor=coordinator, visit=visit, reason=reason)

    assert set(raised.value.message_dict) == {"reason"}
    visit.refresh_from_db()
    assert visit.status == Visit.Status.SUBMITTED


def test_a_void_stores_its_reason_without_surrounding_spaces_and_who_voided(
    coordinator: Any,
) -> None:
    visit = visits.visit_void(actor=coordinator, visit=VisitFactory(), reason="  중복 입력 ")

    visit.refresh_from_db()
    assert (visit.status, visit.void_reason) == (Visit.Status.VOID, "중복 입력")
    assert visit.reviewed_by == coordinator
    assert visit.reviewed_at is not None


def test_a_void_visit_cannot_be_voided_again(coordinator: Any) -> None:
    visit = visits.visit_void(actor=coordinator, visit=VisitFactory(), reason="중복")

    with pytest.raises(ValidationError) as raised:
        visits.visit_void(actor=coordinator, visit=visit, reason="또")

    assert set(raised.value.message_dict) == {"status"}


@pytest.mark.parametrize("resolution", ["", "  "])
def test_an_exception_needs_a_resolution_that_is_not_only_spaces(
    coordinator: Any, resolution: str
) -> None:
    from tests.care.visit_factories import VisitExceptionFactory

    exception = VisitExceptionFactory()

    with pytest.raises(ValidationError) as raised:
        visits.visit_exception_resolve(
            actor=coordinator, exception=exception, resolution=resolution
        )

    assert set(raised.value.message_dict) == {"resolution"}


# --- the episode's hours limit -----------------------------------------------------------------


def limit_hours(caregiver: Any, hours: str) -> None:
    from decimal import Decimal

    from care.models import Assignment, Episode

    episode_id = Assignment.objects.get(corps_member=caregiver.corps_member_record).episode_id
    Episode.objects.filter(pk=episode_id).update(max_hours=Decimal(hours))


def test_visits_reaching_the_hours_limit_exactly_are_within_it(caregiver: Any) -> None:
    limit_hours(caregiver, "1.5")
    first = item_for(caregiver, started_at=hours_ago(30).replace(microsecond=0))
    second = item_for(
        caregiver,
        started_at=first.ended_at + timedelta(hours=1),
        ended_at=first.ended_at + timedelta(hours=1, minutes=30),
    )

    results = visits.visit_sync(actor=caregiver, items=[first, second])

    assert [kinds_of(r) for r in results] == [set(), set()]


def test_the_visit_that_crosses_the_hours_limit_and_those_after_it_carry_the_exception(
    caregiver: Any,
) -> None:
    limit_hours(caregiver, "1.5")
    start = hours_ago(30).replace(microsecond=0)
    items = [
        item_for(
            caregiver,
            started_at=start + timedelta(hours=2 * index),
            ended_at=start + timedelta(hours=2 * index, minutes=45),
        )
        for index in range(3)
    ]
    caregiver_visit(
        caregiver, started_at=start - timedelta(hours=5), ended_at=start - timedelta(hours=4)
    )

    results = visits.visit_sync(actor=caregiver, items=list(reversed(items)))

    flagged = [VisitException.Kind.HOURS_LIMIT in kinds_of(r) for r in reversed(results)]
    assert flagged == [True, True, True]
    detail = VisitException.objects.filter(kind=VisitException.Kind.HOURS_LIMIT).first().detail
    assert "1.5" in detail


def test_only_the_visits_past_the_hours_limit_carry_the_exception(caregiver: Any) -> None:
    limit_hours(caregiver, "1")
    start = hours_ago(30).replace(microsecond=0)
    items = [
        item_for(
            caregiver,
            started_at=start + timedelta(hours=2 * index),
            ended_at=start + timedelta(hours=2 * index, minutes=40),
        )
        for index in range(3)
    ]

    results = visits.visit_sync(actor=caregiver, items=items)

    assert [VisitException.Kind.HOURS_LIMIT in kinds_of(r) for r in results] == [
        False,
        True,
        True,
    ]
    details = VisitException.objects.filter(kind=VisitException.Kind.HOURS_LIMIT).order_by(
        "visit__started_at"
    )
    assert ["1.3시간" in d.detail for d in details] == [True, False]
    assert "2.0시간" in details[1].detail


def test_a_visit_without_check_out_does_not_count_towards_the_hours_limit(
    caregiver: Any,
) -> None:
    limit_hours(caregiver, "1")
    start = hours_ago(30).replace(microsecond=0)
    open_visit = item_for(caregiver, started_at=start, ended_at=None)
    closed = item_for(caregiver, started_at=start + timedelta(hours=2))

    results = visits.visit_sync(actor=caregiver, items=[open_visit, closed])

    assert VisitException.Kind.HOURS_LIMIT not in kinds_of(results[1])
    assert visits._minutes(Visit.objects.get(client_uuid=open_visit.client_uuid)) == 0.0
    assert visits._minutes(Visit.objects.get(client_uuid=closed.client_uuid)) == 60.0


# --- corrections and confirmation ----------------------------------------------------------------


def test_a_correction_rejudges_the_open_exceptions_against_the_new_times(
    caregiver: Any, earlier: Visit
) -> None:
    result = sync_one(caregiver, item_for(caregiver, started_at=earlier.started_at))
    assert VisitException.Kind.OVERLAP in kinds_of(result)

    visit = visits.visit_update(
        actor=caregiver,
        visit=result.visit,
        changes={
            "started_at": earlier.ended_at,
            "ended_at": earlier.ended_at + timedelta(minutes=30),
            "notes": " 고침 ",
        },
    )

    visit.refresh_from_db()
    assert (visit.started_at, visit.notes) == (earlier.ended_at, "고침")
    assert not visit.exceptions.filter(kind=VisitException.Kind.OVERLAP).exists()


def test_a_correction_keeps_the_services_unless_new_ones_are_given(caregiver: Any) -> None:
    result = sync_one(caregiver, item_for(caregiver, service_type_codes=("meal", "housework")))

    visit = visits.visit_update(actor=caregiver, visit=result.visit, changes={"notes": "메모"})
    assert sorted(visit.service_types.values_list("code", flat=True)) == ["housework", "meal"]

    visit = visits.visit_update(
        actor=caregiver, visit=visit, changes={"service_type_codes": ["mobility"]}
    )
    assert list(visit.service_types.values_list("code", flat=True)) == ["mobility"]


def test_a_correction_by_someone_else_or_after_review_is_refused(
    caregiver: Any, coordinator: Any
) -> None:
    result = sync_one(caregiver, item_for(caregiver))

    with pytest.raises(ValidationError) as other:
        visits.visit_update(actor=coordinator, visit=result.visit, changes={"notes": "x"})
    visits.visit_verify(actor=coordinator, visit=result.visit)
    with pytest.raises(ValidationError) as reviewed:
        visits.visit_update(actor=caregiver, visit=result.visit, changes={"notes": "x"})

    assert set(other.value.message_dict) == {"non_field_errors"}
    assert set(reviewed.value.message_dict) == {"status"}


def test_bulk_confirmation_skips_visits_with_open_exceptions_and_counts_the_others(
    coordinator: Any,
) -> None:
    plain = VisitFactory()
    flagged = VisitFactory()
    VisitException.objects.create(visit=flagged, kind=VisitException.Kind.OVERLAP, detail="겹침")
    resolved = VisitFactory()
    VisitException.objects.create(
        visit=resolved,
        kind=VisitException.Kind.OVERLAP,
        detail="겹침",
        resolution="확인",
        resolved_at=timezone.now(),
    )
    void = VisitFactory(status=Visit.Status.VOID, void_reason="중복")

    count = visits.visits_verify_bulk(actor=coordinator, visits_qs=Visit.objects.all())

    assert count == 2
    statuses = dict(Visit.objects.values_list("pk", "status"))
    assert statuses == {
        plain.pk: Visit.Status.VERIFIED,
        flagged.pk: Visit.Status.SUBMITTED,
        resolved.pk: Visit.Status.VERIFIED,
        void.pk: Visit.Status.VOID,
    }
    plain.refresh_from_db()
    assert plain.reviewed_by == coordinator and plain.reviewed_at is not None


def test_bulk_confirmation_of_nothing_confirms_nothing(coordinator: Any) -> None:
    VisitFactory(status=Visit.Status.VOID, void_reason="중복")

    assert visits.visits_verify_bulk(actor=coordinator, visits_qs=Visit.objects.all()) == 0


def test_a_visit_of_one_hour_is_sixty_minutes_exactly_in_the_database() -> None:
    # SQLite's julianday() made it 60.000000447, and a visit reaching its episode's limit
    # exactly was flagged as past it.
    from care.episodes.selectors import MinutesBetween

    start = datetime(2026, 12, 3, 1, 0, tzinfo=dt.UTC)
    visit = VisitFactory(started_at=start, ended_at=start + timedelta(hours=1))

    minutes = (
        Visit.objects.filter(pk=visit.pk)
        .annotate(minutes=MinutesBetween("started_at", "ended_at"))
        .values_list("minutes", flat=True)
        .get()
    )

    assert minutes == 60.0


# --- the one-by-one fallback of a sync that met a concurrent insert ---------------------------


def test_the_one_by_one_fallback_answers_each_item_in_input_order(caregiver: Any) -> None:
    stored = item_for(caregiver)
    sync_one(caregiver, stored)
    new = item_for(caregiver, started_at=hours_ago(10))
    bad_shape = {"started_at": ["잘못된 형식"]}
    items = [
        new,
        bad_shape,
        stored,
        replace(stored, notes="다름"),
        item_for(caregiver, service_type_codes=()),
    ]

    results = visits._sync_one_by_one(actor=caregiver, items=items, source_ip=None)

    assert [(r.index, r.status) for r in results] == [
        (0, "created"),
        (1, "error"),
        (2, "existing"),
        (3, "conflict"),
        (4, "error"),
    ]
    assert [r.client_uuid for r in results] == [
        new.client_uuid,
        None,
        stored.client_uuid,
        stored.client_uuid,
        items[4].client_uuid,
    ]
    assert results[1].errors == bad_shape
    assert set(results[4].errors) == {"service_types"}
    assert (results[1].visit, results[4].visit, results[4].visit_row) == (None, None, None)
    assert results[0].visit_row["client_uuid"] == new.client_uuid
    assert results[2].visit_row["id"] == results[3].visit_row["id"] == results[2].visit.pk
    assert Visit.objects.count() == 2


# --- the seven-day alert leaves planned care to the schedule -----------------------------------


def test_a_recipient_whose_open_episode_has_a_care_plan_gets_no_seven_day_alert() -> None:
    from tests.care.schedule.helpers import entry

    planned = AssignmentFactory(starts_on=timezone.localdate() - timedelta(days=30))
    unplanned = AssignmentFactory(starts_on=timezone.localdate() - timedelta(days=30))
    entry(planned.episode, planned.corps_member, weekday=0)

    count = visits.no_visit_alerts_record(as_of=timezone.localdate())

    from care.models import NoVisitAlert

    assert count == 1
    assert list(NoVisitAlert.objects.values_list("recipient_id", flat=True)) == [
        unplanned.recipient_id
    ]


# --- messages, the access log's address, the race of two replays, the order of services -------


def test_a_batch_over_the_limit_is_refused_on_visits_with_the_limit_in_the_message(
    caregiver: Any,
) -> None:
    items = [item_for(caregiver) for _ in range(visits.SYNC_BATCH_LIMIT + 1)]

    with pytest.raises(ValidationError) as raised:
        visits.visit_sync(actor=caregiver, items=items)

    assert raised.value.message_dict == {"visits": ["한 번에 500건까지 보낼 수 있습니다."]}


def test_another_persons_key_is_refused_with_a_message_saying_so(
    caregiver: Any, stored_item: VisitInput
) -> None:
    other = UserFactory(roles=["caregiver"])
    AssignmentFactory(corps_member=CorpsMemberFactory(user=other))

    result = sync_one(other, stored_item)

    assert result.errors == {"client_uuid": ["이미 다른 기록에 쓰인 ID입니다."]}


@pytest.mark.parametrize("one_by_one", [False, True])
def test_a_sync_writes_the_devices_address_to_the_access_log(
    caregiver: Any, one_by_one: bool
) -> None:
    from base.models import AccessLog

    sync = visits._sync_one_by_one if one_by_one else visits.visit_sync
    sync(actor=caregiver, items=[item_for(caregiver)], source_ip="10.1.2.3")

    assert list(AccessLog.objects.values_list("source_ip", flat=True)) == ["10.1.2.3"]


@pytest.fixture
def lost_race(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lookup misses the stored visit, as when another request inserts the same key
    between this request's lookup and its insert."""
    real = visits.visit_context_load

    def blind(**kwargs: Any) -> visits.VisitContext:
        ctx = real(**kwargs)
        ctx.existing.clear()
        ctx.visible_existing.clear()
        return ctx

    monkeypatch.setattr(visits, "visit_context_load", blind)


def test_a_replay_that_lost_the_race_is_answered_from_the_stored_visit(
    caregiver: Any, stored_item: VisitInput, lost_race: None
) -> None:
    same, same_outcome = visits.visit_record(actor=caregiver, item=stored_item)
    other, other_outcome = visits.visit_record(
        actor=caregiver, item=replace(stored_item, notes="다른 내용")
    )

    assert (same_outcome, other_outcome) == ("existing", "conflict")
    assert same.client_uuid == other.client_uuid == stored_item.client_uuid
    assert Visit.objects.count() == 1


def test_another_persons_key_that_lost_the_race_is_still_refused(
    caregiver: Any, stored_item: VisitInput, lost_race: None
) -> None:
    other = UserFactory(roles=["caregiver"])
    AssignmentFactory(
        corps_member=CorpsMemberFactory(user=other), recipient=caregiver.assigned_recipient
    )

    with pytest.raises(ValidationError) as raised:
        visits.visit_record(actor=other, item=stored_item)

    assert set(raised.value.message_dict) == {"client_uuid"}


def test_stored_visits_read_back_list_their_services_in_the_catalogues_order(
    caregiver: Any,
) -> None:
    from base.models import ServiceType

    codes = ("safety_check", "daily_living", "housework", "meal")
    result = sync_one(caregiver, item_for(caregiver, service_type_codes=codes))

    row = visits.visit_rows([result.visit.pk])[result.visit.pk]

    expected = list(
        ServiceType.objects.filter(code__in=codes)
        .order_by("sort_order", "code")
        .values_list("code", flat=True)
    )
    assert expected != sorted(codes)
    assert row["service_types"] == expected == result.visit_row["service_types"]


def test_a_closed_episodes_care_plan_does_not_silence_the_seven_day_alert() -> None:
    from care.models import Episode, NoVisitAlert
    from tests.care.schedule.helpers import entry

    assignment = AssignmentFactory(starts_on=timezone.localdate() - timedelta(days=30))
    entry(assignment.episode, assignment.corps_member, weekday=0)
    Episode.objects.filter(pk=assignment.episode_id).update(
        state="closed", closure_reason="recovered", closed_on=timezone.localdate()
    )

    visits.no_visit_alerts_record(as_of=timezone.localdate())

    assert list(NoVisitAlert.objects.values_list("recipient_id", flat=True)) == [
        assignment.recipient_id
    ]


# --- a substitute's visit: the scheduled visit stands for the assignment ------------------------


@pytest.fixture
def substitute_day(bounded_caregiver: Any) -> tuple[Any, Any, dt.date]:
    """The day after the caregiver's assignment ended, on which they are scheduled as a
    substitute (대체 방문) for another person, at 10:00."""
    from tests.care.schedule.helpers import entry, occurrence

    day = bounded_caregiver.assignment.ends_on + timedelta(days=1)
    other = RecipientFactory()
    from tests.factories import episode_of, program

    episode = episode_of(
        other, starts_on=day - timedelta(days=20), program=program("rural_gap_care")
    )
    plan = entry(episode, bounded_caregiver.corps_member_record, weekday=day.weekday())
    scheduled = occurrence(plan, day)
    return other, scheduled, day


def test_a_substitutes_visit_takes_the_program_and_episode_of_the_scheduled_visit(
    bounded_caregiver: Any, substitute_day: tuple[Any, Any, dt.date]
) -> None:
    other, scheduled, day = substitute_day
    item = replace(visit_on(bounded_caregiver, day), recipient_id=other.pk)

    result = sync_one(bounded_caregiver, item)

    assert result.status == "created", result.errors
    visit = Visit.objects.get(pk=result.visit.pk)
    assert (visit.episode_id, visit.program.code) == (scheduled.episode_id, "rural_gap_care")


def test_a_substitutes_schedule_does_not_cover_their_own_ended_assignment(
    bounded_caregiver: Any, substitute_day: tuple[Any, Any, dt.date]
) -> None:
    other, _scheduled, day = substitute_day
    substitute = replace(visit_on(bounded_caregiver, day), recipient_id=other.pk)
    own = visit_on(bounded_caregiver, day, dt.time(14))

    results = visits.visit_sync(actor=bounded_caregiver, items=[substitute, own])

    assert [r.status for r in results] == ["created", "error"]
    assert set(results[1].errors) == {"recipient"}


def test_the_hours_limit_counts_only_the_visits_of_the_episode_itself(
    caregiver: Any, bounded_caregiver: Any
) -> None:
    # The first caregiver's episode (the older one) holds eighteen hours of visits.
    caregiver_visit(caregiver, started_at=hours_ago(40), ended_at=hours_ago(30))
    caregiver_visit(caregiver, started_at=hours_ago(28), ended_at=hours_ago(20))
    limit_hours(bounded_caregiver, "1.5")
    day = bounded_caregiver.assignment.ends_on

    result = sync_one(bounded_caregiver, visit_on(bounded_caregiver, day))

    assert VisitException.Kind.HOURS_LIMIT not in kinds_of(result)


def test_naming_another_corps_members_scheduled_visit_for_the_same_person_is_refused(
    bounded_caregiver: Any, substitute_day: tuple[Any, Any, dt.date]
) -> None:
    other, scheduled, day = substitute_day
    stranger = UserFactory(roles=["caregiver"])
    AssignmentFactory(
        corps_member=CorpsMemberFactory(user=stranger),
        recipient=other,
        starts_on=day - timedelta(days=3),
    )
    item = replace(
        visit_on(bounded_caregiver, day), recipient_id=other.pk, scheduled_visit_id=scheduled.pk
    )

    result = sync_one(stranger, item)

    assert result.errors == {"scheduled_visit": ["이 방문의 단원과 대상자의 일정이 아닙니다."]}


# --- what the refusals and exceptions say (docs/testing.md: survivors of 5 December) --------


def test_a_visit_without_check_out_is_flagged_saying_so(caregiver: Any) -> None:
    checked = checked_visit(caregiver, ended_at=None)

    [missing] = [
        e
        for e in visits._exceptions_for([checked], checked.visit.started_at)
        if e.kind == VisitException.Kind.MISSING_CHECKOUT
    ]

    assert str(missing.detail) == "체크아웃 없이 저장되었습니다."


def test_an_unknown_service_is_refused_naming_it(caregiver: Any) -> None:
    result = sync_one(caregiver, item_for(caregiver, service_type_codes=("meal", "juggling")))

    assert [str(m) for m in result.errors["service_types"]] == ["알 수 없는 서비스 유형: juggling"]


def test_a_coordinator_naming_no_corps_member_is_asked_for_one(
    coordinator: Any, caregiver: Any
) -> None:
    result = sync_one(coordinator, item_for(caregiver))

    assert [str(m) for m in result.errors["corps_member"]] == ["방문한 단원을 지정하세요."]


def test_a_visit_naming_a_scheduled_visit_that_no_longer_exists_is_kept(caregiver: Any) -> None:
    # a plan change removed the occurrence while the tablet was offline: the care given stays
    result = sync_one(caregiver, item_for(caregiver, scheduled_visit_id=987654321))

    assert result.status == "created", result.errors
