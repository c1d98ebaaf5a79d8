"""The served-person tables (``kpi.served``, kpi 0010–0011): kept exact by the triggers.

Every test writes visits or recipients the way the application does (and the ways it could:
bulk writes, raw updates, deletes, truncates), then holds the kept tables to a recount from
scratch (``services.differences``), and the figures read from them to the figures read from
the visits themselves (``metrics.reading_visits``).
"""

from __future__ import annotations

import random
import threading
from datetime import timedelta
from uuid import uuid4

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from base.models import Program
from care.models import Episode, Recipient, Visit
from kpi import metrics
from kpi.served import services
from kpi.served.models import EpisodeFirst, ServedFirst, ServedKind, ServedPerson, ServedTotal
from tests.factories import episode_of, region
from tests.kpi.test_metrics import a_member, a_recipient, a_visit, an_urban_recipient, kst

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the tables are kept by PostgreSQL triggers"
    ),
]

YEAR = 2023
VISIT_CODES = {
    "recipients_served",
    "rural_recipients_served",
    "corps_members_served",
    "visits",
    "delivered_hours",
    "programs_operated",
    "referral_to_first_visit_days",
}


def assert_exact() -> None:
    """The kept tables equal a recount, and the figures read from them equal the visits'."""
    assert services.differences() == {table: (0, 0) for table in services.TABLES}
    kept_year = metrics.year_all(VISIT_CODES, YEAR, 12)
    kept_months = [metrics.month_all(VISIT_CODES, YEAR, m) for m in (1, 2, 6, 12)]
    with metrics.reading_visits():
        assert metrics.year_all(VISIT_CODES, YEAR, 12) == kept_year
        assert [metrics.month_all(VISIT_CODES, YEAR, m) for m in (1, 2, 6, 12)] == kept_months


def persons(kind: ServedKind) -> list[tuple]:
    return list(
        ServedPerson.objects.filter(kind=kind)
        .order_by("month", "person_id")
        .values_list("month__month", "person_id", "region__code", "is_rural")
    )


def firsts(kind: ServedKind) -> list[tuple]:
    return list(
        ServedFirst.objects.filter(kind=kind, year=YEAR)
        .order_by("person_id")
        .values_list("person_id", "region__code", "first_month")
    )


def test_a_visit_puts_its_recipient_member_month_total_and_episode_in_the_tables() -> None:
    recipient = a_recipient("wanju", "봉동읍")
    visit = a_visit(kst(3, 31, 23, 30), recipient=recipient, program="rural_gap_care")

    assert persons(ServedKind.RECIPIENT) == [(3, recipient.pk, "wanju", True)]
    assert persons(ServedKind.RURAL_RECIPIENT) == [(3, recipient.pk, "wanju", True)]
    assert persons(ServedKind.CORPS_MEMBER) == [(3, visit.corps_member_id, "wanju", True)]
    assert firsts(ServedKind.RECIPIENT) == [(recipient.pk, "wanju", 3)]
    total = ServedTotal.objects.get()
    assert (total.month.month, total.visits, total.microseconds) == (3, 1, 3_600_000_000)
    assert EpisodeFirst.objects.get().first_at == visit.started_at
    assert_exact()


def test_a_rural_gap_visit_to_an_urban_recipient_is_no_rural_recipients_month() -> None:
    a_visit(kst(5), recipient=an_urban_recipient(), program="rural_gap_care")

    assert len(persons(ServedKind.RECIPIENT)) == 1
    assert persons(ServedKind.RURAL_RECIPIENT) == []
    assert_exact()


def test_voiding_a_months_only_visit_removes_the_month_and_moves_the_first_month() -> None:
    recipient = a_recipient()
    march = a_visit(kst(3), recipient=recipient)
    a_visit(kst(5), recipient=recipient, member=march.corps_member)
    assert firsts(ServedKind.RECIPIENT) == [(recipient.pk, "wanju", 3)]

    march.status, march.void_reason = Visit.Status.VOID, "중복 입력"
    march.save()

    assert [row[0] for row in persons(ServedKind.RECIPIENT)] == [5]
    assert firsts(ServedKind.RECIPIENT) == [(recipient.pk, "wanju", 5)]
    assert firsts(ServedKind.CORPS_MEMBER) == [(march.corps_member_id, "wanju", 5)]
    assert_exact()

    # and restoring it brings March back
    Visit.objects.filter(pk=march.pk).update(status=Visit.Status.SUBMITTED, void_reason="")
    assert firsts(ServedKind.RECIPIENT) == [(recipient.pk, "wanju", 3)]
    assert_exact()


def test_a_visits_last_void_drops_its_total_row() -> None:
    visit = a_visit(kst(4))
    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.VOID, void_reason="오입력")

    assert not ServedTotal.objects.exists()
    assert not ServedPerson.objects.exists()
    assert not ServedFirst.objects.exists()
    assert not EpisodeFirst.objects.exists()
    assert_exact()


