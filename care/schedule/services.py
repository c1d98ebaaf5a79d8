"""Care plans and the schedule made from them: the writes (서비스 계획·방문 일정).

A plan entry is a weekly promise; ``schedule_generate`` turns every valid entry into dated
occurrences 14 days ahead in one set-based statement, keyed by (plan entry, date) so that a
second run inserts nothing. A plan change regenerates its episode's FUTURE occurrences that
nobody touched; a coordinator's change to one day (substitute, new time, cancellation) marks
the occurrence ``touched`` and is never overwritten. Visits mark their occurrence done
(``scheduled_visits_match``); the 15-minute pass marks the rest late, then missed.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from base.models import ServiceType
from base.sql import connection_of, placeholders, table
from care.episodes.models import Episode
from care.matching import Suggestion, corps_member_suggestions
from care.models import Visit
from care.schedule.models import CarePlanEntry, ScheduledVisit
from notifications.services import message_enqueue
from volunteers.compliance.models import ComplianceOverride
from volunteers.compliance.services import compliance_check
from volunteers.models import WEEKDAY_CODES, CorpsMember

logger = logging.getLogger(__name__)

# How far ahead the schedule is materialised (nightly, and on every plan change).
HORIZON_DAYS = 14
# A visit starting this close to a scheduled one (either side) is taken for it: caregivers
# arrive early and late, and two visits of one caregiver to one person are hours apart.
MATCH_WINDOW = timedelta(hours=2)
# The episode states whose plan is carried out; entries can only be made for these.
PLANNED_STATES = (Episode.State.APPROVED, Episode.State.ACTIVE)
# Occurrences that still hold the corps member's time (a double booking is checked against).
BOOKED_STATES = ("planned", "late", "done")
# Occurrences a coordinator may still reassign or move.
CHANGEABLE_STATES = ("planned", "late")

ScheduleState = ScheduledVisit.State


def _late_after() -> timedelta:
    return timedelta(minutes=getattr(settings, "SCHEDULE_LATE_AFTER_MINUTES", 30))


def _seoul_start(day: date) -> datetime:
    """The aware instant a Seoul day begins."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _starts_at(day: date, start: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, start))


# --- plan entries ---------------------------------------------------------------------------


def _send_regeneration(episode_id: int) -> None:
    # Imported here: tasks.py imports this module.
    from care.schedule.tasks import regenerate_episode_schedule

    try:
        regenerate_episode_schedule.delay(episode_id)
    except Exception:
        # The broker is down: the plan is saved, and the nightly generation adds what is
        # missing; the coordinator's page shows the plan, not a stack trace.
        logger.exception("could not queue the schedule of episode %s", episode_id)


def _queue_regeneration(episode_id: int) -> None:
    transaction.on_commit(partial(_send_regeneration, episode_id))


def _service_ids(service_types: Iterable[ServiceType | int]) -> list[int]:
    return sorted({st if isinstance(st, int) else st.pk for st in service_types})


def _member_problems(member: CorpsMember, service_ids: Sequence[int]) -> list[str]:
    """Why ``member`` cannot be scheduled for these services, in the coordinator's words."""
    problems = []
    if member.status != CorpsMember.Status.ACTIVE:
        problems.append(
            _("%(name)s 단원은 활동 중이 아닙니다(%(status)s).")
            % {"name": member.name, "status": member.get_status_display()}
        )
    if member.user_id is None:
        problems.append(
            _("%(name)s 단원에게 로그인 계정이 없어 태블릿으로 일정을 받을 수 없습니다.")
            % {"name": member.name}
        )
    given = set(member.service_types.values_list("pk", flat=True))
    missing = [pk for pk in service_ids if pk not in given]
    if missing:
        names = ServiceType.objects.filter(pk__in=missing).values_list("name", flat=True)
        problems.append(
            _("%(name)s 단원은 이 서비스를 제공할 수 없습니다: %(services)s")
            % {"name": member.name, "services": ", ".join(names)}
        )
    return problems


def _plan_entry_check(
    *, entry: CarePlanEntry, episode: Episode, service_ids: Sequence[int]
) -> None:
    errors: dict[str, list[str]] = defaultdict(list)
    if episode.state not in PLANNED_STATES:
        errors["episode"].append(
            _("선정되었거나 서비스 중인 회차에만 계획을 세울 수 있습니다(현재: %(state)s).")
            % {"state": episode.get_state_display()}
        )
    if episode.starts_on and entry.valid_from and entry.valid_from < episode.starts_on:
        errors["valid_from"].append(
            _("적용 시작일은 회차 시작일(%(day)s)보다 빠를 수 없습니다.")
            % {"day": episode.starts_on.isoformat()}
        )
    if episode.planned_end_on:
        if entry.valid_from and entry.valid_from > episode.planned_end_on:
            errors["valid_from"].append(
                _("적용 시작일이 회차 종료 예정일(%(day)s) 뒤입니다.")
                % {"day": episode.planned_end_on.isoformat()}
            )
        if entry.valid_until and entry.valid_until > episode.planned_end_on:
            errors["valid_until"].append(
                _("적용 종료일은 회차 종료 예정일(%(day)s)보다 늦을 수 없습니다.")
                % {"day": episode.planned_end_on.isoformat()}
            )
    if entry.valid_from and entry.valid_until and entry.valid_until < entry.valid_from:
        errors["valid_until"].append(_("적용 종료일은 시작일보다 빠를 수 없습니다."))
    if not service_ids:
        errors["service_types"].append(_("서비스를 하나 이상 고르세요."))
    errors["corps_member"].extend(_member_problems(entry.corps_member, service_ids))
    errors = {field: messages for field, messages in errors.items() if messages}
    if errors:
        raise ValidationError(errors)
    entry.full_clean(exclude=["episode", "corps_member", "service_types"])


