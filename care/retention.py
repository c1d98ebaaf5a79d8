"""Personal data past its retention (개인정보 보유 기간): erased and replaced by a pseudonym.

A person's identifying fields go once every episode of theirs closed more than their
program's ``ProgramRules.personal_data_retention_years`` ago (and every visit, consultation
and, for longer, every incident report of theirs is past its own period). The row stays: its
id, 시·군, 읍·면·동 (the rural flag), sex, category, birth year, consent date and every date,
so the counts the goal tracker reads (kpi/metrics.py: persons by id, visits, 시·군, rural or
urban, programs, months) are the same before and after.

Free text is erased too, not scanned: notes and summaries are where names of the person, their
family and neighbours are written, and no pattern finds a name. The audit trail's own
fields (who did what, when, void reasons) stay.

Consultations are above care (docs/architecture.md): the person's consultations are reached
through the reverse relation's name, ``consultations``, never by import.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from base.models import AccessLog
from base.services import access_log_insert
from base.validators import add_years
from care.models import (
    AfterCareCheck,
    Assignment,
    ConferenceEpisode,
    EligibilityAnswer,
    Episode,
    EpisodeTransition,
    ExtensionRequest,
    Incident,
    IncidentFollowUp,
    ProgramRules,
    Recipient,
    RepairJob,
    RepairJobTransition,
    RepairPhoto,
    SatisfactionAnswer,
    ScheduledVisit,
    Visit,
)

# What a required free-text field holds once its content is gone.
ERASED = "(보유 기간 경과로 삭제)"
INCIDENT_RETENTION_DEFAULT = 10


def pseudonym(kind: str, pk: int) -> str:
    """``가명-`` and 8 hex digits, keyed by the secret key: stable for one row, and not
    guessable from the row's number by someone without the key."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{pk}".encode(), hashlib.sha256)
    return f"가명-{digest.hexdigest()[:8]}"


def personal_data_years() -> dict[int, int]:
    """Years per program id; programs without rules use ``PERSONAL_DATA_RETENTION_YEARS``."""
    return dict(ProgramRules.objects.values_list("program_id", "personal_data_retention_years"))


def _years(by_program: dict[int, int], program_id: int | None) -> int:
    return by_program.get(program_id, settings.PERSONAL_DATA_RETENTION_YEARS)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Due:
    """A person whose personal data may be erased, and the day it could be from (no names)."""

    pk: int
    kept_until: date


def recipients_due(today: date | None = None) -> list[Due]:
    """Recipients not yet pseudonymised whose every record is past its retention period.

    A person with an open episode or an assignment without an end is never due. Each record
    keeps the person until its day plus its program's years: episodes from their closure (a
    declined or withdrawn one from its referral), visits and consultations from when they
    were held, incident reports for the longer ``incident_retention_years``."""
    today = today or timezone.localdate()
    years = personal_data_years()
    incident_years = dict(
        ProgramRules.objects.values_list("program_id", "incident_retention_years")
    )
    candidates = (
        Recipient.objects.filter(pseudonymised_at__isnull=True)
        .exclude(pk__in=Episode.objects.open().values("recipient_id"))
        .exclude(pk__in=Assignment.objects.filter(ends_on__isnull=True).values("recipient_id"))
    )
    until: dict[int, date] = {}

    def keep(pk: int, day: date, n: int) -> None:
        last = add_years(day, n)
        if pk not in until or last > until[pk]:
            until[pk] = last

    ids = candidates.values("pk")
    for pk, program_id, ended in (
        Episode.objects.filter(recipient__in=ids)
        .annotate(ended=Coalesce("closed_on", "referred_on"))
        .values_list("recipient_id", "program_id", "ended")
    ):
        keep(pk, ended, _years(years, program_id))
    for pk, program_id, last in (
        Visit.objects.filter(recipient__in=ids)
        .values("recipient_id", "program_id")
        .annotate(last=Max("started_at"))
        .values_list("recipient_id", "program_id", "last")
    ):
        keep(pk, timezone.localdate(last), _years(years, program_id))
    for pk, program_id, last in (
        candidates.filter(consultations__isnull=False)
        .values("pk", "consultations__program_id")
        .annotate(last=Max("consultations__held_at"))
        .values_list("pk", "consultations__program_id", "last")
    ):
        keep(pk, timezone.localdate(last), _years(years, program_id))
    for pk, program_id, last in (
        Incident.objects.filter(recipient__in=ids)
        .values("recipient_id", "episode__program_id")
        .annotate(last=Max("occurred_at"))
        .values_list("recipient_id", "episode__program_id", "last")
    ):
        keep(
            pk, timezone.localdate(last), incident_years.get(program_id, INCIDENT_RETENTION_DEFAULT)
        )
    # Someone registered and never served: kept from their registration.
    for pk, created in candidates.exclude(pk__in=list(until)).values_list("pk", "created_at"):
        keep(pk, timezone.localdate(created), settings.PERSONAL_DATA_RETENTION_YEARS)
    return [Due(pk, day) for pk, day in sorted(until.items()) if day < today]