def test_moving_a_visit_in_time_or_to_another_member_program_or_recipient_follows() -> None:
    recipient, other = a_recipient(), an_urban_recipient()
    member = a_member()
    visit = a_visit(kst(2, 28, 23, 0), recipient=recipient, member=member)
    a_visit(kst(6), recipient=recipient, member=member)

    Visit.objects.filter(pk=visit.pk).update(started_at=kst(3, 1, 0, 30), ended_at=kst(3, 1, 2))
    assert_exact()
    Visit.objects.filter(pk=visit.pk).update(corps_member=a_member())
    assert_exact()
    Visit.objects.filter(pk=visit.pk).update(program=Program.objects.get(code="rural_gap_care"))
    assert_exact()
    Visit.objects.filter(pk=visit.pk).update(recipient=other, episode=episode_of(other))
    assert_exact()
    Visit.objects.filter(pk=visit.pk).update(ended_at=None)
    assert_exact()
    assert ServedTotal.objects.filter(month__month=3).get().microseconds == 0


def test_a_recipient_who_moves_takes_their_months_and_their_members_keys_along() -> None:
    recipient = a_recipient("wanju", "봉동읍")
    member = a_member()
    for month in (1, 4, 9):
        a_visit(kst(month), recipient=recipient, member=member, program="rural_gap_care")
    a_visit(kst(4), recipient=an_urban_recipient(), member=member)
    assert_exact()

    # a correction of the 읍·면·동 makes them urban: no longer a rural recipient
    Recipient.objects.filter(pk=recipient.pk).update(admin_unit="효자동")
    assert persons(ServedKind.RURAL_RECIPIENT) == []
    assert_exact()

    # and a move to another 시·군
    recipient.refresh_from_db()
    recipient.region = region("gunsan")
    recipient.admin_unit = "옥구읍"
    recipient.save()
    assert {row[2] for row in persons(ServedKind.RECIPIENT) if row[1] == recipient.pk} == {"gunsan"}
    assert ("gunsan", True) in {
        (r.region.code, r.is_rural) for r in ServedPerson.objects.filter(person_id=member.pk)
    }
    assert_exact()


def test_verifying_visits_and_editing_recipients_otherwise_write_no_row() -> None:
    recipient = a_recipient()
    for day in (3, 4, 5):
        a_visit(kst(2, day), recipient=recipient)

    def versions() -> list[tuple]:
        with connection.cursor() as cursor:
            rows = []
            for table in services.TABLES:
                cursor.execute(f"SELECT xmin::text FROM {table} ORDER BY 1")  # noqa: S608
                rows += cursor.fetchall()
        return rows

    before = versions()
    Visit.objects.update(status=Visit.Status.VERIFIED, notes="확인함")
    Recipient.objects.filter(pk=recipient.pk).update(phone="010-0000-0000", risk_level="high")
    assert versions() == before


def test_deleting_and_bulk_writing_visits_follow() -> None:
    recipient = a_recipient()
    member = a_member()
    episode = episode_of(recipient)
    program = Program.objects.get(code="emergency_care")
    Visit.objects.bulk_create(
        [
            Visit(
                client_uuid=uuid4(),
                recipient=recipient,
                corps_member=member,
                episode=episode,
                program=program,
                started_at=kst(month, 10),
                ended_at=kst(month, 10) + timedelta(minutes=45),
            )
            for month in (1, 1, 2, 7)
        ]
    )
    assert_exact()
    Visit.objects.filter(started_at__month=1).delete()
    assert firsts(ServedKind.RECIPIENT) == [(recipient.pk, "wanju", 2)]
    assert_exact()


def test_a_truncate_empties_the_tables() -> None:
    a_visit(kst(8))
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE care_visit CASCADE")
    assert not ServedPerson.objects.exists() and not ServedTotal.objects.exists()
    assert not ServedFirst.objects.exists() and not EpisodeFirst.objects.exists()


