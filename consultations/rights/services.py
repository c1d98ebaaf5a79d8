"""Writes of the rights requests: recording one with its deadline, answering it (a granted
deletion through the retention's erasure), and the logged download of a person's record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from base.exports import Purpose
from base.models import AccessLog
from base.services import access_log_insert, access_log_record
from care import retention as care_retention
from care.models import Recipient
from consultations import retention
from consultations.models import Consultation
from consultations.rights.models import RightsRequest, due_for


def _log(
    request: RightsRequest, *, actor: AbstractBaseUser, action: str, label: str, path: str
) -> None:
    subject_type, subject_id = request.subject
    access_log_insert(
        [
            AccessLog(
                user=actor,
                username=actor.get_username(),
                action=action,
                subject_type=subject_type,
                subject_id=subject_id,
                subject_label=label[:100],
                path=path[:200],
            )
        ]
    )


def person_label(request: RightsRequest) -> str:
    if request.recipient_id:
        return request.recipient.name  # type: ignore[union-attr]
    return request.consultation.person_label if request.consultation else ""  # type: ignore[union-attr]


def rights_request_create(
    *,
    actor: AbstractBaseUser,
    kind: str,
    received_on: date,
    received_via: str,
    detail: str,
    recipient: Recipient | None = None,
    consultation: Consultation | None = None,
    requester: str = RightsRequest.Requester.SELF,
    path: str = "",
) -> RightsRequest:
    """Record a request with its deadline: 10 days from the (Seoul) day it was received."""
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("접수일이 오늘보다 늦을 수 없습니다.")})
    if consultation is not None and consultation.recipient_id:
        # A recipient's consultation is part of the recipient's record: the request is theirs.
        recipient, consultation = consultation.recipient, None
    request = RightsRequest(
        kind=kind,
        recipient=recipient,
        consultation=consultation,
        requester=requester,
        received_on=received_on,
        due_on=due_for(received_on),
        received_via=received_via,
        detail=detail,
        created_by=actor,
    )
    request.full_clean()
    with transaction.atomic():
        request.save()
        _log(
            request,
            actor=actor,
            action=AccessLog.Action.CREATE,
            label=person_label(request),
            path=path,
        )
    return request


def rights_request_answer(
    *,
    actor: AbstractBaseUser,
    request_id: int,
    granted: bool,
    answer: str,
    answered_on: date | None = None,
    path: str = "",
) -> RightsRequest:
    """Answer an open request once. A refusal needs its reason (e.g. a legal retention
    period); a granted deletion erases the person's data with the retention's own function,
    in the same transaction, and is refused while something must still be kept."""
    answered_on = answered_on or timezone.localdate()
    answer = answer.strip()
    with transaction.atomic():
        request = (
            RightsRequest.objects.select_for_update(of=("self",))
            .select_related("recipient", "consultation")
            .get(pk=request_id)
        )
        if request.status != RightsRequest.Status.OPEN:
            raise ValidationError(_("이미 답변한 요구입니다."))
        if not answer:
            raise ValidationError(
                {"answer": _("거절 사유를 적으세요.") if not granted else _("답변을 적으세요.")}
            )
        if answered_on < request.received_on or answered_on > timezone.localdate():
            raise ValidationError({"answered_on": _("답변일은 접수일과 오늘 사이여야 합니다.")})
        label = person_label(request)
        if granted and request.kind == RightsRequest.Kind.DELETION:
            if request.recipient_id:
                reasons = care_retention.erasure_blockers(request.recipient)  # type: ignore[arg-type]
                if reasons:
                    raise ValidationError({"answer": reasons})
                care_retention.recipient_erase(request.recipient_id, actor=actor, path=path)
            else:
                retention.consultation_erase(request.consultation_id, actor=actor, path=path)  # type: ignore[arg-type]
            label = ""
        request.status = RightsRequest.Status.GRANTED if granted else RightsRequest.Status.REFUSED
        request.answer = answer
        request.answered_on = answered_on
        request.answered_by = actor
        request.full_clean()
        request.save(update_fields=["status", "answer", "answered_on", "answered_by"])
        _log(request, actor=actor, action=AccessLog.Action.CHANGE, label=label, path=path)
    return request


def rights_request_export_log(
    *,
    actor: AbstractBaseUser,
    request: RightsRequest,
    purpose: Purpose,
    source_ip: str | None,
    path: str,
) -> None:
    """The download of a person's record is an export (출력) in the access log, with its
    purpose (``base.exports``), through ``access_log_record`` and its check that an export
    says why. The subject is a recipient or a consultation's client (``subject_type``)."""
    subject_type, subject_id = request.subject
    access_log_record(
        actor=actor,
        action=AccessLog.Action.EXPORT,
        recipients=[_Subject(pk=subject_id, name=person_label(request))],
        source_ip=source_ip,
        path=path,
        subject_type=subject_type,
        **purpose.log_fields(),
    )


@dataclass(frozen=True)
class _Subject:
    """A rights request's person as the access log names one (``base.services.Person``)."""

    pk: int
    name: str