@transaction.atomic
def plan_entry_create(
    *,
    actor: AbstractBaseUser,
    episode: Episode,
    weekday: int,
    start_time: time,
    planned_minutes: int,
    service_types: Iterable[ServiceType | int],
    corps_member: CorpsMember,
    valid_from: date | None = None,
    valid_until: date | None = None,
    note: str = "",
    compliance_override_reason: str = "",
) -> CarePlanEntry:
    """Add a weekly line to an approved or active episode's plan; its schedule follows on
    commit. Refused (400 naming the field) outside the episode's period, on an episode not
    approved or active, or for a corps member who is inactive, has no login account (the
    schedule reaches them on the tablet), cannot give the services, or whose required
    compliance item has lapsed or is missing (unless ``compliance_override_reason``)."""
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    if valid_from is None:
        valid_from = max(filter(None, [episode.starts_on, timezone.localdate()]))
    service_ids = _service_ids(service_types)
    entry = CarePlanEntry(
        episode=episode,
        weekday=weekday,
        start_time=start_time,
        planned_minutes=planned_minutes,
        corps_member=corps_member,
        valid_from=valid_from,
        valid_until=valid_until,
        note=note.strip(),
        created_by=actor,
    )
    _plan_entry_check(entry=entry, episode=episode, service_ids=service_ids)
    entry.compliance_override = _plan_compliance_check(
        actor, entry, episode, reason=compliance_override_reason
    )
    entry.save()
    entry.service_types.set(service_ids)
    _queue_regeneration(episode.pk)
    return entry


def _plan_compliance_check(
    actor: AbstractBaseUser, entry: CarePlanEntry, episode: Episode, *, reason: str
) -> ComplianceOverride | None:
    return compliance_check(
        actor=actor,
        corps_member=entry.corps_member,
        category=episode.recipient.category,
        on=max(entry.valid_from, timezone.localdate()),
        action=ComplianceOverride.Action.CARE_PLAN,
        override_reason=reason,
    )


PLAN_ENTRY_FIELDS = (
    "weekday",
    "start_time",
    "planned_minutes",
    "corps_member",
    "valid_from",
    "valid_until",
    "note",
)


@transaction.atomic
def plan_entry_update(
    *, actor: AbstractBaseUser, entry: CarePlanEntry, **fields: Any
) -> CarePlanEntry:
    """Change a plan entry; future occurrences nobody touched follow it on commit. A new
    corps member is held to the compliance rule as on ``plan_entry_create``."""
    override_reason = fields.pop("compliance_override_reason", "")
    unknown = set(fields) - {*PLAN_ENTRY_FIELDS, "service_types"}
    if unknown:
        raise ValidationError({name: [_("바꿀 수 없는 항목입니다.")] for name in sorted(unknown)})
    entry = CarePlanEntry.objects.select_for_update().select_related("episode").get(pk=entry.pk)
    episode = Episode.objects.select_for_update().get(pk=entry.episode_id)
    previous_member_id = entry.corps_member_id
    for name in PLAN_ENTRY_FIELDS:
        if name in fields:
            setattr(entry, name, fields[name].strip() if name == "note" else fields[name])
    service_ids = (
        _service_ids(fields["service_types"])
        if "service_types" in fields
        else _service_ids(entry.service_types.values_list("pk", flat=True))
    )
    _plan_entry_check(entry=entry, episode=episode, service_ids=service_ids)
    if entry.corps_member_id != previous_member_id:
        entry.compliance_override = _plan_compliance_check(
            actor, entry, episode, reason=override_reason
        )
    entry.save()
    if "service_types" in fields:
        entry.service_types.set(service_ids)
    _queue_regeneration(episode.pk)
    return entry


def plan_entry_end(
    *, actor: AbstractBaseUser, entry: CarePlanEntry, valid_until: date
) -> CarePlanEntry:
    """End a plan entry on ``valid_until`` (its last day): the way a plan changes while the
    past schedule keeps the entry it was made from."""
    return plan_entry_update(actor=actor, entry=entry, valid_until=valid_until)


def plan_entries_end_for_member(*, episode_id: int, corps_member_id: int, last_day: date) -> int:
    """A corps member stops serving an episode after ``last_day`` (their assignment ended):
    their plan entries end that day, and entries that would only start later are removed when
    nothing of them has happened yet. The future schedule follows on commit. Ending asks no
    other rule: a member who went on leave must still be taken off the plan. Returns how many
    entries changed."""
    entries = CarePlanEntry.objects.select_for_update().filter(
        episode_id=episode_id, corps_member_id=corps_member_id
    )
    changed = (
        entries.filter(valid_from__lte=last_day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=last_day))
        .update(valid_until=last_day, updated_at=timezone.now())
    )
    for entry in entries.filter(valid_from__gt=last_day):
        started = entry.occurrences.exclude(
            state=ScheduleState.PLANNED, touched=False, starts_at__gt=timezone.now()
        )
        if not started.exists():
            entry.occurrences.all().delete()
            entry.delete()
            changed += 1
    if changed:
        _queue_regeneration(episode_id)
    return changed