def erasure_blockers(recipient: Recipient, today: date | None = None) -> list[str]:
    """Why a person's data may not be erased yet on request (삭제 요구): an open episode, an
    assignment without an end, an incident report still in its legal retention period."""
    today = today or timezone.localdate()
    reasons = []
    if Episode.objects.filter(recipient=recipient).open().exists():
        reasons.append(_("진행 중인 돌봄 회차가 있습니다. 먼저 종결하세요."))
    if Assignment.objects.filter(recipient=recipient, ends_on__isnull=True).exists():
        reasons.append(_("종료일이 없는 배정이 있습니다."))
    incident_years = dict(
        ProgramRules.objects.values_list("program_id", "incident_retention_years")
    )
    for program_id, occurred in Incident.objects.filter(recipient=recipient).values_list(
        "episode__program_id", "occurred_at"
    ):
        years = incident_years.get(program_id, INCIDENT_RETENTION_DEFAULT)
        if add_years(timezone.localdate(occurred), years) >= today:
            reasons.append(
                _("안전사고·학대 의심 신고는 법정 보존 기간(%(years)s년) 동안 지울 수 없습니다.")
                % {"years": years}
            )
            break
    return reasons


def _repair_photos_delete(jobs: QuerySet[RepairJob]) -> None:
    """The photos of the person's home go, rows and files: a photo is the home itself, and no
    count reads it (a job's figures are its items and dates). The files are removed once
    the erasure has committed, so a rolled-back erasure leaves every photo in place."""
    photos = RepairPhoto.objects.filter(job__in=jobs)
    names = [name for name in photos.values_list("image", flat=True) if name]
    photos.delete()
    storage = RepairPhoto._meta.get_field("image").storage

    def remove_files() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(remove_files)


def recipient_erase(
    recipient_id: int, *, actor: AbstractBaseUser | None = None, path: str = ""
) -> bool:
    """Erase one person's identifying fields and free text, in one transaction; False if
    they were already pseudonymised (so running twice changes nothing).

    The caller decides that it is due (``recipients_due``) or granted (a deletion request,
    after ``erasure_blockers``). The erasure is written to the access log under the
    pseudonym: no name."""
    now = timezone.now()
    with transaction.atomic():
        recipient = Recipient.objects.select_for_update().filter(pk=recipient_id).first()
        if recipient is None or recipient.pseudonymised_at is not None:
            return False
        name = pseudonym("recipient", recipient.pk)
        Recipient.objects.filter(pk=recipient.pk).update(
            name=name,
            phone="",
            address="",
            guardian_name="",
            guardian_relation="",
            guardian_phone="",
            # The birth year stays for age groups; the day and month go.
            birth_date=recipient.birth_date.replace(month=1, day=1),
            referral_source="",
            notes="",
            pseudonymised_at=now,
            updated_at=now,
        )
        episodes = Episode.objects.filter(recipient=recipient)
        episodes.update(
            referrer_name="",
            referrer_contact="",
            referral_note="",
            carer_situation="",
            assessment_note="",
            decision_reason="",
            closure_note="",
        )
        EpisodeTransition.objects.filter(episode__in=episodes).update(reason="")
        EligibilityAnswer.objects.filter(episode__in=episodes).update(note="")
        ExtensionRequest.objects.filter(episode__in=episodes).update(
            reason=ERASED, decision_note=""
        )
        AfterCareCheck.objects.filter(episode__in=episodes).update(note="")
        ConferenceEpisode.objects.filter(episode__in=episodes).update(notes="")
        SatisfactionAnswer.objects.filter(response__episode__in=episodes).update(text="")
        # A visit's place is the person's home.
        Visit.objects.filter(recipient=recipient).update(notes="", latitude=None, longitude=None)
        ScheduledVisit.objects.filter(recipient=recipient).update(change_reason="")
        jobs = RepairJob.objects.filter(recipient=recipient)
        jobs.update(needs=ERASED, completion_note="", signed_by_name="", cancelled_reason="")
        RepairJobTransition.objects.filter(job__in=jobs).update(reason="")
        _repair_photos_delete(jobs)
        incidents = Incident.objects.filter(recipient=recipient)
        IncidentFollowUp.objects.filter(incident__in=incidents).update(text=ERASED)
        incidents.update(
            what_happened=ERASED, action_taken="", who_was_told="", place="", outcome=""
        )
        # consultations (an app above care) by the reverse relation's name.
        recipient.consultations.update(  # type: ignore[attr-defined]
            person_name="", person_contact="", summary=ERASED, pseudonymised_at=now
        )
        access_log_insert(
            [
                AccessLog(
                    user=actor,
                    username=actor.get_username() if actor is not None else "retention",
                    action=AccessLog.Action.DELETE,
                    subject_type="recipient",
                    subject_id=recipient.pk,
                    subject_label=name,
                    path=path[:200],
                )
            ]
        )
    return True
