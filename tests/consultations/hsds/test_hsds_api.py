"""The HSDS API's behaviour: what is published (and what never is), how the directory maps to
HSDS, stable ids, filters, paging, errors and a fixed number of queries per list."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from consultations import services
from consultations.hsds import serializers as hsds
from consultations.models import EligibilityTag, Organization, WelfareResource
from tests.consultations.factories import (
    OrganizationFactory,
    PartnerOrganizationFactory,
    WelfareResourceFactory,
    category,
    target_group,
)
from tests.consultations.hsds.schemas import errors
from tests.factories import region

pytestmark = pytest.mark.django_db

# Published ids must never change: these are pinned as literals, not recomputed.
CATEGORY_TAXONOMY_ID = "8aa70ea4-342f-5e8c-9c24-fbd1671bebb9"
CARE_TERM_ID = "8b8d7038-bf15-531a-9b4f-c693d1cf7989"


@pytest.fixture
def client() -> Client:
    return Client()


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["contents"]]


def rich_resource(**overrides: Any) -> WelfareResource:
    organization = OrganizationFactory(
        name="전주시노인복지관",
        address="전북특별자치도 전주시 완산구 효자로 225",
        phone="063-200-1000",
        email="info@example.org",
        website="https://example.org/",
    )
    fields: dict[str, Any] = {
        "name": "긴급돌봄 방문지원",
        "organization": organization,
        "summary": "주 돌봄자가 갑자기 아플 때 집으로 찾아가 돌봅니다",
        "description": "요양보호사가 방문해 식사·위생·안부를 돕습니다.",
        "eligibility": "전주시에 사는 65세 이상",
        "documents": "- 신분증\n- 진단서\n\n• 신분증",
        "hours": "평일 9:00-18:00",
        "min_age": 65,
        "max_age": 120,
        "cost": WelfareResource.Cost.FREE,
        "fee": "",
        "how_to_apply": "전화로 신청",
        "phone": "063-200-1234",
        "eligibility_tags": [EligibilityTag.objects.get(code="carer_illness")],
        "target_groups": [target_group("elderly")],
    }
    fields.update(overrides)
    return WelfareResourceFactory(**fields)


# --- what is published --------------------------------------------------------------------------


def test_anyone_reads_the_services_without_logging_in(client: Client) -> None:
    resource = WelfareResourceFactory()

    response = client.get("/hsds/services")

    assert response.status_code == 200
    assert ids(response.json()) == [str(resource.uuid)]


def test_only_published_active_resources_are_services(client: Client) -> None:
    public = WelfareResourceFactory(name="공개 자원")
    WelfareResourceFactory(name="비공개 자원", is_published=False)
    for status in ("inactive", "defunct", "temporarily_closed"):
        WelfareResourceFactory(name=f"{status} 자원", status=status)

    page = client.get("/hsds/services").json()

    assert ids(page) == [str(public.uuid)]
    assert page["total_items"] == 1


def test_an_unpublished_resource_has_no_detail(client: Client) -> None:
    hidden = WelfareResourceFactory(is_published=False)

    response = client.get(f"/hsds/services/{hidden.uuid}")

    assert response.status_code == 404
    assert response.json() == {"detail": "찾을 수 없습니다."}


def test_an_organization_without_a_public_service_is_not_published(client: Client) -> None:
    shown = WelfareResourceFactory().organization
    quiet = WelfareResourceFactory(is_published=False).organization
    OrganizationFactory(name="자원 없는 기관")

    page = client.get("/hsds/organizations").json()

    assert ids(page) == [str(shown.uuid)]
    assert client.get(f"/hsds/organizations/{quiet.uuid}").status_code == 404


def test_partner_agreements_and_staff_notes_are_never_published(client: Client) -> None:
    partner = PartnerOrganizationFactory(name="협약 기관", notes="내부 메모: 담당자 휴대전화")
    resource = WelfareResourceFactory(organization=partner)

    texts = [
        client.get(f"/hsds/organizations/{partner.uuid}", {"full_service": "true"}).content,
        client.get(f"/hsds/services/{resource.uuid}").content,
        client.get("/hsds/organizations", {"full": "true"}).content,
        client.get("/hsds/export.json").content,
    ]

    for text in (t.decode() for t in texts):
        assert "내부 메모" not in text
        assert "2023-03-15" not in text  # the MOU date
        assert "is_partner" not in text and "mou_date" not in text


def test_an_unpublished_service_is_not_listed_under_its_organization(client: Client) -> None:
    shown = WelfareResourceFactory(name="공개")
    WelfareResourceFactory(name="비공개", organization=shown.organization, is_published=False)

    organization = client.get(f"/hsds/organizations/{shown.organization.uuid}").json()

    assert [s["name"] for s in organization["services"]] == ["공개"]


# --- ids -----------------------------------------------------------------------------------------


def test_service_and_organization_ids_are_their_public_uuids(client: Client) -> None:
    resource = WelfareResourceFactory()

    service = client.get(f"/hsds/services/{resource.uuid}").json()

    assert service["id"] == str(resource.uuid)
    assert service["organization_id"] == str(resource.organization.uuid)
    assert service["organization"]["id"] == str(resource.organization.uuid)


def test_derived_ids_are_name_based_on_the_public_ids(client: Client) -> None:
    resource = rich_resource()

    service = client.get(f"/hsds/services/{resource.uuid}").json()

    namespace = uuid.UUID("a1326ad3-8dbd-479b-8f4a-3d0dd62b4c7f")
    assert service["phones"][0]["id"] == str(
        uuid.uuid5(namespace, f"phone/service/{resource.uuid}")
    )
    location_id = str(uuid.uuid5(namespace, f"location/organization/{resource.organization.uuid}"))
    assert service["service_at_locations"][0]["location_id"] == location_id


def test_taxonomy_ids_never_change() -> None:
    assert hsds.RESOURCE_CATEGORIES.id == CATEGORY_TAXONOMY_ID
    assert hsds.term_id(hsds.RESOURCE_CATEGORIES, "care") == CARE_TERM_ID


def test_ids_are_the_same_on_every_request(client: Client) -> None:
    resource = rich_resource()

    first = client.get(f"/hsds/services/{resource.uuid}").json()
    second = client.get(f"/hsds/services/{resource.uuid}").json()

    assert first == second


def test_correcting_an_address_keeps_the_location_id(client: Client) -> None:
    resource = rich_resource()
    before = client.get(f"/hsds/services/{resource.uuid}").json()

    services.organization_save(organization=resource.organization, address="전주시 효자로 9")
    after = client.get(f"/hsds/services/{resource.uuid}").json()

    assert (
        after["service_at_locations"][0]["location_id"]
        == before["service_at_locations"][0]["location_id"]
    )
    assert after["service_at_locations"][0]["location"]["addresses"][0]["address_1"] == "효자로 9"


# --- mapping -------------------------------------------------------------------------------------


def test_a_fully_described_resource_maps_to_every_hsds_field(client: Client) -> None:
    resource = rich_resource()

    service = client.get(f"/hsds/services/{resource.uuid}").json()

    assert errors("service.json", service, "rich") == []
    assert service["description"] == (
        "주 돌봄자가 갑자기 아플 때 집으로 찾아가 돌봅니다\n\n"
        "요양보호사가 방문해 식사·위생·안부를 돕습니다."
    )
    assert service["status"] == "active"
    assert service["eligibility_description"] == "전주시에 사는 65세 이상"
    assert (service["minimum_age"], service["maximum_age"]) == (65, 120)
    assert service["application_process"] == "전화로 신청"
    assert service["fees_description"] == "무료"
    assert service["cost_options"][0] | {"id": ""} == {
        "id": "",
        "service_id": service["id"],
        "option": "무료",
        "currency": "KRW",
        "amount": 0,
    }
    assert [d["document"] for d in service["required_documents"]] == ["신분증", "진단서"]
    assert service["phones"][0] | {"id": ""} == {
        "id": "",
        "service_id": service["id"],
        "number": "063-200-1234",
        "type": "voice",
        "description": "문의 전화",
    }
    assert service["assured_date"] == timezone.localdate().isoformat()
    assert service["last_modified"].endswith("Z")


def test_simple_weekday_hours_become_an_opening_schedule(client: Client) -> None:
    resource = rich_resource(hours="평일 9:00-18:00")

    schedule = client.get(f"/hsds/services/{resource.uuid}").json()["schedules"]

    assert len(schedule) == 1
    assert schedule[0] | {"id": ""} == {
        "id": "",
        "service_id": str(resource.uuid),
        "description": "평일 9:00-18:00",
        "freq": "WEEKLY",
        "wkst": "MO",
        "byday": "MO,TU,WE,TH,FR",
        "opens_at": "09:00+09:00",
        "closes_at": "18:00+09:00",
        "timezone": 9,
    }


def test_two_spans_of_hours_become_two_schedules(client: Client) -> None:
    resource = rich_resource(hours="평일 09:00~18:00, 토요일 09:00~13:00")

    schedules = client.get(f"/hsds/services/{resource.uuid}").json()["schedules"]

    assert [(s["byday"], s["opens_at"], s["closes_at"]) for s in schedules] == [
        ("MO,TU,WE,TH,FR", "09:00+09:00", "18:00+09:00"),
        ("SA", "09:00+09:00", "13:00+09:00"),
    ]


@pytest.mark.parametrize(
    "hours", ["평일 9:00-18:00 (점심 12-13시 제외)", "24시간", "예약제", "평일 18:00-9:00"]
)
def test_hours_that_do_not_read_safely_stay_a_description(client: Client, hours: str) -> None:
    resource = rich_resource(hours=hours)

    schedules = client.get(f"/hsds/services/{resource.uuid}").json()["schedules"]

    assert len(schedules) == 1
    assert schedules[0]["description"] == hours
    assert "opens_at" not in schedules[0] and "byday" not in schedules[0]


def test_unknown_values_are_left_out_rather_than_sent_empty(client: Client) -> None:
    resource = WelfareResourceFactory(phone="", assured_date=None)

    service = client.get(f"/hsds/services/{resource.uuid}").json()

    for key in ("minimum_age", "assured_date", "fees_description", "application_process"):
        assert key not in service
    assert service["phones"] == [] and service["schedules"] == []
    assert service["cost_options"] == [] and service["required_documents"] == []


def test_the_address_is_split_into_city_and_street(client: Client) -> None:
    organization = OrganizationFactory(
        address="전북특별자치도 군산시 대학로 1", region=region("gunsan")
    )
    resource = WelfareResourceFactory(organization=organization)

    sal = client.get(f"/hsds/services/{resource.uuid}").json()["service_at_locations"][0]

    address = sal["location"]["addresses"][0]
    assert address | {"id": ""} == {
        "id": "",
        "location_id": sal["location_id"],
        "address_1": "대학로 1",
        "city": "군산시",
        "state_province": "전북특별자치도",
        "postal_code": "",
        "country": "KR",
        "address_type": "physical",
    }


def test_an_address_without_a_city_takes_the_organizations_region(client: Client) -> None:
    organization = OrganizationFactory(address="효자로 1", region=region("jeonju"))
    resource = WelfareResourceFactory(organization=organization)

    sal = client.get(f"/hsds/services/{resource.uuid}").json()["service_at_locations"][0]

    assert sal["location"]["addresses"][0]["city"] == "전주시"
    assert sal["location"]["addresses"][0]["address_1"] == "효자로 1"


def test_services_at_the_organizations_address_share_its_location(client: Client) -> None:
    organization = OrganizationFactory(address="전주시 효자로 1")
    same = WelfareResourceFactory(organization=organization, address="전주시 효자로 1")
    blank = WelfareResourceFactory(organization=organization, address="")
    elsewhere = WelfareResourceFactory(organization=organization, address="전주시 기린대로 5")

    def location_of(resource: WelfareResource) -> str:
        service = client.get(f"/hsds/services/{resource.uuid}").json()
        return service["service_at_locations"][0]["location_id"]

    assert location_of(same) == location_of(blank) != location_of(elsewhere)
    organization_json = client.get(f"/hsds/organizations/{organization.uuid}").json()
    assert len(organization_json["locations"]) == 2


def test_a_service_with_no_known_address_has_no_service_at_location(client: Client) -> None:
    resource = WelfareResourceFactory(organization=OrganizationFactory(address=""), address="")

    service = client.get(f"/hsds/services/{resource.uuid}").json()
    page = client.get("/hsds/service_at_locations").json()

    assert service["service_at_locations"] == []
    assert page["total_items"] == 0


def test_service_areas_are_the_regions_or_the_whole_province(client: Client) -> None:
    local = WelfareResourceFactory(regions=[region("jeonju"), region("wanju")])
    everywhere = WelfareResourceFactory(regions=[], province_wide=True)

    local_areas = client.get(f"/hsds/services/{local.uuid}").json()["service_areas"]
    wide_areas = client.get(f"/hsds/services/{everywhere.uuid}").json()["service_areas"]

    assert [a["name"] for a in local_areas] == ["전주시", "완주군"]
    assert [a["name"] for a in wide_areas] == ["전북특별자치도 전역"]


def test_category_target_groups_and_eligibility_tags_are_attributes(client: Client) -> None:
    resource = rich_resource()

    attributes = client.get(f"/hsds/services/{resource.uuid}").json()["attributes"]

    assert [(a["link_type"], a["taxonomy_term"]["code"]) for a in attributes] == [
        ("category", "care_emergency"),
        ("intended_audience", "elderly"),
        ("eligibility", "carer_illness"),
    ]
    assert {a["link_id"] for a in attributes} == {str(resource.uuid)}


def test_the_organization_description_says_its_kind_and_region(client: Client) -> None:
    resource = WelfareResourceFactory()

    organization = client.get(f"/hsds/organizations/{resource.organization.uuid}").json()

    assert organization["description"] == "전주시의 복지관·센터"


def test_published_texts_stay_korean_whatever_the_browser_asks(client: Client) -> None:
    resource = rich_resource()

    korean = client.get(f"/hsds/services/{resource.uuid}").json()
    english = client.get(f"/hsds/services/{resource.uuid}", HTTP_ACCEPT_LANGUAGE="en").json()

    assert english == korean


# --- filters -------------------------------------------------------------------------------------


def test_search_finds_a_korean_substring(client: Client) -> None:
    wanted = WelfareResourceFactory(name="긴급돌봄지원")
    WelfareResourceFactory(name="무료 법률상담", category=category("legal"))

    page = client.get("/hsds/services", {"search": "돌봄"}).json()

    assert ids(page) == [str(wanted.uuid)]


def test_organization_id_keeps_that_organizations_services(client: Client) -> None:
    wanted = WelfareResourceFactory()
    WelfareResourceFactory()

    page = client.get("/hsds/services", {"organization_id": str(wanted.organization.uuid)}).json()

    assert ids(page) == [str(wanted.uuid)]


@pytest.mark.parametrize(
    ("taxonomy", "code"),
    [(hsds.RESOURCE_CATEGORIES, "legal"), (hsds.TARGET_GROUPS, "disabled"),
     (hsds.ELIGIBILITY_TAGS, "living_alone")],
)  # fmt: skip
def test_taxonomy_term_id_keeps_services_with_that_term(
    client: Client, taxonomy: hsds.Taxonomy, code: str
) -> None:
    wanted = WelfareResourceFactory(
        category=category("legal"),
        target_groups=[target_group("disabled")],
        eligibility_tags=[EligibilityTag.objects.get(code="living_alone")],
    )
    WelfareResourceFactory()

    page = client.get("/hsds/services", {"taxonomy_term_id": hsds.term_id(taxonomy, code)}).json()

    assert ids(page) == [str(wanted.uuid)]


def test_an_unknown_taxonomy_term_finds_nothing(client: Client) -> None:
    WelfareResourceFactory()

    page = client.get("/hsds/services", {"taxonomy_term_id": str(uuid.uuid4())}).json()

    assert page["total_items"] == 0 and page["empty"] is True


def test_taxonomy_id_keeps_services_carrying_any_term_of_it(client: Client) -> None:
    tagged = WelfareResourceFactory(eligibility_tags=[EligibilityTag.objects.get(code="housing")])
    WelfareResourceFactory()

    page = client.get("/hsds/services", {"taxonomy_id": hsds.ELIGIBILITY_TAGS.id}).json()
    everything = client.get("/hsds/services", {"taxonomy_id": hsds.RESOURCE_CATEGORIES.id}).json()

    assert ids(page) == [str(tagged.uuid)]
    assert everything["total_items"] == 2


def test_modified_after_follows_the_service_and_its_organization(client: Client) -> None:
    old = WelfareResourceFactory()
    WelfareResource.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=30))
    Organization.objects.filter(pk=old.organization_id).update(
        updated_at=timezone.now() - timedelta(days=30)
    )
    fresh = WelfareResourceFactory()
    since = (timezone.now() - timedelta(days=1)).isoformat()

    before = client.get("/hsds/services", {"modified_after": since}).json()
    services.organization_save(organization=old.organization, phone="063-999-0000")
    after = client.get("/hsds/services", {"modified_after": since}).json()

    assert ids(before) == [str(fresh.uuid)]
    assert set(ids(after)) == {str(old.uuid), str(fresh.uuid)}


def test_modified_after_takes_a_plain_date(client: Client) -> None:
    WelfareResourceFactory()

    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    page = client.get("/hsds/services", {"modified_after": tomorrow}).json()

    assert page["total_items"] == 0


def test_organizations_are_searched_by_name(client: Client) -> None:
    wanted = WelfareResourceFactory(organization=OrganizationFactory(name="군산시노인복지관"))
    WelfareResourceFactory(organization=OrganizationFactory(name="전주시장애인복지관"))

    page = client.get("/hsds/organizations", {"search": "노인"}).json()

    assert ids(page) == [str(wanted.organization.uuid)]


def test_taxonomy_terms_filter_by_taxonomy_parent_and_top(client: Client) -> None:
    care = hsds.term_id(hsds.RESOURCE_CATEGORIES, "care")

    children = client.get("/hsds/taxonomy_terms", {"parent_id": care}).json()
    tops = client.get("/hsds/taxonomy_terms", {"top_only": "true", "per_page": 100}).json()
    tags = client.get(
        "/hsds/taxonomy_terms", {"taxonomy_id": hsds.ELIGIBILITY_TAGS.id, "per_page": 100}
    ).json()

    assert [t["code"] for t in children["contents"]] == [
        "care_emergency", "care_home", "care_child"
    ]  # fmt: skip
    assert "care" in [t["code"] for t in tops["contents"]]
    assert "care_emergency" not in [t["code"] for t in tops["contents"]]
    assert {t["taxonomy_id"] for t in tags["contents"]} == {hsds.ELIGIBILITY_TAGS.id}
    assert tags["total_items"] == EligibilityTag.objects.count()


def test_taxonomy_terms_are_searched_by_name(client: Client) -> None:
    page = client.get("/hsds/taxonomy_terms", {"search": "긴급돌봄"}).json()

    assert [t["code"] for t in page["contents"]] == ["care_emergency"]


# --- paging --------------------------------------------------------------------------------------


def test_pages_follow_hsds_paging(client: Client) -> None:
    for number in range(5):
        WelfareResourceFactory(name=f"자원 {number}")

    first = client.get("/hsds/services", {"per_page": 2}).json()
    last = client.get("/hsds/services", {"per_page": 2, "page": 3}).json()

    assert {k: v for k, v in first.items() if k != "contents"} == {
        "total_items": 5,
        "total_pages": 3,
        "page_number": 1,
        "size": 2,
        "first_page": True,
        "last_page": False,
        "empty": False,
    }
    assert (last["size"], last["first_page"], last["last_page"]) == (1, False, True)
    names = [s["name"] for s in first["contents"] + last["contents"]]
    assert names == ["자원 0", "자원 1", "자원 4"]


def test_a_page_past_the_end_is_empty_not_an_error(client: Client) -> None:
    WelfareResourceFactory()

    page = client.get("/hsds/services", {"page": 9}).json()

    assert page["empty"] is True and page["contents"] == [] and page["last_page"] is True


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"per_page": "501"}, "per_page"),
        ({"per_page": "1.5"}, "per_page"),
        ({"full": "yes please"}, "full"),
        ({"modified_after": "2026-13-45"}, "modified_after"),
        ({"organization_id": "전주"}, "organization_id"),
    ],
)
def test_bad_paging_and_filter_values_are_a_400_naming_the_parameter(
    client: Client, params: dict[str, str], named: str
) -> None:
    response = client.get("/hsds/services", params)

    assert response.status_code == 400
    assert list(response.json()) == [named]


def test_every_bad_parameter_is_named_at_once(client: Client) -> None:
    response = client.get("/hsds/services", {"page": "x", "per_page": "0", "format": "xml"})

    assert response.status_code == 400
    assert set(response.json()) == {"page", "per_page", "format"}


def test_ndjson_returns_every_service_one_a_line_without_paging(client: Client) -> None:
    for number in range(3):
        WelfareResourceFactory(name=f"자원 {number}")

    response = client.get("/hsds/services", {"format": "ndjson", "per_page": 1, "full": "true"})

    assert response["Content-Type"].startswith("application/x-ndjson")
    lines = response.content.decode().splitlines()
    assert len(lines) == 3
    for line in lines:
        assert errors("service.json", json.loads(line), line[:40]) == []


# --- HTTP ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writing_is_not_allowed(client: Client, method: str) -> None:
    response = getattr(client, method)("/hsds/services", data="{}", content_type="application/json")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert "detail" in response.json()


def test_head_and_options_answer(client: Client) -> None:
    assert client.head("/hsds/services").status_code == 200
    assert client.options("/hsds/services").status_code == 200


@pytest.mark.parametrize("path", ["/hsds/services/42", f"/hsds/services/{uuid.uuid4()}",
                                  f"/hsds/organizations/{uuid.uuid4()}",
                                  f"/hsds/service_at_locations/{uuid.uuid4()}",
                                  f"/hsds/taxonomies/{uuid.uuid4()}",
                                  "/hsds/taxonomy_terms/care", "/hsds/no_such_table"])  # fmt: skip
def test_what_does_not_exist_is_a_json_404(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_the_exact_hsds_paths_need_no_trailing_slash_and_accept_one(client: Client) -> None:
    resource = WelfareResourceFactory()

    assert client.get("/hsds/services").status_code == 200
    assert client.get("/hsds/services/").status_code == 200
    assert client.get(f"/hsds/services/{resource.uuid}").status_code == 200
    assert client.get(f"/hsds/services/{resource.uuid}/").status_code == 200
    assert client.get("/hsds").status_code == 301


def test_any_web_page_may_read_the_open_data(client: Client) -> None:
    response = client.get("/hsds/services")

    assert response["Access-Control-Allow-Origin"] == "*"


def test_the_staff_api_schema_does_not_list_the_hsds_paths(coordinator_api: APIClient) -> None:
    schema = coordinator_api.get("/api/v1/schema/", {"format": "json"}).json()

    assert [path for path in schema["paths"] if "hsds" in path] == []


# --- queries -------------------------------------------------------------------------------------


def queries(client: Client, url: str, params: dict[str, Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.fixture
def directory() -> None:
    tags = list(EligibilityTag.objects.all()[:2])
    for number in range(12):
        WelfareResourceFactory(
            name=f"자원 {number:02d}",
            organization=OrganizationFactory(address=f"전주시 효자로 {number}"),
            address="" if number % 2 else f"전주시 기린대로 {number}",
            regions=[region("jeonju"), region("wanju")],
            eligibility_tags=tags,
            hours="평일 9:00-18:00",
            documents="신분증\n진단서",
        )


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/hsds/services", {}),
        ("/hsds/services", {"full": "true"}),
        ("/hsds/services", {"full": "true", "search": "자원"}),
        ("/hsds/services", {"taxonomy_term_id": CARE_TERM_ID, "full": "true"}),
        ("/hsds/organizations", {}),
        ("/hsds/organizations", {"full_service": "true"}),
        ("/hsds/service_at_locations", {"full": "true"}),
        ("/hsds/taxonomy_terms", {}),
        ("/hsds/taxonomies", {}),
    ],
)
def test_a_list_costs_the_same_queries_whatever_its_page_size(
    client: Client, directory: None, url: str, params: dict[str, Any]
) -> None:
    one = queries(client, url, {**params, "per_page": 1})
    many = queries(client, url, {**params, "per_page": 12})

    assert one == many
    assert many <= 8


def test_an_organization_with_all_its_services_is_a_few_queries(
    client: Client, directory: None
) -> None:
    organization = Organization.objects.filter(resources__isnull=False).first()
    assert organization is not None

    count = queries(client, f"/hsds/organizations/{organization.uuid}", {"full_service": "true"})

    assert count <= 6