@transaction.atomic
def plan_entry_delete(*, actor: AbstractBaseUser, entry: CarePlanEntry) -> None:
    """Delete a plan entry made by mistake, with its future untouched occurrences. An entry
    whose schedule has begun (a past, done, changed or cancelled occurrence) is history: it
    is ended with ``plan_entry_end`` instead (400 on ``valid_until``)."""
    entry = CarePlanEntry.objects.select_for_update().get(pk=entry.pk)
    used = entry.occurrences.exclude(
        state=ScheduleState.PLANNED, touched=False, starts_at__gt=timezone.now()
    )
    if used.exists():
        raise ValidationError(
            {
                "valid_until": [
                    _("일정이 이미 진행된 계획은 지울 수 없습니다. 적용 종료일로 끝내세요.")
                ]
            }
        )
    entry.occurrences.all().delete()
    entry.delete()


# --- generation -----------------------------------------------------------------------------


def _entries_to_generate(
    *, first: date, last: date, episode_ids: Sequence[int] | None
) -> QuerySet[CarePlanEntry]:
    entries = CarePlanEntry.objects.filter(
        episode__state__in=PLANNED_STATES,
        episode__starts_on__isnull=False,
        episode__starts_on__lte=last,
        valid_from__lte=last,
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=first))
    entries = entries.filter(
        Q(episode__planned_end_on__isnull=True) | Q(episode__planned_end_on__gte=first)
    )
    if episode_ids is not None:
        entries = entries.filter(episode_id__in=episode_ids)
    return entries


def _wanted_occurrences(
    *, first: date, last: date, episode_ids: Sequence[int] | None
) -> list[ScheduledVisit]:
    """The occurrences the plan asks for between two days, built in Python (one query)."""
    rows = _entries_to_generate(first=first, last=last, episode_ids=episode_ids).values_list(
        "pk",
        "episode_id",
        "episode__recipient_id",
        "episode__starts_on",
        "episode__planned_end_on",
        "weekday",
        "start_time",
        "planned_minutes",
        "corps_member_id",
        "valid_from",
        "valid_until",
    )
    wanted = []
    now = timezone.now()
    for (
        entry_id,
        episode_id,
        recipient_id,
        starts_on,
        planned_end_on,
        weekday,
        start_time,
        minutes,
        member_id,
        valid_from,
        valid_until,
    ) in rows:
        begin = max(first, starts_on, valid_from)
        end = min(filter(None, [last, planned_end_on, valid_until]))
        day = begin + timedelta(days=(weekday - begin.weekday()) % 7)
        while day <= end:
            wanted.append(
                ScheduledVisit(
                    episode_id=episode_id,
                    recipient_id=recipient_id,
                    plan_entry_id=entry_id,
                    occurrence_date=day,
                    starts_at=_starts_at(day, start_time),
                    planned_minutes=minutes,
                    corps_member_id=member_id,
                    created_at=now,
                    updated_at=now,
                )
            )
            day += timedelta(days=7)
    return wanted


# One statement for the whole province: every valid entry × every day of the horizon whose
# weekday it names, inside the episode's period and the entry's validity. The unique
# (plan_entry, occurrence_date) makes a second run insert nothing.
GENERATE_SQL = """
INSERT INTO care_scheduledvisit (
    episode_id, recipient_id, plan_entry_id, occurrence_date, starts_at, planned_minutes,
    corps_member_id, state, touched, change_reason, created_at, updated_at
)
SELECT e.episode_id, ep.recipient_id, e.id, d.day::date,
       (d.day::date + e.start_time) AT TIME ZONE %(tz)s, e.planned_minutes,
       e.corps_member_id, 'planned', false, '', %(now)s, %(now)s
FROM care_careplanentry e
JOIN care_episode ep ON ep.id = e.episode_id
CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 day') AS d(day)
WHERE ep.state IN ('approved', 'active')
  AND ep.starts_on IS NOT NULL
  AND (EXTRACT(ISODOW FROM d.day)::integer - 1) = e.weekday
  AND d.day::date >= ep.starts_on
  AND (ep.planned_end_on IS NULL OR d.day::date <= ep.planned_end_on)
  AND d.day::date >= e.valid_from
  AND (e.valid_until IS NULL OR d.day::date <= e.valid_until)
  {episodes}
ON CONFLICT (plan_entry_id, occurrence_date) DO NOTHING
"""


