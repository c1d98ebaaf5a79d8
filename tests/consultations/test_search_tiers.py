"""``search_page`` reads a common word's results tier by tier (consultations.resources) and
must give exactly the page the full ranking (``resource_search``) gives."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from bench.resource_search import build_directory
from consultations import resources
from consultations.models import WelfareResource
from consultations.resources import resource_search, search_page
from tests.consultations.factories import OrganizationFactory, WelfareResourceFactory
from tests.factories import UserFactory

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
@pytest.mark.parametrize(
    "walk_budget",
    [
        resources.WALK_BUDGET,  # as deployed: in this small directory, names are walked
        0,  # never walk names unbounded; tier 1 read through its organizations' index
    ],
)
def test_the_first_pages_read_by_tiers_equal_the_full_ranking(
    directory: None,
    tiers_always: None,
    monkeypatch: pytest.MonkeyPatch,
    probe: int,
    walk_budget: int,
) -> None:
    # given
    monkeypatch.setattr(resources, "PROBE_ROWS", probe)
    monkeypatch.setattr(resources, "WALK_BUDGET", walk_budget)
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


# --- the staff search uses the same selector -----------------------------------------------


@pytest.fixture
def capped_at_300(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cap scaled to the small directory, so that 돌봄 passes it."""
    monkeypatch.setattr(resources, "COUNT_CAP", 300)
    monkeypatch.setattr(resources, "RANK_ALL_UP_TO", 300)


def test_the_api_search_pages_with_the_selector_and_caps_its_count(
    directory: None, capped_at_300: None, counselor_api: APIClient
) -> None:
    everything = WelfareResource.objects.all()

    first = counselor_api.get("/api/v1/resources/", {"search": "돌봄", "page_size": 10})
    second = counselor_api.get(first.json()["next"])

    assert first.status_code == second.status_code == 200
    body = first.json()
    assert (body["count"], body["count_capped"], body["previous"]) == (300, True, None)
    assert [r["id"] for r in body["results"]] == reference(everything, "돌봄", 1, 10)
    assert [r["id"] for r in second.json()["results"]] == reference(everything, "돌봄", 2, 10)
    assert "page=" not in second.json()["previous"]


def test_the_api_search_composes_with_filters_and_counts_exactly_under_the_cap(
    directory: None, counselor_api: APIClient
) -> None:
    response = counselor_api.get(
        "/api/v1/resources/", {"search": "목욕", "region": "muju", "status": "active"}
    )

    body = response.json()
    filtered = WelfareResource.objects.filter(status="active").filter(
        Q(province_wide=True) | Q(regions__code="muju")
    )
    expected = resource_search(filtered.distinct(), "목욕")
    assert body["count"] == expected.count() and body["count_capped"] is False
    assert [r["id"] for r in body["results"]] == [r.pk for r in expected[:25]]


def test_the_api_answers_a_page_past_the_end_with_404_and_a_bad_one_too(
    directory: None, counselor_api: APIClient
) -> None:
    past = counselor_api.get("/api/v1/resources/", {"search": "사회서비스원", "page": 99})
    bad = counselor_api.get("/api/v1/resources/", {"search": "돌봄", "page": "x"})

    assert past.status_code == bad.status_code == 404


def test_the_api_search_costs_a_bounded_number_of_queries_for_10_or_100_rows(
    directory: None, capped_at_300: None, counselor_api: APIClient
) -> None:
    counts = []
    for size in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            response = counselor_api.get(
                "/api/v1/resources/", {"search": "돌봄", "page_size": size}
            )
        assert len(response.json()["results"]) == size
        counts.append(len(queries))

    # Which tiers are probed or walked depends on the page's end, not on its rows: at most
    # the count, the organizations and categories, two queries per tier, the page and its
    # prefetches (plus the token, the transaction's SET LOCAL and savepoints).
    assert max(counts) <= 20, counts


def test_the_schema_declares_count_capped_on_the_resource_list() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    listing = schema["components"]["schemas"]["PaginatedWelfareResourceList"]
    assert listing["properties"]["count_capped"]["type"] == "boolean"


def test_the_desk_directory_search_shows_the_selectors_page_and_a_capped_count(
    directory: None, capped_at_300: None
) -> None:
    desk = Client()
    desk.force_login(UserFactory(roles=["counselor"]))
    everything = WelfareResource.objects.all()

    response = desk.get("/consultations/directory/", {"search": "돌봄", "page": 2})

    assert response.status_code == 200
    assert [r.pk for r in response.context["page"].object_list] == reference(
        everything, "돌봄", 2, 25
    )
    assert "300건 이상" in response.content.decode()
    assert response.context["page"].has_next()


def test_the_consultation_forms_search_panel_uses_the_selector(
    directory: None, capped_at_300: None
) -> None:
    desk = Client()
    desk.force_login(UserFactory(roles=["counselor"]))
    active = WelfareResource.objects.filter(status="active")

    response = desk.get("/consultations/resources/search/", {"rs-search": "돌봄"})

    assert response.status_code == 200
    assert [r.pk for r in response.context["results"]] == reference(active, "돌봄", 1, 20)
    assert response.context["more"] is True


# --- round trips -----------------------------------------------------------------------------


def test_a_common_words_first_page_is_two_statements(directory: None, capped_at_300: None) -> None:
    # given: 돌봄 is past the cap, and in the names of many of the matches
    public = WelfareResource.objects.public()

    # when
    with CaptureQueriesContext(connection) as queries:
        result = search_page(public, "돌봄", page=1, per_page=20)

    # then: the count with a sample of tier 0, then its walk with the page's rows
    assert len(queries) == 2
    assert queries[0]["sql"].startswith(resources.SERIAL_BEFORE)
    assert ids(result) == reference(public, "돌봄", 1, 20)
    assert result.count_capped and result.has_next


def test_queries_without_parallel_workers_leave_the_setting_alone() -> None:
    def setting() -> tuple[str, str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('max_parallel_workers_per_gather'), %s", ["돌봄"]
            )
            return cursor.fetchone()

    before = setting()

    with resources.without_parallel_workers("default"):
        inside = setting()

    assert inside == ("0", "돌봄")
    assert setting() == before and before[0] != "0"


def test_every_statement_of_a_search_runs_without_parallel_workers(
    directory: None, capped_at_300: None
) -> None:
    with CaptureQueriesContext(connection) as queries:
        search_page(WelfareResource.objects.public(), "전주", page=2, per_page=20)

    assert len(queries) >= 2
    assert all(q["sql"].startswith(resources.SERIAL_BEFORE) for q in queries)


@pytest.mark.parametrize(
    ("q", "expected"),
    [("돌봄", True), ("노인 돌봄 2", True), ("ㄱㄴ", True), ("sos", False), ("돌봄a", False)],
)
def test_only_hangul_digits_and_spaces_skip_lower_casing(q: str, expected: bool) -> None:
    assert resources.caseless(q) is expected


def test_a_caseless_walk_finds_what_the_lower_cased_ranking_finds(
    capped_at_300: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: names in upper and lower case around a Hangul word, past the cap
    for i in range(320):
        WelfareResourceFactory(name=f"{'ABC' if i % 2 else 'abc'} 돌봄 {i:03d}")
    public = WelfareResource.objects.public()

    # then: the walk without lower() gives the reference pages, for Latin words too
    for q in ("돌봄", "abc 돌봄"):
        for page in (1, 4):
            assert ids(search_page(public, q, page=page, per_page=20)) == reference(
                public, q, page, 20
            ), (q, page)
