"""Retention (보유 기간) across the apps, in one place: the consultations' clients who are no
recipient, and the orchestration the command and the weekly task share (call-back requests:
``consultations.callbacks.retention``).

``care.retention`` erases recipients (their consultations with them); ``base.retention``
purges the logs. Consultations are above both, so the plan and its application live here
(docs/architecture.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from base.models import AccessLog
from base.retention import LogPurgePlan, access_log_purge, log_purge_plan, role_changes_purge
from base.services import access_log_insert
from base.validators import add_years
from care import retention as care_retention
from care.retention import ERASED, Due, personal_data_years, pseudonym
from consultations.callbacks.retention import callback_erase, callbacks_due
from consultations.models import Consultation, Referral, ReferralStateChange


def consultations_due(today: date | None = None) -> list[Due]:
    """Consultations of people who are no recipient, held more than their program's
    ``personal_data_retention_years`` ago and not yet pseudonymised (anonymous ones too: a
    summary may still name someone)."""
    today = today or timezone.localdate()
    years = personal_data_years()
    found = []
    rows = (
        Consultation.objects.filter(recipient__isnull=True, pseudonymised_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "program_id", "held_at")
    )
    for pk, program_id, held_at in rows.iterator():
        until = add_years(
            timezone.localdate(held_at),
            years.get(program_id, settings.PERSONAL_DATA_RETENTION_YEARS),
        )
        if until < today:
            found.append(Due(pk, until))
    return found


def consultation_erase(
    consultation_id: int, *, actor: AbstractBaseUser | None = None, path: str = ""
) -> bool:
    """Erase a (non-recipient) consultation client's name, contact and the summary, in one
    transaction; False if already done. The consultation's program, 시·군, channel, outcome,
    topics and time stay: the counts read those."""
    now = timezone.now()
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().filter(pk=consultation_id).first()
        if consultation is None or consultation.pseudonymised_at is not None:
            return False
        if consultation.recipient_id:
            # A recipient's consultation goes with the recipient, never alone.
            return care_retention.recipient_erase(consultation.recipient_id, actor=actor, path=path)
        label = "" if consultation.is_anonymous else pseudonym("consultation", consultation.pk)
        Consultation.objects.filter(pk=consultation.pk).update(
            person_name=label, person_contact="", summary=ERASED, pseudonymised_at=now
        )
        referrals = Referral.objects.filter(consultation=consultation)
        referrals.update(reason="")
        ReferralStateChange.objects.filter(referral__in=referrals).update(reason="")
        access_log_insert(
            [
                AccessLog(
                    user=actor,
                    username=actor.get_username() if actor is not None else "retention",
                    action=AccessLog.Action.DELETE,
                    subject_type="consultation",
                    subject_id=consultation.pk,
                    subject_label=label,
                    path=path[:200],
                )
            ]
        )
    return True


@dataclass(frozen=True)
class RetentionPlan:
    recipients: list[Due]
    consultations: list[Due]
    callback_requests: list[Due]
    logs: LogPurgePlan


@dataclass
class RetentionResult:
    recipients: list[int] = field(default_factory=list)
    consultations: list[int] = field(default_factory=list)
    callback_requests: list[int] = field(default_factory=list)
    access_log_rows: int = 0
    role_changes: int = 0


def retention_plan(today: date | None = None) -> RetentionPlan:
    """What ``retention_apply`` would do now, changing nothing (the dry run)."""
    return RetentionPlan(
        recipients=care_retention.recipients_due(today),
        consultations=consultations_due(today),
        callback_requests=callbacks_due(today),
        logs=log_purge_plan(),
    )


def retention_apply(today: date | None = None) -> RetentionResult:
    """Pseudonymise everyone due, one transaction per person, then purge the logs. Safe to
    run twice: the second run finds nobody due and nothing past the limits."""
    result = RetentionResult()
    for due in care_retention.recipients_due(today):
        if care_retention.recipient_erase(due.pk):
            result.recipients.append(due.pk)
    for due in consultations_due(today):
        if consultation_erase(due.pk):
            result.consultations.append(due.pk)
    for due in callbacks_due(today):
        if callback_erase(due.pk, today=today):
            result.callback_requests.append(due.pk)
    result.access_log_rows = access_log_purge()
    result.role_changes = role_changes_purge()
    return result
