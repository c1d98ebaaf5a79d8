"""Writes of the personal-data access log (접속기록)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from django.contrib.auth.models import AbstractBaseUser

from base.models import AccessLog


class Person(Protocol):
    """A recipient (or a corps member), as far as the log needs one: its number and name."""

    pk: int
    name: str


def access_log_record(
    *,
    actor: AbstractBaseUser,
    action: str,
    recipients: Iterable[Person],
    source_ip: str | None = None,
    path: str = "",
    subject_type: str = "recipient",
) -> None:
    """Write one 접속기록 row per recipient whose personal data was handled, in one insert.

    ``subject_type`` names another kind of person (``corps_member``: a corps member's
    compliance, the criminal-record check's result among it)."""
    AccessLog.objects.bulk_create(
        AccessLog(
            user=actor,
            username=actor.get_username(),
            source_ip=source_ip,
            action=action,
            subject_type=subject_type,
            subject_id=recipient.pk,
            subject_label=recipient.name[:100],
            path=path[:200],
        )
        for recipient in recipients
    )