def schedule_generate(
    *, today: date | None = None, days: int = HORIZON_DAYS, episode_ids: Sequence[int] | None = None
) -> int:
    """Materialise the next ``days`` days of every approved or active episode's plan; the
    number of occurrences inserted. Idempotent: running it twice inserts nothing the second
    time. One INSERT … SELECT … ON CONFLICT DO NOTHING on PostgreSQL; elsewhere the same rows
    built in Python and inserted with ``bulk_create(ignore_conflicts=True)``."""
    first = today or timezone.localdate()
    last = first + timedelta(days=days - 1)
    if connection.vendor == "postgresql":
        params: dict[str, Any] = {
            "tz": str(timezone.get_current_timezone()),
            "now": timezone.now(),
            "first": first,
            "last": last,
        }
        episodes = ""
        if episode_ids is not None:
            episodes = "AND e.episode_id = ANY(%(episode_ids)s)"
            params["episode_ids"] = list(episode_ids)
        with connection.cursor() as cursor:
            cursor.execute(GENERATE_SQL.format(episodes=episodes), params)
            return max(cursor.rowcount, 0)
    wanted = _wanted_occurrences(first=first, last=last, episode_ids=episode_ids)
    scope = ScheduledVisit.objects.filter(occurrence_date__range=(first, last))
    if episode_ids is not None:
        scope = scope.filter(episode_id__in=episode_ids)
    with transaction.atomic():
        before = scope.count()
        ScheduledVisit.objects.bulk_create(wanted, batch_size=1000, ignore_conflicts=True)
        return scope.count() - before


@transaction.atomic
def schedule_regenerate_episode(*, episode_id: int, today: date | None = None) -> int:
    """Bring an episode's future schedule in line with its plan after a change.

    Only FUTURE occurrences that are ``planned`` and not ``touched`` change: those the plan no
    longer asks for are deleted, those whose time, length or corps member changed are updated
    in place (their ids stay, a tablet may hold them), and the missing ones are inserted.
    The episode's row is locked so that two regenerations of one episode take turns.
    Returns how many occurrences were inserted, updated or deleted.
    """
    if not Episode.objects.select_for_update().filter(pk=episode_id).exists():
        return 0
    first = today or timezone.localdate()
    last = first + timedelta(days=HORIZON_DAYS - 1)
    now = timezone.now()
    wanted = {
        (occurrence.plan_entry_id, occurrence.occurrence_date): occurrence
        for occurrence in _wanted_occurrences(first=first, last=last, episode_ids=[episode_id])
        if occurrence.starts_at > now
    }
    free = ScheduledVisit.objects.filter(
        episode_id=episode_id,
        state=ScheduleState.PLANNED,
        touched=False,
        starts_at__gt=now,
    ).select_for_update()
    stale, changed = [], []
    for occurrence in free:
        plan = wanted.get((occurrence.plan_entry_id, occurrence.occurrence_date))
        if plan is None:
            stale.append(occurrence.pk)
            continue
        if (occurrence.starts_at, occurrence.planned_minutes, occurrence.corps_member_id) != (
            plan.starts_at,
            plan.planned_minutes,
            plan.corps_member_id,
        ):
            occurrence.starts_at = plan.starts_at
            occurrence.planned_minutes = plan.planned_minutes
            occurrence.corps_member_id = plan.corps_member_id
            occurrence.updated_at = now
            changed.append(occurrence)
    if stale:
        ScheduledVisit.objects.filter(pk__in=stale).delete()
    if changed:
        ScheduledVisit.objects.bulk_update(
            changed, ["starts_at", "planned_minutes", "corps_member", "updated_at"]
        )
    # Touched, done or past occurrences keep their (plan entry, date) key, so the conflict
    # clause leaves them alone here.
    mine = ScheduledVisit.objects.filter(episode_id=episode_id)
    before = mine.count()
    ScheduledVisit.objects.bulk_create(list(wanted.values()), ignore_conflicts=True)
    return len(stale) + len(changed) + mine.count() - before


# --- one occurrence: reassign, move, cancel ---------------------------------------------------


def _booked_near(starts_at: datetime, minutes: int) -> QuerySet[ScheduledVisit]:
    """Booked occurrences that may overlap [starts_at, starts_at + minutes).

    The planned start bounds the search (no occurrence is longer than 720 minutes, so one
    that starts earlier cannot reach us), which the (corps_member, starts_at) index serves.
    The end is compared in Python on those few rows: SQLite cannot multiply a duration, and
    the same code must run on the embedded default and on PostgreSQL."""
    return ScheduledVisit.objects.filter(
        state__in=BOOKED_STATES,
        starts_at__lt=starts_at + timedelta(minutes=minutes),
        starts_at__gt=starts_at - timedelta(minutes=720),
    )


def _reaches(row_start: datetime, row_minutes: int, starts_at: datetime) -> bool:
    return row_start + timedelta(minutes=row_minutes) > starts_at


def _overlapping(
    *, member_ids: Iterable[int], starts_at: datetime, minutes: int, exclude_pk: int | None
) -> ScheduledVisit | None:
    """The first occurrence of these corps members that overlaps [starts_at, +minutes)."""
    near = (
        _booked_near(starts_at, minutes)
        .filter(corps_member_id__in=list(member_ids))
        .select_related("recipient", "corps_member")
        .order_by("starts_at", "pk")
    )
    if exclude_pk is not None:
        near = near.exclude(pk=exclude_pk)
    for row in near:
        if _reaches(row.starts_at, row.planned_minutes, starts_at):
            return row
    return None


