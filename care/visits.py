"""Visit workflows (방문기록): recording, batch sync from tablets, review, exceptions, alerts.

The services of ``care`` that concern visits; registry writes are in ``care/services.py``.
A tablet may send one visit many times, so every write is keyed by its ``client_uuid``: the
first copy is stored, later identical copies find it ("existing"), a later copy with other
content is a conflict the tablet must show, never a silent overwrite.
"""

from __future__ import annotations

import re
import uuid
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import (
    Exists,
    Max,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from base.models import AccessLog, Program, ServiceType
from base.roles import has_role
from base.services import access_log_record
from base.sql import connection_of, fetch_rows, fetch_values, placeholders, table
from base.validators import RRN_MESSAGE, contains_resident_registration_number
from care.episodes.selectors import minutes_between_sql
from care.episodes.services import EpisodeSpan, episode_choose, episode_spans
from care.models import (
    Assignment,
    Episode,
    EpisodeHours,
    NoVisitAlert,
    Recipient,
    Visit,
    VisitException,
)
from care.schedule.models import CarePlanEntry, ScheduledVisit
from care.schedule.services import scheduled_visits_for_visits, scheduled_visits_match
from volunteers.models import CorpsMember

MAX_VISIT_LENGTH = timedelta(hours=12)
# Tablet clocks drift; a visit "ending" a few minutes in the future is a clock, not a lie.
CLOCK_SKEW = timedelta(minutes=5)
LATE_SYNC_AFTER = timedelta(hours=72)
NO_VISIT_DAYS = 7
# One request from a tablet: a week offline for a busy caregiver is well under this.
SYNC_BATCH_LIMIT = 500

COORDINATOR_ROLES = ("coordinator", "administrator")


@dataclass(frozen=True)
class VisitInput:
    """One visit as the tablet sent it, already checked for shape (types, formats)."""

    client_uuid: uuid.UUID
    recipient_id: int
    started_at: datetime
    service_type_codes: tuple[str, ...]
    ended_at: datetime | None = None
    corps_member_id: int | None = None
    program_code: str | None = None
    notes: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    # The scheduled visit (방문 일정) the caregiver started, when they started one.
    scheduled_visit_id: int | None = None


@dataclass
class SyncResult:
    index: int
    client_uuid: uuid.UUID | None
    status: str  # created | existing | conflict | error
    visit: Visit | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    # The visit as the answer shows it (see ``visit_rows``), from the rows the sync wrote.
    visit_row: dict[str, Any] | None = None


# A visit as an answer shows it, in a plain row: its columns, the names and codes around it
# (keys as ``values()`` spells them), plus "service_types" (codes, in ServiceType's order) and
# "exceptions" (rows of EXCEPTION_ROW_FIELDS, newest first, as VisitException orders them).
VISIT_ROW_COLUMNS = (
    "id", "client_uuid", "recipient_id", "corps_member_id", "started_at", "ended_at", "notes",
    "latitude", "longitude", "status", "void_reason", "reviewed_at", "created_at", "updated_at",
)  # fmt: skip
VISIT_ROW_NAMES = (
    "recipient__name", "corps_member__name", "program__code", "recorded_by__username",
    "reviewed_by__username",
)  # fmt: skip
EXCEPTION_ROW_FIELDS = ("id", "kind", "detail", "resolved_at")


@dataclass
class VisitContext:
    """Everything a batch of visits is checked against, fetched once per batch."""

    actor: AbstractBaseUser
    is_coordinator: bool
    actor_member_id: int | None
    now: datetime
    recipients: dict[int, Recipient]
    assignments: dict[tuple[int, int], list[Assignment]]
    service_types: dict[str, ServiceType]
    programs: dict[str, Program]
    existing: dict[uuid.UUID, Visit]
    visible_existing: set[int] = field(default_factory=set)
    known_members: set[int] = field(default_factory=set)
    # The names of the actor's and the named corps members, for the answer.
    member_names: dict[int, str] = field(default_factory=dict)
    # The batch's scheduled visits: those named by id and those its visits may match.
    scheduled: list[ScheduledVisit] = field(default_factory=list)
    # The batch's recipients' episodes, fetched once on first need (a coordinator's visit
    # outside an assignment); a caregiver's visit takes its assignment's episode.
    _episodes: dict[int, list[EpisodeSpan]] | None = None

    def episodes_of(self, recipient_id: int) -> list[EpisodeSpan]:
        if self._episodes is None:
            self._episodes = episode_spans(self.recipients)
        return self._episodes.get(recipient_id, [])


def _is_coordinator(user: AbstractBaseUser) -> bool:
    return has_role(user, *COORDINATOR_ROLES)


def visit_context_load(*, actor: AbstractBaseUser, items: Sequence[VisitInput]) -> VisitContext:
    """Fetch the lookups for a batch in a fixed number of queries, whatever its size.

    Each lookup is one fixed SQL text (``Model.objects.raw``, or a cursor for plain values):
    building and compiling them through the ORM was a third of a tablet's sync of 20 visits,
    every time for the same few shapes. ``raw()`` gives the same model objects, in the models'
    own order, each column through its field's converters as the ORM's own queries would.
    """
    is_coordinator = _is_coordinator(actor)
    members = table(CorpsMember)
    actor_member = next(
        iter(
            fetch_rows(
                CorpsMember,
                f"SELECT id, name FROM {members} WHERE user_id = %s "  # noqa: S608
                "ORDER BY name, id LIMIT 1",
                [actor.pk],
            )
        ),
        None,
    )
    actor_member_id = actor_member[0] if actor_member else None
    recipient_ids = sorted({item.recipient_id for item in items})
    recipients: dict[int, Recipient] = {}
    if recipient_ids:
        # A caregiver's candidates: any recipient they were ever assigned, not only today's
        # (a tablet offline while an assignment ended still holds visits made during it;
        # whether the visit's own date is covered is checked per visit against the
        # assignments below), or one they are scheduled for as a substitute (대체 방문).
        own = (
            ""
            if is_coordinator
            else (
                f" AND (EXISTS (SELECT 1 FROM {table(Assignment)} a"  # noqa: S608
                " WHERE a.recipient_id = r.id AND a.corps_member_id = %s)"
                f" OR EXISTS (SELECT 1 FROM {table(ScheduledVisit)} s"
                " WHERE s.recipient_id = r.id AND s.corps_member_id = %s AND s.state <> %s))"
            )
        )
        params: list[Any] = list(recipient_ids)
        if not is_coordinator:
            params += [actor_member_id or 0, actor_member_id or 0, ScheduledVisit.State.CANCELLED]
        recipients = {
            recipient.pk: recipient
            for recipient in Recipient.objects.raw(
                f"SELECT r.* FROM {table(Recipient)} r "  # noqa: S608
                f"WHERE r.id IN ({placeholders(recipient_ids)}){own}",
                params,
            )
        }
    named_members = sorted({item.corps_member_id for item in items if item.corps_member_id})
    member_names: dict[int, str] = (
        dict(
            fetch_rows(
                CorpsMember,
                f"SELECT id, name FROM {members} "  # noqa: S608
                f"WHERE id IN ({placeholders(named_members)})",
                named_members,
            )
        )
        if named_members
        else {}
    )
    known_members = set(member_names)
    if actor_member:
        member_names[actor_member[0]] = actor_member[1]
    member_ids = set(known_members)
    if actor_member_id:
        member_ids.add(actor_member_id)
    # Every program, active or not: an assignment's program is shown as it is; only the
    # active ones may be named by a visit.
    all_programs = {
        program.pk: program
        for program in Program.objects.raw(
            f"SELECT * FROM {table(Program)} ORDER BY sort_order, code"  # noqa: S608
        )
    }
    assignments: dict[tuple[int, int], list[Assignment]] = defaultdict(list)
    if recipients and member_ids:
        keys = sorted(recipients)
        members_of = sorted(member_ids)
        for assignment in Assignment.objects.raw(
            f"SELECT * FROM {table(Assignment)} "  # noqa: S608
            f"WHERE recipient_id IN ({placeholders(keys)}) "
            f"AND corps_member_id IN ({placeholders(members_of)}) "
            "ORDER BY starts_on DESC, id",
            [*keys, *members_of],
        ):
            assignment.program = all_programs[assignment.program_id]
            assignments[(assignment.corps_member_id, assignment.recipient_id)].append(assignment)
    uuids = [item.client_uuid for item in items]
    existing: dict[uuid.UUID, Visit] = {}
    if uuids:
        stored = list(
            Visit.objects.raw(
                f"SELECT * FROM {table(Visit)} "  # noqa: S608
                f"WHERE client_uuid IN ({placeholders(uuids)})",
                [
                    Visit._meta.get_field("client_uuid").get_db_prep_value(u, connection_of(Visit))
                    for u in uuids
                ],
            )
        )
        # A resent outbox: its stored visits are compared with what the tablet sent again.
        prefetch_related_objects(stored, "service_types")
        existing = {visit.client_uuid: visit for visit in stored}
    # Which stored visits the actor may see, once for the batch: resending a whole outbox
    # after a time-out is the normal retry and must not cost queries per item. A batch of new
    # visits asks nothing (visible_to asks for the actor's roles as it is built).
    visible_existing = (
        set(
            Visit.objects.visible_to(actor)
            .filter(pk__in=[visit.pk for visit in existing.values()])
            .values_list("pk", flat=True)
        )
        if existing
        else set()
    )
    return VisitContext(
        actor=actor,
        is_coordinator=is_coordinator,
        actor_member_id=actor_member_id,
        now=timezone.now(),
        recipients=recipients,
        assignments=assignments,
        service_types={
            st.code: st
            for st in ServiceType.objects.raw(
                f"SELECT * FROM {table(ServiceType)} WHERE is_active "  # noqa: S608
                "ORDER BY sort_order, code"
            )
        },
        programs={p.code: p for p in all_programs.values() if p.is_active},
        existing=existing,
        visible_existing=visible_existing,
        known_members=known_members,
        member_names=member_names,
        scheduled=scheduled_visits_for_visits(
            member_ids=member_ids,
            recipient_ids=recipients,
            starts=[item.started_at for item in items],
            explicit_ids=[item.scheduled_visit_id for item in items if item.scheduled_visit_id],
        ),
    )


@dataclass
class CheckedVisit:
    visit: Visit
    service_types: list[ServiceType]
    outside_assignment: bool
    scheduled_visit_id: int | None = None


def _scheduled_cover(
    item: VisitInput, ctx: VisitContext, member_id: int, recipient_id: int, day: date
) -> tuple[ScheduledVisit | None, list[str]]:
    """The scheduled visit that covers this visit like an assignment (a substitute has no
    assignment), and the errors of an explicit ``scheduled_visit``: it must be the visiting
    corps member's own, for the same person. An id that no longer exists (a plan change
    removed the occurrence while the tablet was offline) is ignored: care given is kept."""
    errors = []
    if item.scheduled_visit_id:
        named = next((s for s in ctx.scheduled if s.pk == item.scheduled_visit_id), None)
        if named is not None and (
            named.corps_member_id != member_id or named.recipient_id != recipient_id
        ):
            errors.append(_("이 방문의 단원과 대상자의 일정이 아닙니다."))
    cover = next(
        (
            s
            for s in ctx.scheduled
            if s.corps_member_id == member_id
            and s.recipient_id == recipient_id
            and s.occurrence_date == day
            and s.state != ScheduledVisit.State.CANCELLED
        ),
        None,
    )
    return cover, errors


def _active_assignment(assignments: Iterable[Assignment], day: date) -> Assignment | None:
    for assignment in assignments:
        if assignment.starts_on <= day and (
            assignment.ends_on is None or assignment.ends_on >= day
        ):
            return assignment
    return None


def visit_check(item: VisitInput, ctx: VisitContext) -> CheckedVisit:
    """Apply the rules of a visit; raise ValidationError keyed by field with every problem."""
    errors: dict[str, list[str]] = defaultdict(list)

    recipient = ctx.recipients.get(item.recipient_id)
    if recipient is None:
        errors["recipient"].append(_("담당하는 돌봄대상자가 아닙니다."))

    if ctx.is_coordinator and item.corps_member_id:
        member_id: int | None = item.corps_member_id
        if member_id not in ctx.known_members:
            errors["corps_member"].append(_("없는 단원입니다."))
            member_id = None
    elif ctx.actor_member_id:
        member_id = ctx.actor_member_id
        if item.corps_member_id and item.corps_member_id != member_id:
            errors["corps_member"].append(_("다른 단원의 방문은 기록할 수 없습니다."))
    else:
        member_id = None
        errors["corps_member"].append(
            _("방문한 단원을 지정하세요.")
            if ctx.is_coordinator
            else _("이 계정에 연결된 단원 정보가 없습니다.")
        )

    if item.ended_at is not None:
        if item.ended_at <= item.started_at:
            errors["ended_at"].append(_("종료 시각은 시작 시각보다 늦어야 합니다."))
        elif item.ended_at - item.started_at > MAX_VISIT_LENGTH:
            errors["ended_at"].append(_("한 번의 방문은 12시간을 넘을 수 없습니다."))
    latest = item.ended_at or item.started_at
    if latest > ctx.now + CLOCK_SKEW:
        errors["started_at" if item.ended_at is None else "ended_at"].append(
            _("미래의 방문은 기록할 수 없습니다. 태블릿의 시계를 확인하세요.")
        )

    service_types = [
        ctx.service_types[c] for c in item.service_type_codes if c in ctx.service_types
    ]
    unknown = [c for c in item.service_type_codes if c not in ctx.service_types]
    if unknown:
        errors["service_types"].append(_("알 수 없는 서비스 유형: %s") % ", ".join(unknown))
    elif not service_types:
        errors["service_types"].append(_("제공한 서비스를 하나 이상 고르세요."))

    if contains_resident_registration_number(item.notes):
        errors["notes"].append(str(RRN_MESSAGE))

    program = None
    if item.program_code:
        program = ctx.programs.get(item.program_code)
        if program is None:
            errors["program"].append(_("알 수 없는 사업: %s") % item.program_code)

    outside_assignment = False
    episode_id: int | None = None
    if recipient is not None and member_id is not None:
        visit_day = timezone.localdate(item.started_at)
        assignment = _active_assignment(
            ctx.assignments.get((member_id, recipient.pk), []), visit_day
        )
        cover, schedule_errors = _scheduled_cover(item, ctx, member_id, recipient.pk, visit_day)
        if schedule_errors:
            errors["scheduled_visit"].extend(schedule_errors)
        # Every visit belongs to an episode: the covering assignment's, else (a coordinator's
        # visit outside any assignment) the person's episode of that day, open or latest.
        episode_id = assignment.episode_id if assignment is not None else None
        if assignment is None and cover is not None:
            # A substitute's visit: the scheduled visit stands for the assignment.
            episode_id = cover.episode_id
            if program is None and not item.program_code:
                program = next((p for p in ctx.programs.values() if p.pk == cover.program_id), None)
        if episode_id is None and (assignment is not None or ctx.is_coordinator):
            episode_id = episode_choose(ctx.episodes_of(recipient.pk), visit_day)
            if episode_id is None:
                errors["recipient"].append(_("이 대상자에게는 돌봄 회차가 없습니다."))
        if assignment is None and cover is None:
            if ctx.is_coordinator:
                # A coordinator may record a visit the assignment does not cover (a substitute,
                # a late paper record); it is kept, and listed as an exception to review.
                outside_assignment = True
            else:
                errors["recipient"].append(
                    _("%(day)s에 이 대상자에 대한 배정이 없습니다.") % {"day": visit_day}
                )
        elif program is None and not item.program_code:
            program = assignment.program
    if program is None and not errors.get("program") and not errors:
        program = ctx.programs.get("emergency_care")
        if program is None:
            errors["program"].append(_("사업을 지정하세요."))

    if errors:
        raise ValidationError(dict(errors))
    visit = Visit(
        client_uuid=item.client_uuid,
        recipient=recipient,
        corps_member_id=member_id,
        episode_id=episode_id,
        program=program,
        started_at=item.started_at,
        ended_at=item.ended_at,
        notes=item.notes.strip(),
        latitude=item.latitude,
        longitude=item.longitude,
        recorded_by=ctx.actor,
        created_at=ctx.now,
    )
    return CheckedVisit(
        visit=visit,
        service_types=service_types,
        outside_assignment=outside_assignment,
        scheduled_visit_id=item.scheduled_visit_id,
    )


def visit_matches(visit: Visit, item: VisitInput) -> bool:
    """Whether a stored visit has the content of a replayed one (same key, same visit)."""
    stored_codes = sorted(st.code for st in visit.service_types.all())
    return (
        visit.recipient_id == item.recipient_id
        and (item.corps_member_id is None or visit.corps_member_id == item.corps_member_id)
        and visit.started_at == item.started_at
        and visit.ended_at == item.ended_at
        and stored_codes == sorted(set(item.service_type_codes))
        and visit.notes == item.notes.strip()
        and (item.program_code is None or visit.program.code == item.program_code)
    )


def _replay_outcome(visit: Visit, item: VisitInput, ctx: VisitContext) -> str:
    if visit.pk not in ctx.visible_existing:
        raise ValidationError({"client_uuid": [_("이미 다른 기록에 쓰인 ID입니다.")]})
    return "existing" if visit_matches(visit, item) else "conflict"


class _StoredSpan(NamedTuple):
    pk: int
    corps_member_id: int
    started_at: datetime
    ended_at: datetime | None


def _exceptions_for(checked: Sequence[CheckedVisit], now: datetime) -> list[VisitException]:
    """The exceptions of newly stored visits, found with one query for overlaps."""
    found: list[VisitException] = []
    for entry in checked:
        visit = entry.visit
        if visit.ended_at is None:
            found.append(
                VisitException(
                    visit=visit,
                    kind=VisitException.Kind.MISSING_CHECKOUT,
                    detail=_("체크아웃 없이 저장되었습니다."),
                )
            )
        if now - (visit.ended_at or visit.started_at) > LATE_SYNC_AFTER:
            found.append(
                VisitException(
                    visit=visit,
                    kind=VisitException.Kind.LATE_SYNC,
                    detail=_("방문 종료 %(hours)d시간 뒤에 전송되었습니다.")
                    % {
                        "hours": (now - (visit.ended_at or visit.started_at)).total_seconds()
                        // 3600
                    },
                )
            )
        if entry.outside_assignment:
            found.append(
                VisitException(
                    visit=visit,
                    kind=VisitException.Kind.OUTSIDE_ASSIGNMENT,
                    detail=_("배정 기간 밖의 방문을 코디네이터가 기록했습니다."),
                )
            )
    if not checked:
        return found

    # A visit without check-out occupies at least its start minute for the overlap test.
    def end_of(visit: Visit) -> datetime:
        return visit.ended_at or visit.started_at + timedelta(minutes=1)

    members = {entry.visit.corps_member_id for entry in checked}
    earliest = min(entry.visit.started_at for entry in checked)
    latest = max(end_of(entry.visit) for entry in checked)
    # Named rows, not model instances: the span holds every stored visit of the batch's
    # corps members over its days (the batch's own among them), a hundred or more a request.
    others: dict[int, list[Any]] = defaultdict(list)
    ops = connection_of(Visit).ops
    member_ids = sorted(members)
    for row in fetch_values(
        Visit,
        ("id", "corps_member_id", "started_at", "ended_at"),
        f"SELECT id, corps_member_id, started_at, ended_at FROM {table(Visit)} "  # noqa: S608
        f"WHERE status <> %s AND corps_member_id IN ({placeholders(member_ids)}) "
        "AND started_at < %s AND (ended_at > %s OR (ended_at IS NULL AND started_at >= %s))",
        [
            Visit.Status.VOID,
            *member_ids,
            ops.adapt_datetimefield_value(latest),
            ops.adapt_datetimefield_value(earliest),
            ops.adapt_datetimefield_value(earliest - MAX_VISIT_LENGTH),
        ],
    ):
        other = _StoredSpan(*row)
        others[other.corps_member_id].append(other)
    # Per corps member, sorted by start: a visit can only overlap one that starts before it
    # ends and at most 12 hours (the longest visit) before it starts, so each check walks
    # back over that short run instead of every visit of the batch's span.
    starts: dict[int, list[datetime]] = {}
    for member, rows in others.items():
        rows.sort(key=lambda v: v.started_at)
        starts[member] = [v.started_at for v in rows]
    for entry in checked:
        visit = entry.visit
        member_visits = others[visit.corps_member_id]
        limit = bisect_left(starts.get(visit.corps_member_id, []), end_of(visit))
        for index in range(limit - 1, -1, -1):
            other = member_visits[index]
            if other.started_at < visit.started_at - MAX_VISIT_LENGTH:
                break
            if other.pk != visit.pk and visit.started_at < end_of(other):
                found.append(
                    VisitException(
                        visit=visit,
                        kind=VisitException.Kind.OVERLAP,
                        detail=_("같은 단원의 다른 방문(%(start)s)과 시간이 겹칩니다.")
                        % {
                            "start": timezone.localtime(other.started_at).strftime("%Y-%m-%d %H:%M")
                        },
                    )
                )
                break
    return found


def _hours_limit_exceptions(visits: Sequence[Visit]) -> list[VisitException]:
    """HOURS_LIMIT on the just-stored visits that took their episode past its maximum hours.

    One query for the batch: the episodes' delivered minutes, now that the batch is in. The
    visit stays (care already given is never refused); the coordinator sees the exception.
    """
    by_episode: dict[int, list[Visit]] = defaultdict(list)
    for visit in visits:
        if visit.episode_id and visit.ended_at and visit.status != Visit.Status.VOID:
            by_episode[visit.episode_id].append(visit)
    if not by_episode:
        return []
    episodes = sorted(by_episode)
    vendor = connection_of(Visit).vendor
    if vendor == "postgresql":
        # Kept by the visits' triggers (care 0030), the batch already in.
        delivered = (
            "(SELECT CAST(h.microseconds AS double precision) / 60000000 "  # noqa: S608
            f"FROM {table(EpisodeHours)} h WHERE h.episode_id = e.id)"
        )
        params: list[Any] = []
    else:
        minutes_sql = minutes_between_sql(vendor, "v.started_at", "v.ended_at")
        delivered = (
            f"(SELECT SUM({minutes_sql}) FROM {table(Visit)} v "  # noqa: S608
            "WHERE v.episode_id = e.id AND v.status <> %s AND v.ended_at IS NOT NULL)"
        )
        params = [Visit.Status.VOID]
    found = []
    for episode_id, max_hours, minutes in fetch_values(
        Episode,
        ("id", "max_hours", None),
        f"SELECT e.id, e.max_hours, {delivered} FROM {table(Episode)} e "  # noqa: S608
        f"WHERE e.id IN ({placeholders(episodes)}) AND e.max_hours IS NOT NULL",
        [*params, *episodes],
    ):
        limit = float(max_hours) * 60
        if not minutes or minutes <= limit:
            continue
        # The visits of this batch in time order: those from the one that crossed the limit
        # on are over it (earlier visits of the batch were still within it).
        batch = sorted(by_episode[episode_id], key=lambda v: (v.started_at, v.pk))
        running = minutes - sum(_minutes(v) for v in batch)
        for visit in batch:
            running += _minutes(visit)
            if running > limit:
                found.append(
                    VisitException(
                        visit=visit,
                        kind=VisitException.Kind.HOURS_LIMIT,
                        detail=_(
                            "회차의 서비스 시간이 최대 %(max)s시간을 넘었습니다 "
                            "(누적 %(hours).1f시간)."
                        )
                        % {"max": max_hours, "hours": running / 60},
                    )
                )
    return found


def _minutes(visit: Visit) -> float:
    if visit.ended_at is None:
        return 0.0
    return (visit.ended_at - visit.started_at).total_seconds() / 60


def _array_type(field: Any, connection: Any) -> str:
    # The column's type without its length or precision: an explicit cast to varchar(10)
    # would cut a longer value short, where the insert's own assignment refuses it.
    return re.sub(r"\(.*\)", "", field.db_type(connection)) + "[]"


@lru_cache
def _insert_statement(model: type[Model], alias: str) -> tuple[list[Any], str]:
    """The fields ``_insert`` writes, and its statement (names from the model's metadata)."""
    connection = connections[alias]
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    names = ", ".join(f"c{index}" for index in range(len(fields)))
    unnest = ", ".join(f"%s::{_array_type(field, connection)}" for field in fields)
    return fields, (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT {names} FROM unnest({unnest}) WITH ORDINALITY AS row({names}, n) "
        f"ORDER BY n RETURNING {quote(model._meta.pk.column)}"
    )


def _insert(model: type[Model], objects: Sequence[Model]) -> list[Model]:
    """``model.objects.bulk_create(objects)`` for the sync's rows, on PostgreSQL as one
    ``INSERT … SELECT … FROM unnest(column arrays) … RETURNING id``: each field converts its
    values as bulk_create would (``pre_save``, ``get_db_prep_save``), but the statement has one
    parameter per column instead of one per value, which the ORM builds and the driver
    quotes one by one (a third of a sync's insert time for 20 visits, their service types and
    exceptions). The same rows, in the same order, with the same ids given back to the
    objects; no signals, as with bulk_create. Other databases take bulk_create."""
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql" or not objects:
        return model.objects.bulk_create(objects)
    fields, statement = _insert_statement(model, alias)
    for obj in objects:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    arrays = [
        [field.get_db_prep_save(field.pre_save(obj, True), connection) for obj in objects]
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement, arrays)
        ids = [row[0] for row in cursor.fetchall()]
    for obj, pk in zip(objects, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = alias
    return list(objects)


def _store(
    checked: Sequence[CheckedVisit], ctx: VisitContext, *, source_ip: str | None
) -> list[VisitException]:
    """Insert a batch of checked visits, their service types, exceptions and access log rows;
    returns the exceptions, with their ids."""
    visits = _insert(Visit, [entry.visit for entry in checked])
    Through = Visit.service_types.through
    _insert(
        Through,
        [
            Through(visit_id=visit.pk, servicetype_id=service_type.pk)
            for visit, entry in zip(visits, checked, strict=True)
            for service_type in entry.service_types
        ],
    )
    # One exception of a kind per visit (the unique constraint), the first found. The visits
    # are new and not yet committed, so no one else can have raised one: a plain insert, which
    # gives the ids that the answer shows (ignore_conflicts would not).
    found: dict[tuple[int, str], VisitException] = {}
    for exception in _exceptions_for(checked, ctx.now) + _hours_limit_exceptions(visits):
        found.setdefault((exception.visit_id, exception.kind), exception)
    exceptions = _insert(VisitException, list(found.values()))
    # The scheduled visits these fulfil become done; a visit without one stays unscheduled.
    scheduled_visits_match(
        visits,
        explicit={
            e.visit.client_uuid: e.scheduled_visit_id for e in checked if e.scheduled_visit_id
        },
        candidates=ctx.scheduled,
    )
    access_log_record(
        actor=ctx.actor,
        action=AccessLog.Action.CREATE,
        recipients={entry.visit.recipient.pk: entry.visit.recipient for entry in checked}.values(),
        source_ip=source_ip,
        path="/api/v1/visits/",
    )
    return exceptions


def _row_of_new(
    entry: CheckedVisit, ctx: VisitContext, exceptions: Sequence[VisitException]
) -> dict[str, Any]:
    """The row of a visit this sync has just stored, from what it wrote (see VISIT_ROW_COLUMNS).

    Ordered as the stored rows would be read: service types by ServiceType's ordering,
    exceptions newest first (VisitException's, on the created_at and id just written)."""
    visit = entry.visit
    service_types = sorted(entry.service_types, key=lambda st: (st.sort_order, st.code))
    newest_first = sorted(exceptions, key=lambda e: (e.created_at, e.pk), reverse=True)
    row = {name: getattr(visit, name) for name in VISIT_ROW_COLUMNS}
    row.update(
        {
            "recipient__name": visit.recipient.name,
            "corps_member__name": ctx.member_names[visit.corps_member_id],
            "program__code": visit.program.code,
            "recorded_by__username": ctx.actor.get_username(),
            "reviewed_by__username": None,
            "service_types": [st.code for st in service_types],
            "exceptions": [
                {name: getattr(exception, name) for name in EXCEPTION_ROW_FIELDS}
                for exception in newest_first
            ],
        }
    )
    return row


def visit_rows(pks: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Stored visits as rows (see VISIT_ROW_COLUMNS), by id: three queries, no model objects."""
    pks = list(pks)
    if not pks:
        return {}
    found = visit_rows_with_related(
        Visit.objects.filter(pk__in=pks).order_by().values(*VISIT_ROW_COLUMNS, *VISIT_ROW_NAMES)
    )
    return {row["id"]: row for row in found}


def visit_row_values(visits: QuerySet[Visit]) -> QuerySet[Visit, dict[str, Any]]:
    """``visits`` (filtered, ordered) read as the rows' own columns and names, for a page."""
    return (
        visits.select_related(None)
        .prefetch_related(None)
        .values(*VISIT_ROW_COLUMNS, *VISIT_ROW_NAMES)
    )


def visit_rows_with_related(values: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of ``visit_row_values`` completed with their service types and exceptions (two
    queries), in the order given."""
    found = [row | {"service_types": [], "exceptions": []} for row in values]
    if not found:
        return found
    rows = {row["id"]: row for row in found}
    # Fixed SQL texts (base.sql): the coordinators' most frequent list asks both.
    ids = list(rows)
    Through = Visit.service_types.through
    for visit_id, code in fetch_rows(
        Through,
        f"SELECT t.visit_id, s.code FROM {table(Through)} t "  # noqa: S608
        f"JOIN {table(ServiceType)} s ON s.id = t.servicetype_id "
        f"WHERE t.visit_id IN ({placeholders(ids)}) ORDER BY s.sort_order, s.code",
        ids,
    ):
        rows[visit_id]["service_types"].append(code)
    for visit_id, *values in fetch_values(
        VisitException,
        ("visit_id", *EXCEPTION_ROW_FIELDS),
        f"SELECT visit_id, {', '.join(EXCEPTION_ROW_FIELDS)} "  # noqa: S608
        f"FROM {table(VisitException)} WHERE visit_id IN ({placeholders(ids)}) "
        "ORDER BY created_at DESC, id DESC",
        ids,
    ):
        rows[visit_id]["exceptions"].append(dict(zip(EXCEPTION_ROW_FIELDS, values, strict=True)))
    return found


def visit_record(
    *, actor: AbstractBaseUser, item: VisitInput, source_ip: str | None = None
) -> tuple[Visit, str]:
    """Record one visit; returns the visit and ``created``, ``existing`` or ``conflict``.

    Safe under concurrent replays of one ``client_uuid``: the unique constraint lets one
    insert through and the others find it.
    """
    ctx = visit_context_load(actor=actor, items=[item])
    stored = ctx.existing.get(item.client_uuid)
    if stored is not None:
        return stored, _replay_outcome(stored, item, ctx)
    checked = visit_check(item, ctx)
    try:
        with transaction.atomic():
            _store([checked], ctx, source_ip=source_ip)
    except IntegrityError:
        # Another request stored this client_uuid between our lookup and our insert.
        stored = (
            Visit.objects.prefetch_related("service_types")
            .filter(client_uuid=item.client_uuid)
            .first()
        )
        if stored is None:
            raise
        if Visit.objects.visible_to(actor).filter(pk=stored.pk).exists():
            ctx.visible_existing.add(stored.pk)
        return stored, _replay_outcome(stored, item, ctx)
    return checked.visit, "created"


def visit_sync(
    *,
    actor: AbstractBaseUser,
    items: Sequence[VisitInput | dict[str, list[str]]],
    source_ip: str | None = None,
) -> list[SyncResult]:
    """Store a tablet's outbox: one result per item, in input order.

    ``items`` holds parsed visits, or for an item that failed its shape check the field
    errors to report. A bad item never costs the good ones; lookups are made once per batch
    and the new visits are inserted together.
    """
    if len(items) > SYNC_BATCH_LIMIT:
        raise ValidationError(
            {"visits": [_("한 번에 %d건까지 보낼 수 있습니다.") % SYNC_BATCH_LIMIT]}
        )
    parsed = [item for item in items if isinstance(item, VisitInput)]
    ctx = visit_context_load(actor=actor, items=parsed)
    results: list[SyncResult] = []
    to_store: list[CheckedVisit] = []
    seen: dict[uuid.UUID, VisitInput] = {}
    for index, item in enumerate(items):
        if not isinstance(item, VisitInput):
            results.append(SyncResult(index=index, client_uuid=None, status="error", errors=item))
            continue
        result = SyncResult(index=index, client_uuid=item.client_uuid, status="error")
        results.append(result)
        try:
            stored = ctx.existing.get(item.client_uuid)
            if stored is not None:
                result.status = _replay_outcome(stored, item, ctx)
                result.visit = stored
            elif item.client_uuid in seen:
                # The same visit twice in one outbox: the first copy is the one stored.
                result.status = "existing" if seen[item.client_uuid] == item else "conflict"
            else:
                checked = visit_check(item, ctx)
                seen[item.client_uuid] = item
                to_store.append(checked)
                result.status = "created"
                result.visit = checked.visit
        except ValidationError as exc:
            result.errors = exc.message_dict
    exceptions: list[VisitException] = []
    if to_store:
        try:
            with transaction.atomic():
                exceptions = _store(to_store, ctx, source_ip=source_ip)
        except IntegrityError:
            # A concurrent sync stored some of these keys first: fall back to one at a time,
            # each of which resolves its own race.
            return _sync_one_by_one(actor=actor, items=items, source_ip=source_ip)
    # The answer's rows: a new visit's from what was just written (reading the batch back
    # was a third of a sync's time); the stored ones of a resent outbox read once.
    exceptions_of: dict[int, list[VisitException]] = defaultdict(list)
    for exception in exceptions:
        exceptions_of[exception.visit_id].append(exception)
    rows = {
        entry.visit.pk: _row_of_new(entry, ctx, exceptions_of[entry.visit.pk]) for entry in to_store
    }
    rows |= visit_rows(
        result.visit.pk
        for result in results
        if result.visit is not None and result.visit.pk not in rows
    )
    for result in results:
        if result.visit is not None:
            result.visit_row = rows[result.visit.pk]
    return results


def _sync_one_by_one(
    *,
    actor: AbstractBaseUser,
    items: Sequence[VisitInput | dict[str, list[str]]],
    source_ip: str | None,
) -> list[SyncResult]:
    results = []
    for index, item in enumerate(items):
        if not isinstance(item, VisitInput):
            results.append(SyncResult(index=index, client_uuid=None, status="error", errors=item))
            continue
        try:
            visit, outcome = visit_record(actor=actor, item=item, source_ip=source_ip)
            results.append(SyncResult(index, item.client_uuid, outcome, visit))
        except ValidationError as exc:
            results.append(SyncResult(index, item.client_uuid, "error", errors=exc.message_dict))
    rows = visit_rows(result.visit.pk for result in results if result.visit is not None)
    for result in results:
        if result.visit is not None:
            result.visit_row = rows[result.visit.pk]
    return results


def _may_edit(actor: AbstractBaseUser, visit: Visit) -> bool:
    return visit.recorded_by_id == actor.pk or visit.corps_member.user_id == actor.pk


@transaction.atomic
def visit_update(
    *, actor: AbstractBaseUser, visit: Visit, changes: dict[str, Any], source_ip: str | None = None
) -> Visit:
    """Correct a visit: only its author, and only until a coordinator has reviewed it."""
    visit = (
        Visit.objects.select_for_update().select_related("corps_member", "program").get(pk=visit.pk)
    )
    if not _may_edit(actor, visit):
        raise ValidationError({"non_field_errors": [_("자신이 기록한 방문만 고칠 수 있습니다.")]})
    if visit.status != Visit.Status.SUBMITTED:
        raise ValidationError({"status": [_("확인되었거나 무효 처리된 방문은 고칠 수 없습니다.")]})
    item = VisitInput(
        client_uuid=visit.client_uuid,
        recipient_id=visit.recipient_id,
        corps_member_id=visit.corps_member_id,
        program_code=changes.get("program_code", visit.program.code),
        started_at=changes.get("started_at", visit.started_at),
        ended_at=changes.get("ended_at", visit.ended_at),
        service_type_codes=tuple(
            changes.get("service_type_codes") or [st.code for st in visit.service_types.all()]
        ),
        notes=changes.get("notes", visit.notes),
        latitude=changes.get("latitude", visit.latitude),
        longitude=changes.get("longitude", visit.longitude),
    )
    checked = visit_check(item, visit_context_load(actor=actor, items=[item]))
    for name in ("program", "started_at", "ended_at", "notes", "latitude", "longitude"):
        setattr(visit, name, getattr(checked.visit, name))
    visit.save()
    visit.service_types.set(checked.service_types)
    checked.visit = visit
    # Re-judge the open exceptions against the corrected times; resolved ones stay as history
    # (the unique visit+kind constraint keeps a resolved kind from being raised again).
    visit.exceptions.filter(resolved_at__isnull=True).delete()
    VisitException.objects.bulk_create(
        _exceptions_for([checked], visit.created_at) + _hours_limit_exceptions([visit]),
        ignore_conflicts=True,
    )
    access_log_record(
        actor=actor,
        action=AccessLog.Action.CHANGE,
        recipients=[visit.recipient],
        source_ip=source_ip,
    )
    return visit


@transaction.atomic
def visit_verify(*, actor: AbstractBaseUser, visit: Visit) -> Visit:
    """A coordinator confirms a visit; open exceptions must be resolved first."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.status != Visit.Status.SUBMITTED:
        raise ValidationError({"status": [_("제출 상태의 방문만 확인할 수 있습니다.")]})
    if visit.exceptions.filter(resolved_at__isnull=True).exists():
        raise ValidationError(
            {"exceptions": [_("처리되지 않은 예외가 있습니다. 먼저 처리하세요.")]}
        )
    visit.status = Visit.Status.VERIFIED
    visit.reviewed_by = actor
    visit.reviewed_at = timezone.now()
    visit.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
    return visit


@transaction.atomic
def visits_verify_bulk(
    *,
    actor: AbstractBaseUser,
    visits_qs: QuerySet[Visit],
    source_ip: str | None = None,
    path: str = "",
) -> int:
    """A coordinator confirms every submitted visit of ``visits_qs`` without an open exception,
    set-based; returns how many were confirmed. Visits with open exceptions are left as they
    are: they wait for the exception to be handled, as ``visit_verify`` asks.

    The rows are locked first, in primary-key order, and the exceptions judged by the UPDATE,
    a later statement: a caregiver's correction that re-raised an exception while we waited
    for its row lock is seen, as in ``visit_verify``. The locked rows were submitted when
    locked and nobody else can change them before we commit, so those verified afterwards
    are this call's: their recipients go to the access log, once each.
    """
    locked = list(
        Visit.objects.filter(
            pk__in=visits_qs.order_by().values("pk"), status=Visit.Status.SUBMITTED
        )
        .select_for_update()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not locked:
        return 0
    now = timezone.now()
    verified = (
        Visit.objects.filter(pk__in=locked)
        .with_open_exceptions(False)
        .update(status=Visit.Status.VERIFIED, reviewed_by=actor, reviewed_at=now, updated_at=now)
    )
    if verified:
        access_log_record(
            actor=actor,
            action=AccessLog.Action.CHANGE,
            recipients=Recipient.objects.filter(
                pk__in=Visit.objects.filter(pk__in=locked, status=Visit.Status.VERIFIED).values(
                    "recipient_id"
                )
            ).only("pk", "name"),
            source_ip=source_ip,
            path=path,
        )
    return verified


@transaction.atomic
def visit_void(*, actor: AbstractBaseUser, visit: Visit, reason: str) -> Visit:
    """Void a visit with a reason; void visits never count in any figure."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.status == Visit.Status.VOID:
        raise ValidationError({"status": [_("이미 무효 처리된 방문입니다.")]})
    if not reason.strip():
        raise ValidationError({"reason": [_("무효 사유를 적어 주세요.")]})
    visit.status = Visit.Status.VOID
    visit.void_reason = reason.strip()
    visit.reviewed_by = actor
    visit.reviewed_at = timezone.now()
    visit.save(update_fields=["status", "void_reason", "reviewed_by", "reviewed_at", "updated_at"])
    return visit


@transaction.atomic
def visit_exception_resolve(
    *, actor: AbstractBaseUser, exception: VisitException, resolution: str
) -> VisitException:
    exception = VisitException.objects.select_for_update().get(pk=exception.pk)
    if exception.resolved_at is not None:
        raise ValidationError({"non_field_errors": [_("이미 처리된 예외입니다.")]})
    if not resolution.strip():
        raise ValidationError({"resolution": [_("처리 사유를 적어 주세요.")]})
    exception.resolution = resolution.strip()
    exception.resolved_by = actor
    exception.resolved_at = timezone.now()
    exception.save(update_fields=["resolution", "resolved_by", "resolved_at"])
    return exception


def no_visit_alerts_record(*, as_of: date | None = None) -> int:
    """Record today's alerts: active assignments whose recipient had no visit for 7 days.

    Safe to run twice a day: an alert exists once per recipient, corps member and day.
    """
    as_of = as_of or timezone.localdate()
    cutoff = timezone.make_aware(
        datetime.combine(as_of - timedelta(days=NO_VISIT_DAYS), datetime.min.time())
    )
    last_visit = (
        Visit.objects.counted()
        .filter(recipient_id=OuterRef("recipient_id"))
        .values("recipient_id")
        .annotate(last=Max("started_at"))
        .values("last")
    )
    # A recipient whose open episode has a care plan is followed by the schedule instead
    # (late and missed visits, every 15 minutes); the 7-day rule is for those without one.
    planned = CarePlanEntry.objects.filter(
        episode__recipient_id=OuterRef("recipient_id"), episode__state__in=Episode.OPEN_STATES
    )
    candidates = (
        Assignment.objects.active_on(as_of)
        .filter(
            recipient__status=Recipient.Status.ACTIVE,
            starts_on__lte=as_of - timedelta(days=NO_VISIT_DAYS),
        )
        .exclude(Exists(planned))
        .annotate(last_visit_at=Subquery(last_visit))
        .filter(Q(last_visit_at__isnull=True) | Q(last_visit_at__lt=cutoff))
        .values_list("recipient_id", "corps_member_id", "last_visit_at")
    )
    alerts = [
        NoVisitAlert(recipient_id=r, corps_member_id=m, as_of=as_of, last_visit_at=last)
        for r, m, last in candidates
    ]
    NoVisitAlert.objects.bulk_create(alerts, ignore_conflicts=True)
    return len(alerts)
