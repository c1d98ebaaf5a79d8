"""The outreach pages of the counselors' desk, and the issue's "done when": a counselor
records an outreach day at an LH 단지 with its consultations, and 4-1's 12회 measure moves by
one."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from consultations.models import Consultation
from consultations.outreach.models import OutreachSession, OutreachSite
from kpi.goals import goals_load
from kpi.models import Measurement, UnitProgram
from kpi.rollups import rollup_month
from tests.consultations.outreach.factories import OutreachSessionFactory, OutreachSiteFactory
from tests.factories import UserFactory, region

pytestmark = pytest.mark.django_db

LIST = "/consultations/outreach/"
NEW = "/consultations/outreach/new/"


@pytest.fixture
def counselor() -> Any:
    return UserFactory(username="sangdam1", roles=["counselor"])


@pytest.fixture
def desk(counselor: Any) -> Client:
    client = Client()
    client.force_login(counselor)
    return client


def text(response: Any) -> str:
    return response.content.decode()


def twelve_times_measure(year: int, month: int) -> Decimal:
    unit = UnitProgram.objects.get(indicator__goal__year=2023, name="사회서비스연계 상담")
    return Measurement.objects.get(unit_program=unit, year=year, month=month).ytd_value


def field_value(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    assert found, f"no value for {name}"
    return found.group(1)


def test_a_counselor_records_an_lh_day_with_its_consultations_and_the_12_times_measure_moves_by_one(
    desk: Client, counselor: Any
) -> None:
    # given the goals, an LH 단지 site and an earlier session this year, rolled up
    goals_load()
    today = timezone.localdate()
    site = OutreachSiteFactory(name="LH 삼천6단지 주거행복지원센터")
    earlier = OutreachSessionFactory(held_on=today.replace(day=1), site=OutreachSiteFactory())
    assert earlier.held_on <= today
    rollup_month(year=today.year, month=today.month)
    before = twelve_times_measure(today.year, today.month)

    # when the counselor records today's day at the LH 단지 on the desk
    response = desk.post(
        NEW,
        {
            "held_on": today.isoformat(),
            "site": site.pk,
            "staff": [counselor.pk],
            "attendees": 18,
            "program": "outreach_counseling",
            "notes": "관리사무소 회의실",
        },
    )
    session = OutreachSession.objects.get(site=site)
    assert response.status_code == 302
    assert response["Location"] == f"/consultations/outreach/{session.pk}/"

    # and adds three consultations from the day's page, each form opened filled in
    day_page = text(desk.get(response["Location"]))
    add_url = f"/consultations/new/?outreach_session={session.pk}"
    assert add_url.replace("&", "&amp;") in day_page
    for n, name in enumerate(["김순례", "박영자", "이말순"]):
        form = text(desk.get(add_url))
        assert 'value="outreach" checked' in form or re.search(
            r'value="outreach"[^>]*checked', form
        )
        assert field_value(form, "outreach_session") == str(session.pk)
        held_at = field_value(form, "held_at")
        assert held_at.startswith(today.isoformat())
        saved = desk.post(
            add_url,
            {
                "held_at": held_at,
                "channel": "outreach",
                "program": "outreach_counseling",
                "person_kind": "named",
                "person_name": name,
                "person_contact": f"010-2000-000{n}",
                "region": "jeonju",
                "summary": "관리비와 돌봄 서비스 문의",
                "outcome": "informed",
                "outreach_session": session.pk,
            },
        )
        assert saved.status_code == 302, text(saved)
        assert saved["Location"] == f"/consultations/outreach/{session.pk}/"

    # then the day lists its three consultations
    day_page = text(desk.get(f"/consultations/outreach/{session.pk}/"))
    assert day_page.count('class="consultation"') == 3
    assert set(
        Consultation.objects.filter(outreach_session=session).values_list("channel", flat=True)
    ) == {"outreach"}

    # and the month's rollup moves 사회서비스연계 상담 (12회) by one session, not three
    rollup_month(year=today.year, month=today.month)
    assert twelve_times_measure(today.year, today.month) == before + 1


def test_the_month_list_shows_the_months_sessions_with_their_counts(desk: Client) -> None:
    OutreachSessionFactory(held_on=dt.date(2023, 3, 15))
    OutreachSessionFactory(held_on=dt.date(2023, 4, 2))

    march = text(desk.get(LIST, {"month": "2023-03"}))
    bad = desk.get(LIST, {"month": "2023-13"})

    assert march.count('class="session"') == 1
    assert "2023-03-15" in march
    assert bad.status_code == 200  # an impossible month shows this month


def test_a_day_without_a_site_or_staff_comes_back_with_the_fields_named(desk: Client) -> None:
    response = desk.post(NEW, {"held_on": "2023-03-15", "attendees": 3})

    page = text(response)
    assert response.status_code == 200
    assert 'id="field-site"' in page and 'id="field-staff"' in page
    assert page.count('class="errorlist') >= 2
    assert not OutreachSession.objects.exists()


def test_the_same_site_and_day_twice_is_refused_on_the_form(desk: Client, counselor: Any) -> None:
    session = OutreachSessionFactory()

    response = desk.post(
        NEW,
        {
            "held_on": session.held_on.isoformat(),
            "site": session.site_id,
            "staff": [counselor.pk],
            "attendees": 1,
            "program": "outreach_counseling",
        },
    )

    assert response.status_code == 200
    assert "이미 기록되어" in text(response)
    assert OutreachSession.objects.count() == 1


def test_a_counselor_registers_a_rural_village_hall_as_a_site(desk: Client) -> None:
    response = desk.post(
        "/consultations/outreach/sites/new/",
        {
            "name": "신리경로당",
            "kind": "village_hall",
            "region": region("wanju").pk,
            "admin_unit": "상관면",
            "address": "전북 완주군 상관면 신리",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    site = OutreachSite.objects.get(name="신리경로당")
    assert site.is_rural is True


def test_a_coordinator_reads_the_outreach_pages_but_cannot_record(client: Client) -> None:
    session = OutreachSessionFactory()
    client.force_login(UserFactory(username="coordi1", roles=["coordinator"]))

    assert client.get(LIST).status_code == 200
    assert client.get(f"/consultations/outreach/{session.pk}/").status_code == 200
    assert client.get(NEW).status_code == 403
    assert "이 회차에 상담 추가" not in text(client.get(f"/consultations/outreach/{session.pk}/"))


@pytest.mark.parametrize("role", ["manager", "caregiver"])
def test_managers_and_caregivers_do_not_open_the_outreach_pages(client: Client, role: str) -> None:
    session = OutreachSessionFactory()
    client.force_login(UserFactory(username=f"{role}9", roles=[role]))

    assert client.get(LIST).status_code == 403
    assert client.get(f"/consultations/outreach/{session.pk}/").status_code == 403


def test_the_day_page_reads_in_the_same_queries_for_2_or_20_consultations(
    desk: Client, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.consultations.consultation_factories import ConsultationFactory, seoul

    def session_with(count: int, day: dt.date) -> OutreachSession:
        session = OutreachSessionFactory(held_on=day)
        for n in range(count):
            ConsultationFactory(
                held_at=seoul(day.year, day.month, day.day, 9 + n // 4, (n % 4) * 15),
                channel=Consultation.Channel.OUTREACH,
                outreach_session=session,
                topics=["care"],
            )
        return session

    small, large = session_with(2, dt.date(2023, 3, 1)), session_with(20, dt.date(2023, 3, 2))
    desk.get(f"/consultations/outreach/{small.pk}/")

    with CaptureQueriesContext(connection) as few:
        desk.get(f"/consultations/outreach/{small.pk}/")
    with CaptureQueriesContext(connection) as many:
        desk.get(f"/consultations/outreach/{large.pk}/")

    assert len(many) == len(few)


def test_a_consultation_held_at_a_session_links_back_to_it(desk: Client) -> None:
    from tests.consultations.consultation_factories import ConsultationFactory, seoul

    session = OutreachSessionFactory()
    consultation = ConsultationFactory(
        held_at=seoul(2023, 3, 15, 10),
        channel=Consultation.Channel.OUTREACH,
        outreach_session=session,
    )

    page = text(desk.get(f"/consultations/{consultation.pk}/"))

    assert f'href="/consultations/outreach/{session.pk}/"' in page


def test_a_counselor_corrects_a_days_attendees_on_the_desk(desk: Client, counselor: Any) -> None:
    session = OutreachSessionFactory(created_by=counselor)

    form = desk.get(f"/consultations/outreach/{session.pk}/edit/")
    response = desk.post(
        f"/consultations/outreach/{session.pk}/edit/",
        {
            "held_on": session.held_on.isoformat(),
            "site": session.site_id,
            "staff": [counselor.pk],
            "attendees": 31,
            "program": "outreach_counseling",
        },
    )

    assert form.status_code == 200
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.attendees == 31