def _busy_member_ids(starts_at: datetime, minutes: int) -> set[int]:
    """Corps members with a booking overlapping [starts_at, starts_at + minutes)."""
    return {
        member_id
        for member_id, row_start, row_minutes in _booked_near(starts_at, minutes).values_list(
            "corps_member_id", "starts_at", "planned_minutes"
        )
        if _reaches(row_start, row_minutes, starts_at)
    }


def _lock(scheduled_visit: ScheduledVisit) -> ScheduledVisit:
    return (
        ScheduledVisit.objects.select_for_update(of=("self",))
        .select_related("corps_member", "recipient", "plan_entry")
        .get(pk=scheduled_visit.pk)
    )


def _required_services(occurrence: ScheduledVisit) -> list[int]:
    if occurrence.plan_entry_id is None:
        return []
    return sorted(occurrence.plan_entry.service_types.values_list("pk", flat=True))


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%m/%d %H:%M")


def _is_tomorrow(moment: datetime, *, now: datetime | None = None) -> bool:
    return timezone.localdate(moment) == timezone.localdate(now) + timedelta(days=1)


def _notify(
    *, member: CorpsMember, kind: str, body: str, dedupe_key: str, user: Any = None
) -> None:
    if not member.phone:
        return
    message_enqueue(
        kind=kind,
        to_phone=member.phone,
        to_name=member.name,
        body=body,
        dedupe_key=dedupe_key,
        user=member.user if user is None else user,
    )


def _notify_tomorrow_changed(
    occurrence: ScheduledVisit, member: CorpsMember, *, change: str, detail: str
) -> None:
    """Tell a corps member that tomorrow's schedule changed (moved, cancelled, covered)."""
    _notify(
        member=member,
        kind="schedule_changed",
        body=_("[긴급돌봄] 내일 일정 변경: %(recipient)s님 %(when)s 방문이 %(detail)s")
        % {
            "recipient": occurrence.recipient.name,
            "when": _local(occurrence.starts_at),
            "detail": detail,
        },
        dedupe_key=f"schedule_changed:{occurrence.pk}:{member.pk}:{change}",
    )


def _reassign_locked(
    *,
    actor: AbstractBaseUser,
    occurrence: ScheduledVisit,
    corps_member: CorpsMember,
    reason: str,
    field: str = "corps_member",
    compliance_override_reason: str = "",
) -> ScheduledVisit:
    """Reassign an occurrence already locked by the caller; raises ``ValidationError`` on
    ``field``. A substitute whose required compliance item is lapsed or missing on the day
    needs ``compliance_override_reason``, recorded on the occurrence."""
    when = _local(occurrence.starts_at)
    if occurrence.state not in CHANGEABLE_STATES:
        raise ValidationError(
            {
                "state": [
                    _("%(when)s 일정은 %(state)s 상태라 바꿀 수 없습니다.")
                    % {"when": when, "state": occurrence.get_state_display()}
                ]
            }
        )
    if corps_member.pk == occurrence.corps_member_id:
        raise ValidationError(
            {field: [_("%(when)s 일정의 담당 단원과 같습니다.") % {"when": when}]}
        )
    problems = _member_problems(corps_member, _required_services(occurrence))
    # The substitute's row is locked too, so that two coordinators booking one substitute at
    # the same hour take turns and the second sees the first's booking.
    CorpsMember.objects.select_for_update().filter(pk=corps_member.pk).first()
    clash = _overlapping(
        member_ids=[corps_member.pk],
        starts_at=occurrence.starts_at,
        minutes=occurrence.planned_minutes,
        exclude_pk=occurrence.pk,
    )
    if clash is not None:
        problems.append(
            _("%(name)s 단원은 %(when)s에 이미 %(recipient)s님 방문이 있습니다.")
            % {
                "name": corps_member.name,
                "when": _local(clash.starts_at),
                "recipient": clash.recipient.name,
            }
        )
    if problems:
        raise ValidationError({field: problems})
    occurrence.compliance_override = compliance_check(
        actor=actor,
        corps_member=corps_member,
        category=occurrence.recipient.category,
        on=occurrence.occurrence_date,
        action=ComplianceOverride.Action.SUBSTITUTION,
        override_reason=compliance_override_reason,
        field=field,
    )
    previous = occurrence.corps_member
    original = occurrence.original_corps_member_id or previous.pk
    occurrence.original_corps_member_id = None if original == corps_member.pk else original
    occurrence.corps_member = corps_member
    occurrence.touched = True
    occurrence.change_reason = reason.strip()
    occurrence.changed_by = actor
    occurrence.save(
        update_fields=[
            "corps_member",
            "original_corps_member",
            "touched",
            "change_reason",
            "changed_by",
            "compliance_override",
            "updated_at",
        ]
    )
    _notify(
        member=corps_member,
        kind="substitution",
        body=_("[긴급돌봄] 대체 방문 요청: %(when)s %(recipient)s님 (%(minutes)d분), %(address)s")
        % {
            "when": when,
            "recipient": occurrence.recipient.name,
            "minutes": occurrence.planned_minutes,
            "address": occurrence.recipient.address,
        },
        dedupe_key=f"substitution:{occurrence.pk}:{corps_member.pk}",
    )
    if _is_tomorrow(occurrence.starts_at):
        _notify_tomorrow_changed(
            occurrence,
            previous,
            change=f"reassigned:{corps_member.pk}",
            detail=_("다른 단원(%(name)s)에게 넘겨졌습니다.") % {"name": corps_member.name},
        )
    return occurrence


