"""Reads of call-back requests for the counselors' desk."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from base.roles import has_role
from consultations.callbacks.models import CallbackRequest

# Who works the queue: the roles holding change_callbackrequest (base.roles).
DESK_ROLES = ("counselor", "administrator")


def callback_request_list(*, user: Any) -> QuerySet[CallbackRequest]:
    if not has_role(user, *DESK_ROLES):
        return CallbackRequest.objects.none()
    return CallbackRequest.objects.select_related("region", "topic", "taken_by")


def callback_queue(*, user: Any) -> QuerySet[CallbackRequest]:
    """Open requests, oldest first: the order they are to be called in."""
    return callback_request_list(user=user).open().order_by("created_at", "id")


def open_request_count(*, user: Any) -> int | None:
    """How many requests wait; None for a user who does not work the queue."""
    if not has_role(user, *DESK_ROLES):
        return None
    return CallbackRequest.objects.open().count()
