"""``search_page`` reads a common word's results tier by tier (consultations.resources) and
must give exactly the page the full ranking (``resource_search``) gives."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from bench.resource_search import build_directory
from consultations import resources
from consultations.models import WelfareResource
from consultations.resources import resource_search, search_page
from tests.consultations.factories import OrganizationFactory, WelfareResourceFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the tiers read PostgreSQL's indexes"
    ),
]

# Two syllables common and rare, longer words, and organization names (전주: many
# organizations, few resource names; 장수: a county, in organizations' names and regions).
QUERIES = ("돌봄", "노인", "목욕", "전주", "장수", "긴급돌봄", "치매안심", "노인복지관", "전북")


@pytest.fixture
def directory() -> None:
    # Bench data: the same service names at many organizations, so names tie and ids decide.
    build_directory(random.Random(7), resources=3000, today=timezone.localdate())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def reference(queryset, q: str, page: int, per_page: int) -> list[int]:  # noqa: ANN001
    start = (page - 1) * per_page
    return [r.pk for r in resource_search(queryset, q)[start : start + per_page]]


def ids(result: resources.SearchPage) -> list[int]:
    return [r.pk for r in result.results]


@pytest.fixture
def tiers_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read tiers whatever the count, so that rare words go through them too."""
    monkeypatch.setattr(resources, "RANK_ALL_UP_TO", 0)


@pytest.mark.parametrize(
    "probe",
    [
        200,  # as deployed: small tiers are probed and sorted, large ones walked
        5,  # nearly every tier walked, bounded by the probe's rows
        0,  # every tier walked, and without a bound past the first row
    ],
)
def test_the_first_pages_read_by_tiers_equal_the_full_ranking(
    directory: None, tiers_always: None, monkeypatch: pytest.MonkeyPatch, probe: int
) -> None:
    # given
    monkeypatch.setattr(resources, "PROBE_ROWS", probe)
    public = WelfareResource.objects.public()

    for q in QUERIES:
        for page in (1, 2):
            # when
            result = search_page(public, q, page=page, per_page=20)

            # then
            assert ids(result) == reference(public, q, page, 20), (q, page)


def test_a_common_word_counts_no_further_than_the_cap(
    directory: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: 돌봄 is in about a fifth of the names; a cap scaled to this small directory
    monkeypatch.setattr(resources, "COUNT_CAP", 300)
    monkeypatch.setattr(resources, "RANK_ALL_UP_TO", 300)
    assert resource_search(WelfareResource.objects.all(), "돌봄").count() > 300

    # when
    result = search_page(WelfareResource.objects.all(), "돌봄", page=1, per_page=20)

    # then
    assert result.count == 300 and result.count_capped
    assert result.has_next and len(result.results) == 20
    assert ids(result) == reference(WelfareResource.objects.all(), "돌봄", 1, 20)


def test_a_rare_word_has_an_exact_count(directory: None) -> None:
    # given
    WelfareResourceFactory(name="아주드문낱말 지원")

    # when
    result = search_page(WelfareResource.objects.all(), "아주드문", page=1, per_page=20)

    # then
    assert result.count == 1 and not result.count_capped and not result.has_next
    assert [r.name for r in result.results] == ["아주드문낱말 지원"]


def test_the_tiers_read_within_the_filters_the_queryset_carries(
    directory: None, tiers_always: None
) -> None:
    # given: the finder's kind of queryset: public, one 시·군 (or province-wide), one category
    filtered = (
        WelfareResource.objects.public()
        .filter(Q(province_wide=True) | Q(regions__code="muju"))
        .filter(category__code__in=["care_home", "care_emergency"])
        .distinct()
    )

    for q in ("돌봄", "방문", "무주", "전주"):
        for page in (1, 2):
            # when
            result = search_page(filtered, q, page=page, per_page=10)

            # then
            assert ids(result) == reference(filtered, q, page, 10), (q, page)


def test_a_later_page_past_the_first_tiers_equals_the_full_ranking(
    directory: None, tiers_always: None
) -> None:
    # given: 전주's name tier is nearly empty; its organization tier fills pages 1 to 3
    public = WelfareResource.objects.public()

    for page in (1, 5, 30):
        # when
        result = search_page(public, "전주", page=page, per_page=25)

        # then
        assert ids(result) == reference(public, "전주", page, 25), page


def test_an_organization_renamed_moves_its_resources_to_the_organization_tier(
    directory: None, tiers_always: None
) -> None:
    # given: the resources of 돌봄 organizations come right after the names with 돌봄
    organization = OrganizationFactory(name="가나다돌봄센터")
    WelfareResourceFactory(name="가가가 상담", organization=organization)

    # when
    result = search_page(WelfareResource.objects.all(), "돌봄", page=1, per_page=2000)

    # then
    assert ids(result) == reference(WelfareResource.objects.all(), "돌봄", 1, 2000)
    names = [r.name for r in result.results]
    assert "가가가 상담" in names


def test_the_cached_path_returns_the_same_page_with_the_querysets_prefetches(
    directory: None, django_assert_max_num_queries
) -> None:  # noqa: ANN001
    # given
    public = WelfareResource.objects.public().select_related("organization")
    first = search_page(public, "돌봄", page=2, per_page=20, cache_key="public")

    # when: the same search again reads the cached ids, then the rows by primary key
    with django_assert_max_num_queries(1):
        again = search_page(public, "돌봄", page=2, per_page=20, cache_key="public")
        names = [r.organization.name for r in again.results]

    # then
    assert ids(again) == ids(first) == reference(public, "돌봄", 2, 20)
    assert (again.count, again.count_capped) == (first.count, first.count_capped)
    assert len(names) == 20


def test_an_empty_or_unmatched_query_gives_an_empty_page(directory: None) -> None:
    result = search_page(WelfareResource.objects.all(), "없는말없는말", page=1, per_page=20)

    assert result.results == [] and result.count == 0 and not result.has_next
