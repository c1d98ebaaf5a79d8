"""Benchmark: the directory's Korean substring search with the indexes of migration 0004 against
the same searches as a plain ``icontains`` scan.

Generates a welfare resource directory (organizations in each of Jeonbuk's 14 시·군, resources
named from realistic parts such as 긴급돌봄지원, 노인맞춤돌봄, 장애인활동지원, 주거환경개선, with
categories, eligibility texts, regions served, target groups) by ``bulk_create``, computing
each ``search_text`` in Python with the service's own ``search_text_for``. Then, for a mix of
two-syllable queries (돌봄 노인 장수 주거 …) and longer ones (긴급돌봄 노인맞춤 정신건강 …),
times one search as the API runs it (the row count and the first page of 25, ranked) in
three ways:

- ``indexed``: ``consultations.resources.resource_search`` (bigram GIN index + LIKE, trigram);
- ``icontains``: ``search_text__icontains`` with index and bitmap scans switched off: the plain
  scan the goal is judged against;
- ``LIKE scan``: ``search_text__contains`` with the same switches: how much of the gain is the
  index rather than avoiding ``UPPER()``.

Prints the median per group (two syllables, longer), the ratios, a line per query word, and
the EXPLAIN of one two-syllable search. Goal (PostgreSQL): indexed at least 10x faster than
``icontains`` and a median under 100 ms, for both groups.

Run from the project root::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/care_ops_bench \\
        .venv/bin/python bench/resource_search.py [--resources 100000] [--queries 100] [--check]

The script runs under ``tests.settings`` and creates its own test database
(``test_<NAME>_resource_search``, dropped at the end), so it never touches the data of the
database ``DATABASE_URL`` names, nor the test database of another benchmark. ``run()`` is the
core, callable from a test inside pytest-django's database.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._database import django_setup, own_test_database  # noqa: E402

GOAL_RATIO = 10.0
GOAL_MEDIAN_MS = 100.0
DEFAULT_RESOURCES = 100_000
DEFAULT_QUERIES = 100
DEFAULT_SEED = 2024
PAGE_SIZE = 25
BATCH_SIZE = 5000
RESOURCES_PER_ORGANIZATION = 40
EXPLAIN_QUERY = "장수"
# Planner switches for the plain scans: no index or bitmap scan, whatever indexes exist.
NO_INDEX_SETTINGS = ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan")

# Query words, as a counselor types them. Two syllables: the common case and the one a trigram
# index cannot serve (DESIGN §6). Longer: words of three or more syllables.
SHORT_QUERIES = (
    "돌봄", "노인", "장수", "주거", "방문", "급식", "간호", "치매", "목욕", "장애",
    "아동", "상담", "임실", "무주", "수리", "이동", "전주", "군산",
)  # fmt: skip
LONG_QUERIES = (
    "긴급돌봄", "노인맞춤", "정신건강", "장애인활동", "주거환경", "방문간호", "무료급식", "도시락",
    "아동돌봄", "치매안심", "경로식당", "집수리", "병원동행", "노인일자리", "에너지바우처",
    "통합사례관리", "청소년상담",
)  # fmt: skip

# Jeonbuk's 14 시·군 (codes of migration care 0003) with a few 읍·면·동 each.
REGIONS: dict[str, tuple[str, ...]] = {
    "jeonju": ("효자동", "삼천동", "인후동", "송천동", "서신동", "평화동"),
    "gunsan": ("나운동", "수송동", "조촌동", "옥구읍", "회현면", "임피면"),
    "iksan": ("영등동", "모현동", "부송동", "함열읍", "금마면", "왕궁면"),
    "jeongeup": ("수성동", "시기동", "신태인읍", "태인면", "고부면"),
    "namwon": ("도통동", "향교동", "운봉읍", "인월면", "산내면"),
    "gimje": ("요촌동", "신풍동", "만경읍", "금구면", "죽산면"),
    "wanju": ("봉동읍", "삼례읍", "용진읍", "이서면", "고산면", "상관면"),
    "jinan": ("진안읍", "마령면", "부귀면", "백운면"),
    "muju": ("무주읍", "설천면", "무풍면", "적상면"),
    "jangsu": ("장수읍", "장계면", "번암면", "산서면"),
    "imsil": ("임실읍", "관촌면", "오수면", "강진면"),
    "sunchang": ("순창읍", "쌍치면", "복흥면", "구림면"),
    "gochang": ("고창읍", "흥덕면", "무장면", "해리면"),
    "buan": ("부안읍", "변산면", "줄포면", "계화면"),
}
# Population in thousands (2023, rounded): private providers, and so most resources, are
# where people live; every 시·군 still has its own public and welfare bodies.
POPULATION: dict[str, int] = {
    "jeonju": 645, "gunsan": 261, "iksan": 272, "jeongeup": 104, "namwon": 78, "gimje": 82,
    "wanju": 91, "jinan": 25, "muju": 23, "jangsu": 21, "imsil": 26, "sunchang": 27,
    "gochang": 53, "buan": 51,
}  # fmt: skip
# Neighbouring 시·군: a resource served beyond its home region usually reaches next door.
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "jeonju": ("wanju", "gimje", "iksan", "imsil"),
    "gunsan": ("iksan", "gimje"),
    "iksan": ("jeonju", "gunsan", "wanju", "gimje"),
    "jeongeup": ("gimje", "gochang", "buan", "sunchang", "imsil"),
    "namwon": ("sunchang", "imsil", "jangsu"),
    "gimje": ("jeonju", "gunsan", "iksan", "jeongeup", "buan", "wanju"),
    "wanju": ("jeonju", "iksan", "gimje", "jinan", "imsil"),
    "jinan": ("wanju", "muju", "jangsu", "imsil"),
    "muju": ("jinan", "jangsu"),
    "jangsu": ("jinan", "muju", "namwon", "imsil"),
    "imsil": ("jeonju", "wanju", "jinan", "jangsu", "namwon", "sunchang", "jeongeup"),
    "sunchang": ("jeongeup", "imsil", "namwon"),
    "gochang": ("jeongeup", "buan"),
    "buan": ("gimje", "jeongeup", "gochang"),
}
# Organizations every 시·군 has ({r}: the 시·군 without 시/군, e.g. 장수), with their kind.
REGIONAL_ORGANIZATIONS = (
    ("{r}시니어클럽", "provider"), ("{r}노인복지관", "welfare_center"),
    ("{r}장애인종합복지관", "welfare_center"), ("{r}종합사회복지관", "welfare_center"),
    ("{r}사회복지협의회", "council"), ("{r}보건소", "public"),
    ("{r}정신건강복지센터", "public"), ("{r}치매안심센터", "public"),
    ("{r}지역자활센터", "provider"), ("{r}가족센터", "welfare_center"),
    ("{r}청소년상담복지센터", "welfare_center"), ("{r}노인보호전문기관", "nonprofit"),
)  # fmt: skip
# Private providers, numbered per 시·군 to give each region its share of organizations.
PROVIDER_NAMES = (
    "행복재가복지센터", "사랑주간보호센터", "희망방문요양센터", "햇살지역아동센터",
    "나눔푸드뱅크", "한마음자원봉사센터", "온누리장애인자립생활센터", "늘푸른요양원",
    "새날사회적협동조합", "우리동네돌봄센터", "참좋은방문간호센터", "다솜집수리협동조합",
)  # fmt: skip
PROVINCE_ORGANIZATIONS = (
    ("전북특별자치도사회서비스원", "public"), ("전북특별자치도사회복지협의회", "council"),
    ("LH 전북지역본부 주거행복지원센터", "housing"), ("전북대학교병원", "hospital"),
    ("전북광역치매센터", "public"), ("전북광역정신건강복지센터", "public"),
    ("대한법률구조공단 전주지부", "public"), ("전북노인보호전문기관", "nonprofit"),
)  # fmt: skip
# Service names by category code (migration consultations 0002), the cores names are built on.
SERVICES: dict[str, tuple[str, ...]] = {
    "care_emergency": ("긴급돌봄지원", "돌봄SOS서비스", "일시재가돌봄", "단기시설돌봄"),
    "care_home": ("노인맞춤돌봄서비스", "재가노인지원서비스", "장애인활동지원", "방문요양",
                  "방문목욕", "주야간보호"),
    "care_child": ("아동돌봄", "다함께돌봄센터", "방과후돌봄교실", "아이돌봄서비스"),
    "health_medical": ("방문간호", "의료비 지원", "틀니·보청기 지원", "재난적의료비 지원",
                       "건강검진 안내"),
    "health_mental": ("정신건강상담", "자살예방 상담", "치매조기검진", "치매안심 쉼터"),
    "living_meal": ("무료급식", "경로식당", "밑반찬 배달", "도시락 배달"),
    "living_income": ("긴급복지 생계지원", "기초생활보장 상담", "에너지바우처", "푸드뱅크 연계"),
    "housing_repair": ("주거환경개선", "집수리 지원", "안전손잡이 설치", "방충망·단열 보수"),
    "housing_rent": ("주거급여 안내", "매입임대주택 입주지원", "주거상향 지원"),
    "mobility": ("교통약자 이동지원", "병원동행 서비스", "장애인콜택시"),
    "employment": ("노인일자리", "장애인 일자리", "자활근로"),
    "education": ("평생교육 프로그램", "경로당 여가 프로그램", "디지털 배움터"),
    "counseling": ("가족상담", "통합사례관리", "청소년상담"),
    "legal": ("무료법률상담", "노인학대 예방 상담", "장애인 권익옹호"),
}  # fmt: skip
NAME_PREFIXES = ("", "", "", "찾아가는 ", "2023 ", "행복 ", "희망 ", "사랑의 ", "{town} ")
NAME_SUFFIXES = ("", "", "", " 사업", " 서비스", " 프로그램", " 지원사업")
ELIGIBILITY: dict[str, tuple[str, ...]] = {
    "elderly": ("만 65세 이상 홀로 사는 어르신", "만 65세 이상 기초연금 수급 노인",
                "장기요양 등급외 판정을 받은 노인"),
    "disabled": ("등록 장애인(심한 장애)", "만 6세 이상 65세 미만 등록 장애인",
                 "장애인 가구"),
    "child": ("18세 미만 아동이 있는 가정", "초등학생 자녀를 둔 맞벌이 가정"),
    "youth": ("9세 이상 24세 이하 청소년", "학교 밖 청소년"),
    "family": ("한부모·조손 가족", "다문화 가족"),
    "low_income": ("기초생활수급자 및 차상위계층", "기준 중위소득 120% 이하 가구",
                   "갑작스러운 위기로 생계가 어려운 가구"),
    "everyone": ("도내 거주자 누구나", "갑작스러운 질병·부상으로 혼자 지내기 어려운 도민"),
}  # fmt: skip
STATUS_WEIGHTS = (("active", 85), ("inactive", 5), ("defunct", 4), ("temporarily_closed", 6))


class BenchError(RuntimeError):
    """The benchmark could not run as planned (reference data missing, results differ)."""


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryTiming:
    query: str
    matches: int  # rows found by the indexed search
    indexed_ms: float
    icontains_ms: float
    like_ms: float
    counts_match: bool  # the three ways found the same number of rows

    @property
    def short(self) -> bool:
        return len(self.query) <= 2


@dataclass(frozen=True)
class GroupFigures:
    label: str
    searches: int
    median_matches: float
    indexed_ms: float
    icontains_ms: float
    like_ms: float

    @property
    def ratio(self) -> float:
        return self.icontains_ms / self.indexed_ms if self.indexed_ms > 0 else float("inf")

    @property
    def like_ratio(self) -> float:
        return self.like_ms / self.indexed_ms if self.indexed_ms > 0 else float("inf")

    @property
    def meets_goal(self) -> bool:
        return self.ratio >= GOAL_RATIO and self.indexed_ms < GOAL_MEDIAN_MS


@dataclass
class BenchResult:
    vendor: str
    resources: int
    organizations: int
    build_seconds: float
    timings: list[QueryTiming]
    explain_query: str = EXPLAIN_QUERY
    explain: str = ""
    table_mb: float = 0.0
    index_mb: dict[str, float] = field(default_factory=dict)

    def group(self, *, short: bool) -> GroupFigures:
        rows = [t for t in self.timings if t.short == short]
        if not rows:
            return GroupFigures("two syllables" if short else "longer", 0, 0, 0, 0, 0)
        return GroupFigures(
            label="two syllables" if short else "three or more",
            searches=len(rows),
            median_matches=statistics.median(t.matches for t in rows),
            indexed_ms=statistics.median(t.indexed_ms for t in rows),
            icontains_ms=statistics.median(t.icontains_ms for t in rows),
            like_ms=statistics.median(t.like_ms for t in rows),
        )

    @property
    def overall(self) -> GroupFigures:
        return GroupFigures(
            label="all",
            searches=len(self.timings),
            median_matches=statistics.median(t.matches for t in self.timings),
            indexed_ms=statistics.median(t.indexed_ms for t in self.timings),
            icontains_ms=statistics.median(t.icontains_ms for t in self.timings),
            like_ms=statistics.median(t.like_ms for t in self.timings),
        )

    @property
    def counts_match(self) -> bool:
        return all(t.counts_match for t in self.timings)

    @property
    def explain_uses_bigram_index(self) -> bool:
        return "welfareresource_search_bigrams" in self.explain

    @property
    def meets_goal(self) -> bool:
        groups = [self.group(short=True), self.group(short=False)]
        return self.vendor == "postgresql" and all(g.meets_goal for g in groups if g.searches)


# --- data -----------------------------------------------------------------------------------


def _short_region(name: str) -> str:
    """전주시 → 전주, 장수군 → 장수."""
    return name[:-1] if name[-1:] in ("시", "군") else name


def _organizations(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """About ``count`` organizations: the province's own, each 시·군's public and welfare
    bodies, then numbered private providers spread over the 시·군 by population."""
    from base.models import Region

    regions = {r.code: r for r in Region.objects.filter(code__in=REGIONS)}
    missing = set(REGIONS) - set(regions)
    if missing:
        raise BenchError(f"regions missing from the database (migrations?): {sorted(missing)}")
    rows: list[dict[str, Any]] = [
        {"name": name, "kind": kind, "region": None} for name, kind in PROVINCE_ORGANIZATIONS
    ]
    for region in regions.values():
        short = _short_region(region.name)
        rows += [
            {"name": template.format(r=short), "kind": kind, "region": region}
            for template, kind in REGIONAL_ORGANIZATIONS
        ]
    codes = list(regions)
    weights = [POPULATION[code] for code in codes]
    providers: dict[str, int] = {}
    while len(rows) < count:
        code = rng.choices(codes, weights=weights)[0]
        number = providers[code] = providers.get(code, 0) + 1
        provider = PROVIDER_NAMES[(number - 1) % len(PROVIDER_NAMES)]
        serial = (number - 1) // len(PROVIDER_NAMES) + 1
        short = _short_region(regions[code].name)
        rows.append(
            {
                "name": f"{short} {provider}" + (f" {serial}호" if serial > 1 else ""),
                "kind": "provider",
                "region": regions[code],
            }
        )
    rng.shuffle(rows)
    return rows


def build_directory(rng: random.Random, *, resources: int, today: date) -> tuple[int, int]:
    """Organizations and ``resources`` resources with their regions and target groups, written
    by ``bulk_create`` with ``search_text`` computed as the service computes it."""
    from base.models import Region
    from consultations.models import Organization, ResourceCategory, TargetGroup, WelfareResource
    from consultations.resources import search_text_for

    categories = {c.code: c for c in ResourceCategory.objects.filter(code__in=SERVICES)}
    groups = {g.code: g for g in TargetGroup.objects.filter(code__in=ELIGIBILITY)}
    if set(categories) != set(SERVICES) or set(groups) != set(ELIGIBILITY):
        raise BenchError("resource categories or target groups missing (migrations?)")
    regions = {r.code: r for r in Region.objects.filter(code__in=REGIONS)}
    region_codes = list(REGIONS)

    wanted = max(1, resources // RESOURCES_PER_ORGANIZATION)
    organizations = Organization.objects.bulk_create(
        Organization(
            name=row["name"],
            kind=row["kind"],
            region=row["region"],
            phone=f"063-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}",
            is_partner=row["kind"] in ("council", "hospital", "housing"),
            mou_date=date(2023, rng.randint(1, 12), rng.randint(1, 28))
            if row["kind"] in ("council", "hospital", "housing")
            else None,
        )
        for row in _organizations(rng, wanted)
    )

    category_codes = list(SERVICES)
    statuses = [s for s, _w in STATUS_WEIGHTS]
    status_weights = [w for _s, w in STATUS_WEIGHTS]
    names_taken: set[tuple[int, str]] = set()
    made = 0
    while made < resources:
        batch: list[WelfareResource] = []
        links: list[tuple[list[int], list[int]]] = []
        for _ in range(min(BATCH_SIZE, resources - made)):
            organization = rng.choice(organizations)
            home = organization.region.code if organization.region else rng.choice(region_codes)
            province_wide = organization.region is None or rng.random() < 0.08
            extra = rng.choices((0, 1, 2), weights=(75, 20, 5))[0]
            served = [] if province_wide else [home, *rng.sample(NEIGHBOURS[home], extra)]
            category_code = rng.choice(category_codes)
            category = categories[category_code]
            group_codes = rng.sample(list(ELIGIBILITY), rng.choice((1, 1, 2)))
            eligibility = ", ".join(rng.choice(ELIGIBILITY[code]) for code in group_codes)
            prefix = rng.choice(NAME_PREFIXES).format(town=rng.choice(REGIONS[home]))
            name = f"{prefix}{rng.choice(SERVICES[category_code])}{rng.choice(NAME_SUFFIXES)}"
            serial = 1
            unique = name
            while (organization.pk, unique) in names_taken:
                serial += 1
                unique = f"{name} {serial}"
            names_taken.add((organization.pk, unique))
            region_names = [regions[code].name for code in served]
            assured = (
                None if rng.random() < 0.1 else today - timedelta(days=rng.randint(0, 2 * 365))
            )
            batch.append(
                WelfareResource(
                    name=unique,
                    organization=organization,
                    category=category,
                    eligibility=eligibility,
                    description=f"{unique}: {eligibility}에게 제공합니다.",
                    province_wide=province_wide,
                    phone=organization.phone,
                    how_to_apply="전화 또는 방문 신청",
                    status=rng.choices(statuses, weights=status_weights)[0],
                    assured_date=assured,
                    search_text=search_text_for(
                        name=unique,
                        organization=organization.name,
                        category=category.name,
                        eligibility=eligibility,
                        regions=[*region_names, "전북 도 전역"] if province_wide else region_names,
                    ),
                )
            )
            links.append(
                ([regions[code].pk for code in served], [groups[code].pk for code in group_codes])
            )
        created = WelfareResource.objects.bulk_create(batch)
        WelfareResource.regions.through.objects.bulk_create(
            WelfareResource.regions.through(welfareresource_id=resource.pk, region_id=region_id)
            for resource, (region_ids, _groups) in zip(created, links, strict=True)
            for region_id in region_ids
        )
        WelfareResource.target_groups.through.objects.bulk_create(
            WelfareResource.target_groups.through(
                welfareresource_id=resource.pk, targetgroup_id=group_id
            )
            for resource, (_regions, group_ids) in zip(created, links, strict=True)
            for group_id in group_ids
        )
        made += len(created)
    return len(organizations), made


def _analyze() -> None:
    """Fresh statistics for the planner; on PostgreSQL outside a transaction, VACUUM too, which
    also merges the GIN indexes' pending lists into the indexes proper."""
    from django.db import connection

    table = "consultations_welfareresource"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("ANALYZE")


