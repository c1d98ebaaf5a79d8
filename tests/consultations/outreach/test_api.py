"""/api/v1/outreach-sessions/ and /api/v1/outreach-sites/: every role, bad input, filters,
the consultation count and the query count of the lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from consultations.models import Consultation
from consultations.outreach.models import OutreachSession, OutreachSite
from tests.conftest import client_for
from tests.consultations.consultation_factories import ConsultationFactory, seoul
from tests.consultations.outreach.factories import OutreachSessionFactory, OutreachSiteFactory
from tests.factories import UserFactory, region

pytestmark = pytest.mark.django_db

URL = "/api/v1/outreach-sessions/"
SITES = "/api/v1/outreach-sites/"


def detail(pk: int) -> str:
    return f"{URL}{pk}/"


@pytest.fixture
def counselor() -> Any:
    return UserFactory(username="counselor1", roles=["counselor"])


@pytest.fixture
def counselor_client(counselor: Any) -> APIClient:
    return client_for(counselor)


def payload(site: OutreachSite, **overrides: Any) -> dict[str, Any]:
    return {
        "held_on": "2023-03-15",
        "site": site.pk,
        "staff": ["counselor1"],
        "attendees": 15,
        "notes": "입주민 대상 돌봄 안내",
        **overrides,
    }


def held_at_session(session: OutreachSession, hour: int = 10, **fields: Any) -> Consultation:
    day = session.held_on
    return ConsultationFactory(
        held_at=seoul(day.year, day.month, day.day, hour),
        channel=Consultation.Channel.OUTREACH,
        outreach_session=session,
        **fields,
    )


# --- happy paths -----------------------------------------------------------------------------


def test_a_counselor_records_a_session_with_the_sites_partner_and_the_outreach_program(
    counselor_client: APIClient,
) -> None:
    # given a site of an LH 단지 with its partner
    site = OutreachSiteFactory()

    # when a counselor records a day there without naming partner or program
    response = counselor_client.post(URL, payload(site), format="json")

    # then the session takes the site's partner and 찾아가는 상담, and counts no consultation yet
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["partner"] == site.organization_id
    assert body["program"] == "outreach_counseling"
    assert body["staff"] == ["counselor1"]
    assert body["consultation_count"] == 0
    assert body["region"] == "jeonju"
    assert body["is_rural"] is False
    assert body["created_by"] == "counselor1"


def test_each_session_shows_how_many_consultations_were_held_there(
    counselor_client: APIClient,
) -> None:
    # given a busy day with three consultations and a quiet one with none
    busy = OutreachSessionFactory()
    for hour in (10, 11, 14):
        held_at_session(busy, hour)
    quiet = OutreachSessionFactory(held_on=dt.date(2023, 3, 16))

    # when the list and the busy day are read
    listed = counselor_client.get(URL).json()["results"]
    one = counselor_client.get(detail(busy.pk)).json()

    # then each shows its own count
    counts = {row["id"]: row["consultation_count"] for row in listed}
    assert counts == {busy.pk: 3, quiet.pk: 0}
    assert one["consultation_count"] == 3


def test_a_counselor_changes_a_sessions_attendees_and_staff(counselor_client: APIClient) -> None:
    session = OutreachSessionFactory()
    UserFactory(username="counselor2", roles=["counselor"])

    response = counselor_client.patch(
        detail(session.pk), {"attendees": 22, "staff": ["counselor1", "counselor2"]}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["attendees"] == 22
    assert sorted(response.json()["staff"]) == ["counselor1", "counselor2"]


def test_an_empty_session_recorded_by_mistake_is_deleted(counselor_client: APIClient) -> None:
    session = OutreachSessionFactory()

    response = counselor_client.delete(detail(session.pk))

    assert response.status_code == 204
    assert not OutreachSession.objects.exists()


def test_a_session_with_consultations_is_not_deleted(counselor_client: APIClient) -> None:
    session = OutreachSessionFactory()
    held_at_session(session)

    response = counselor_client.delete(detail(session.pk))

    assert response.status_code == 400
    assert "consultations" in response.json()
    assert OutreachSession.objects.filter(pk=session.pk).exists()


def test_a_consultation_is_linked_to_a_session_through_the_consultations_api(
    counselor_client: APIClient,
) -> None:
    # given a session on 2023-03-15
    session = OutreachSessionFactory()

    # when a consultation of that day names it
    response = counselor_client.post(
        "/api/v1/consultations/",
        {
            "held_at": "2023-03-15T11:00:00+09:00",
            "channel": "outreach",
            "program": "outreach_counseling",
            "is_anonymous": True,
            "summary": "관리비 부담 상담",
            "outcome": "informed",
            "outreach_session": session.pk,
        },
        format="json",
    )

    # then it is stored with the session, which now counts it
    assert response.status_code == 201, response.content
    assert response.json()["outreach_session"] == session.pk
    assert counselor_client.get(detail(session.pk)).json()["consultation_count"] == 1


# --- bad input -------------------------------------------------------------------------------


def test_a_session_without_a_site_is_a_400_naming_site(counselor_client: APIClient) -> None:
    site = OutreachSiteFactory()
    body = payload(site)
    del body["site"]

    missing = counselor_client.post(URL, body, format="json")
    null = counselor_client.post(URL, {**body, "site": None}, format="json")

    for response in (missing, null):
        assert response.status_code == 400
        assert "site" in response.json()
    assert not OutreachSession.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"attendees": -1}, "attendees"),
        ({"staff": []}, "staff"),
        ({"staff": ["nobody"]}, "staff"),
        ({"held_on": "2023-02-30"}, "held_on"),
        ({"held_on": "2999-01-01"}, "held_on"),
        ({"notes": "주민번호 900101-1234567"}, "notes"),
        ({"program": "no_such_program"}, "program"),
        ({"partner": 999999}, "partner"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(
    counselor_client: APIClient, overrides: dict[str, Any], field: str
) -> None:
    response = counselor_client.post(
        URL, payload(OutreachSiteFactory(), **overrides), format="json"
    )

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not OutreachSession.objects.exists()


def test_the_same_site_and_day_twice_is_a_400_naming_site(counselor_client: APIClient) -> None:
    site = OutreachSiteFactory()
    assert counselor_client.post(URL, payload(site), format="json").status_code == 201

    again = counselor_client.post(URL, payload(site), format="json")

    assert again.status_code == 400
    assert "site" in again.json()
    assert OutreachSession.objects.count() == 1


def test_a_retired_site_takes_no_new_session(counselor_client: APIClient) -> None:
    response = counselor_client.post(
        URL, payload(OutreachSiteFactory(is_active=False)), format="json"
    )

    assert response.status_code == 400
    assert "site" in response.json()


def test_a_consultation_of_another_channel_or_day_cannot_join_a_session(
    counselor_client: APIClient,
) -> None:
    session = OutreachSessionFactory()
    base = {
        "program": "outreach_counseling",
        "is_anonymous": True,
        "summary": "상담",
        "outcome": "informed",
        "outreach_session": session.pk,
    }

    by_phone = counselor_client.post(
        "/api/v1/consultations/",
        {**base, "held_at": "2023-03-15T11:00:00+09:00", "channel": "phone"},
        format="json",
    )
    next_day = counselor_client.post(
        "/api/v1/consultations/",
        # 2023-03-16 00:30 in Seoul is still the 15th in UTC: the Seoul day is what counts
        {**base, "held_at": "2023-03-15T15:30:00+00:00", "channel": "outreach"},
        format="json",
    )

    assert by_phone.status_code == 400 and "channel" in by_phone.json()
    assert next_day.status_code == 400 and "held_at" in next_day.json()
    assert not Consultation.objects.exists()


def test_a_sessions_day_does_not_move_away_from_its_consultations(
    counselor_client: APIClient,
) -> None:
    session = OutreachSessionFactory()
    held_at_session(session)

    response = counselor_client.patch(detail(session.pk), {"held_on": "2023-03-14"}, format="json")

    assert response.status_code == 400
    assert "held_on" in response.json()
    session.refresh_from_db()
    assert session.held_on == dt.date(2023, 3, 15)


def test_bad_filters_are_a_400(counselor_client: APIClient) -> None:
    for query in ({"held_after": "soon"}, {"site": "x"}, {"region": "atlantis"}, {"partner": 0}):
        response = counselor_client.get(URL, query)
        assert response.status_code == 400, query


# --- filters ---------------------------------------------------------------------------------


def test_sessions_filter_by_day_region_site_and_partner(counselor_client: APIClient) -> None:
    # given a session in Jeonju in March and one at a rural 마을회관 in Wanju in April
    march = OutreachSessionFactory(held_on=dt.date(2023, 3, 15))
    hall = OutreachSiteFactory(
        name="낙평마을회관",
        kind=OutreachSite.Kind.VILLAGE_HALL,
        region=region("wanju"),
        admin_unit="봉동읍",
    )
    april = OutreachSessionFactory(held_on=dt.date(2023, 4, 5), site=hall)

    def ids(**query: Any) -> list[int]:
        response = counselor_client.get(URL, query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids(held_after="2023-04-01") == [april.pk]
    assert ids(held_before="2023-04-05") == [march.pk]
    assert ids(region="wanju") == [april.pk]
    assert ids(site=march.site_id) == [march.pk]
    assert ids(partner=hall.organization_id) == [april.pk]
    assert counselor_client.get(detail(april.pk)).json()["is_rural"] is True


# --- roles -----------------------------------------------------------------------------------


def test_a_coordinator_reads_sessions_but_does_not_write_them(coordinator_api: APIClient) -> None:
    session = OutreachSessionFactory()

    assert coordinator_api.get(URL).status_code == 200
    assert coordinator_api.get(detail(session.pk)).status_code == 200
    created = coordinator_api.post(URL, payload(OutreachSiteFactory()), format="json")
    changed = coordinator_api.patch(detail(session.pk), {"attendees": 1}, format="json")
    deleted = coordinator_api.delete(detail(session.pk))

    assert (created.status_code, changed.status_code, deleted.status_code) == (403, 403, 403)
    assert OutreachSession.objects.get().attendees == 10


@pytest.mark.parametrize("client", ["manager_api", "caregiver_api"])
def test_managers_and_caregivers_reach_no_session_or_site(
    request: pytest.FixtureRequest, client: str
) -> None:
    session = OutreachSessionFactory()
    api: APIClient = request.getfixturevalue(client)

    for response in (
        api.get(URL),
        api.get(detail(session.pk)),
        api.post(URL, payload(session.site, held_on="2023-03-16"), format="json"),
        api.get(SITES),
    ):
        assert response.status_code == 403, response.content
    assert OutreachSession.objects.count() == 1


def test_an_anonymous_caller_is_refused(api: APIClient) -> None:
    session = OutreachSessionFactory()

    for response in (
        api.get(URL),
        api.get(detail(session.pk)),
        api.post(URL, payload(session.site, held_on="2023-03-16"), format="json"),
        api.delete(detail(session.pk)),
        api.get(SITES),
    ):
        assert response.status_code in (401, 403), response.content
    assert OutreachSession.objects.count() == 1


def test_a_session_that_is_not_there_is_a_404(counselor_client: APIClient) -> None:
    session = OutreachSessionFactory()
    gone = session.pk + 1000

    assert counselor_client.get(detail(gone)).status_code == 404
    assert counselor_client.patch(detail(gone), {"attendees": 1}, format="json").status_code == 404
    assert counselor_client.delete(detail(gone)).status_code == 404


def test_an_account_with_the_permission_but_no_desk_role_sees_no_session() -> None:
    # given an account handed the view permission directly, without a desk role
    from django.contrib.auth.models import Permission

    user = UserFactory(username="odd")
    user.user_permissions.add(Permission.objects.get(codename="view_outreachsession"))
    session = OutreachSessionFactory()

    # then the endpoint answers, but with no row: another role's records are not its own
    api = client_for(user)
    assert api.get(URL).json()["results"] == []
    assert api.get(detail(session.pk)).status_code == 404


# --- query counts ----------------------------------------------------------------------------


def test_the_session_list_takes_the_same_queries_for_3_or_30_rows(
    counselor_client: APIClient,
) -> None:
    # given 30 sessions at different sites, each with two staff and two consultations
    extra = UserFactory(username="counselor2", roles=["counselor"])
    for n in range(30):
        session = OutreachSessionFactory(held_on=dt.date(2023, 1, 1) + dt.timedelta(days=n))
        session.staff.add(extra)
        held_at_session(session, 10)
        held_at_session(session, 11)
    counselor_client.get(URL, {"page_size": 1})  # warm the permission cache

    with CaptureQueriesContext(connection) as small:
        small_page = counselor_client.get(URL, {"page_size": 3})
    with CaptureQueriesContext(connection) as large:
        large_page = counselor_client.get(URL, {"page_size": 30})

    assert len(small_page.json()["results"]) == 3
    assert len(large_page.json()["results"]) == 30
    assert all(row["consultation_count"] == 2 for row in large_page.json()["results"])
    assert all(len(row["staff"]) == 2 for row in large_page.json()["results"])
    assert len(large) == len(small), [query["sql"] for query in large.captured_queries]


def test_the_site_list_takes_the_same_queries_for_3_or_30_rows(
    counselor_client: APIClient,
) -> None:
    OutreachSiteFactory.create_batch(30)
    counselor_client.get(SITES, {"page_size": 1})

    with CaptureQueriesContext(connection) as small:
        counselor_client.get(SITES, {"page_size": 3})
    with CaptureQueriesContext(connection) as large:
        large_page = counselor_client.get(SITES, {"page_size": 30})

    assert len(large_page.json()["results"]) == 30
    assert len(large) == len(small)


# --- sites -----------------------------------------------------------------------------------


def test_a_sites_rural_flag_follows_its_admin_unit_and_cannot_be_typed(
    counselor_client: APIClient,
) -> None:
    # when a counselor registers a 마을회관 in a 면 and claims it urban
    response = counselor_client.post(
        SITES,
        {
            "name": "신리경로당",
            "kind": "village_hall",
            "region": "wanju",
            "admin_unit": "상관면",
            "is_rural": False,
        },
        format="json",
    )

    # then the 면 makes it rural; moved to a 동 it is urban
    assert response.status_code == 201, response.content
    assert response.json()["is_rural"] is True
    moved = counselor_client.patch(
        f"{SITES}{response.json()['id']}/", {"admin_unit": "효자동"}, format="json"
    )
    assert moved.json()["is_rural"] is False


def test_a_site_without_region_or_with_a_taken_name_is_a_400(counselor_client: APIClient) -> None:
    OutreachSiteFactory(name="군상마을회관", region=region("jinan"), admin_unit="진안읍")

    no_region = counselor_client.post(
        SITES, {"name": "어딘가", "kind": "other", "admin_unit": "진안읍"}, format="json"
    )
    taken = counselor_client.post(
        SITES,
        {"name": "군상마을회관", "kind": "village_hall", "region": "jinan", "admin_unit": "진안읍"},
        format="json",
    )

    assert no_region.status_code == 400 and "region" in no_region.json()
    assert taken.status_code == 400 and "name" in taken.json()
    assert OutreachSite.objects.count() == 1


def test_a_coordinator_reads_sites_but_does_not_add_them(coordinator_api: APIClient) -> None:
    OutreachSiteFactory()

    assert coordinator_api.get(SITES).status_code == 200
    response = coordinator_api.post(
        SITES, {"name": "x", "kind": "other", "region": "jeonju", "admin_unit": "효자동"}
    )
    assert response.status_code == 403
