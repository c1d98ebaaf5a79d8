"""/api/v1/resources/ and /api/v1/organizations/: the welfare resource directory over the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from consultations.models import Organization, WelfareResource
from tests.conftest import client_for
from tests.consultations.factories import (
    OrganizationFactory,
    PartnerOrganizationFactory,
    WelfareResourceFactory,
    category,
    target_group,
)
from tests.factories import UserFactory, region

pytestmark = pytest.mark.django_db

URL = "/api/v1/resources/"
ORGANIZATIONS = "/api/v1/organizations/"


def detail(resource: WelfareResource) -> str:
    return f"{URL}{resource.pk}/"


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["results"]]


def new_resource(owner: Organization, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "장수 긴급돌봄지원",
        "organization": owner.pk,
        "category": "care_emergency",
        "target_groups": ["elderly", "disabled"],
        "regions": ["jangsu"],
        "eligibility": "갑작스러운 질병·부상으로 혼자 지내기 어려운 도민",
        "description": "퇴원 후 일상생활이 어려운 분께 최대 30일 돌봄을 제공합니다.",
        "phone": "063-350-1234",
        "how_to_apply": "전화 신청",
        "fee": "무료",
        "assured_date": timezone.localdate().isoformat(),
    }
    body.update(overrides)
    return body


# --- reading ----------------------------------------------------------------------------------


def test_a_counselor_lists_resources_with_codes_and_the_organization(
    counselor_api: APIClient,
) -> None:
    # given
    organization = OrganizationFactory(name="장수군노인복지관")
    WelfareResourceFactory(
        name="노인맞춤돌봄서비스",
        organization=organization,
        category=category("care_home"),
        regions=[region("jangsu"), region("jinan")],
        target_groups=[target_group("elderly"), target_group("low_income")],
    )

    # when
    response = counselor_api.get(URL)

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["organization"] == organization.pk
    assert item["organization_name"] == "장수군노인복지관"
    assert item["category"] == "care_home"
    assert item["category_name"] == "재가돌봄"
    assert sorted(item["regions"]) == ["jangsu", "jinan"]
    assert sorted(item["target_groups"]) == ["elderly", "low_income"]
    assert item["status"] == "active"
    assert item["needs_review"] is False
    assert "search_text" not in item


def test_search_finds_a_two_syllable_word_inside_a_name(counselor_api: APIClient) -> None:
    WelfareResourceFactory(name="긴급돌봄지원", category=category("living_income"))
    WelfareResourceFactory(name="무료급식", category=category("living_meal"))

    assert names(counselor_api.get(URL, {"search": "돌봄"})) == ["긴급돌봄지원"]


def test_search_finds_the_resources_of_a_county_by_its_name(counselor_api: APIClient) -> None:
    WelfareResourceFactory(name="방문목욕", regions=[region("jangsu")])
    WelfareResourceFactory(name="방문간호", regions=[region("gunsan")])

    assert names(counselor_api.get(URL, {"search": "장수"})) == ["방문목욕"]


def test_search_puts_name_matches_before_eligibility_matches(counselor_api: APIClient) -> None:
    WelfareResourceFactory(
        name="가 무료급식", category=category("living_meal"), eligibility="치매 어르신 가족"
    )
    WelfareResourceFactory(name="하 치매안심 쉼터", category=category("health_mental"))

    assert names(counselor_api.get(URL, {"search": "치매"})) == ["하 치매안심 쉼터", "가 무료급식"]


def test_an_explicit_ordering_replaces_the_search_ranking(counselor_api: APIClient) -> None:
    WelfareResourceFactory(
        name="가 무료급식", category=category("living_meal"), eligibility="치매 어르신 가족"
    )
    WelfareResourceFactory(name="하 치매안심 쉼터", category=category("health_mental"))

    response = counselor_api.get(URL, {"search": "치매", "ordering": "-name"})

    assert names(response) == ["하 치매안심 쉼터", "가 무료급식"]
    response = counselor_api.get(URL, {"search": "치매", "ordering": "name"})
    assert names(response) == ["가 무료급식", "하 치매안심 쉼터"]


def test_a_counselor_reads_one_resource(counselor_api: APIClient) -> None:
    resource = WelfareResourceFactory(name="방문간호", assured_date=None)

    response = counselor_api.get(detail(resource))

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "방문간호"
    assert response.json()["needs_review"] is True


def test_an_unknown_resource_is_404(counselor_api: APIClient) -> None:
    assert counselor_api.get(f"{URL}999999/").status_code == 404
    assert counselor_api.patch(f"{URL}999999/", {"fee": "무료"}, format="json").status_code == 404
    assert counselor_api.get(f"{ORGANIZATIONS}999999/").status_code == 404


# --- filters ----------------------------------------------------------------------------------


def test_the_region_filter_includes_province_wide_resources_once_each(
    counselor_api: APIClient,
) -> None:
    # given
    WelfareResourceFactory(name="장수 방문목욕", regions=[region("jangsu")])
    WelfareResourceFactory(name="장수·진안 이동지원", regions=[region("jangsu"), region("jinan")])
    WelfareResourceFactory(name="도 전역 정신건강상담", province_wide=True, regions=[])
    WelfareResourceFactory(name="군산 방문간호", regions=[region("gunsan")])

    # when
    response = counselor_api.get(URL, {"region": "jangsu"})

    # then
    assert sorted(names(response)) == [
        "도 전역 정신건강상담",
        "장수 방문목욕",
        "장수·진안 이동지원",
    ]
    assert response.json()["count"] == 3


def test_the_category_filter_includes_the_categorys_children(counselor_api: APIClient) -> None:
    WelfareResourceFactory(name="긴급돌봄지원", category=category("care_emergency"))
    WelfareResourceFactory(name="아이돌봄", category=category("care_child"))
    WelfareResourceFactory(name="돌봄 안내", category=category("care"))
    WelfareResourceFactory(name="정신건강상담", category=category("health_mental"))

    assert sorted(names(counselor_api.get(URL, {"category": "care"}))) == [
        "긴급돌봄지원",
        "돌봄 안내",
        "아이돌봄",
    ]
    assert names(counselor_api.get(URL, {"category": "care_child"})) == ["아이돌봄"]


def test_the_target_group_filter_finds_resources_for_that_group(counselor_api: APIClient) -> None:
    WelfareResourceFactory(
        name="장애인활동지원", target_groups=[target_group("disabled"), target_group("elderly")]
    )
    WelfareResourceFactory(name="아동돌봄", target_groups=[target_group("child")])

    assert names(counselor_api.get(URL, {"target_group": "disabled"})) == ["장애인활동지원"]
    assert names(counselor_api.get(URL, {"target_group": "youth"})) == []


def test_the_status_filter_finds_resources_in_that_status(counselor_api: APIClient) -> None:
    WelfareResourceFactory(name="운영 중")
    WelfareResourceFactory(name="일시 중단", status=WelfareResource.Status.TEMPORARILY_CLOSED)
    WelfareResourceFactory(name="폐지됨", status=WelfareResource.Status.DEFUNCT)

    assert names(counselor_api.get(URL, {"status": "temporarily_closed"})) == ["일시 중단"]
    assert names(counselor_api.get(URL, {"status": "defunct"})) == ["폐지됨"]


def test_modified_after_returns_resources_changed_since_then(counselor_api: APIClient) -> None:
    # given
    old = WelfareResourceFactory(name="예전 자원")
    WelfareResourceFactory(name="새 자원")
    long_ago = timezone.now() - dt.timedelta(days=30)
    WelfareResource.objects.filter(pk=old.pk).update(updated_at=long_ago)
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()

    # when
    response = counselor_api.get(URL, {"modified_after": since, "ordering": "updated_at,id"})

    # then
    assert names(response) == ["새 자원"]
    assert sorted(names(counselor_api.get(URL, {"modified_after": long_ago.isoformat()}))) == [
        "새 자원",
        "예전 자원",
    ]


def test_needs_review_finds_resources_unconfirmed_for_a_year(counselor_api: APIClient) -> None:
    today = timezone.localdate()
    WelfareResourceFactory(name="미확인", assured_date=None)
    WelfareResourceFactory(name="오래됨", assured_date=today - dt.timedelta(days=400))
    WelfareResourceFactory(name="최근", assured_date=today - dt.timedelta(days=10))

    stale = counselor_api.get(URL, {"needs_review": "true"})
    fresh = counselor_api.get(URL, {"needs_review": "false"})

    assert sorted(names(stale)) == ["미확인", "오래됨"]
    assert all(item["needs_review"] for item in stale.json()["results"])
    assert names(fresh) == ["최근"]


def test_the_organization_filter_finds_that_organizations_resources(
    counselor_api: APIClient,
) -> None:
    mine = OrganizationFactory(name="무주군보건소")
    WelfareResourceFactory(name="방문간호", organization=mine)
    WelfareResourceFactory(name="무료급식")

    assert names(counselor_api.get(URL, {"organization": mine.pk})) == ["방문간호"]


def test_filters_combine_with_the_search(counselor_api: APIClient) -> None:
    WelfareResourceFactory(name="장수 아동돌봄", regions=[region("jangsu")])
    WelfareResourceFactory(
        name="장수 긴급돌봄", regions=[region("jangsu")], status=WelfareResource.Status.INACTIVE
    )
    WelfareResourceFactory(name="군산 아동돌봄", regions=[region("gunsan")])

    response = counselor_api.get(URL, {"search": "돌봄", "region": "jangsu", "status": "active"})

    assert names(response) == ["장수 아동돌봄"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"region": "seoul"}, "region"),
        ({"category": "no_such_category"}, "category"),
        ({"target_group": "aliens"}, "target_group"),
        ({"status": "closed_forever"}, "status"),
        ({"organization": "abc"}, "organization"),
        ({"organization": "999999"}, "organization"),
        ({"modified_after": "yesterday"}, "modified_after"),
        ({"search": "돌" * 101}, "search"),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_the_filter(
    counselor_api: APIClient, params: dict[str, str], field: str
) -> None:
    response = counselor_api.get(URL, params)

    assert response.status_code == 400, response.content
    assert field in response.json()


def test_the_list_costs_the_same_queries_for_3_or_30_resources(counselor_api: APIClient) -> None:
    def make(count: int) -> None:
        for _ in range(count):
            WelfareResourceFactory(
                organization=OrganizationFactory(),
                regions=[region("jangsu"), region("jinan")],
                target_groups=[target_group("elderly"), target_group("disabled")],
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = counselor_api.get(URL, {"page_size": 50, "search": "자원"})
        assert response.status_code == 200, response.content
        return len(captured)

    make(3)
    counselor_api.get(URL)  # the user's permissions are cached after the first request
    few = queries()
    make(27)
    many = queries()

    assert counselor_api.get(URL, {"page_size": 50}).json()["count"] == 30
    assert many == few


# --- writing ----------------------------------------------------------------------------------


def test_a_counselor_adds_a_resource_and_it_is_found_by_search(counselor_api: APIClient) -> None:
    # given
    organization = OrganizationFactory(name="장수군사회복지협의회")

    # when
    response = counselor_api.post(URL, new_resource(organization), format="json")

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "장수 긴급돌봄지원"
    assert body["organization_name"] == "장수군사회복지협의회"
    assert body["regions"] == ["jangsu"]
    assert sorted(body["target_groups"]) == ["disabled", "elderly"]
    assert body["needs_review"] is False
    resource = WelfareResource.objects.get(pk=body["id"])
    assert "장수군사회복지협의회" in resource.search_text
    assert "장수군" in resource.search_text
    assert names(counselor_api.get(URL, {"search": "돌봄"})) == ["장수 긴급돌봄지원"]


def test_a_counselor_changes_a_resource_and_its_search_text_follows(
    counselor_api: APIClient,
) -> None:
    # given
    resource = WelfareResourceFactory(name="방문목욕", regions=[region("jeonju")])

    # when
    response = counselor_api.patch(
        detail(resource),
        {"name": "찾아가는 방문목욕", "regions": ["muju"], "status": "temporarily_closed"},
        format="json",
    )

    # then
    assert response.status_code == 200, response.content
    assert response.json()["regions"] == ["muju"]
    assert response.json()["status"] == "temporarily_closed"
    resource.refresh_from_db()
    assert resource.search_text.startswith("찾아가는 방문목욕")
    assert "무주군" in resource.search_text
    assert "전주시" not in resource.search_text
    assert names(counselor_api.get(URL, {"search": "무주"})) == ["찾아가는 방문목욕"]


def test_a_patch_leaves_the_fields_it_does_not_name(counselor_api: APIClient) -> None:
    resource = WelfareResourceFactory(
        name="방문간호",
        regions=[region("jangsu")],
        target_groups=[target_group("elderly")],
        eligibility="만 65세 이상",
    )

    response = counselor_api.patch(detail(resource), {"fee": "일부 본인부담"}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["fee"] == "일부 본인부담"
    assert body["regions"] == ["jangsu"]
    assert body["target_groups"] == ["elderly"]
    assert body["eligibility"] == "만 65세 이상"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "no_such_category"}, "category"),
        ({"regions": ["seoul"]}, "regions"),
        ({"regions": "jangsu"}, "regions"),
        ({"target_groups": ["aliens"]}, "target_groups"),
        ({"organization": 999999}, "organization"),
        ({"organization": "장수군"}, "organization"),
        ({"status": "closed_forever"}, "status"),
        ({"province_wide": "sometimes"}, "province_wide"),
        ({"assured_date": "not a date"}, "assured_date"),
        ({"assured_date": "2999-01-01"}, "assured_date"),
        ({"name": ""}, "name"),
        ({"eligibility": "대상자 800101-1234567 확인"}, "eligibility"),
    ],
)
def test_bad_resource_input_is_a_400_naming_the_field(
    counselor_api: APIClient, overrides: dict[str, Any], field: str
) -> None:
    body = new_resource(OrganizationFactory(), **overrides)

    response = counselor_api.post(URL, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not WelfareResource.objects.exists()


def test_the_same_name_twice_at_one_organization_is_a_400(counselor_api: APIClient) -> None:
    organization = OrganizationFactory()
    WelfareResourceFactory(name="장수 긴급돌봄지원", organization=organization)

    response = counselor_api.post(URL, new_resource(organization), format="json")

    assert response.status_code == 400, response.content
    assert WelfareResource.objects.count() == 1


def test_resources_are_retired_by_status_not_deleted(counselor_api: APIClient) -> None:
    resource = WelfareResourceFactory()

    assert counselor_api.delete(detail(resource)).status_code == 405
    assert counselor_api.put(detail(resource), {}, format="json").status_code == 405
    assert WelfareResource.objects.filter(pk=resource.pk).exists()


# --- who may use it ---------------------------------------------------------------------------


def test_an_anonymous_caller_is_refused(api: APIClient) -> None:
    resource = WelfareResourceFactory()

    assert api.get(URL).status_code in (401, 403)
    assert api.get(detail(resource)).status_code in (401, 403)
    assert api.get(ORGANIZATIONS).status_code in (401, 403)
    assert api.post(URL, {}, format="json").status_code in (401, 403)


def test_caregivers_and_managers_have_no_access_to_the_directory(
    caregiver_api: APIClient, manager_api: APIClient
) -> None:
    resource = WelfareResourceFactory()

    for client in (caregiver_api, manager_api):
        assert client.get(URL).status_code == 403
        assert client.get(detail(resource)).status_code == 403
        assert client.get(ORGANIZATIONS).status_code == 403
        body = new_resource(resource.organization, name="새 자원")
        assert client.post(URL, body, format="json").status_code == 403
    assert WelfareResource.objects.count() == 1


def test_reading_without_writing_follows_the_roles_view_permission() -> None:
    # given: a user holding only the view permissions, as a read-only role would
    user = UserFactory(username="reader1")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="consultations",
            codename__in=["view_welfareresource", "view_organization"],
        )
    )
    client = client_for(user)
    resource = WelfareResourceFactory()

    # then
    assert client.get(URL).status_code == 200
    assert client.get(ORGANIZATIONS).status_code == 200
    response = client.patch(detail(resource), {"fee": "무료"}, format="json")
    assert response.status_code == 403


# --- organizations ----------------------------------------------------------------------------


def test_a_counselor_registers_a_partner_organization_with_its_mou_date(
    counselor_api: APIClient,
) -> None:
    body = {
        "name": "전북대학교병원",
        "kind": "hospital",
        "region": "jeonju",
        "phone": "063-250-1114",
        "website": "https://www.jbuh.co.kr",
        "is_partner": True,
        "mou_date": "2023-04-12",
    }

    response = counselor_api.post(ORGANIZATIONS, body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["region"] == "jeonju"
    assert response.json()["is_partner"] is True
    assert response.json()["mou_date"] == "2023-04-12"


def test_a_partner_without_an_mou_date_is_a_400(counselor_api: APIClient) -> None:
    body = {"name": "군산의료원", "kind": "hospital", "is_partner": True}

    response = counselor_api.post(ORGANIZATIONS, body, format="json")

    assert response.status_code == 400, response.content
    assert "mou_date" in response.json()


def test_making_an_organization_a_partner_needs_the_mou_date(counselor_api: APIClient) -> None:
    organization = OrganizationFactory()
    url = f"{ORGANIZATIONS}{organization.pk}/"

    refused = counselor_api.patch(url, {"is_partner": True}, format="json")
    accepted = counselor_api.patch(
        url, {"is_partner": True, "mou_date": "2023-05-01"}, format="json"
    )

    assert refused.status_code == 400 and "mou_date" in refused.json()
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["is_partner"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "새 기관", "region": "seoul"}, "region"),
        ({"name": "새 기관", "kind": "ministry"}, "kind"),
        ({"name": "새 기관", "website": "not a url"}, "website"),
        ({"name": "새 기관", "mou_date": "someday"}, "mou_date"),
        ({"name": "새 기관", "notes": "대표 800101-1234567"}, "notes"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_organization_input_is_a_400_naming_the_field(
    counselor_api: APIClient, body: dict[str, Any], field: str
) -> None:
    response = counselor_api.post(ORGANIZATIONS, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()


def test_renaming_an_organization_through_the_api_updates_its_resources_search_text(
    counselor_api: APIClient,
) -> None:
    organization = OrganizationFactory(name="행복재가센터")
    WelfareResourceFactory(name="방문요양", organization=organization)

    response = counselor_api.patch(
        f"{ORGANIZATIONS}{organization.pk}/", {"name": "희망나눔센터"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert names(counselor_api.get(URL, {"search": "희망나눔"})) == ["방문요양"]


def test_organizations_filter_by_kind_region_partnership_and_name(
    counselor_api: APIClient,
) -> None:
    PartnerOrganizationFactory(name="장수군사회복지협의회", region=region("jangsu"))
    OrganizationFactory(name="장수군보건소", kind=Organization.Kind.PUBLIC, region=region("jangsu"))
    OrganizationFactory(name="군산의료원", kind=Organization.Kind.HOSPITAL, region=region("gunsan"))

    assert names(counselor_api.get(ORGANIZATIONS, {"is_partner": "true"})) == [
        "장수군사회복지협의회"
    ]
    assert names(counselor_api.get(ORGANIZATIONS, {"kind": "hospital"})) == ["군산의료원"]
    assert names(counselor_api.get(ORGANIZATIONS, {"region": "jangsu"})) == [
        "장수군보건소",
        "장수군사회복지협의회",
    ]
    assert names(counselor_api.get(ORGANIZATIONS, {"search": "보건"})) == ["장수군보건소"]
    assert counselor_api.get(ORGANIZATIONS, {"region": "seoul"}).status_code == 400
    assert counselor_api.get(ORGANIZATIONS, {"kind": "ministry"}).status_code == 400