@transaction.atomic
def scheduled_visit_reassign(
    *,
    actor: AbstractBaseUser,
    scheduled_visit: ScheduledVisit,
    corps_member: CorpsMember,
    reason: str = "",
    compliance_override_reason: str = "",
) -> ScheduledVisit:
    """Give one day's occurrence to a substitute (대체 방문). Refused when the substitute is
    booked at an overlapping time, not active (on leave, left), without a login account,
    cannot give the plan's services, or has a lapsed or missing required compliance item
    (unless ``compliance_override_reason``). The substitute is told by text message."""
    occurrence = _lock(scheduled_visit)
    return _reassign_locked(
        actor=actor,
        occurrence=occurrence,
        corps_member=corps_member,
        reason=reason,
        compliance_override_reason=compliance_override_reason,
    )


@transaction.atomic
def scheduled_visits_reassign_day(
    *,
    actor: AbstractBaseUser,
    corps_member: CorpsMember,
    day: date,
    substitutes: Mapping[int, CorpsMember],
    reason: str = "",
    compliance_override_reason: str = "",
) -> list[ScheduledVisit]:
    """Cover a corps member's whole day (a sick caregiver) in one action: ``substitutes``
    maps each of that day's occurrence ids to its substitute. All or nothing: one refused
    substitute refuses the lot (400 on ``substitutes``, naming the visit), so the desk never
    leaves a day half covered without saying so."""
    day_visits = {
        occurrence.pk: occurrence
        for occurrence in ScheduledVisit.objects.select_for_update(of=("self",))
        .select_related("corps_member", "recipient", "plan_entry")
        .filter(
            corps_member=corps_member,
            occurrence_date=day,
            state__in=CHANGEABLE_STATES,
        )
        .order_by("pk")
    }
    unknown = sorted(set(substitutes) - set(day_visits))
    if unknown:
        raise ValidationError(
            {
                "substitutes": [
                    _("이 단원의 그날 일정이 아닙니다: %s") % ", ".join(map(str, unknown))
                ]
            }
        )
    if not substitutes:
        raise ValidationError({"substitutes": [_("대체할 단원을 하나 이상 고르세요.")]})
    done = []
    for pk in sorted(substitutes, key=lambda pk: (day_visits[pk].starts_at, pk)):
        occurrence = day_visits[pk]
        try:
            done.append(
                _reassign_locked(
                    actor=actor,
                    occurrence=occurrence,
                    corps_member=substitutes[pk],
                    reason=reason,
                    field="substitutes",
                    compliance_override_reason=compliance_override_reason,
                )
            )
        except ValidationError as exc:
            raise ValidationError(
                {
                    "substitutes": [
                        f"{_local(occurrence.starts_at)} {occurrence.recipient.name}: {message}"
                        for message in exc.messages
                    ]
                }
            ) from exc
    return done


@transaction.atomic
def scheduled_visit_move(
    *,
    actor: AbstractBaseUser,
    scheduled_visit: ScheduledVisit,
    starts_at: datetime,
    reason: str = "",
) -> ScheduledVisit:
    """Move one occurrence to a new time, inside the episode's period, where its corps member
    is free."""
    occurrence = _lock(scheduled_visit)
    if occurrence.state not in CHANGEABLE_STATES:
        raise ValidationError(
            {
                "state": [
                    _("%(state)s 상태의 일정은 옮길 수 없습니다.")
                    % {"state": occurrence.get_state_display()}
                ]
            }
        )
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    errors: dict[str, list[str]] = defaultdict(list)
    if starts_at <= timezone.now():
        errors["starts_at"].append(_("지난 시각으로 옮길 수 없습니다."))
    episode = Episode.objects.get(pk=occurrence.episode_id)
    new_day = timezone.localdate(starts_at)
    if (episode.starts_on and new_day < episode.starts_on) or (
        episode.planned_end_on and new_day > episode.planned_end_on
    ):
        errors["starts_at"].append(_("회차 기간 밖으로 옮길 수 없습니다."))
    if not errors:
        clash = _overlapping(
            member_ids=[occurrence.corps_member_id],
            starts_at=starts_at,
            minutes=occurrence.planned_minutes,
            exclude_pk=occurrence.pk,
        )
        if clash is not None:
            errors["starts_at"].append(
                _("%(name)s 단원은 %(when)s에 이미 %(recipient)s님 방문이 있습니다.")
                % {
                    "name": occurrence.corps_member.name,
                    "when": _local(clash.starts_at),
                    "recipient": clash.recipient.name,
                }
            )
    if errors:
        raise ValidationError(dict(errors))
    old_starts_at = occurrence.starts_at
    occurrence.starts_at = starts_at
    occurrence.state = ScheduleState.PLANNED
    occurrence.touched = True
    occurrence.change_reason = reason.strip()
    occurrence.changed_by = actor
    occurrence.save(
        update_fields=["starts_at", "state", "touched", "change_reason", "changed_by", "updated_at"]
    )
    if _is_tomorrow(old_starts_at) or _is_tomorrow(starts_at):
        _notify_tomorrow_changed(
            occurrence,
            occurrence.corps_member,
            change=f"moved:{starts_at.isoformat()}",
            detail=_("%(old)s에서 %(new)s로 옮겨졌습니다.")
            % {"old": _local(old_starts_at), "new": _local(starts_at)},
        )
    return occurrence


