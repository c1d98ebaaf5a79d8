"""The residents' finder (/find/): anonymous search with filters, resource pages, categories,
paging, capped counts, usage counting, the language switch."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultations.models import WelfareResource
from consultations.resources import COUNT_CAP
from consultations.usage.models import ResourceViewDay, SearchTermDay
from tests.consultations.consultation_factories import (
    ConsultationFactory,
    OrganizationFactory,
)
from tests.consultations.finder.factories import public_resource
from tests.factories import RecipientFactory

pytestmark = pytest.mark.django_db

HOME = reverse("finder:home")


def names(response: Any) -> list[str]:
    return [resource.name for resource in response.context["page"].results]


def search(client: Client, **params: Any) -> Any:
    return client.get(HOME, params)


def test_the_landing_page_opens_without_login_and_counts_no_search(client: Client) -> None:
    response = client.get(HOME)

    assert response.status_code == 200
    assert not response.context["searched"]
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert not SearchTermDay.objects.exists()


def test_an_anonymous_search_finds_only_published_running_resources(client: Client) -> None:
    public_resource(name="긴급돌봄 공개")
    public_resource(name="긴급돌봄 비공개", is_published=False)
    public_resource(name="긴급돌봄 중단", status=WelfareResource.Status.TEMPORARILY_CLOSED)
    public_resource(name="긴급돌봄 폐지", status=WelfareResource.Status.DEFUNCT)

    response = search(client, q="긴급돌봄")

    assert response.status_code == 200
    assert names(response) == ["긴급돌봄 공개"]
    body = response.content.decode()
    assert "비공개" not in body and "중단" not in body


def test_no_person_ever_appears_on_the_finder_pages(client: Client) -> None:
    resource = public_resource(name="돌봄 지원")
    RecipientFactory(name="김비밀", phone="010-9999-8888")
    ConsultationFactory(person_name="박숨김", person_contact="010-7777-6666", summary="돌봄 문의")
    pages = [
        HOME,
        f"{HOME}?q=돌봄",
        f"{HOME}?q=김비밀",
        f"{HOME}?q=박숨김",
        reverse("finder:resource", args=[resource.pk]),
        reverse("finder:categories"),
        reverse("finder:category", args=["care"]),
        reverse("finder:help"),
        f"{reverse('finder:help')}?region=jeonju&income=unknown",
    ]

    for page in pages:
        body = client.get(page).content.decode()
        for secret in ("김비밀", "박숨김", "010-9999-8888", "010-7777-6666", "돌봄 문의"):
            # The search box repeats what was typed; nothing else may carry a person.
            assert body.count(secret) <= body.count(f'value="{secret}"'), (page, secret)


def test_a_region_filter_keeps_that_regions_and_province_wide_resources(client: Client) -> None:
    public_resource(name="전주 돌봄", regions=("jeonju",))
    public_resource(name="완주 돌봄", regions=("wanju",))
    public_resource(name="도 전역 돌봄", regions=(), province_wide=True)
    public_resource(name="두 곳 돌봄", regions=("jeonju", "wanju"))

    response = search(client, region="jeonju")

    assert sorted(names(response)) == sorted(["전주 돌봄", "도 전역 돌봄", "두 곳 돌봄"])
    assert "도 전역" in response.content.decode()


def test_a_target_group_filter_keeps_resources_for_everyone_too(client: Client) -> None:
    public_resource(name="노인용", target_groups=("elderly",))
    public_resource(name="누구나", target_groups=("everyone",))
    public_resource(name="아동용", target_groups=("child",))
    public_resource(name="노인과 장애인", target_groups=("elderly", "disabled"))

    response = search(client, group="elderly")

    assert sorted(names(response)) == sorted(["노인용", "누구나", "노인과 장애인"])


def test_a_parent_category_includes_its_children(client: Client) -> None:
    public_resource(name="긴급", category="care_emergency")
    public_resource(name="재가", category="care_home")
    public_resource(name="식사", category="living_meal")

    parent = search(client, category="care")
    child = search(client, category="care_home")

    assert sorted(names(parent)) == ["긴급", "재가"]
    assert names(child) == ["재가"]


def test_an_age_keeps_resources_whose_range_holds_it_or_that_give_none(client: Client) -> None:
    public_resource(name="65세 이상", min_age=65)
    public_resource(name="6~64세", min_age=6, max_age=64)
    public_resource(name="나이 제한 없음")
    public_resource(name="12세 이하", max_age=12)

    seventy = search(client, age=70)
    ten = search(client, age=10)
    sixty_four = search(client, age=64)

    assert sorted(names(seventy)) == sorted(["65세 이상", "나이 제한 없음"])
    assert sorted(names(ten)) == sorted(["6~64세", "나이 제한 없음", "12세 이하"])
    assert sorted(names(sixty_four)) == sorted(["6~64세", "나이 제한 없음"])


def test_a_cost_filter_keeps_that_cost(client: Client) -> None:
    public_resource(name="무료 도시락", cost=WelfareResource.Cost.FREE)
    public_resource(name="유료 도시락", cost=WelfareResource.Cost.PAID)
    public_resource(name="소득별 도시락", cost=WelfareResource.Cost.INCOME_BASED)

    assert names(search(client, cost="free")) == ["무료 도시락"]
    assert names(search(client, cost="income_based")) == ["소득별 도시락"]


def test_filters_combine_with_the_search_word(client: Client) -> None:
    public_resource(name="전주 도시락", regions=("jeonju",), cost="free")
    public_resource(name="전주 집수리", regions=("jeonju",), cost="free")
    public_resource(name="완주 도시락", regions=("wanju",), cost="free")

    assert names(search(client, q="도시락", region="jeonju", cost="free")) == ["전주 도시락"]


def test_bad_filter_values_answer_400_with_the_fields_errors(client: Client) -> None:
    response = search(client, age="일흔", region="atlantis", cost="cheap")

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"age", "region", "cost"}
    assert "page" not in response.context
    assert not SearchTermDay.objects.exists()


def test_results_show_name_organization_summary_region_and_a_phone_link(client: Client) -> None:
    organization = OrganizationFactory(name="전주시 노인복지관")
    public_resource(
        name="밑반찬 배달",
        organization=organization,
        summary="주 2회 반찬을 집으로 가져다 드려요",
        phone="063-200-1234",
        regions=("jeonju",),
    )

    body = search(client, q="밑반찬").content.decode()

    assert "밑반찬 배달" in body and "전주시 노인복지관" in body
    assert "주 2회 반찬을 집으로 가져다 드려요" in body
    assert "전주시" in body
    assert 'href="tel:0632001234"' in body
    assert "1건" in body


def test_results_are_paged_twenty_at_a_time(client: Client) -> None:
    for number in range(25):
        public_resource(name=f"돌봄 {number:02d}")

    first = search(client, q="돌봄")
    second = search(client, q="돌봄", page=2)

    assert len(first.context["page"].results) == 20
    assert len(second.context["page"].results) == 5
    assert "25건" in first.content.decode()
    assert 'href="?q=%EB%8F%8C%EB%B4%84&amp;page=2"' in first.content.decode()
    assert set(names(first)).isdisjoint(names(second))
    assert not second.context["page"].has_next


def test_a_page_number_past_the_end_or_not_a_number_is_no_error(client: Client) -> None:
    public_resource(name="돌봄 하나")

    far = search(client, q="돌봄", page="9" * 30)
    nonsense = search(client, q="돌봄", page="둘째")

    assert far.status_code == 200
    assert "이 쪽에는 결과가 없어요" in far.content.decode()
    assert names(nonsense) == ["돌봄 하나"]


def test_a_count_past_the_cap_reads_as_1000_or_more(client: Client) -> None:
    template = public_resource(name="돌봄 원본", category="care_home")
    WelfareResource.objects.bulk_create(
        WelfareResource(
            name=f"돌봄 {number:04d}",
            organization=template.organization,
            category=template.category,
            province_wide=True,
            search_text=f"돌봄 {number:04d}",
        )
        for number in range(COUNT_CAP)
    )

    response = search(client, category="care_home")

    assert response.context["page"].count_capped
    assert "1,000건 이상" in response.content.decode()
    assert response.context["page"].has_next


def test_a_search_is_counted_once_with_its_result_count(client: Client) -> None:
    public_resource(name="도시락 배달")

    search(client, q="도시락")
    search(client, q="도시락", page=2)
    search(client, q="없는말")

    found = SearchTermDay.objects.get(term="도시락")
    missing = SearchTermDay.objects.get(term="없는말")
    assert (found.searches, found.zero_results) == (1, 0)
    assert (missing.searches, missing.zero_results) == (1, 1)


def test_the_filters_fold_after_a_word_alone_and_stay_open_with_a_filter(
    client: Client,
) -> None:
    assert search(client, q="돌봄").context["filters_open"] is False
    assert search(client, q="돌봄", region="jeonju").context["filters_open"] is True
    assert client.get(HOME).context["filters_open"] is True


def test_a_search_that_finds_nothing_says_so_and_offers_the_questionnaire(client: Client) -> None:
    public_resource(name="도시락 배달")

    response = search(client, q="우주여행")

    body = response.content.decode()
    assert response.status_code == 200
    assert "찾는 조건에 맞는 자원이 없어요" in body
    assert reverse("finder:help") in body
    assert "0건" in body


def test_the_results_page_costs_the_same_queries_for_one_or_twenty_results(
    client: Client,
) -> None:
    def queries() -> int:
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert search(client, q="돌봄", region="jeonju").status_code == 200
        return len(captured)

    public_resource(name="돌봄 하나", regions=("jeonju", "wanju"))
    queries()  # the day's first search inserts its usage row; later ones update it
    one = queries()
    for number in range(19):
        public_resource(name=f"돌봄 {number:02d}", regions=("jeonju", "gunsan"))
    twenty = queries()

    assert one == twenty


def test_a_cached_search_shows_the_same_page(client: Client) -> None:
    public_resource(name="돌봄 하나", regions=("jeonju",))

    first = search(client, q="돌봄", region="jeonju")
    with CaptureQueriesContext(connection) as captured:
        second = search(client, q="돌봄", region="jeonju")

    assert names(first) == names(second) == ["돌봄 하나"]
    assert len(captured) <= 12


def test_the_resource_page_tells_what_who_how_and_when_checked(client: Client) -> None:
    resource = public_resource(
        name="긴급돌봄지원",
        description="가사·식사·이동 지원",
        eligibility="주 돌봄자가 갑자기 아픈 도민",
        how_to_apply="전화로 신청",
        documents="신분증",
        hours="평일 9시~18시",
        address="전주시 완산구 어딘가 1",
        phone="063-251-0000",
        cost="free",
        fee="무료",
        min_age=19,
        assured_date=None,
        tags=("carer_illness",),
    )

    response = client.get(reverse("finder:resource", args=[resource.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    for text in ("가사·식사·이동 지원", "주 돌봄자가 갑자기 아픈 도민", "전화로 신청", "신분증",
                 "평일 9시~18시", "전주시 완산구 어딘가 1", 'href="tel:0632510000"',
                 "19세 이상", "무료", "노인", "주 돌봄자의 갑작스런 질병", "마지막 확인일",
                 "확인 전", resource.organization.name):  # fmt: skip
        assert text in body, text


def test_the_resource_page_shows_the_last_checked_date(client: Client) -> None:
    import datetime as dt

    resource = public_resource(name="돌봄", assured_date=dt.date(2026, 3, 2))

    body = client.get(reverse("finder:resource", args=[resource.pk])).content.decode()

    assert "2026년 3월 2일" in body


def test_an_unpublished_or_stopped_resource_page_is_not_found(client: Client) -> None:
    hidden = public_resource(name="비공개", is_published=False)
    stopped = public_resource(name="중단", status=WelfareResource.Status.INACTIVE)

    for resource in (hidden, stopped):
        assert client.get(reverse("finder:resource", args=[resource.pk])).status_code == 404
    assert client.get(reverse("finder:resource", args=[999999])).status_code == 404
    assert not ResourceViewDay.objects.exists()


def test_opening_a_resource_page_is_counted(client: Client) -> None:
    resource = public_resource(name="돌봄")

    client.get(reverse("finder:resource", args=[resource.pk]))
    client.get(reverse("finder:resource", args=[resource.pk]))

    assert ResourceViewDay.objects.get(resource=resource).views == 2


def test_categories_are_listed_with_counts_of_public_resources(client: Client) -> None:
    public_resource(name="긴급", category="care_emergency")
    public_resource(name="재가", category="care_home")
    public_resource(name="숨김", category="care_home", is_published=False)

    response = client.get(reverse("finder:categories"))

    assert response.status_code == 200
    care = next(item for item in response.context["categories"] if item.category.code == "care")
    assert care.total == 2
    assert {child.category.code: child.total for child in care.children}["care_home"] == 1
    shown = [item.category.code for item in response.context["categories"]]
    assert shown[:3] == ["care", "health", "living"]
    assert [child.category.code for child in care.children] == [
        "care_emergency", "care_home", "care_child"
    ]  # fmt: skip


def test_a_category_page_lists_its_and_its_childrens_resources(client: Client) -> None:
    public_resource(name="긴급", category="care_emergency")
    public_resource(name="식사", category="living_meal")

    response = client.get(reverse("finder:category", args=["care"]))

    assert response.status_code == 200
    assert names(response) == ["긴급"]
    assert client.get(reverse("finder:category", args=["no_such"])).status_code == 404


def test_the_category_page_costs_the_same_queries_whatever_its_size(client: Client) -> None:
    def queries() -> int:
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("finder:category", args=["care"]))
        return len(captured)

    public_resource(name="하나", category="care_home")
    queries()
    one = queries()
    for number in range(10):
        public_resource(name=f"여럿 {number}", category="care_home", regions=("jeonju", "iksan"))

    assert queries() == one


def test_the_language_switch_sets_the_cookie_and_returns_to_the_page(
    client: Client, settings: Any
) -> None:
    response = client.get(reverse("finder:language"), {"language": "en", "next": "/find/help/"})

    assert response.status_code == 302
    assert response["Location"] == "/find/help/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_the_language_switch_refuses_to_send_anyone_off_site(client: Client) -> None:
    for next_url in ("https://evil.example/", "//evil.example/find/", "javascript:alert(1)"):
        response = client.get(reverse("finder:language"), {"language": "en", "next": next_url})

        assert response["Location"] == HOME, next_url


def test_the_language_switch_ignores_a_language_the_site_lacks(
    client: Client, settings: Any
) -> None:
    response = client.get(reverse("finder:language"), {"language": "xx", "next": "/find/"})

    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
