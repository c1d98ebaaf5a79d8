"""Writes of the personal-data access log (접속기록)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import NamedTuple, Protocol

from django.contrib.auth.models import AbstractBaseUser
from django.db import connections, transaction

from base.access_chain import ChainCheck, chain_in_python, check_chain
from base.models import AccessLog, AccessLogPurge, AccessLogVerification, ExportPurpose

logger = logging.getLogger(__name__)


class Person(Protocol):
    """A recipient (or a corps member), as far as the log needs one: its number and name."""

    pk: int
    name: str


class Named(NamedTuple):
    """A person by number and name, where a list read rows instead of model objects."""

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
    purpose: str = "",
    purpose_note: str = "",
) -> None:
    """Write one 접속기록 row per recipient whose personal data was handled, in one insert.

    ``subject_type`` names another kind of person (``corps_member``: a corps member's
    compliance, the criminal-record check's result among it). An export (a file that names
    people) must say why (``purpose``, one of ``ExportPurpose``; ``other`` with a note):
    ask it with ``base.exports``."""
    if action == AccessLog.Action.EXPORT:
        export_purpose_check(purpose, purpose_note)
    elif purpose or purpose_note:
        raise ValueError("only an export has a purpose")
    event = AccessLog(
        user=actor,
        username=actor.get_username(),
        source_ip=source_ip,
        action=action,
        subject_type=subject_type,
        subject_id=0,
        subject_label="",
        path=path[:200],
        purpose=purpose,
        purpose_note=purpose_note.strip()[:200],
    )
    subjects = [(recipient.pk, recipient.name[:100]) for recipient in recipients]
    if connections[AccessLog.objects.db].vendor == "postgresql":
        _insert_one_event(event, subjects)
        return
    access_log_insert(
        AccessLog(
            **{field.attname: getattr(event, field.attname) for field in _EVENT_FIELDS},
            subject_id=subject_id,
            subject_label=label,
        )
        for subject_id, label in subjects
    )


# The columns an event's rows share (all but the id and the two that name the person).
_EVENT_FIELDS = [
    field
    for field in AccessLog._meta.concrete_fields
    if not field.primary_key and field.attname not in {"subject_id", "subject_label"}
]


def _insert_one_event(event: AccessLog, subjects: list[tuple[int, str]]) -> None:
    """``access_log_insert``'s rows for one event, on PostgreSQL, without a model and its
    field conversions per row: the shared columns are converted once by their fields, the
    persons' numbers and names go as two arrays. The same single INSERT, the same rows (the
    chain trigger sets time, sequence and hashes either way); a list of 25 people cost about
    4 ms of CPU through ``bulk_create``, on every read of a list that names people."""
    if not subjects:
        return
    connection = connections[AccessLog.objects.db]
    shared = [
        field.get_db_prep_save(getattr(event, field.attname), connection) for field in _EVENT_FIELDS
    ]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in _EVENT_FIELDS)
    subject_id = connection.ops.quote_name(AccessLog._meta.get_field("subject_id").column)
    subject_label = connection.ops.quote_name(AccessLog._meta.get_field("subject_label").column)
    placeholders = ", ".join(["%s"] * len(shared))
    with connection.cursor() as cursor:
        cursor.execute(
            # Names from the model's own metadata, values as parameters.
            f"INSERT INTO {connection.ops.quote_name(AccessLog._meta.db_table)} "  # noqa: S608
            f"({columns}, {subject_id}, {subject_label}) "
            f"SELECT {placeholders}, person.id, person.label "
            "FROM unnest(%s::bigint[], %s::varchar[]) WITH ORDINALITY AS person(id, label, n) "
            "ORDER BY person.n",
            [*shared, [pk for pk, _label in subjects], [label for _pk, label in subjects]],
        )


def export_purpose_check(purpose: str, purpose_note: str) -> None:
    """An export's purpose is one of the list, and "other" says what it is. A caller that gets
    here without one has skipped ``base.exports``' question: a programming error."""
    if purpose not in ExportPurpose.values:
        raise ValueError(f"an export needs a purpose, one of {ExportPurpose.values}")
    if purpose == ExportPurpose.OTHER and not purpose_note.strip():
        raise ValueError("an export for another purpose needs a note")


def access_log_insert(rows: Iterable[AccessLog]) -> None:
    """The one way rows enter the access log: in one insert, chained.

    On PostgreSQL the trigger of base 0002 sets each row's time, sequence and hashes. On
    SQLite, which lets one writer at a time in (``transaction_mode=IMMEDIATE``), the rows
    are chained here after the last one."""
    rows = list(rows)
    if not rows:
        return
    if connections[AccessLog.objects.db].vendor == "postgresql":
        AccessLog.objects.bulk_create(rows)
        return
    with transaction.atomic():
        last = AccessLog.objects.filter(chain_seq__isnull=False).order_by("-chain_seq").first()
        AccessLog.objects.bulk_create(list(chain_in_python(rows, last)))


def access_log_verify(*, batch_size: int = 5000) -> AccessLogVerification:
    """Check the whole chain, oldest first, from the anchor of the last purge (or row 1), and
    record the result (an admin reads it)."""
    purge = AccessLogPurge.objects.order_by("-up_to_seq").first()
    anchor = (purge.up_to_seq, purge.last_hash) if purge is not None else None
    rows = (
        AccessLog.objects.order_by("chain_seq", "id")
        .only(*[f.attname for f in AccessLog._meta.concrete_fields])
        .iterator(chunk_size=batch_size)
    )
    found: ChainCheck = check_chain(rows, anchor)
    if not found.ok:
        logger.error("access log chain broken: %s", found.detail)
    return AccessLogVerification.objects.create(
        ok=found.ok,
        rows_checked=found.rows_checked,
        first_broken_seq=found.first_broken_seq,
        detail=found.detail[:300],
    )
