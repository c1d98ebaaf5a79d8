"""Writes of call-back requests: the resident's submission, and the desk's take, close and
record. Each desk action locks the request's row, so two counselors clicking at once give one
owner and a clear message to the other."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from base.models import AccessLog, Region
from base.roles import has_role
from base.services import access_log_record
from consultations.callbacks import consent
from consultations.callbacks.models import CallbackRequest, new_request_number
from consultations.models import Consultation, ResourceCategory, WelfareResource

SUBJECT_TYPE = "callback_request"
# A freshly drawn number colliding with a stored one is a one-in-a-billion event; a few more
# draws settle it.
NUMBER_ATTEMPTS = 5


def callback_request_log(
    *,
    actor: AbstractBaseUser,
    callback_request: CallbackRequest,
    action: str,
    source_ip: str | None,
    path: str = "",
) -> None:
    """One 접속기록 row: the request holds a person's name and phone."""
    access_log_record(
        actor=actor,
        action=action,
        recipients=[callback_request],
        source_ip=source_ip,
        path=path,
        subject_type=SUBJECT_TYPE,
    )


def callback_request_submit(
    *,
    name: str,
    phone: str,
    region: Region,
    preferred_time: str,
    topic: ResourceCategory | None = None,
    resource: WelfareResource | None = None,
    text: str = "",
    consent_version: str = consent.CURRENT.version,
) -> CallbackRequest:
    """Store a resident's request (the form has checked and normalised the input)."""
    if consent_version not in consent.VERSIONS:
        raise ValidationError({"consent": [_("알 수 없는 동의문입니다.")]})
    now = timezone.now()
    callback_request = CallbackRequest(
        name=name.strip(),
        phone=phone.strip(),
        region=region,
        preferred_time=preferred_time,
        topic=topic,
        resource=resource,
        text=text.strip(),
        consent_version=consent_version,
        consent_at=now,
        created_at=now,
    )
    callback_request.full_clean(exclude={"number"})
    for _attempt in range(NUMBER_ATTEMPTS):
        callback_request.number = new_request_number()
        try:
            with transaction.atomic():
                callback_request.save(force_insert=True)
        except IntegrityError:
            if not CallbackRequest.objects.filter(number=callback_request.number).exists():
                raise  # another rule than the number's uniqueness
            continue
        return callback_request
    raise IntegrityError("no free request number")


def _locked(callback_request: CallbackRequest) -> CallbackRequest:
    return CallbackRequest.objects.select_for_update().get(pk=callback_request.pk)


def _someone_elses(locked: CallbackRequest, actor: AbstractBaseUser) -> bool:
    """Taken by another counselor: theirs to call, unless an administrator steps in."""
    return (
        locked.state == CallbackRequest.State.TAKEN
        and locked.taken_by_id != actor.pk
        and not has_role(actor, "administrator")
    )


@transaction.atomic
def callback_request_take(
    *, actor: AbstractBaseUser, callback_request: CallbackRequest, source_ip: str | None = None
) -> CallbackRequest:
    """The counselor takes the request: it is theirs to call. Taking one's own again is a
    no-op; another counselor's only an administrator may take over."""
    locked = _locked(callback_request)
    if not locked.is_open:
        raise ValidationError(
            {
                "state": [
                    _("이미 처리된 신청입니다 (%(state)s).") % {"state": locked.get_state_display()}
                ]
            }
        )
    if _someone_elses(locked, actor):
        who = locked.taken_by.get_username()  # type: ignore[union-attr]
        raise ValidationError({"state": [_("%(who)s 상담원이 맡은 신청입니다.") % {"who": who}]})
    if locked.taken_by_id != actor.pk:
        locked.state = CallbackRequest.State.TAKEN
        locked.taken_by = actor  # type: ignore[assignment]
        locked.taken_at = timezone.now()
        locked.save(update_fields=["state", "taken_by", "taken_at"])
        callback_request_log(
            actor=actor,
            callback_request=locked,
            action=AccessLog.Action.CHANGE,
            source_ip=source_ip,
        )
    return locked


@transaction.atomic
def callback_request_close(
    *,
    actor: AbstractBaseUser,
    callback_request: CallbackRequest,
    reason: str,
    note: str,
    source_ip: str | None = None,
) -> CallbackRequest:
    """Close an open request without a consultation: the person could not be reached after
    trying, or asked twice. The note says what was tried."""
    locked = _locked(callback_request)
    if not locked.is_open:
        raise ValidationError({"state": [_("이미 처리된 신청입니다.")]})
    if reason not in CallbackRequest.CloseReason.values:
        raise ValidationError({"reason": [_("종결 사유를 고르세요.")]})
    if not note.strip():
        raise ValidationError({"note": [_("무엇을 했는지 적어 주세요 (예: 3회 전화, 받지 않음).")]})
    locked.state = CallbackRequest.State.CLOSED
    locked.close_reason = reason
    locked.close_note = note.strip()[:300]
    locked.closed_by = actor  # type: ignore[assignment]
    locked.closed_at = timezone.now()
    locked.full_clean(exclude={"number"})
    locked.save()
    callback_request_log(
        actor=actor, callback_request=locked, action=AccessLog.Action.CHANGE, source_ip=source_ip
    )
    return locked


@transaction.atomic
def callback_request_called_back(
    *,
    actor: AbstractBaseUser,
    callback_request: CallbackRequest,
    consultation: Consultation,
    source_ip: str | None = None,
) -> CallbackRequest:
    """The consultation that answered the request: linked, and the request done.

    Called inside the transaction that records the consultation (``desk_views``), so that a
    refused link leaves no consultation behind, and a consultation never exists without its
    request marked. The call's time is the consultation's; a time typed before the request
    came in is taken as the request's own minute (the form rounds to the minute).
    """
    locked = _locked(callback_request)
    if not locked.is_open:
        message = _("이미 처리된 상담 신청입니다 (%(number)s).") % {"number": locked.number}
        raise ValidationError({"callback_request": [message]})
    if _someone_elses(locked, actor):
        raise ValidationError({"callback_request": [_("다른 상담원이 맡은 신청입니다.")]})
    request_minute = locked.created_at.replace(second=0, microsecond=0)
    if consultation.held_at < request_minute:
        at = timezone.localtime(locked.created_at).strftime("%Y-%m-%d %H:%M")
        message = _("상담 일시가 상담 신청(%(at)s)보다 빠릅니다.") % {"at": at}
        raise ValidationError({"held_at": [message]})
    locked.state = CallbackRequest.State.CALLED_BACK
    if locked.taken_by_id is None:
        locked.taken_by = actor  # type: ignore[assignment]
        locked.taken_at = timezone.now()
    locked.consultation = consultation
    locked.called_back_at = max(consultation.held_at, locked.created_at)
    locked.save(update_fields=["state", "taken_by", "taken_at", "consultation", "called_back_at"])
    callback_request_log(
        actor=actor, callback_request=locked, action=AccessLog.Action.CHANGE, source_ip=source_ip
    )
    return locked
