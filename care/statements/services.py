"""The statement's download: the one write it makes is the access log's export rows."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from base.exports import Purpose
from base.models import AccessLog
from base.services import access_log_record
from care.statements import exports, selectors


@dataclass(frozen=True)
class StatementFile:
    body: bytes
    filename: str
    fallback: str
    people: int


def statement_download(
    *,
    actor: AbstractBaseUser,
    year: int,
    month: int,
    purpose: Purpose,
    source_ip: str | None,
    path: str,
) -> StatementFile:
    """The month's statement as an .xlsx for ``actor`` (every corps member's rows for the
    desk, a caregiver's own), and one export row with its purpose per recipient it names."""
    member_ids = selectors.statement_member_ids(actor)
    rows = selectors.activity_statement(year=year, month=month, corps_member_ids=member_ids)
    visits = selectors.statement_visits(
        year=year, month=month, corps_member_ids=[row.corps_member.pk for row in rows]
    )
    recipients = {visit.recipient_id: visit.recipient for visit in visits}
    body = exports.statement_workbook(year=year, month=month, rows=rows, visits=visits)
    with transaction.atomic():
        access_log_record(
            actor=actor,
            action=AccessLog.Action.EXPORT,
            recipients=recipients.values(),
            source_ip=source_ip,
            path=path,
            **purpose.log_fields(),
        )
    return StatementFile(body, *exports.statement_filename(year, month), people=len(recipients))
