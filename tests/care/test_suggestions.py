"""Suggested corps members for a recipient: the ranking, its reasons, and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from care.matching import Suggestion, corps_member_suggestions
from care.models import Recipient
from tests.conftest import client_for
from tests.factories import (
    AssignmentFactory,
    CorpsMemberFactory,
    RecipientFactory,
    UserFactory,
    program,
    region,
    service_type,
)
from volunteers.models import CorpsMember, weekdays_to_mask

pytestmark = pytest.mark.django_db

NEEDS = ["housework", "meal", "safety_check"]


def url(recipient_id: int) -> str:
    return f"/api/v1/recipients/{recipient_id}/suggested-volunteers/"


def recipient_in(region_code: str = "jangsu", needs: list[str] = NEEDS) -> Recipient:
    recipient = RecipientFactory(region=region(region_code), admin_unit="장수읍")
    recipient.needs.set([service_type(code) for code in needs])
    return recipient


def member(
    name: str,
    *,
    region_code: str = "jangsu",
    gives: list[str] = NEEDS,
    weekdays: list[str] | None = None,
    current_recipients: int = 0,
    **fields: Any,
) -> CorpsMember:
    corps_member = CorpsMemberFactory(
        name=name,
        region=region(region_code),
        available_days=weekdays_to_mask(weekdays or ["mon", "tue", "wed", "thu", "fri"]),
        **fields,
    )
    corps_member.service_types.set([service_type(code) for code in gives])
    for _ in range(current_recipients):
        AssignmentFactory(corps_member=corps_member)
    return corps_member


def names(suggestions: list[Suggestion]) -> list[str]:
    return [suggestion.corps_member.name for suggestion in suggestions]


# --- ranking -------------------------------------------------------------------------------


def test_a_member_who_gives_none_of_the_needs_ranks_below_those_who_give_it() -> None:
    # given a recipient who needs one service, a member here who cannot give it and a member
    # elsewhere who can
    recipient = recipient_in("jangsu", needs=["housework"])
    member("장수무관", region_code="jangsu", gives=["meal"])
    member("전주가사", region_code="jeonju", gives=["housework"])

    # when the board is asked
    suggestions = corps_member_suggestions(recipient=recipient)

    # then the one who can do the work leads; the neighbour who cannot comes after
    assert names(suggestions) == ["전주가사", "장수무관"]
    assert [(s.covered_needs, s.needs_total) for s in suggestions] == [(1, 1), (0, 1)]


def test_coverage_of_the_needs_comes_before_the_region() -> None:
    # given a member elsewhere who gives everything and one here who gives one service
    recipient = recipient_in("jangsu")
    member("전주단원", region_code="jeonju")
    member("장수단원", region_code="jangsu", gives=["housework"])

    # when the board is asked
    suggestions = corps_member_suggestions(recipient=recipient)

    # then the member who covers more of the needs leads
    assert names(suggestions) == ["전주단원", "장수단원"]
    assert [s.same_region for s in suggestions] == [False, True]


def test_among_equal_coverage_a_member_of_the_same_region_comes_first() -> None:
    recipient = recipient_in("jangsu")
    member("전주단원", region_code="jeonju", gives=["housework"])
    member("장수단원", region_code="jangsu", gives=["meal"])

    suggestions = corps_member_suggestions(recipient=recipient)

    assert names(suggestions) == ["장수단원", "전주단원"]


def test_full_coverage_of_the_needs_comes_before_partial_coverage() -> None:
    recipient = recipient_in()
    member("가부분", gives=["housework", "meal"])
    member("나전부", gives=NEEDS)
    member("다하나", gives=["meal", "personal_care"])

    suggestions = corps_member_suggestions(recipient=recipient)

    assert names(suggestions) == ["나전부", "가부분", "다하나"]
    assert [(s.covered_needs, s.needs_total) for s in suggestions] == [(3, 3), (2, 3), (1, 3)]
    assert [s.covers_all_needs for s in suggestions] == [True, False, False]


def test_among_equals_the_member_with_fewer_current_recipients_comes_first() -> None:
    recipient = recipient_in()
    member("가바쁨", current_recipients=2)
    member("나한가", current_recipients=0)
    member("다보통", current_recipients=1)

    suggestions = corps_member_suggestions(recipient=recipient)

    assert names(suggestions) == ["나한가", "다보통", "가바쁨"]
    assert [s.current_recipients for s in suggestions] == [0, 1, 2]


def test_ended_assignments_do_not_count_as_current_recipients() -> None:
    recipient = recipient_in()
    busy = member("지난배정")
    AssignmentFactory(
        corps_member=busy, starts_on=dt.date(2023, 1, 15), ends_on=dt.date(2023, 2, 15)
    )

    (suggestion,) = corps_member_suggestions(recipient=recipient)

    assert suggestion.current_recipients == 0


def test_one_recipient_with_two_assignments_counts_once() -> None:
    recipient = recipient_in()
    busy = member("두사업")
    other = RecipientFactory()
    AssignmentFactory(corps_member=busy, recipient=other)
    AssignmentFactory(
        corps_member=busy,
        recipient=other,
        program=program("rural_gap_care"),
    )

    (suggestion,) = corps_member_suggestions(recipient=recipient)

    assert suggestion.current_recipients == 1


def test_members_free_on_every_wanted_weekday_come_first() -> None:
    # given one member free on Monday only and one free Monday to Friday
    recipient = recipient_in()
    member("가월요일", weekdays=["mon"])
    member("나평일", weekdays=["mon", "tue", "wed", "thu", "fri"])

    # when Monday and Wednesday are wanted
    suggestions = corps_member_suggestions(recipient=recipient, weekdays=["mon", "wed"])

    # then the one free on both comes first; the other stays on the board, marked unavailable
    assert names(suggestions) == ["나평일", "가월요일"]
    assert [s.available for s in suggestions] == [True, False]
    assert "수 활동 불가" in suggestions[1].reasons


def test_without_weekdays_every_member_counts_as_available() -> None:
    recipient = recipient_in()
    member("주말만", weekdays=["sat", "sun"])

    (suggestion,) = corps_member_suggestions(recipient=recipient)

    assert suggestion.available is True
    assert "활동 가능 요일: 토·일" in suggestion.reasons


def test_availability_ranks_below_needs_and_above_load() -> None:
    recipient = recipient_in()
    member("가한가불가", weekdays=["mon"], current_recipients=0)
    member("나바쁨가능", weekdays=["wed"], current_recipients=3)
    member("다부분가능", weekdays=["wed"], gives=["meal"])

    suggestions = corps_member_suggestions(recipient=recipient, weekdays=["wed"])

    assert names(suggestions) == ["나바쁨가능", "가한가불가", "다부분가능"]


def test_members_on_leave_or_gone_are_not_suggested() -> None:
    recipient = recipient_in()
    member("활동중")
    member("휴직중", status=CorpsMember.Status.ON_LEAVE)
    member("퇴직함", status=CorpsMember.Status.LEFT, left_on=dt.date(2023, 6, 30))

    suggestions = corps_member_suggestions(recipient=recipient)

    assert names(suggestions) == ["활동중"]


def test_members_already_assigned_to_the_recipient_are_not_suggested() -> None:
    recipient = recipient_in()
    assigned = member("배정됨")
    member("새단원")
    AssignmentFactory(corps_member=assigned, recipient=recipient)

    suggestions = corps_member_suggestions(recipient=recipient)

    assert names(suggestions) == ["새단원"]


def test_a_member_whose_assignment_to_the_recipient_ended_is_suggested_again() -> None:
    recipient = recipient_in()
    former = member("예전단원")
    AssignmentFactory(
        corps_member=former,
        recipient=recipient,
        starts_on=dt.date(2023, 1, 15),
        ends_on=dt.date(2023, 3, 31),
    )

    suggestions = corps_member_suggestions(recipient=recipient)

    assert names(suggestions) == ["예전단원"]


def test_the_limit_cuts_the_ranked_list() -> None:
    recipient = recipient_in()
    for index in range(5):
        member(f"단원{index}", current_recipients=0)

    suggestions = corps_member_suggestions(recipient=recipient, limit=2)

    assert names(suggestions) == ["단원0", "단원1"]


def test_each_suggestion_says_why_in_korean() -> None:
    recipient = recipient_in("jangsu")
    member("장수단원", region_code="jangsu", weekdays=["mon", "wed", "fri"], current_recipients=2)

    (suggestion,) = corps_member_suggestions(recipient=recipient, weekdays=["mon", "wed"])

    assert suggestion.reasons == [
        "같은 시·군(장수군)",
        "필요 서비스 3개 중 3개 제공 가능",
        "월·수 활동 가능",
        "현재 담당 대상자 2명",
    ]


def test_a_member_elsewhere_is_told_apart_by_region_name() -> None:
    recipient = recipient_in("jangsu", needs=[])
    member("전주단원", region_code="jeonju")

    (suggestion,) = corps_member_suggestions(recipient=recipient)

    assert suggestion.reasons[:2] == ["다른 시·군(전주시)", "등록된 필요 서비스 없음"]


def test_the_ranking_costs_the_same_queries_for_3_or_30_members() -> None:
    # given a recipient and 3 members, then 27 more, each with service types and load
    recipient = recipient_in()

    def add_members(count: int) -> None:
        for index in range(count):
            member(f"단원{CorpsMember.objects.count()}-{index}", current_recipients=index % 3)

    def queries_for_the_board() -> int:
        with CaptureQueriesContext(connection) as queries:
            suggestions = corps_member_suggestions(recipient=recipient, limit=50)
            for suggestion in suggestions:
                list(suggestion.corps_member.service_types.all())
        return len(queries)

    add_members(3)
    few = queries_for_the_board()
    add_members(27)

    # then the number of queries does not grow with the corps
    assert queries_for_the_board() == few
    assert few <= 3


# --- the API -------------------------------------------------------------------------------


def test_coordinator_gets_the_ranked_list(coordinator_api: APIClient) -> None:
    recipient = recipient_in("jangsu")
    member("전주단원", region_code="jeonju")
    member("장수바쁨", current_recipients=1)
    here = member("장수한가", weekdays=["mon", "wed"])

    response = coordinator_api.get(url(recipient.pk), {"weekdays": "mon,wed"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert [row["corps_member"]["name"] for row in body] == ["장수한가", "장수바쁨", "전주단원"]
    assert sorted(body[0]["corps_member"].pop("service_types")) == sorted(NEEDS)
    assert body[0] == {
        "corps_member": {
            "id": here.pk,
            "name": "장수한가",
            "region": "jangsu",
            "phone": here.phone,
            "available_weekdays": ["mon", "wed"],
        },
        "same_region": True,
        "covered_needs": 3,
        "needs_total": 3,
        "available": True,
        "current_recipients": 0,
        "reasons": [
            "같은 시·군(장수군)",
            "필요 서비스 3개 중 3개 제공 가능",
            "월·수 활동 가능",
            "현재 담당 대상자 0명",
        ],
    }


def test_the_api_honours_the_limit(coordinator_api: APIClient) -> None:
    recipient = recipient_in()
    for index in range(3):
        member(f"단원{index}")

    response = coordinator_api.get(url(recipient.pk), {"limit": 2})

    assert response.status_code == 200
    assert len(response.json()) == 2


@pytest.mark.parametrize("role", ["caregiver", "manager", "counselor"])
def test_other_roles_are_refused(role: str) -> None:
    recipient = recipient_in()
    client = client_for(UserFactory(username=f"{role}-x", roles=[role]))

    response = client.get(url(recipient.pk))

    assert response.status_code == 403


def test_the_assigned_caregiver_is_refused_too(caregiver_api: APIClient, caregiver: Any) -> None:
    response = caregiver_api.get(url(caregiver.assigned_recipient.pk))

    assert response.status_code == 403


def test_anonymous_is_refused(api: APIClient) -> None:
    recipient = recipient_in()

    response = api.get(url(recipient.pk))

    assert response.status_code in {401, 403}


def test_an_unknown_recipient_is_404(coordinator_api: APIClient) -> None:
    response = coordinator_api.get(url(999_999))

    assert response.status_code == 404


@pytest.mark.parametrize("weekdays", ["mon,xyz", "monday", "월"])
def test_an_unknown_weekday_is_a_400_on_the_field(
    coordinator_api: APIClient, weekdays: str
) -> None:
    recipient = recipient_in()

    response = coordinator_api.get(url(recipient.pk), {"weekdays": weekdays})

    assert response.status_code == 400
    assert list(response.json()) == ["weekdays"]


@pytest.mark.parametrize("limit", ["0", "51", "many"])
def test_a_bad_limit_is_a_400_on_the_field(coordinator_api: APIClient, limit: str) -> None:
    recipient = recipient_in()

    response = coordinator_api.get(url(recipient.pk), {"limit": limit})

    assert response.status_code == 400
    assert list(response.json()) == ["limit"]


def test_the_schema_documents_the_endpoint(coordinator_api: APIClient) -> None:
    response = coordinator_api.get("/api/v1/schema/", {"format": "json"})

    operation = response.json()["paths"]["/api/v1/recipients/{id}/suggested-volunteers/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"id", "weekdays", "limit"}
    assert set(operation["responses"]) >= {"200", "400", "403", "404"}
