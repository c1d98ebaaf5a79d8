"""Purging the access log past its retention (2 years at least) keeps the chain verifiable:
only the oldest rows go, only through the owner's function, which records the anchor the
chain then starts from; a quiet removal of the oldest rows, or of any row in the middle, is
still found; the database refuses to purge anything younger than two years. Role changes are
kept three years at least."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from base.models import AccessLog, AccessLogPurge, RoleChangeLog
from base.retention import access_log_purge, log_purge_plan, role_changes_purge
from base.services import access_log_record, access_log_verify
from tests.factories import RecipientFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="the triggers and roles are PostgreSQL's"
    ),
]

APP_ROLE = "care_app_test"


def rows(n: int) -> list[AccessLog]:
    actor = UserFactory(username="counselor1", roles=["counselor"])
    access_log_record(
        actor=actor, action="view", recipients=RecipientFactory.create_batch(n), path="/x/"
    )
    return list(AccessLog.objects.order_by("chain_seq"))


def age(oldest: int, years: int = 3) -> None:
    """Move the ``oldest`` rows back in time and re-chain the log, as if they had been written
    ``years`` ago (the database stamps rows with its own clock, so only the owner can)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE care_accesslog DISABLE TRIGGER care_accesslog_append_only")
        cursor.execute(
            "UPDATE care_accesslog SET at = at - make_interval(years => %s) WHERE chain_seq <= %s",
            [years, oldest],
        )
        cursor.execute(
            """DO $$ DECLARE r care_accesslog; prev text := repeat('0', 64); BEGIN
                 FOR r IN SELECT * FROM care_accesslog ORDER BY chain_seq LOOP
                   r.prev_hash := prev; r.row_hash := care_accesslog_row_hash(r);
                   UPDATE care_accesslog SET prev_hash = r.prev_hash, row_hash = r.row_hash
                    WHERE id = r.id;
                   prev := r.row_hash;
                 END LOOP; END $$"""
        )
        cursor.execute("ALTER TABLE care_accesslog ENABLE TRIGGER care_accesslog_append_only")
    assert access_log_verify().ok


def as_owner(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE care_accesslog DISABLE TRIGGER care_accesslog_append_only")
        cursor.execute(sql, params or [])
        cursor.execute("ALTER TABLE care_accesslog ENABLE TRIGGER care_accesslog_append_only")


def test_a_purge_removes_only_the_rows_past_two_years_and_the_chain_still_verifies() -> None:
    rows(5)
    age(3)

    removed = access_log_purge()

    assert removed == 3
    remaining = list(AccessLog.objects.order_by("chain_seq"))
    assert [row.chain_seq for row in remaining] == [4, 5, 6]
    anchor = AccessLogPurge.objects.get()
    assert (anchor.up_to_seq, anchor.rows_deleted) == (3, 3)
    # the purge itself is a row of the chain, with no person's name in it
    purge_row = remaining[-1]
    assert (purge_row.action, purge_row.subject_type, purge_row.subject_id) == (
        "delete",
        "access_log",
        3,
    )
    result = access_log_verify()
    assert (result.ok, result.rows_checked) == (True, 3)


def test_the_dry_run_plan_names_the_same_prefix_and_changes_nothing() -> None:
    rows(4)
    age(2)

    plan = log_purge_plan()

    assert (plan.access_log_up_to_seq, plan.access_log_rows) == (2, 2)
    assert AccessLog.objects.count() == 4
    assert access_log_purge() == 2


def test_the_newest_row_is_kept_even_when_every_row_is_old() -> None:
    rows(3)
    age(3)

    assert access_log_purge() == 2
    assert access_log_verify().ok


def test_nothing_younger_than_two_years_is_purged() -> None:
    rows(3)

    assert access_log_purge() == 0
    assert AccessLog.objects.count() == 3
    assert not AccessLogPurge.objects.exists()


def test_a_middle_row_removed_after_a_purge_is_still_found() -> None:
    rows(6)
    age(4)
    access_log_purge()
    kept = list(AccessLog.objects.order_by("chain_seq"))
    as_owner("DELETE FROM care_accesslog WHERE id = %s", [kept[1].pk])

    result = access_log_verify()

    assert not result.ok
    assert "are missing" in result.detail


def test_the_oldest_rows_removed_without_a_purge_are_found() -> None:
    """Before, the chain could start anywhere; now it must start at row 1 or at the anchor."""
    rows(4)
    age(2)
    as_owner("DELETE FROM care_accesslog WHERE chain_seq <= 2")

    result = access_log_verify()

    assert not result.ok
    assert "rows 1..2 are missing" in result.detail


def test_the_database_refuses_to_delete_a_row_younger_than_two_years() -> None:
    kept = rows(2)

    with (
        pytest.raises(DatabaseError, match="at least two years"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM care_accesslog WHERE id = %s", [kept[0].pk])


def test_the_database_refuses_a_purge_shorter_than_two_years() -> None:
    rows(3)
    age(2, years=1)

    with (
        pytest.raises(DatabaseError, match="at least two years"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT care_accesslog_purge(1)")
    assert AccessLog.objects.count() == 3


def test_a_setting_below_two_years_still_keeps_two(settings) -> None:  # noqa: ANN001
    settings.ACCESS_LOG_RETENTION_YEARS = 1
    rows(3)
    age(2, years=1)

    assert access_log_purge() == 0


@pytest.fixture
def app_role() -> Iterator[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE ROLE {APP_ROLE} NOLOGIN")
    call_command("db_grant_app_role", APP_ROLE)
    yield APP_ROLE
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


def test_the_application_role_may_purge_through_the_function_but_not_forge_an_anchor(
    app_role: str,
) -> None:
    rows(4)
    age(2)

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {app_role}")
        cursor.execute("SELECT care_accesslog_purge(2)")
        assert cursor.fetchone()[0] == 2
    with (
        pytest.raises(DatabaseError, match="permission denied"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"SET LOCAL ROLE {app_role}")
        cursor.execute(
            "INSERT INTO base_accesslogpurge (purged_at, cutoff, up_to_seq, last_hash,"
            " rows_deleted) VALUES (now(), now(), 99, '', 0)"
        )
    assert access_log_verify().ok


def test_an_anchor_cannot_be_changed_even_by_the_owner_without_disabling_its_trigger() -> None:
    rows(3)
    age(1)
    access_log_purge()

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLogPurge.objects.update(up_to_seq=0)


def test_role_changes_are_kept_three_years_then_purged() -> None:
    admin = UserFactory(username="admin1")
    user = UserFactory(username="counselor9")
    old = RoleChangeLog.objects.create(
        changed_by=admin, user=user, role="counselor", change="added"
    )
    recent = RoleChangeLog.objects.create(
        changed_by=admin, user=user, role="caregiver", change="added"
    )
    almost = RoleChangeLog.objects.create(
        changed_by=admin, user=user, role="manager", change="added"
    )
    now = timezone.now()
    RoleChangeLog.objects.filter(pk=old.pk).update(at=now - dt.timedelta(days=3 * 366 + 1))
    RoleChangeLog.objects.filter(pk=almost.pk).update(at=now - dt.timedelta(days=3 * 365 - 2))

    assert log_purge_plan().role_change_ids == [old.pk]
    assert role_changes_purge() == 1
    assert set(RoleChangeLog.objects.values_list("pk", flat=True)) == {recent.pk, almost.pk}
