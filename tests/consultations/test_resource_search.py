"""Korean substring search over the welfare resource directory (consultations.resources), its
PostgreSQL indexes (migration 0004) and the benchmark that measures them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from bench.resource_search import (
    GOAL_MEDIAN_MS,
    GOAL_RATIO,
    BenchResult,
    QueryTiming,
    exit_code,
    report,
    run,
)
from consultations.models import WelfareResource
from consultations.resources import (
    RANK_CATEGORY_OR_ELIGIBILITY,
    RANK_NAME,
    RANK_ORGANIZATION,
    RANK_OTHER,
    needs_review,
    resource_search,
    review_cutoff,
    search_form,
)
from tests.consultations.factories import OrganizationFactory, WelfareResourceFactory, category
from tests.factories import region

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the search indexes exist on PostgreSQL only"
)


def found(q: str) -> list[str]:
    return [resource.name for resource in resource_search(WelfareResource.objects.all(), q)]


# --- what a search finds --------------------------------------------------------------------


def test_two_syllables_find_a_word_inside_a_longer_name() -> None:
    # given
    WelfareResourceFactory(name="긴급돌봄지원", category=category("living_income"))
    WelfareResourceFactory(name="무료급식", category=category("living_meal"))

    # when / then
    assert found("돌봄") == ["긴급돌봄지원"]


def test_a_county_name_finds_the_resources_offered_in_that_county() -> None:
    # given
    WelfareResourceFactory(name="방문목욕", regions=[region("jangsu")])
    WelfareResourceFactory(name="방문간호", regions=[region("jeonju")])

    # when / then: 장수 is part of 장수군, one of the regions in the search text
    assert found("장수") == ["방문목욕"]


def test_a_province_wide_resource_is_found_by_the_province() -> None:
    WelfareResourceFactory(name="광역 정신건강상담", province_wide=True, regions=[])
    WelfareResourceFactory(name="전주 정신건강상담", regions=[region("jeonju")])

    assert found("도 전역") == ["광역 정신건강상담"]


def test_a_longer_query_finds_only_whole_matches() -> None:
    WelfareResourceFactory(name="노인맞춤돌봄서비스", category=category("care_home"))
    WelfareResourceFactory(name="노인일자리", category=category("employment"))

    assert found("노인맞춤") == ["노인맞춤돌봄서비스"]
    assert found("맞춤돌봄서") == ["노인맞춤돌봄서비스"]
    assert found("노인") == ["노인맞춤돌봄서비스", "노인일자리"]


def test_the_query_is_trimmed_and_latin_letters_match_in_any_case() -> None:
    WelfareResourceFactory(name="돌봄SOS센터")

    assert found("  sos ") == ["돌봄SOS센터"]
    assert found("SoS") == ["돌봄SOS센터"]


def test_a_single_character_still_finds_by_scanning() -> None:
    WelfareResourceFactory(name="밑반찬 배달", category=category("living_meal"))
    WelfareResourceFactory(name="방문간호", category=category("health_medical"))

    assert found("찬") == ["밑반찬 배달"]


def test_percent_underscore_and_backslash_in_a_query_are_plain_characters() -> None:
    WelfareResourceFactory(name="본인부담 10% 감면")
    WelfareResourceFactory(name="본인부담 1000원")
    WelfareResourceFactory(name="상담실 A\\B")

    assert found("10%") == ["본인부담 10% 감면"]
    assert found("0%") == ["본인부담 10% 감면"]
    assert found("_") == []
    assert found("a\\b") == ["상담실 A\\B"]
    assert found("%") == ["본인부담 10% 감면"]


def test_an_empty_query_leaves_the_queryset_as_it_was() -> None:
    WelfareResourceFactory.create_batch(2)
    everything = WelfareResource.objects.all()

    assert resource_search(everything, "") is everything
    assert resource_search(everything, "   ") is everything
    assert resource_search(everything, None) is everything


def test_a_query_that_matches_nothing_finds_nothing() -> None:
    WelfareResourceFactory(name="긴급돌봄지원")

    assert found("없는말") == []
    assert found("봄돌") == []  # both syllables are there, but not in this order


def test_the_search_text_follows_a_renamed_organization() -> None:
    # given
    organization = OrganizationFactory(name="행복재가센터")
    WelfareResourceFactory(name="방문요양", organization=organization)

    # when
    from consultations.services import organization_save

    organization_save(organization=organization, name="희망나눔센터")

    # then
    assert found("희망나눔") == ["방문요양"]
    assert found("행복재가") == []


# --- ranking --------------------------------------------------------------------------------


def test_a_name_match_comes_before_organization_then_category_and_eligibility_matches() -> None:
    # given: in name order these would come the other way round
    WelfareResourceFactory(name="가 지역 행사", category=category("living_meal"))
    WelfareResourceFactory(
        name="나 무료급식", category=category("living_meal"), eligibility="돌봄이 필요한 노인"
    )
    WelfareResourceFactory(
        name="다 방문목욕",
        organization=OrganizationFactory(name="행복돌봄센터"),
        category=category("living_meal"),
    )
    WelfareResourceFactory(name="라 아동돌봄교실", category=category("living_meal"))
    WelfareResourceFactory(name="마 아이돌봄", category=category("living_meal"))
    WelfareResourceFactory(name="바 긴급 지원", category=category("care_emergency"))

    # when
    results = list(resource_search(WelfareResource.objects.all(), "돌봄"))

    # then: "가 지역 행사" has 돌봄 nowhere, so is not found at all
    assert [(r.name, r.search_rank) for r in results] == [
        ("라 아동돌봄교실", RANK_NAME),
        ("마 아이돌봄", RANK_NAME),
        ("다 방문목욕", RANK_ORGANIZATION),
        ("나 무료급식", RANK_CATEGORY_OR_ELIGIBILITY),
        ("바 긴급 지원", RANK_CATEGORY_OR_ELIGIBILITY),  # its category is 긴급돌봄
    ]


def test_a_match_only_in_the_regions_served_ranks_last() -> None:
    WelfareResourceFactory(name="가 방문간호", regions=[region("jangsu")])
    WelfareResourceFactory(name="하 장수 어르신 쉼터", regions=[region("jeonju")])

    results = list(resource_search(WelfareResource.objects.all(), "장수"))

    assert [(r.name, r.search_rank) for r in results] == [
        ("하 장수 어르신 쉼터", RANK_NAME),
        ("가 방문간호", RANK_OTHER),
    ]


# --- review age -----------------------------------------------------------------------------


def test_a_resource_needs_review_when_unconfirmed_or_confirmed_over_a_year_ago() -> None:
    today = dt.date(2024, 6, 30)

    assert needs_review(None, today)
    assert needs_review(dt.date(2023, 6, 30), today)  # 366 days ago
    assert not needs_review(review_cutoff(today), today)  # exactly 365 days ago
    assert not needs_review(today, today)
    assert review_cutoff(today) == dt.date(2023, 7, 1)


def test_needing_review_on_the_queryset_agrees_with_the_rule() -> None:
    today = timezone.localdate()
    WelfareResourceFactory(name="미확인", assured_date=None)
    WelfareResourceFactory(name="오래됨", assured_date=today - dt.timedelta(days=400))
    WelfareResourceFactory(name="최근", assured_date=today - dt.timedelta(days=30))

    stale = WelfareResource.objects.needing_review().order_by("name")

    assert [r.name for r in stale] == ["미확인", "오래됨"]


# --- how the search is asked of the database -------------------------------------------------


def test_the_search_form_depends_on_the_vendor_and_the_query_length() -> None:
    resources = WelfareResource.objects.all()
    expected = (
        ("scan", "bigrams", "trigrams")
        if connection.vendor == "postgresql"
        else ("scan", "scan", "scan")
    )

    assert (
        search_form(resources, "봄"),
        search_form(resources, "돌봄"),
        search_form(resources, "긴급돌봄"),
    ) == expected


@on_postgresql
def test_the_bigram_function_lists_each_two_character_gram_once() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT consultations_bigrams(%s)", ["돌봄 돌봄"])
        (grams,) = cursor.fetchone()
        cursor.execute("SELECT consultations_bigrams(%s), consultations_bigrams(%s)", ["봄", ""])
        short = cursor.fetchone()

    assert sorted(grams) == sorted(["돌봄", "봄 ", " 돌"])
    assert short == ([], [])


@on_postgresql
def test_a_two_syllable_search_is_answered_by_the_bigram_index_on_postgresql() -> None:
    # given: too few rows for the planner to prefer the index by itself, so sequential scans
    # are priced out for this transaction (SET LOCAL ends with the test's rollback)
    WelfareResourceFactory(name="긴급돌봄지원")
    WelfareResourceFactory(name="무료급식", category=category("living_meal"))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")

    # when
    plan = resource_search(WelfareResource.objects.all(), "돌봄").explain()

    # then
    assert "welfareresource_search_bigrams" in plan, plan
    assert found("돌봄") == ["긴급돌봄지원"]


@on_postgresql
def test_a_longer_search_is_answered_by_the_trigram_index_on_postgresql() -> None:
    WelfareResourceFactory(name="긴급돌봄지원")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")

    plan = resource_search(WelfareResource.objects.all(), "긴급돌봄").explain()

    assert "welfareresource_search_trgm" in plan, plan
    # The bigram condition is not added for longer queries: no per-row recheck of it.
    assert "consultations_bigrams" not in plan, plan


# --- the benchmark, tiny, so that it cannot rot ---------------------------------------------


def test_the_benchmark_runs_at_a_tiny_size_and_every_way_finds_the_same_rows() -> None:
    result = run(resources=300, queries=6)

    assert result.vendor == connection.vendor
    assert result.resources == WelfareResource.objects.count() == 300
    assert len(result.timings) == 6
    assert {t.short for t in result.timings} == {True, False}
    assert result.counts_match
    assert any(t.matches for t in result.timings)
    assert all(t.indexed_ms > 0 and t.icontains_ms > 0 for t in result.timings)
    assert result.explain
    assert exit_code(result, check=False) == 0
    text = report(result)
    assert "two syllables" in text
    assert "three or more" in text
    assert "EXPLAIN" in text
    # The generated search text is the service's: a resource found by the search is found
    # by its own name.
    resource = WelfareResource.objects.order_by("id").first()
    assert resource is not None and resource.search_text.startswith(resource.name.lower())


def _result(indexed_ms: float, icontains_ms: float, *, counts_match: bool = True) -> BenchResult:
    timings = [
        QueryTiming(q, 10, indexed_ms, icontains_ms, icontains_ms, counts_match)
        for q in ("돌봄", "노인", "긴급돌봄", "정신건강")
    ]
    return BenchResult(
        vendor="postgresql",
        resources=100,
        organizations=3,
        build_seconds=1.0,
        timings=timings,
    )


def test_the_check_fails_when_the_index_is_not_fast_enough() -> None:
    fast = _result(5.0, 5.0 * GOAL_RATIO)
    too_little_gain = _result(5.0, 5.0 * GOAL_RATIO - 1)
    too_slow = _result(GOAL_MEDIAN_MS, GOAL_MEDIAN_MS * GOAL_RATIO * 2)

    assert fast.meets_goal and exit_code(fast, check=True) == 0
    assert not too_little_gain.meets_goal and exit_code(too_little_gain, check=True) == 1
    assert not too_slow.meets_goal and exit_code(too_slow, check=True) == 1
    assert exit_code(too_slow, check=False) == 0
    assert "NOT met" in report(too_slow)
    assert exit_code(_result(1.0, 20.0, counts_match=False), check=False) == 2
