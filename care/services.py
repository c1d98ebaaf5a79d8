"""Writes of the care registries. Views, admin and commands all come through here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import AccessLog, Program, ServiceType
from base.roles import has_role
from base.services import access_log_record
from care.consent.services import (
    consent_legacy_from_recipient,
    consent_require_collection,
    consents_record_at_intake,
)
from care.consent.texts import COLLECTION_USE, CURRENT
from care.episodes.models import Episode
from care.episodes.services import episode_for_assignment
from care.models import Assignment, Recipient
from care.schedule.services import plan_entries_end_for_member
from notifications.services import message_enqueue
from volunteers.compliance.models import ComplianceOverride
from volunteers.compliance.services import compliance_check
from volunteers.models import CorpsMember

RECIPIENT_FIELDS = {
    "name", "birth_date", "sex", "phone", "address", "region", "admin_unit", "category",
    "emergency_reason", "referral_source", "guardian_name", "guardian_relation",
    "guardian_phone", "risk_level", "consent_date", "consent_scope", "status", "notes",
}  # fmt: skip


def _coordinates(user: AbstractBaseUser) -> bool:
    return has_role(user, "coordinator", "administrator")


class PossibleDuplicate(Exception):
    """A recipient with the same name and birth date exists; the caller must confirm."""

    def __init__(self, candidates: Sequence[Recipient]) -> None:
        super().__init__("possible duplicate recipient")
        self.candidates = list(candidates)


def recipient_duplicates(
    *, name: str, birth_date: date, exclude_pk: int | None = None
) -> list[Recipient]:
    candidates = Recipient.objects.select_related("region").filter(
        name=name.strip(), birth_date=birth_date
    )
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    return list(candidates[:10])


def _apply(recipient: Recipient, fields: dict[str, Any]) -> None:
    unknown = set(fields) - RECIPIENT_FIELDS
    if unknown:
        raise ValueError(f"unknown recipient fields: {sorted(unknown)}")
    for field, value in fields.items():
        setattr(recipient, field, value.strip() if isinstance(value, str) else value)


@transaction.atomic
def recipient_create(
    *,
    actor: AbstractBaseUser,
    needs: Iterable[ServiceType] = (),
    confirm_duplicate: bool = False,
    consents: Sequence[Mapping[str, Any]] = (),
    source_ip: str | None = None,
    **fields: Any,
) -> Recipient:
    """Register a recipient (intake).

    Refuses a possible duplicate (same name and birth date) unless ``confirm_duplicate``:
    two records of one frail person split their visits and their history.

    ``consents`` are the items agreed at intake (``care.consent.services``); an older
    client's ``consent_date`` becomes a ``collection_use`` record of version ``legacy``. An
    active recipient needs ``collection_use`` in force.
    """
    recipient = Recipient(created_by=actor)
    _apply(recipient, fields)
    collection = next((c for c in consents if c.get("item") == COLLECTION_USE), None)
    if collection is not None:
        # The older fields follow the collection item; set now for the model's own checks.
        recipient.consent_date = collection["given_on"]
        recipient.consent_scope = CURRENT[COLLECTION_USE].title
    if recipient.status != Recipient.Status.REFERRED and not _coordinates(actor):
        # Counselors hand people over; only a coordinator takes them on as active.
        raise ValidationError({"status": [_("코디네이터만 이용 중·종결로 등록할 수 있습니다.")]})
    recipient.full_clean()
    if not confirm_duplicate:
        duplicates = recipient_duplicates(name=recipient.name, birth_date=recipient.birth_date)
        if duplicates:
            raise PossibleDuplicate(duplicates)
    recipient.save()
    recipient.needs.set(needs)
    consents_record_at_intake(actor=actor, recipient=recipient, consents=consents)
    consent_legacy_from_recipient(recipient=recipient)
    if recipient.status == Recipient.Status.ACTIVE:
        consent_require_collection(recipient=recipient)
    access_log_record(
        actor=actor, action=AccessLog.Action.CREATE, recipients=[recipient], source_ip=source_ip
    )
    return recipient


@transaction.atomic
def recipient_update(
    *,
    actor: AbstractBaseUser,
    recipient: Recipient,
    needs: Iterable[ServiceType] | None = None,
    source_ip: str | None = None,
    **fields: Any,
) -> Recipient:
    # Work on the locked row, not the caller's copy: two coordinators editing one intake must
    # not lose each other's changes; only the fields this call names are written over.
    recipient = Recipient.objects.select_for_update().get(pk=recipient.pk)
    was_active = recipient.status == Recipient.Status.ACTIVE
    _apply(recipient, fields)
    recipient.full_clean()
    recipient.save()
    if needs is not None:
        recipient.needs.set(needs)
    if "consent_date" in fields:
        # An older client giving the consent date: a legacy record if none is in force.
        consent_legacy_from_recipient(recipient=recipient)
    if recipient.status == Recipient.Status.ACTIVE and not was_active:
        # Only the move to active is checked: a withdrawal of collection_use flags a person
        # already in care on the desk rather than blocking every later edit of their record.
        consent_require_collection(recipient=recipient)
    access_log_record(
        actor=actor, action=AccessLog.Action.CHANGE, recipients=[recipient], source_ip=source_ip
    )
    return recipient


@transaction.atomic
def recipient_delete(
    *, actor: AbstractBaseUser, recipient: Recipient, source_ip: str | None = None
) -> None:
    # The same lock assignment_create takes: no assignment can appear between check and delete.
    recipient = Recipient.objects.select_for_update().get(pk=recipient.pk)
    # A person with history is closed, not deleted (their personal data goes only through
    # retention): the protected foreign keys refuse it, and the API answers that with 409.
    history = list(recipient.assignments.all()[:1]) + list(recipient.visits.all()[:1])
    if history:
        raise ProtectedError(
            _("돌봄 기록이 있는 대상자는 지울 수 없습니다. 상태를 종결로 바꾸세요."), set(history)
        )
    access_log_record(
        actor=actor, action=AccessLog.Action.DELETE, recipients=[recipient], source_ip=source_ip
    )
    recipient.needs.clear()
    # A person without care history was an intake made in error: their consent records go
    # with them (they are part of the personal data being removed, not history of care).
    recipient.consents.all().delete()
    recipient.delete()


def assignment_check(assignment: Assignment) -> None:
    """The rules of an assignment; raises ValidationError keyed by field."""
    # Every assignment serves an approved or active episode of its recipient, within it.
    episode = episode_for_assignment(
        assignment.recipient, assignment.episode if assignment.episode_id else None
    )
    assignment.episode = episode
    assignment.full_clean()
    if assignment.corps_member.status != CorpsMember.Status.ACTIVE:
        raise ValidationError({"corps_member": _("활동 중인 단원에게만 배정할 수 있습니다.")})
    if assignment.recipient.status == Recipient.Status.CLOSED:
        raise ValidationError({"recipient": _("종결된 대상자에게는 배정할 수 없습니다.")})
    member = assignment.corps_member
    if assignment.starts_on < member.joined_on or (
        member.left_on and (assignment.ends_on is None or assignment.ends_on > member.left_on)
    ):
        raise ValidationError({"starts_on": _("배정 기간이 단원의 활동 기간을 벗어납니다.")})
    clashes = (
        Assignment.objects.filter(
            recipient=assignment.recipient,
            corps_member=assignment.corps_member,
            program=assignment.program,
        )
        .exclude(pk=assignment.pk)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=assignment.starts_on))
    )
    if assignment.ends_on is not None:
        clashes = clashes.filter(starts_on__lte=assignment.ends_on)
    if clashes.exists():
        raise ValidationError(
            {"starts_on": _("같은 단원·대상자·사업의 배정 기간이 이미 있습니다.")}
        )
    if episode.starts_on and assignment.starts_on < episode.starts_on:
        raise ValidationError(
            {
                "starts_on": _("배정은 돌봄 회차의 시작일(%(day)s)보다 빠를 수 없습니다.")
                % {"day": episode.starts_on.isoformat()}
            }
        )


@transaction.atomic
def assignment_create(
    *,
    actor: AbstractBaseUser,
    recipient: Recipient,
    corps_member: CorpsMember,
    program: Program,
    starts_on: date,
    ends_on: date | None = None,
    episode: Episode | None = None,
    source_ip: str | None = None,
    compliance_override_reason: str = "",
) -> Assignment:
    """Assign a recipient to a corps member for a program (배정), within an episode: the one
    given, else the recipient's open one. A corps member new to the episode is told by text.

    A corps member whose required compliance item (training, criminal-record check, health
    check, insurance) for the recipient's category has lapsed or is missing on the first day
    is refused (400 on ``corps_member``) unless ``compliance_override_reason`` is given; the
    override is then recorded on the assignment."""
    # Serialize assignments of one recipient so that two overlapping ones cannot both pass.
    Recipient.objects.select_for_update().filter(pk=recipient.pk).first()
    assignment = Assignment(
        recipient=recipient,
        corps_member=corps_member,
        program=program,
        starts_on=starts_on,
        ends_on=ends_on,
        episode=episode,
        assigned_by=actor,
    )
    assignment_check(assignment)
    assignment.compliance_override = _compliance_check(
        actor, assignment, reason=compliance_override_reason
    )
    new_to_episode = not Assignment.objects.filter(
        episode=assignment.episode, corps_member=corps_member
    ).exists()
    assignment.save()
    if new_to_episode:
        _episode_assigned_notify(assignment)
    access_log_record(
        actor=actor, action=AccessLog.Action.CHANGE, recipients=[recipient], source_ip=source_ip
    )
    return assignment


def _compliance_check(
    actor: AbstractBaseUser, assignment: Assignment, *, reason: str
) -> ComplianceOverride | None:
    return compliance_check(
        actor=actor,
        corps_member=assignment.corps_member,
        category=assignment.recipient.category,
        on=max(assignment.starts_on, timezone.localdate()),
        action=ComplianceOverride.Action.ASSIGNMENT,
        override_reason=reason,
    )


def _episode_assigned_notify(assignment: Assignment) -> None:
    """Tell the corps member of a new episode: where (읍·면·동 only) and from when."""
    member = assignment.corps_member
    if not member.phone:
        return
    body = _(
        "[긴급돌봄] 새 돌봄이 배정되었습니다. %(place)s, %(day)s부터. 태블릿에서 확인하세요."
    ) % {
        "place": f"{assignment.recipient.region.name} {assignment.recipient.admin_unit}",
        "day": assignment.starts_on.strftime("%m/%d"),
    }
    # Stored in this transaction: a rolled-back assignment sends nothing.
    message_enqueue(
        kind="episode_assigned",
        to_phone=member.phone,
        to_name=member.name,
        body=str(body),
        dedupe_key=f"episode_assigned:{assignment.episode_id}:{member.pk}",
        user=member.user,
    )


@transaction.atomic
def assignment_update(
    *,
    actor: AbstractBaseUser,
    assignment: Assignment,
    source_ip: str | None = None,
    compliance_override_reason: str = "",
    **fields: Any,
) -> Assignment:
    """Change an assignment; a new corps member is held to the compliance rule as on
    ``assignment_create``."""
    Recipient.objects.select_for_update().filter(pk=assignment.recipient_id).first()
    assignment = Assignment.objects.select_related("recipient", "corps_member").get(
        pk=assignment.pk
    )
    previous_member_id = assignment.corps_member_id
    allowed = {"corps_member", "program", "starts_on", "ends_on", "episode"}
    for field, value in fields.items():
        if field not in allowed:
            raise ValueError(f"unknown assignment field: {field}")
        setattr(assignment, field, value)
    assignment_check(assignment)
    if assignment.corps_member_id != previous_member_id:
        assignment.compliance_override = _compliance_check(
            actor, assignment, reason=compliance_override_reason
        )
    assignment.save()
    access_log_record(
        actor=actor,
        action=AccessLog.Action.CHANGE,
        recipients=[assignment.recipient],
        source_ip=source_ip,
    )
    return assignment


@transaction.atomic
def assignment_end(
    *,
    actor: AbstractBaseUser,
    assignment: Assignment,
    ends_on: date,
    source_ip: str | None = None,
) -> Assignment:
    """End an assignment: ``ends_on`` is the corps member's last day with the recipient.

    Refused before the assignment's start. Ending it earlier than planned asks no other rule:
    a coordinator ends an assignment precisely when the member went on leave or the care
    changed, and shortening cannot make an overlap. Moving the end later is a change of the
    assignment like any other and goes through ``assignment_update`` and its checks.
    """
    Recipient.objects.select_for_update().filter(pk=assignment.recipient_id).first()
    assignment = Assignment.objects.select_related("recipient").get(pk=assignment.pk)
    if ends_on < assignment.starts_on:
        raise ValidationError(
            {
                "ends_on": _("배정 종료일은 시작일(%(day)s)보다 빠를 수 없습니다.")
                % {"day": assignment.starts_on.isoformat()}
            }
        )
    if assignment.ends_on is not None and ends_on > assignment.ends_on:
        return assignment_update(
            actor=actor, assignment=assignment, ends_on=ends_on, source_ip=source_ip
        )
    assignment.ends_on = ends_on
    assignment.save(update_fields=["ends_on"])
    # The member's weekly plan for this episode ends with the assignment, or the nightly
    # generation would keep booking them.
    plan_entries_end_for_member(
        episode_id=assignment.episode_id,
        corps_member_id=assignment.corps_member_id,
        last_day=ends_on,
    )
    access_log_record(
        actor=actor,
        action=AccessLog.Action.CHANGE,
        recipients=[assignment.recipient],
        source_ip=source_ip,
    )
    return assignment


@transaction.atomic
def assignment_delete(
    *, actor: AbstractBaseUser, assignment: Assignment, source_ip: str | None = None
) -> None:
    access_log_record(
        actor=actor,
        action=AccessLog.Action.CHANGE,
        recipients=[assignment.recipient],
        source_ip=source_ip,
    )
    assignment.delete()
