"""The monthly review of the access log: who read how many people, reads outside working
hours (Seoul time), caregivers' reads outside their caseload, bulk downloads; marking a month
reviewed once, with a note; and the review itself logged."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from base.models import AccessLog
from base.services import access_log_record
from care.audit import selectors, services
from care.audit.models import AccessReview
from tests.factories import AssignmentFactory, CorpsMemberFactory, RecipientFactory, UserFactory

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
URL = "/audit/2026/11/"


def read(user, people, *, at: dt.datetime, action: str = "view", path: str = "/x/") -> None:  # noqa: ANN001
    """A read at a given moment: the database stamps rows with its own clock, so the test
    moves them afterwards (as the owner may in a test database)."""
    before = set(AccessLog.objects.values_list("id", flat=True))
    # An export says why (base.exports); the review shows it.
    purpose = {"purpose": "report"} if action == "export" else {}
    access_log_record(actor=user, action=action, recipients=people, path=path, **purpose)
    ids = list(AccessLog.objects.exclude(id__in=before).values_list("id", flat=True))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE care_accesslog DISABLE TRIGGER care_accesslog_append_only")
        placeholders = ", ".join(["%s"] * len(ids))
        cursor.execute(
            f"UPDATE care_accesslog SET at = %s WHERE id IN ({placeholders})", [at, *ids]
        )
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE care_accesslog ENABLE TRIGGER care_accesslog_append_only")


def seoul(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SEOUL)


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(UserFactory(username="admin1", roles=["administrator"]))
    return client


def test_readers_are_counted_by_distinct_people_and_after_hours_in_seoul_time() -> None:
    counselor = UserFactory(username="counselor1", roles=["counselor"])
    a, b = RecipientFactory.create_batch(2)
    read(counselor, [a, b], at=seoul(2, 10))  # Monday 10:00
    read(counselor, [a], at=seoul(2, 21))  # Monday 21:00: after hours
    read(counselor, [b], at=seoul(7, 11))  # Saturday: after hours
    read(counselor, [a], at=dt.datetime(2026, 10, 31, 23, 30, tzinfo=SEOUL))  # October

    (row,) = selectors.readers(2026, 11)

    assert (row["username"], row["reads"], row["people"], row["after_hours"]) == (
        "counselor1",
        4,
        2,
        2,
    )
    assert [r.at.astimezone(SEOUL).hour for r in selectors.after_hours_reads(2026, 11)] == [21, 11]


def test_a_read_at_half_past_midnight_seoul_on_the_first_belongs_to_that_month() -> None:
    counselor = UserFactory(username="counselor1", roles=["counselor"])
    read(counselor, [RecipientFactory()], at=seoul(1, 0, 30))

    assert selectors.month_report(2026, 11).total == 1
    assert selectors.month_report(2026, 10).total == 0


def test_a_caregivers_read_outside_their_caseload_is_listed_and_their_own_is_not() -> None:
    user = UserFactory(username="caregiver1", roles=["caregiver"])
    member = CorpsMemberFactory(user=user)
    own = AssignmentFactory(corps_member=member, starts_on=dt.date(2026, 11, 1)).recipient
    other = RecipientFactory(name="남의대상자")
    read(user, [own], at=seoul(3, 10))
    read(user, [other], at=seoul(3, 11))
    read(user, [own], at=dt.datetime(2026, 10, 30, 10, tzinfo=SEOUL))  # before the assignment

    listed = selectors.outside_caseload_reads(2026, 11)

    assert [row.subject_label for row in listed] == ["남의대상자"]


def test_exports_and_reads_of_many_people_in_a_minute_are_bulk() -> None:
    counselor = UserFactory(username="counselor1", roles=["counselor"])
    people = RecipientFactory.create_batch(3)
    read(counselor, people, at=seoul(4, 10), action="export", path="/export/")
    read(counselor, people[:1], at=seoul(4, 11))

    (row,) = selectors.bulk_downloads(2026, 11)

    assert (row["username"], row["action"], row["people"]) == ("counselor1", "export", 3)
    assert (row["purpose"], str(row["purpose_label"])) == ("report", "보고")


def test_an_administrator_marks_a_month_reviewed_once_and_the_review_is_logged(
    admin_client: Client,
) -> None:
    response = admin_client.post(URL, {"note": "업무 시간 외 조회 2건 확인: 야간 긴급 대응."})

    assert response.status_code == 302
    review = AccessReview.objects.get()
    assert (review.year, review.month, review.reviewed_by.username) == (2026, 11, "admin1")
    logged = AccessLog.objects.filter(subject_type="access_review", subject_id=202611)
    assert set(logged.values_list("action", flat=True)) == {"change"}
    again = admin_client.post(URL, {"note": "다시"})
    assert again.status_code == 400
    assert "이미 점검" in again.content.decode()


def test_opening_a_months_report_is_itself_logged(admin_client: Client) -> None:
    response = admin_client.get(URL)

    assert response.status_code == 200
    assert AccessLog.objects.filter(
        subject_type="access_review", subject_id=202611, action="view", username="admin1"
    ).exists()


def test_a_review_needs_a_note_and_a_finished_month(admin_client: Client) -> None:
    blank = admin_client.post(URL, {"note": "   "})
    assert blank.status_code == 400
    user = UserFactory(username="admin2", roles=["administrator"])
    with pytest.raises(ValidationError):
        services.access_review_mark(actor=user, year=2100, month=1, note="미래")


def test_only_administrators_open_the_review(client: Client) -> None:
    assert client.get(URL).status_code == 302  # to the login page
    client.force_login(UserFactory(username="coordinator1", roles=["coordinator"]))
    assert client.get(URL).status_code == 403


def test_a_month_that_does_not_exist_is_404(admin_client: Client) -> None:
    assert admin_client.get("/audit/2026/13/").status_code == 404


def test_the_index_opens_last_month(admin_client: Client) -> None:
    response = admin_client.get("/audit/")

    assert response.status_code == 200
    year, month = response.context["report"].year, response.context["report"].month
    today = timezone.localdate()
    assert (year * 12 + month) == (today.year * 12 + today.month) - 1


def test_the_report_costs_the_same_queries_for_few_or_many_readers(
    admin_client: Client,
) -> None:
    counselor = UserFactory(username="counselor1", roles=["counselor"])
    read(counselor, RecipientFactory.create_batch(2), at=seoul(2, 21))
    admin_client.get(URL)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(URL)
    for n in range(5):
        user = UserFactory(username=f"counselor{n + 2}", roles=["counselor"])
        read(user, RecipientFactory.create_batch(3), at=seoul(3, 22))
    with CaptureQueriesContext(connection) as many:
        admin_client.get(URL)

    assert len(many) == len(few)