@transaction.atomic
def scheduled_visit_cancel(
    *, actor: AbstractBaseUser, scheduled_visit: ScheduledVisit, reason: str
) -> ScheduledVisit:
    """Cancel one occurrence; the reason is required (and kept)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("취소 사유를 적어 주세요.")]})
    occurrence = _lock(scheduled_visit)
    if occurrence.state not in (*CHANGEABLE_STATES, ScheduleState.MISSED):
        raise ValidationError(
            {
                "state": [
                    _("%(state)s 상태의 일정은 취소할 수 없습니다.")
                    % {"state": occurrence.get_state_display()}
                ]
            }
        )
    occurrence.state = ScheduleState.CANCELLED
    occurrence.touched = True
    occurrence.change_reason = reason.strip()
    occurrence.changed_by = actor
    occurrence.save(update_fields=["state", "touched", "change_reason", "changed_by", "updated_at"])
    if _is_tomorrow(occurrence.starts_at):
        _notify_tomorrow_changed(
            occurrence, occurrence.corps_member, change="cancelled", detail=_("취소되었습니다.")
        )
    return occurrence


def schedule_cancel_future(*, episode: Episode, actor: AbstractBaseUser, reason: str) -> int:
    """Cancel an episode's schedule from today on (closure, withdrawal): the occurrences not
    yet done, in one UPDATE; the corps members with a visit tomorrow are told. Returns how
    many were cancelled. Runs in the caller's transaction (``episode_close``)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("취소 사유를 적어 주세요.")]})
    today = timezone.localdate()
    future = ScheduledVisit.objects.filter(
        episode_id=episode.pk,
        state__in=CHANGEABLE_STATES,
        starts_at__gte=_seoul_start(today),
    )
    tomorrow = list(
        future.filter(occurrence_date=today + timedelta(days=1)).select_related(
            "corps_member__user", "recipient"
        )
    )
    cancelled = future.update(
        state=ScheduleState.CANCELLED,
        touched=True,
        change_reason=reason.strip()[:300],
        changed_by=actor,
        updated_at=timezone.now(),
    )
    for occurrence in tomorrow:
        if _is_tomorrow(occurrence.starts_at):
            _notify_tomorrow_changed(
                occurrence, occurrence.corps_member, change="cancelled", detail=_("취소되었습니다.")
            )
    return cancelled


# --- visits against the schedule ---------------------------------------------------------------


def scheduled_visits_for_visits(
    *,
    member_ids: Iterable[int],
    recipient_ids: Iterable[int],
    starts: Iterable[datetime],
    explicit_ids: Iterable[int] = (),
) -> list[ScheduledVisit]:
    """The occurrences a batch of visits may match or name, in one query: those named by id,
    and those of the batch's corps members and recipients within the window of its starts.

    Each with its episode's ``program_id``; the columns the match reads, the rest deferred.
    One fixed SQL text (``base.sql``): a tablet's every sync asks it."""
    starts = list(starts)
    explicit = sorted(set(explicit_ids))
    members, recipients = sorted(set(member_ids)), sorted(set(recipient_ids))
    wanted, params = [], []
    if explicit:
        wanted.append(f"s.id IN ({placeholders(explicit)})")
        params += explicit
    if starts and members and recipients:
        ops = connection_of(ScheduledVisit).ops
        wanted.append(
            f"(s.corps_member_id IN ({placeholders(members)}) "
            f"AND s.recipient_id IN ({placeholders(recipients)}) "
            "AND s.starts_at >= %s AND s.starts_at <= %s)"
        )
        params += [
            *members,
            *recipients,
            ops.adapt_datetimefield_value(min(starts) - MATCH_WINDOW),
            ops.adapt_datetimefield_value(max(starts) + MATCH_WINDOW),
        ]
    if not wanted:
        return []
    return list(
        ScheduledVisit.objects.raw(
            "SELECT s.id, s.episode_id, s.recipient_id, s.corps_member_id, s.starts_at, "  # noqa: S608
            "s.occurrence_date, s.state, s.visit_id, e.program_id AS program_id "
            f"FROM {table(ScheduledVisit)} s JOIN {table(Episode)} e ON e.id = s.episode_id "
            f"WHERE {' OR '.join(wanted)} ORDER BY s.starts_at, s.id",
            params,
        )
    )


