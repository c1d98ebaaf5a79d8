"""The access log (접속기록) cannot be quietly changed: the database sets each row's time and
chains its hash to the previous row's; the application's role may only INSERT and SELECT on
it; and ``verify_access_log`` finds the first changed or missing row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from base.access_chain import GENESIS, row_hash
from base.models import AccessLog, AccessLogVerification
from base.services import access_log_record, access_log_verify
from base.tasks import verify_access_log
from tests.factories import RecipientFactory, UserFactory

pytestmark = pytest.mark.django_db

APP_ROLE = "care_app_test"
postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the trigger and roles are PostgreSQL's"
)


def read_three(actor=None) -> list[AccessLog]:  # noqa: ANN001
    actor = actor or UserFactory(username="counselor1", roles=["counselor"])
    people = RecipientFactory.create_batch(3)
    access_log_record(actor=actor, action="view", recipients=people, path="/x/")
    return list(AccessLog.objects.order_by("chain_seq"))


def as_owner(sql: str, params: list | None = None) -> None:
    """What someone with the owner's password could do: step around the append-only trigger."""
    with connection.cursor() as cursor:
        # The test's own inserts leave deferred foreign-key checks that ALTER TABLE refuses.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE care_accesslog DISABLE TRIGGER care_accesslog_append_only")
        cursor.execute(sql, params or [])
        cursor.execute("ALTER TABLE care_accesslog ENABLE TRIGGER care_accesslog_append_only")


def test_rows_are_chained_one_after_another_from_the_first() -> None:
    rows = read_three()

    assert [row.chain_seq for row in rows] == [1, 2, 3]
    assert rows[0].prev_hash == GENESIS
    assert rows[1].prev_hash == rows[0].row_hash
    assert rows[2].prev_hash == rows[1].row_hash
    assert all(row.row_hash == row_hash(row) for row in rows)


def test_an_intact_log_verifies_and_the_result_is_kept() -> None:
    read_three()
    read_three(UserFactory(username="counselor2", roles=["counselor"]))

    result = access_log_verify()

    assert (result.ok, result.rows_checked, result.first_broken_seq) == (True, 6, None)
    assert AccessLogVerification.objects.get().ok


def test_the_command_says_the_chain_is_intact(capsys: pytest.CaptureFixture[str]) -> None:
    read_three()

    call_command("verify_access_log")

    assert "intact: 3 rows" in capsys.readouterr().out


@postgres_only
def test_the_database_sets_the_time_whatever_the_application_says() -> None:
    user = UserFactory(username="counselor1", roles=["counselor"])
    person = RecipientFactory()

    AccessLog.objects.bulk_create(
        [
            AccessLog(
                user=user,
                username="counselor1",
                action="view",
                subject_id=person.pk,
                at=timezone.now() - dt.timedelta(days=3 * 365),
            )
        ]
    )

    stored = AccessLog.objects.get()
    assert stored.at > timezone.now() - dt.timedelta(minutes=1)
    assert stored.chain_seq == 1


@postgres_only
def test_a_row_changed_by_the_owner_is_found(capsys: pytest.CaptureFixture[str]) -> None:
    rows = read_three()
    as_owner("UPDATE care_accesslog SET subject_label = 'someone else' WHERE id = %s", [rows[1].pk])

    with pytest.raises(CommandError, match="row 2: content does not match"):
        call_command("verify_access_log")
    assert AccessLogVerification.objects.get().first_broken_seq == 2


@postgres_only
def test_a_row_removed_by_the_owner_is_found() -> None:
    rows = read_three()
    as_owner("DELETE FROM care_accesslog WHERE id = %s", [rows[1].pk])

    result = access_log_verify()

    assert not result.ok
    assert result.first_broken_seq == 3
    assert "rows 2..2 are missing" in result.detail


@postgres_only
def test_a_row_rewritten_with_a_matching_hash_breaks_the_next_link() -> None:
    rows = read_three()
    forged = rows[0]
    forged.subject_label = "forged"
    as_owner(
        "UPDATE care_accesslog SET subject_label = 'forged', row_hash = %s WHERE id = %s",
        [row_hash(forged), forged.pk],
    )

    result = access_log_verify()

    assert (result.ok, result.first_broken_seq) == (False, 2)
    assert "previous hash" in result.detail


def test_the_nightly_task_reports_through_the_same_check() -> None:
    read_three()

    assert verify_access_log.apply().get() is True
    assert AccessLogVerification.objects.count() == 1


def test_the_nightly_check_is_on_the_beat_schedule(settings) -> None:  # noqa: ANN001
    entry = settings.CELERY_BEAT_SCHEDULE["verify-access-log"]
    assert entry["task"] == "base.verify_access_log"


@pytest.fixture
def app_role() -> Iterator[str]:
    """The application's database role, as docker-compose.yml makes it: owns nothing."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE ROLE {APP_ROLE} NOLOGIN")
    call_command("db_grant_app_role", APP_ROLE)
    yield APP_ROLE
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


def refused_as_app(sql: str, params: list | None = None) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")
            cursor.execute(sql, params or [])
    except DatabaseError as error:
        return "permission denied" in str(error) or "must be owner" in str(error)
    return False


@postgres_only
def test_the_application_role_may_insert_and_read_the_log_but_nothing_more(app_role: str) -> None:
    rows = read_three()
    person = RecipientFactory()

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {app_role}")
        cursor.execute(
            "INSERT INTO care_accesslog (at, username, action, subject_type, subject_id,"
            " subject_label, path, prev_hash, row_hash)"
            " VALUES (now(), 'app', 'view', 'recipient', %s, '', '', '', '')",
            [person.pk],
        )
        cursor.execute("SELECT count(*) FROM care_accesslog")
        assert cursor.fetchone()[0] == 4

    assert refused_as_app("UPDATE care_accesslog SET path = '' WHERE id = %s", [rows[0].pk])
    assert refused_as_app("DELETE FROM care_accesslog WHERE id = %s", [rows[0].pk])
    assert refused_as_app("TRUNCATE care_accesslog")
    assert refused_as_app("ALTER TABLE care_accesslog DISABLE TRIGGER care_accesslog_chain")
    # and the row it inserted is chained like any other
    assert access_log_verify().ok


@postgres_only
def test_the_application_role_still_writes_the_other_tables(app_role: str) -> None:
    person = RecipientFactory()

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {app_role}")
        cursor.execute(
            "UPDATE care_recipient SET phone = '010-0000-0000' WHERE id = %s", [person.pk]
        )
        assert cursor.rowcount == 1


@postgres_only
def test_chaining_a_row_finds_the_last_one_through_the_index_not_by_reading_the_log() -> None:
    # A plan made while the log is small is kept for the connection's life: a sequential scan
    # then read the whole log for every row chained (base migration 0006).
    actor = UserFactory(username="counselor1", roles=["counselor"])
    people = RecipientFactory.create_batch(3)

    def scans() -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables WHERE relname = %s",
                ["care_accesslog"],
            )
            return cursor.fetchone()

    with connection.cursor() as cursor:
        # What the planner knows of a new installation's log: nothing in it. (ANALYZE also
        # drops this connection's plans of the trigger's query.)
        cursor.execute("ANALYZE care_accesslog")
    before = scans()
    access_log_record(actor=actor, action="view", recipients=people, path="/x/")
    access_log_record(actor=actor, action="view", recipients=people, path="/y/")
    after = scans()

    assert after[0] - before[0] == 0
    assert after[1] - before[1] == 6
