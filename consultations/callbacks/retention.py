"""Retention of call-back requests (상담 신청), as the consent text the resident agreed to
states (``consent.py``, 2026-1: "상담을 마친 날부터 3년 (연락이 닿지 않은 신청은 신청일부터
1년). 기간이 지나면 지체 없이 파기합니다."): the name, phone and text of a request called
back more than three years ago, or closed more than a year after it was made, are erased.
The row stays, holding no contact (a check constraint), for the counts by 시·군 and topic;
the consultation that answered it has its own period (``consultations.retention``).

A request closed as a duplicate is kept no longer than one not reached: the other request
holds the call. An open request is never due: someone is still to call."""

from __future__ import annotations

from datetime import date, datetime, time

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from base.models import AccessLog
from base.services import access_log_insert
from base.validators import add_years
from care.retention import ERASED, Due
from consultations.callbacks.models import CallbackRequest
from consultations.callbacks.services import SUBJECT_TYPE

CALLED_BACK_YEARS = 3
NOT_CALLED_YEARS = 1


def _seoul_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _due_filter(today: date) -> Q:
    """Requests whose period ended before ``today`` (Seoul days): a period of n years from
    day d ends on ``add_years(d, n)``, which is before today exactly when d is before
    ``add_years(today, -n)``."""
    called_back = Q(
        state=CallbackRequest.State.CALLED_BACK,
        called_back_at__lt=_seoul_midnight(add_years(today, -CALLED_BACK_YEARS)),
    )
    not_called = Q(
        state=CallbackRequest.State.CLOSED,
        created_at__lt=_seoul_midnight(add_years(today, -NOT_CALLED_YEARS)),
    )
    return called_back | not_called


def callbacks_due(today: date | None = None) -> list[Due]:
    """Call-back requests past their period and not yet erased (ids and days, no names)."""
    today = today or timezone.localdate()
    rows = (
        CallbackRequest.objects.filter(erased_at__isnull=True)
        .filter(_due_filter(today))
        .order_by("pk")
        .values_list("pk", "state", "called_back_at", "created_at")
    )
    return [
        Due(pk, _kept_until(state, called_back_at, created_at))
        for pk, state, called_back_at, created_at in rows
    ]


def _kept_until(state: str, called_back_at: datetime | None, created_at: datetime) -> date:
    if state == CallbackRequest.State.CALLED_BACK and called_back_at is not None:
        return add_years(timezone.localdate(called_back_at), CALLED_BACK_YEARS)
    return add_years(timezone.localdate(created_at), NOT_CALLED_YEARS)


def callback_erase(
    callback_request_id: int,
    *,
    today: date | None = None,
    actor: AbstractBaseUser | None = None,
    path: str = "",
) -> bool:
    """Erase one request's name, phone, text and closing note, with its access-log row, in
    one transaction; False if it is not due (or done already)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        due = CallbackRequest.objects.filter(
            _due_filter(today), pk=callback_request_id, erased_at__isnull=True
        )
        closed = due.filter(state=CallbackRequest.State.CLOSED).update(
            name="", phone="", text="", close_note=ERASED, erased_at=timezone.now()
        )
        erased = closed or due.update(name="", phone="", text="", erased_at=timezone.now())
        if not erased:
            return False
        access_log_insert(
            [
                AccessLog(
                    user=actor,
                    username=actor.get_username() if actor is not None else "retention",
                    action=AccessLog.Action.DELETE,
                    subject_type=SUBJECT_TYPE,
                    subject_id=callback_request_id,
                    subject_label="",
                    path=path[:200],
                )
            ]
        )
    return True