def scheduled_visits_match(
    visits: Sequence[Visit],
    *,
    explicit: Mapping[uuid.UUID, int] | None = None,
    candidates: Sequence[ScheduledVisit] | None = None,
) -> int:
    """Mark the occurrences the newly stored ``visits`` fulfil as done and link them; the
    number matched. ``explicit`` maps a visit's ``client_uuid`` to the occurrence the tablet
    started (already checked to be the caregiver's own, for the same person); the others are
    matched by recipient, corps member and a start within two hours, nearest first. A visit
    with no match stays unscheduled. One SELECT (none when ``candidates`` are given, as the
    visit context loads them) and one conditional UPDATE, whatever the batch size: an
    occurrence another sync matched meanwhile is left to that one."""
    if not visits:
        return 0
    explicit = explicit or {}
    if candidates is None:
        candidates = scheduled_visits_for_visits(
            member_ids={v.corps_member_id for v in visits},
            recipient_ids={v.recipient_id for v in visits},
            starts=[v.started_at for v in visits],
            explicit_ids=explicit.values(),
        )
    open_ = {
        c.pk: c for c in candidates if c.state in ScheduledVisit.AWAITING and c.visit_id is None
    }
    by_pair: dict[tuple[int, int], list[ScheduledVisit]] = defaultdict(list)
    for candidate in open_.values():
        by_pair[(candidate.corps_member_id, candidate.recipient_id)].append(candidate)
    pairs: dict[int, int] = {}  # occurrence id -> visit id
    taken: set[int] = set()
    matched: set[int] = set()
    for visit in visits:
        chosen = explicit.get(visit.client_uuid)
        if chosen in open_ and chosen not in taken:
            pairs[chosen] = visit.pk
            taken.add(chosen)
            matched.add(visit.pk)
    for visit in sorted(visits, key=lambda v: v.started_at):
        if visit.pk in matched:
            continue
        near = [
            c
            for c in by_pair.get((visit.corps_member_id, visit.recipient_id), [])
            if c.pk not in taken and abs(c.starts_at - visit.started_at) <= MATCH_WINDOW
        ]
        if near:
            best = min(near, key=lambda c: (abs(c.starts_at - visit.started_at), c.pk))
            pairs[best.pk] = visit.pk
            taken.add(best.pk)
            matched.add(visit.pk)
    if not pairs:
        return 0
    return ScheduledVisit.objects.filter(
        pk__in=list(pairs), visit__isnull=True, state__in=ScheduledVisit.AWAITING
    ).update(
        state=ScheduleState.DONE,
        visit_id=Case(*(When(pk=pk, then=Value(visit_id)) for pk, visit_id in pairs.items())),
        updated_at=timezone.now(),
    )


def schedule_mark_missed(*, now: datetime | None = None) -> int:
    """The 15-minute pass: planned occurrences become late once their start is more than the
    grace (``SCHEDULE_LATE_AFTER_MINUTES``, 30) behind, and planned or late ones missed once
    their Seoul day has ended. Two UPDATE statements; how many rows changed."""
    now = now or timezone.now()
    today_starts = _seoul_start(timezone.localdate(now))
    missed = ScheduledVisit.objects.filter(
        state__in=(ScheduleState.PLANNED, ScheduleState.LATE), starts_at__lt=today_starts
    ).update(state=ScheduleState.MISSED, updated_at=now)
    late = ScheduledVisit.objects.filter(
        state=ScheduleState.PLANNED, starts_at__lt=now - _late_after()
    ).update(state=ScheduleState.LATE, updated_at=now)
    return missed + late


# --- substitutes -------------------------------------------------------------------------------


def _qualified(members: QuerySet[CorpsMember], service_ids: Sequence[int]) -> QuerySet[CorpsMember]:
    if not service_ids:
        return members
    given = (
        CorpsMember.service_types.through.objects.filter(
            corpsmember_id=OuterRef("pk"), servicetype_id__in=list(service_ids)
        )
        .order_by()
        .values("corpsmember_id")
        .annotate(count=Count("servicetype_id"))
        .values("count")
    )
    return members.alias(services_given=Coalesce(Subquery(given), 0)).filter(
        services_given=len(service_ids)
    )


def substitute_candidates(
    *, starts_at: datetime, planned_minutes: int, service_ids: Sequence[int], exclude: Iterable[int]
) -> QuerySet[CorpsMember]:
    """Corps members who could cover a visit: active, with a login account, able to give the
    services, and without an overlapping booking."""
    busy = _busy_member_ids(starts_at, planned_minutes)
    members = (
        CorpsMember.objects.active().filter(user__isnull=False).exclude(pk__in=[*exclude, *busy])
    )
    return _qualified(members, service_ids)


def substitute_suggestions(*, scheduled_visit: ScheduledVisit, limit: int = 10) -> list[Suggestion]:
    """Who could cover this visit, best first: the ranking of today's assignment suggestions
    (``care.matching``: needs covered, same 시·군, free that weekday, lightest load), among
    those free at that time, active and qualified for the plan's services."""
    occurrence = (
        ScheduledVisit.objects.select_related("recipient", "plan_entry")
        .prefetch_related("recipient__needs")
        .get(pk=scheduled_visit.pk)
    )
    candidates = substitute_candidates(
        starts_at=occurrence.starts_at,
        planned_minutes=occurrence.planned_minutes,
        service_ids=_required_services(occurrence),
        exclude=[occurrence.corps_member_id],
    )
    return corps_member_suggestions(
        recipient=occurrence.recipient,
        weekdays=[WEEKDAY_CODES[timezone.localdate(occurrence.starts_at).weekday()]],
        on=timezone.localdate(occurrence.starts_at),
        limit=limit,
        candidates=candidates,
        exclude_assigned=False,
    )
