"""The per-gram counts of the directory (``SearchGramCount``), kept by PostgreSQL triggers
(consultations 0018), and the two-character search that reads them instead of its matches."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.resource_search import build_directory
from consultations import resources
from consultations.models import SearchGramCount, WelfareResource
from consultations.resources import gram_counts, resource_search, search_page
from consultations.services import organization_save, resource_save
from tests.consultations.factories import OrganizationFactory, WelfareResourceFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the counts are kept by PostgreSQL triggers"
    ),
]


def kept() -> dict[str, tuple[int, int, int, int]]:
    return {
        row[0]: row[1:]
        for row in SearchGramCount.objects.values_list(
            "gram", "public_texts", "public_names", "all_texts", "all_names"
        )
        if any(row[1:])
    }


def rebuilt() -> dict[str, tuple[int, int, int, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT consultations_gram_counts_rebuild()")
    return kept()


def counted(q: str) -> tuple[int, int, int, int]:
    """A gram's four counts as a DBA would count them: by LIKE over the rows."""
    public = WelfareResource.objects.public()
    everything = WelfareResource.objects.all()

    def texts(qs):  # noqa: ANN001, ANN202
        return qs.filter(search_text__contains=q).count()

    def names(qs):  # noqa: ANN001, ANN202
        return qs.filter(name__icontains=q).count()

    return texts(public), names(public), texts(everything), names(everything)


def test_the_counts_follow_every_kind_of_write_and_equal_a_recount() -> None:
    # given resources created, renamed, unpublished, paused, moved and deleted, one by one
    # and in bulk, through the services and around them
    home = OrganizationFactory(name="무주 돌봄센터")
    first = WelfareResourceFactory(name="긴급돌봄 지원", organization=home)
    second = WelfareResourceFactory(name="방문 목욕", organization=home)
    third = WelfareResourceFactory(name="노인 돌봄 도시락")
    resource_save(resource=second, name="방문 돌봄 목욕")
    WelfareResource.objects.filter(pk=third.pk).update(is_published=False)
    WelfareResource.objects.filter(pk=first.pk).update(status=WelfareResource.Status.INACTIVE)
    organization_save(organization=home, name="장수 복지관")
    build_directory(random.Random(3), resources=120, today=timezone.localdate())
    WelfareResource.objects.filter(name__contains="상담").update(is_published=False)
    WelfareResource.objects.filter(pk__in=WelfareResource.objects.order_by("id")[:10]).delete()
    kept_now = kept()

    # then the kept counts are those a full recount gives, and those LIKE gives
    assert kept_now == rebuilt()
    for gram in ("돌봄", "목욕", "장수", "무주", "노인", "상담"):
        assert kept_now.get(gram, (0, 0, 0, 0)) == counted(gram), gram
    totals = kept_now[""]
    assert totals[0] == totals[1] == WelfareResource.objects.public().count()
    assert totals[2] == totals[3] == WelfareResource.objects.count()


def test_an_update_that_changes_no_text_or_public_state_leaves_the_counts_untouched() -> None:
    # given
    WelfareResourceFactory.create_batch(3, name="돌봄 지원")

    def versions() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT gram, xmin::text FROM consultations_searchgramcount")
            return sorted(cursor.fetchall())

    before = versions()

    # when the nightly freshness pass rewrites every resource's check date
    WelfareResource.objects.update(assured_date=timezone.localdate())

    # then no count row was rewritten (each would have locked a row every writer shares)
    assert versions() == before


def test_emptying_the_directory_empties_the_counts() -> None:
    WelfareResourceFactory(name="돌봄 지원")

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the factory's foreign keys, checked
        cursor.execute("TRUNCATE consultations_welfareresource CASCADE")

    assert kept() == {}


def test_the_counts_name_the_whole_public_or_whole_directory_only() -> None:
    # given
    WelfareResourceFactory(name="돌봄 지원")
    public = WelfareResource.objects.public().select_related("organization")

    # then the finder's and the staff's whole directories are counted; a filtered one is not
    assert gram_counts(public, "돌봄").texts == 1
    assert gram_counts(WelfareResource.objects.all(), "돌봄").names == 1
    assert gram_counts(public.filter(cost="free"), "돌봄") is None
    assert gram_counts(WelfareResource.objects.filter(Q(province_wide=True)), "돌봄") is None
    assert gram_counts(public.distinct(), "돌봄") is None


@pytest.fixture
def directory(monkeypatch: pytest.MonkeyPatch) -> None:
    build_directory(random.Random(11), resources=3000, today=timezone.localdate())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # A cap and a walk scaled to this small directory, so that common words pass them
    monkeypatch.setattr(resources, "COUNT_CAP", 300)
    monkeypatch.setattr(resources, "RANK_ALL_UP_TO", 300)


def test_a_common_two_syllable_word_is_counted_from_the_kept_counts_not_its_matches(
    directory: None,
) -> None:
    public = WelfareResource.objects.public()
    assert resource_search(public, "돌봄").count() > 300

    # when
    with CaptureQueriesContext(connection) as queries:
        result = search_page(public, "돌봄", page=1, per_page=20)

    # then two statements: the counts, and tier 0's walk with the page's rows; none reads
    # the search text's gram index (the bitmap of every match)
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) == 2, sql
    assert "consultations_searchgramcount" in sql[0]
    assert not any("consultations_bigrams" in statement for statement in sql)
    assert result.count == 300 and result.count_capped and result.has_next
    assert [r.pk for r in result.results] == [r.pk for r in resource_search(public, "돌봄")[:20]]


@pytest.mark.parametrize("q", ["돌봄", "노인", "목욕", "장수", "전주", "무주", "건강", "ab"])
@pytest.mark.parametrize("page", [1, 2, 7])
def test_pages_from_the_kept_counts_equal_the_full_ranking(
    directory: None, q: str, page: int
) -> None:
    for queryset in (WelfareResource.objects.public(), WelfareResource.objects.all()):
        expected = resource_search(queryset, q)
        total = expected.count()

        result = search_page(queryset, q, page=page, per_page=20)

        start = (page - 1) * 20
        assert [r.pk for r in result.results] == [r.pk for r in expected[start : start + 20]]
        assert (result.count, result.count_capped) == (min(total, 300), total > 300)
