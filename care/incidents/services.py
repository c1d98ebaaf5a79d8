"""Writes of safety incidents: the report (idempotent by the tablet's ``client_uuid``), the
alert to the coordinators on duty, the desk's acknowledgement, follow-ups, external reports
and closure, and the escalation to managers of what nobody acknowledged in 24 hours.

Each business action is one transaction; state changes lock the incident's row. Alerts are
stored in the same transaction through the notification outbox (``message_enqueue``), whose
sending is queued on commit: a report that rolls back alerts nobody, one that commits is
never alerted twice (the dedupe key is per incident and recipient of the alert).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from base.models import AccessLog
from base.roles import has_role
from base.services import access_log_insert
from care.incidents.models import (
    STAFF_HARM_PERMISSION,
    Incident,
    IncidentExternalReport,
    IncidentFollowUp,
    OnCallShift,
    ReportingLine,
    StaffPhone,
)
from care.models import Recipient, Visit
from notifications.services import message_enqueue

# A tablet's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)
# Older than this needs a reason (a late report is still taken, never refused).
LATE_AFTER = timedelta(days=7)
# Unacknowledged this long, an open incident is escalated to the managers.
ESCALATE_AFTER = timedelta(hours=24)


def incident_log(
    *,
    actor: AbstractBaseUser,
    incidents: Iterable[Incident],
    action: str = AccessLog.Action.VIEW,
    source_ip: str | None = None,
    path: str = "",
) -> None:
    """접속기록: one row per incident read (list page or detail, API or desk), in one insert.

    The subject is the incident itself (``subject_type="incident"``): an incident about a
    caregiver has no recipient, and the log must show every read of every incident."""
    access_log_insert(
        AccessLog(
            user=actor,
            username=actor.get_username(),
            source_ip=source_ip,
            action=action,
            subject_type="incident",
            subject_id=incident.pk,
            subject_label=incident.subject_label[:100],
            path=path[:200],
        )
        for incident in incidents
    )


def _check_times(occurred_at: datetime | None, late_reason: str, now: datetime) -> None:
    if occurred_at is None:
        return
    if occurred_at > now + CLOCK_SKEW:
        raise ValidationError({"occurred_at": [_("발생 일시가 미래입니다.")]})
    if occurred_at < now - LATE_AFTER and not late_reason.strip():
        raise ValidationError({"late_reason": [_("7일이 지난 일은 늦은 신고 사유를 적어 주세요.")]})


def _stored(client_uuid: uuid.UUID, actor: AbstractBaseUser) -> Incident | None:
    """The incident already stored under ``client_uuid``; another user's is refused (a uuid is
    one tablet's record, never a way to read someone else's)."""
    stored = Incident.objects.filter(client_uuid=client_uuid).first()
    if stored is None:
        return None
    if stored.reporter_id != actor.pk:
        raise ValidationError({"client_uuid": [_("이미 사용된 기록 ID입니다.")]})
    return stored


def incident_report(
    *,
    actor: AbstractBaseUser,
    client_uuid: uuid.UUID,
    kind: str,
    occurred_at: datetime,
    place: str,
    what_happened: str,
    action_taken: str = "",
    who_was_told: str = "",
    late_reason: str = "",
    recipient: Recipient | None = None,
    visit: Visit | None = None,
    visit_client_uuid: uuid.UUID | None = None,
    reporting_line: ReportingLine | None = None,
    reported_to_line_at: datetime | None = None,
    source_ip: str | None = None,
    now: datetime | None = None,
) -> tuple[Incident, bool]:
    """Store a reported incident; the incident and whether it was created now.

    Idempotent by ``client_uuid``: a replay (the tablet's outbox after a lost answer, or ten
    at once) returns the stored incident and alerts nobody again. The unique constraint lets
    one insert through; the others find it. The visit may be named by its id or by the
    tablet's uuid of it (the visit may have been saved offline together with the report).
    """
    now = now or timezone.now()
    stored = _stored(client_uuid, actor)
    if stored is not None:
        return stored, False
    _check_times(occurred_at, late_reason, now)
    is_caregiver_only = not has_role(actor, "coordinator", "administrator")
    if visit is None and visit_client_uuid is not None:
        visit = Visit.objects.filter(client_uuid=visit_client_uuid).first()
    if visit is not None:
        if not Visit.objects.visible_to(actor).filter(pk=visit.pk).exists():
            raise ValidationError({"visit": [_("없는 방문입니다.")]})
        if recipient is None:
            recipient = visit.recipient
        elif recipient.pk != visit.recipient_id:
            raise ValidationError({"visit": [_("다른 대상자의 방문입니다.")]})
    if recipient is None and kind in Incident.ABOUT_A_RECIPIENT:
        raise ValidationError({"recipient": [_("학대·방임 의심 신고에는 대상자가 있어야 합니다.")]})
    if (
        recipient is not None
        and is_caregiver_only
        and not Recipient.objects.visible_to(actor).filter(pk=recipient.pk).exists()
    ):
        raise ValidationError({"recipient": [_("없는 대상자입니다.")]})
    if reporting_line is not None and reported_to_line_at is None:
        reported_to_line_at = now
    if reported_to_line_at is not None and reported_to_line_at > now + CLOCK_SKEW:
        raise ValidationError({"reported_to_line_at": [_("신고 전화 일시가 미래입니다.")]})
    corps_member = getattr(actor, "corps_member", None)
    if visit is not None:
        corps_member = visit.corps_member
    incident = Incident(
        client_uuid=client_uuid,
        kind=kind,
        recipient=recipient,
        visit=visit,
        episode=visit.episode if visit is not None else None,
        reporter=actor,
        corps_member=corps_member,
        occurred_at=occurred_at,
        late_reason=late_reason,
        place=place,
        what_happened=what_happened,
        action_taken=action_taken,
        who_was_told=who_was_told,
        reporting_line=reporting_line,
        reported_to_line_at=reported_to_line_at,
        reported_at=now,
    )
    incident.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            incident.save(force_insert=True)
            incident_log(
                actor=actor,
                incidents=[incident],
                action=AccessLog.Action.CREATE,
                source_ip=source_ip,
            )
            _alert_on_duty(incident, now=now)
    except IntegrityError:
        # Another request stored this client_uuid between our look-up and our insert.
        stored = _stored(client_uuid, actor)
        if stored is None:
            raise
        return stored, False
    return incident, True


@dataclass(frozen=True)
class OnDuty:
    user: Any
    phone: str


def on_duty_coordinators(*, now: datetime | None = None) -> list[OnDuty]:
    """Who is alerted of a new incident: the coordinators whose on-call shift (당직) covers
    ``now``, with the shift's phone or their own; when no shift covers it (or none has a
    phone), every active coordinator with a phone on record (StaffPhone). An incident must
    never go unannounced because the rota has a gap."""
    now = now or timezone.now()
    shifts = (
        OnCallShift.objects.filter(starts_at__lte=now, ends_at__gt=now, coordinator__is_active=True)
        .select_related("coordinator__staff_phone")
        .order_by("starts_at", "pk")
    )
    found: dict[int, OnDuty] = {}
    for shift in shifts:
        own = getattr(shift.coordinator, "staff_phone", None)
        phone = shift.phone or (own.phone if own else "")
        if phone and shift.coordinator_id not in found:
            found[shift.coordinator_id] = OnDuty(shift.coordinator, phone)
    if found:
        return list(found.values())
    phones = StaffPhone.objects.filter(
        user__is_active=True, user__groups__name="coordinator"
    ).select_related("user")
    return [OnDuty(row.user, row.phone) for row in phones.order_by("user_id").distinct()]


def _managers() -> list[OnDuty]:
    """Managers (경영진) with a phone on record: whom escalations go to."""
    phones = StaffPhone.objects.filter(
        user__is_active=True, user__groups__name="manager"
    ).select_related("user")
    return [OnDuty(row.user, row.phone) for row in phones.order_by("user_id").distinct()]


def _where(incident: Incident) -> str:
    """Where, as an alert may say it: 시·군 and 읍·면·동 only, never a name (SMS is not a
    safe place for personal data)."""
    recipient = incident.recipient
    if recipient is None:
        return str(_("대상자 없음"))
    return f"{recipient.region.name} {recipient.admin_unit}"


def _alert_on_duty(incident: Incident, *, now: datetime) -> None:
    body = _("[긴급돌봄] %(kind)s 신고 #%(id)s (%(where)s). 데스크에서 확인하세요.") % {
        "kind": incident.get_kind_display(),
        "id": incident.pk,
        "where": _where(incident),
    }
    # Harm done to a caregiver is not the coordinators' to read: its alert goes to those
    # who may (administrators and the permission's holders) with a phone on record.
    if incident.kind == Incident.Kind.STAFF_HARM:
        targets = _staff_harm_readers()
    else:
        targets = on_duty_coordinators(now=now)
    for target in targets:
        message_enqueue(
            kind="incident_reported",
            to_phone=target.phone,
            to_name=target.user.get_full_name() or target.user.get_username(),
            body=str(body),
            dedupe_key=f"incident_reported:{incident.pk}:{target.user.pk}",
            user=target.user,
        )


def _staff_harm_readers() -> list[OnDuty]:
    """Administrators and holders of the staff-harm permission, with a phone on record."""
    codename = STAFF_HARM_PERMISSION.split(".")[1]
    readers = (
        Q(user__is_superuser=True)
        | Q(user__groups__name="administrator")
        | Q(user__user_permissions__codename=codename)
        | Q(user__groups__permissions__codename=codename)
    )
    phones = StaffPhone.objects.filter(readers, user__is_active=True).select_related("user")
    return [OnDuty(row.user, row.phone) for row in phones.order_by("user_id").distinct()]


def _locked(incident: Incident) -> Incident:
    return (
        Incident.objects.select_for_update(of=("self",))
        .select_related("recipient__region")
        .get(pk=incident.pk)
    )


@transaction.atomic
def incident_acknowledge(
    *, actor: AbstractBaseUser, incident: Incident, now: datetime | None = None
) -> Incident:
    """확인: the desk has seen the report (open → acknowledged); stops the escalation clock."""
    incident = _locked(incident)
    if incident.state != Incident.State.OPEN:
        raise ValidationError({"state": [_("접수 상태인 신고만 확인할 수 있습니다.")]})
    incident.state = Incident.State.ACKNOWLEDGED
    incident.acknowledged_at = now or timezone.now()
    incident.acknowledged_by = actor
    incident.full_clean()
    incident.save(update_fields=["state", "acknowledged_at", "acknowledged_by"])
    return incident


def _not_closed(incident: Incident) -> None:
    if incident.state == Incident.State.CLOSED:
        raise ValidationError({"state": [_("종결된 신고입니다.")]})


@transaction.atomic
def incident_follow_up_add(
    *, actor: AbstractBaseUser, incident: Incident, text: str, at: datetime | None = None
) -> IncidentFollowUp:
    """후속 조치 기록 (not on a closed incident: its record is final)."""
    incident = _locked(incident)
    _not_closed(incident)
    follow_up = IncidentFollowUp(
        incident=incident, author=actor, text=text, at=at or timezone.now()
    )
    follow_up.full_clean()
    follow_up.save()
    return follow_up


@transaction.atomic
def incident_external_report_record(
    *,
    actor: AbstractBaseUser,
    incident: Incident,
    agency: str,
    reported_at: datetime,
    person: str = "",
    receipt_number: str = "",
    now: datetime | None = None,
) -> IncidentExternalReport:
    """외부 기관 신고: the call to 119, 112, 노인보호전문기관 … with its 접수번호."""
    now = now or timezone.now()
    incident = _locked(incident)
    _not_closed(incident)
    if reported_at > now + CLOCK_SKEW:
        raise ValidationError({"reported_at": [_("신고 일시가 미래입니다.")]})
    report = IncidentExternalReport(
        incident=incident,
        agency=agency,
        reported_at=reported_at,
        person=person,
        receipt_number=receipt_number,
        recorded_by=actor,
        recorded_at=now,
    )
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def incident_close(
    *, actor: AbstractBaseUser, incident: Incident, outcome: str, now: datetime | None = None
) -> Incident:
    """종결 with its outcome. An open incident closed at once counts as acknowledged then."""
    now = now or timezone.now()
    incident = _locked(incident)
    _not_closed(incident)
    if not outcome.strip():
        raise ValidationError({"outcome": [_("결과를 적어 주세요.")]})
    if incident.acknowledged_at is None:
        incident.acknowledged_at = now
        incident.acknowledged_by = actor
    incident.state = Incident.State.CLOSED
    incident.outcome = outcome
    incident.closed_at = now
    incident.closed_by = actor
    incident.full_clean()
    incident.save(
        update_fields=[
            "state",
            "outcome",
            "closed_at",
            "closed_by",
            "acknowledged_at",
            "acknowledged_by",
        ]
    )
    return incident


def incidents_escalate(*, now: datetime | None = None) -> int:
    """Tell the managers about open incidents nobody acknowledged within 24 hours; how many
    were escalated. Beat runs it every 15 minutes.

    Once per incident, whatever runs at once: each incident is claimed by one conditional
    UPDATE (``escalated_at`` still empty), and its messages are stored in the same
    transaction, each with a dedupe key per incident and manager."""
    now = now or timezone.now()
    due = Incident.objects.filter(
        state=Incident.State.OPEN,
        acknowledged_at__isnull=True,
        escalated_at__isnull=True,
        reported_at__lte=now - ESCALATE_AFTER,
    ).order_by("pk")
    managers = _managers()
    escalated = 0
    for incident in due.select_related("recipient__region"):
        with transaction.atomic():
            claimed = Incident.objects.filter(
                pk=incident.pk, escalated_at__isnull=True, state=Incident.State.OPEN
            ).update(escalated_at=now)
            if not claimed:
                continue
            escalated += 1
            hours = int((now - incident.reported_at).total_seconds() // 3600)
            body = _(
                "[긴급돌봄] %(kind)s 신고 #%(id)s (%(where)s)이 %(hours)s시간 동안 "
                "확인되지 않았습니다."
            ) % {
                "kind": incident.get_kind_display(),
                "id": incident.pk,
                "where": _where(incident),
                "hours": hours,
            }
            for manager in managers:
                message_enqueue(
                    kind="incident_escalated",
                    to_phone=manager.phone,
                    to_name=manager.user.get_full_name() or manager.user.get_username(),
                    body=str(body),
                    dedupe_key=f"incident_escalated:{incident.pk}:{manager.user.pk}",
                    user=manager.user,
                )
    return escalated