# --- timing ---------------------------------------------------------------------------------


def query_plan(count: int, rng: random.Random) -> list[str]:
    """``count`` queries, alternately two syllables and longer, each pool shuffled and cycled."""
    short, long_ = list(SHORT_QUERIES), list(LONG_QUERIES)
    rng.shuffle(short)
    rng.shuffle(long_)
    return [
        short[(i // 2) % len(short)] if i % 2 == 0 else long_[(i // 2) % len(long_)]
        for i in range(count)
    ]


@contextmanager
def indexes_disabled() -> Iterator[None]:
    """Switch index and bitmap scans off for this connection (PostgreSQL), then back."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        for setting in NO_INDEX_SETTINGS:
            cursor.execute(f"SET {setting} = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for setting in NO_INDEX_SETTINGS:
                cursor.execute(f"RESET {setting}")


def _reader() -> Any:
    """The account the searches run as: the list endpoint's selector wants one."""
    from django.contrib.auth import get_user_model

    user, _created = get_user_model().objects.get_or_create(username="bench-resource-search")
    return user


def indexed_search(q: str, user: Any) -> Any:
    """The list endpoint's queryset for ``?search=q``: ``resource_search`` on the selector's
    rows (needs_review annotated, organization, category, regions, target groups prefetched)."""
    from consultations.selectors import resource_list

    return resource_list(user=user, q=q)


def plain_search(q: str, user: Any, *, lookup: str = "icontains") -> Any:
    """The same rows, ranking and page without the indexed form: a ``LIKE`` over every row."""
    from consultations.resources import normalize_query, search_rank
    from consultations.selectors import resource_list

    q = normalize_query(q)
    return (
        resource_list(user=user)
        .filter(**{f"search_text__{lookup}": q})
        .annotate(search_rank=search_rank(q))
        .order_by("search_rank", "name", "id")
    )


def time_search(queryset: Any) -> tuple[float, int]:
    """One search as the list endpoint runs it: the row count and the first page (with the
    page's prefetches)."""
    started = time.perf_counter()
    count = queryset.count()
    page = list(queryset[:PAGE_SIZE])
    elapsed = (time.perf_counter() - started) * 1000
    if count and not page:
        raise BenchError("a search counted rows but returned none")
    return elapsed, count


def time_queries(queries: Sequence[str], user: Any) -> list[QueryTiming]:
    # One untimed round first, so that every way meets warm caches.
    for q in dict.fromkeys(queries):
        time_search(indexed_search(q, user))
        with indexes_disabled():
            time_search(plain_search(q, user))
            time_search(plain_search(q, user, lookup="contains"))
    timings = []
    for q in queries:
        indexed_ms, found = time_search(indexed_search(q, user))
        with indexes_disabled():
            icontains_ms, found_icontains = time_search(plain_search(q, user))
            like_ms, found_like = time_search(plain_search(q, user, lookup="contains"))
        timings.append(
            QueryTiming(
                query=q,
                matches=found,
                indexed_ms=indexed_ms,
                icontains_ms=icontains_ms,
                like_ms=like_ms,
                counts_match=found == found_icontains == found_like,
            )
        )
    return timings


def _sizes() -> tuple[float, dict[str, float]]:
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0, {}
    mb = 1024 * 1024
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_table_size('consultations_welfareresource')")
        table = cursor.fetchone()[0] / mb
        cursor.execute(
            "SELECT indexname, pg_relation_size(indexname::regclass) FROM pg_indexes "
            "WHERE tablename = 'consultations_welfareresource' AND indexname LIKE %s",
            ["welfareresource_search_%"],
        )
        indexes = {name: size / mb for name, size in cursor.fetchall()}
    return table, indexes


def run(
    resources: int = DEFAULT_RESOURCES,
    queries: int = DEFAULT_QUERIES,
    *,
    seed: int = DEFAULT_SEED,
) -> BenchResult:
    """Build the directory, time the searches on the configured (test) database."""
    from django.db import connection
    from django.utils import timezone

    if resources < 1 or queries < 2:
        raise ValueError("need at least one resource and two queries")
    rng = random.Random(seed)
    started = time.perf_counter()
    organizations, made = build_directory(rng, resources=resources, today=timezone.localdate())
    _analyze()
    build_seconds = time.perf_counter() - started

    user = _reader()
    timings = time_queries(query_plan(queries, rng), user)
    explain_options = {"analyze": True} if connection.vendor == "postgresql" else {}
    explain = indexed_search(EXPLAIN_QUERY, user)[:PAGE_SIZE].explain(**explain_options)
    table_mb, index_mb = _sizes()
    return BenchResult(
        vendor=connection.vendor,
        resources=made,
        organizations=organizations,
        build_seconds=build_seconds,
        timings=timings,
        explain=explain,
        table_mb=table_mb,
        index_mb=index_mb,
    )


# --- report and command line ----------------------------------------------------------------


def report(result: BenchResult, *, database: str = "") -> str:
    lines = [
        f"resource search on {result.vendor}{f' ({database})' if database else ''}: "
        f"{result.resources:,} resources of {result.organizations:,} organizations "
        f"(built in {result.build_seconds:.1f} s), {len(result.timings)} searches, "
        f"each = count + first page of {PAGE_SIZE}, ranked",
    ]
    if result.index_mb:
        sizes = ", ".join(f"{name} {mb:.1f} MB" for name, mb in sorted(result.index_mb.items()))
        lines.append(f"table {result.table_mb:.1f} MB; indexes: {sizes}")
    lines += [
        "",
        f"{'median':<16}{'searches':>9}{'matches':>9}{'indexed ms':>12}{'icontains ms':>14}"
        f"{'ratio':>8}{'LIKE scan ms':>14}{'ratio':>8}",
    ]
    groups = [result.group(short=True), result.group(short=False), result.overall]
    for g in groups:
        lines.append(
            f"{g.label:<16}{g.searches:>9}{g.median_matches:>9,.0f}{g.indexed_ms:>12.2f}"
            f"{g.icontains_ms:>14.2f}{g.ratio:>7.1f}x{g.like_ms:>14.2f}{g.like_ratio:>7.1f}x"
        )
    lines += ["", "per query word (medians over its searches):"]
    by_query: dict[str, list[QueryTiming]] = {}
    for t in result.timings:
        by_query.setdefault(t.query, []).append(t)
    for q, rows in sorted(by_query.items(), key=lambda item: (len(item[0]) > 2, item[0])):
        indexed = statistics.median(t.indexed_ms for t in rows)
        icontains = statistics.median(t.icontains_ms for t in rows)
        share = rows[0].matches / result.resources * 100 if result.resources else 0
        lines.append(
            f"  {q:<8}{rows[0].matches:>8,} rows ({share:4.1f}%)  indexed {indexed:8.2f} ms"
            f"  icontains {icontains:8.2f} ms  {icontains / indexed if indexed else 0:6.1f}x"
        )
    if result.vendor == "postgresql":
        verdicts = []
        for g in groups[:2]:
            verdict = "met" if g.meets_goal else "NOT met"
            verdicts.append(f"{g.label} {verdict}")
        goal = f">= {GOAL_RATIO:g}x faster than icontains and median < {GOAL_MEDIAN_MS:g} ms"
        lines += ["", f"goal ({goal}): {'; '.join(verdicts)}"]
    else:
        lines += ["", "goal: judged on PostgreSQL only (SQLite has no such indexes)"]
    lines += [
        f"row counts alike in all three ways: {'yes' if result.counts_match else 'NO'}",
        "",
        f"EXPLAIN ANALYZE of the first page for {result.explain_query!r} (indexed):",
        result.explain,
    ]
    return "\n".join(lines)


def exit_code(result: BenchResult, *, check: bool) -> int:
    if not result.counts_match:
        return 2
    return 1 if check and not result.meets_goal else 0


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=DEFAULT_RESOURCES)
    parser.add_argument("--queries", type=int, default=DEFAULT_QUERIES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"exit 1 unless >= {GOAL_RATIO:g}x and median < {GOAL_MEDIAN_MS:g} ms "
        "for both query groups",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    connection = django_setup()
    with own_test_database(connection, "resource_search") as database:
        result = run(args.resources, args.queries, seed=args.seed)
    print(report(result, database=database))
    return exit_code(result, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
