"""Reads of the care registries, with the joins lists need and the visibility rules applied."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, QuerySet

from care.models import Assignment, Recipient, ServiceType


def recipient_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Recipient]:
    return (
        Recipient.objects.visible_to(user)
        .select_related("region")
        .prefetch_related(Prefetch("needs", queryset=ServiceType.objects.only("id", "code")))
    )


def assignment_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Assignment]:
    return Assignment.objects.visible_to(user).select_related(
        "recipient", "corps_member", "program", "assigned_by"
    )