def test_many_random_writes_keep_every_table_equal_to_a_recount() -> None:
    rng = random.Random(11)
    recipients = [a_recipient("wanju", "봉동읍"), a_recipient("wanju", "삼례읍")]
    recipients += [an_urban_recipient(), a_recipient("gunsan", "나운동")]
    members = [a_member() for _ in range(3)]
    programs = ["emergency_care", "rural_gap_care"]
    visits = []
    for _ in range(40):
        at = kst(rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23))
        visits.append(
            a_visit(
                at,
                recipient=rng.choice(recipients),
                member=rng.choice(members),
                program=rng.choice(programs),
                void=rng.random() < 0.1,
                minutes=rng.choice([None, 30, 90]),
            )
        )
    # a visit of the year before: an episode first visited then is not in 2023's median
    a_visit(kst(12, 20, year=YEAR - 1), recipient=recipients[0])
    for _ in range(25):
        visit = rng.choice(visits)
        change = rng.choice(["void", "restore", "time", "member", "delete"])
        rows = Visit.objects.filter(pk=visit.pk)
        if change == "void":
            rows.update(status=Visit.Status.VOID, void_reason="중복")
        elif change == "restore":
            rows.update(status=Visit.Status.VERIFIED, void_reason="")
        elif change == "time":
            start = kst(rng.randint(1, 12), rng.randint(1, 28))
            rows.update(started_at=start, ended_at=start + timedelta(hours=1))
        elif change == "member":
            rows.update(corps_member=rng.choice(members))
        else:
            rows.delete()
    Recipient.objects.filter(pk=recipients[1].pk).update(admin_unit="중앙동")
    assert ServedPerson.objects.count() > 20
    assert_exact()


def test_the_kept_tables_answer_a_month_without_reading_the_visits() -> None:
    a_visit(kst(6))
    with CaptureQueriesContext(connection) as queries:
        figures = metrics.month_all(VISIT_CODES, YEAR, 6)
    assert figures["visits"][metrics.TOTAL] == (1, 1)
    assert not [q for q in queries.captured_queries if "care_visit" in q["sql"]]


def test_the_rebuild_command_checks_and_repairs_the_tables(capsys: pytest.CaptureFixture) -> None:
    a_visit(kst(2))
    a_visit(kst(3))
    call_command("rebuild_served", "--check")
    assert "같습니다" in capsys.readouterr().out

    # a row lost behind the triggers' back is found, and the rebuild restores it
    ServedPerson.objects.filter(kind=ServedKind.RECIPIENT, month__month=3).delete()
    with pytest.raises(CommandError):
        call_command("rebuild_served", "--check")
    assert "kpi_servedperson: 0 / 1" in capsys.readouterr().out
    call_command("rebuild_served")
    call_command("rebuild_served", "--check")


def _dsn() -> str:
    settings = connection.settings_dict
    dsn = (
        f"dbname={settings['NAME']} host={settings['HOST'] or '127.0.0.1'} "
        f"port={settings['PORT'] or 5432} user={settings['USER']}"
    )
    if settings["PASSWORD"]:
        dsn += f" password={settings['PASSWORD']}"
    return dsn


def _add_a_day_later(writer: psycopg.Connection, visit_pk: int, program: str = "") -> None:
    """Insert, uncommitted, a copy of a visit one day later (in ``program``, if named)."""
    writer.execute(
        "INSERT INTO care_visit (client_uuid, recipient_id, corps_member_id, episode_id, "
        "program_id, started_at, ended_at, notes, status, void_reason, created_at, "
        "updated_at) SELECT %s, recipient_id, corps_member_id, episode_id, "
        "coalesce((SELECT id FROM care_program WHERE code = %s), program_id), "
        "started_at + interval '1 day', ended_at + interval '1 day', '', 'submitted', "
        "'', now(), now() FROM care_visit WHERE id = %s",
        [uuid4(), program, visit_pk],
    )


def _void(writer: psycopg.Connection, visit_pk: int) -> None:
    writer.execute(
        "UPDATE care_visit SET status = 'void', void_reason = 'x' WHERE id = %s", [visit_pk]
    )


@pytest.mark.django_db(transaction=True)
def test_two_writers_of_one_recipients_month_leave_it_exact() -> None:
    # given a recipient served in May by one visit
    recipient = a_recipient()
    member = a_member()
    first = a_visit(kst(5, 10), recipient=recipient, member=member)
    # when one transaction voids it while another adds a second May visit, each waiting on
    # the other's rows in turn
    voider = psycopg.connect(_dsn())
    adder = psycopg.connect(_dsn())
    try:
        _void(voider, first.pk)

        def add() -> None:
            _add_a_day_later(adder, first.pk)
            adder.commit()

        thread = threading.Thread(target=add)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive()  # the adder waits for the voider's rows
        voider.commit()
        thread.join(timeout=10)
        assert not thread.is_alive()
    finally:
        voider.close()
        adder.close()

    # then May still holds the recipient, through the second visit, and nothing else differs
    assert [row[0] for row in persons(ServedKind.RECIPIENT)] == [5]
    assert services.differences() == {table: (0, 0) for table in services.TABLES}


