"""Downloads of personal data ask why (base.exports): the purpose is kept on each export row
of the access log and covered by its hash chain; and every download in the code either asks
it or is listed here as naming no one (issue 10, item 13)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction

from base.access_chain import CHAINED_FIELDS, row_hash
from base.exports import ExportPurposeForm, ExportPurposeSerializer
from base.models import AccessLog
from base.services import access_log_record, access_log_verify
from tests.factories import RecipientFactory, UserFactory

postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the trigger is PostgreSQL's"
)

# A file answer in the code: a Content-Disposition, an attachment, a FileResponse.
DOWNLOAD = re.compile(r"Content-Disposition|attachment_header\(|as_attachment=True|FileResponse\(")
ASKS = "base.exports"
# Files that make a download naming no one (base/exports.py says why), and the helpers.
NAMES_NO_ONE = {
    "config/downloads.py": "the helper that writes the header",
    "kpi/exports.py": "the KPI report: aggregates only",
    "kpi/api.py": "the KPI report: aggregates only",
    "consultations/hsds/views.py": "the public directory (HSDS): organizations, no person",
    "consultations/partners/api.py": "an agreement's signed copy, between institutions",
    "consultations/partners/views.py": "an agreement's signed copy, between institutions",
    "care/repairs/views.py": "one repair job's photo, shown in its page (no location)",
}
APPS = ("base", "care", "config", "consultations", "kpi", "notifications", "volunteers")


def test_every_download_in_the_code_asks_for_a_purpose_or_names_no_one() -> None:
    root = Path(settings.BASE_DIR)
    found: dict[str, bool] = {}
    for app in APPS:
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            if DOWNLOAD.search(text):
                found[path.relative_to(root).as_posix()] = ASKS in text

    unasked = sorted(name for name, asks in found.items() if not asks and name not in NAMES_NO_ONE)

    assert "care/statements/api.py" in found and "care/statements/views.py" in found
    assert unasked == []


@pytest.mark.django_db
def test_an_export_without_a_purpose_is_refused_by_the_log_itself() -> None:
    user, person = UserFactory(), RecipientFactory()

    with pytest.raises(ValueError, match="purpose"):
        access_log_record(actor=user, action="export", recipients=[person])
    with pytest.raises(ValueError, match="note"):
        access_log_record(actor=user, action="export", recipients=[person], purpose="other")
    with pytest.raises(ValueError):
        access_log_record(actor=user, action="view", recipients=[person], purpose="report")

    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_a_purpose_on_a_read_and_another_purpose_without_a_note() -> None:
    user, person = UserFactory(), RecipientFactory()
    base = {"user": user, "username": "u", "subject_id": person.pk}

    for wrong in (
        {"action": "view", "purpose": "report"},
        {"action": "export", "purpose": "other", "purpose_note": ""},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            AccessLog.objects.bulk_create([AccessLog(**base, **wrong)])


def old_hash(row: AccessLog) -> str:
    """base 0002's hash: the fields it knew, nothing more."""
    parts = []
    for name in CHAINED_FIELDS:
        value = getattr(row, name)
        if value is None:
            text = ""
        elif name == "at":
            text = str(int(value.timestamp() * 1_000_000))
        else:
            text = str(value)
        parts.append(f"{len(text)}:{text}")
    return hashlib.sha256("".join(parts).encode()).hexdigest()


@pytest.mark.django_db
def test_a_row_without_a_purpose_keeps_the_hash_it_had_before_purposes_existed() -> None:
    access_log_record(actor=UserFactory(), action="view", recipients=[RecipientFactory()])

    row = AccessLog.objects.get()

    assert row.row_hash == old_hash(row)


@pytest.mark.django_db
def test_export_rows_with_their_purpose_are_chained_and_verify() -> None:
    user, people = UserFactory(), RecipientFactory.create_batch(2)
    access_log_record(actor=user, action="view", recipients=people)
    access_log_record(
        actor=user, action="export", recipients=people, purpose="other", purpose_note="감사 자료"
    )

    rows = list(AccessLog.objects.order_by("chain_seq"))

    assert [row.purpose for row in rows] == ["", "", "other", "other"]
    assert all(row.row_hash == row_hash(row) for row in rows)
    assert rows[2].row_hash != old_hash(rows[2])
    assert access_log_verify().ok


@postgres_only
@pytest.mark.django_db
def test_a_purpose_changed_afterwards_breaks_the_chain_at_that_row() -> None:
    user, people = UserFactory(), RecipientFactory.create_batch(3)
    access_log_record(actor=user, action="export", recipients=people, purpose="payment")
    second = AccessLog.objects.order_by("chain_seq")[1]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE care_accesslog DISABLE TRIGGER care_accesslog_append_only")
        cursor.execute(
            "UPDATE care_accesslog SET purpose = 'inspection' WHERE id = %s", [second.pk]
        )
        cursor.execute("ALTER TABLE care_accesslog ENABLE TRIGGER care_accesslog_append_only")

    result = access_log_verify()

    assert (result.ok, result.first_broken_seq) == (False, second.chain_seq)


def test_the_api_question_names_the_missing_parameter() -> None:
    asked = ExportPurposeSerializer(data={})

    assert not asked.is_valid()
    assert set(asked.errors) == {"purpose"}


def test_the_desk_question_needs_a_note_for_another_purpose() -> None:
    form = ExportPurposeForm(data={"purpose": "other", "purpose_note": "  "})

    assert not form.is_valid()
    assert set(form.errors) == {"purpose_note"}