@pytest.mark.django_db(transaction=True)
def test_a_new_visit_holds_its_month_against_a_concurrent_void_of_the_months_other() -> None:
    # given a recipient served in May by one emergency care visit
    recipient = a_recipient("wanju", "봉동읍")
    first = a_visit(kst(5, 10), recipient=recipient)
    # when one transaction adds a rural gap care visit in May (another totals row, so only
    # the month's person rows are shared) and, before it commits, another voids the first
    adder = psycopg.connect(_dsn())
    voider = psycopg.connect(_dsn())
    try:
        _add_a_day_later(adder, first.pk, program="rural_gap_care")

        def void() -> None:
            _void(voider, first.pk)
            voider.commit()

        thread = threading.Thread(target=void)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive()  # the void's recount waits for the month the adder holds
        adder.commit()
        thread.join(timeout=10)
        assert not thread.is_alive()
    finally:
        adder.close()
        voider.close()

    # then May still holds the recipient and the corps member, through the new visit
    assert [row[0] for row in persons(ServedKind.RECIPIENT)] == [5]
    assert [row[0] for row in persons(ServedKind.RURAL_RECIPIENT)] == [5]
    assert [row[0] for row in persons(ServedKind.CORPS_MEMBER)] == [5]
    assert services.differences() == {table: (0, 0) for table in services.TABLES}


def _versions() -> dict[str, list]:
    """Each kept table's row versions (``xmin``): a row rewritten gets a new one."""
    with connection.cursor() as cursor:
        found = {}
        for table in ("kpi_servedperson", "kpi_servedfirst", "kpi_episodefirst"):
            cursor.execute(f"SELECT xmin::text FROM {table} ORDER BY 1")  # noqa: S608
            found[table] = [row[0] for row in cursor.fetchall()]
    return found


@pytest.mark.django_db(transaction=True)
def test_a_visit_in_a_month_already_served_rewrites_no_kept_row() -> None:
    # given a recipient and a corps member served in March (their first month) by one visit
    recipient = a_recipient("wanju", "봉동읍")
    member = a_member()
    a_visit(kst(3, 5), recipient=recipient, member=member, program="rural_gap_care")
    before = _versions()
    # when their later visits of March arrive, in a transaction each as a tablet's would
    a_visit(kst(3, 20), recipient=recipient, member=member, program="rural_gap_care")
    a_visit(kst(3, 25), recipient=recipient, member=member)
    # then the person rows, first months and the episode's first visit are the same row
    # versions: nothing was deleted and written again
    assert _versions() == before
    assert ServedTotal.objects.get(program__code="rural_gap_care").visits == 2
    assert_exact()


def test_visits_arriving_out_of_order_move_first_months_and_first_visits_earlier() -> None:
    recipient = a_recipient("wanju", "봉동읍")
    member = a_member()
    other = an_urban_recipient()
    a_visit(kst(9), recipient=recipient, member=member)
    a_visit(kst(11), recipient=other, member=member)
    assert sorted(firsts(ServedKind.CORPS_MEMBER)) == [
        (member.pk, "jeonju", 11),
        (member.pk, "wanju", 9),
    ]
    # a late sync: earlier visits of each, and a void one that counts for nothing
    a_visit(kst(1), recipient=recipient, member=member, void=True)
    a_visit(kst(4, 2), recipient=other, member=member, program="rural_gap_care")
    a_visit(kst(2), recipient=recipient, member=member, program="rural_gap_care")

    assert sorted(firsts(ServedKind.RECIPIENT)) == sorted(
        [(recipient.pk, "wanju", 2), (other.pk, "jeonju", 4)]
    )
    assert firsts(ServedKind.RURAL_RECIPIENT) == [(recipient.pk, "wanju", 2)]
    assert sorted(firsts(ServedKind.CORPS_MEMBER)) == [
        (member.pk, "jeonju", 4),
        (member.pk, "wanju", 2),
    ]
    first_of_episode = EpisodeFirst.objects.get(episode__recipient=recipient)
    assert first_of_episode.first_at == kst(2)
    assert_exact()


def test_a_corrected_referral_date_follows_into_the_episodes_first_visit() -> None:
    visit = a_visit(kst(4, 20))
    Episode.objects.filter(pk=visit.episode_id).update(referred_on=kst(4, 2).date())

    assert EpisodeFirst.objects.get().referred_on == kst(4, 2).date()
    assert_exact()


def test_a_tablets_sync_through_the_api_keeps_the_tables_exact(caregiver_api, caregiver) -> None:  # noqa: ANN001
    # the sync inserts its batch as column arrays (care.visits): the triggers see it whole
    from tests.care.test_visits_sync import outbox, sync

    response = sync(caregiver_api, outbox(caregiver.assigned_recipient, 20))

    assert response.json()["summary"]["created"] == 20
    assert ServedPerson.objects.filter(person_id=caregiver.assigned_recipient.pk).exists()
    assert ServedTotal.objects.aggregate(n=Sum("visits"))["n"] == 20
    assert services.differences() == {table: (0, 0) for table in services.TABLES}
