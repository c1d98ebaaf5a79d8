"""The welfare resource directory: review age, the search text, and Korean substring search."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import NotSupportedError, connections
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Lower, StrIndex
from django.db.models.lookups import GreaterThan
from django.utils import timezone

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

    from consultations.models import WelfareResource

# An entry nobody has checked for a year is likely stale: phone numbers and eligibility change.
REVIEW_AFTER = timedelta(days=365)

# The shortest query the PostgreSQL indexes serve: one two-character gram (DESIGN §6).
INDEXED_QUERY_LENGTH = 2

# Search rank, best first: where the query was found.
RANK_NAME = 0
RANK_ORGANIZATION = 1
RANK_CATEGORY_OR_ELIGIBILITY = 2
RANK_OTHER = 3  # elsewhere in the search text: the regions served


def review_cutoff(today: date | None = None) -> date:
    return (today or timezone.localdate()) - REVIEW_AFTER


def needs_review(assured_date: date | None, today: date | None = None) -> bool:
    """Nobody has confirmed the entry, or not for 12 months (``REVIEW_AFTER``)."""
    return assured_date is None or assured_date < review_cutoff(today)


def needs_review_expression(today: date | None = None) -> Case:
    """``needs_review`` as an annotation, for lists and the ``needs_review`` filter."""
    return Case(
        When(
            Q(assured_date__isnull=True) | Q(assured_date__lt=review_cutoff(today)),
            then=Value(True),
        ),
        default=Value(False),
        output_field=BooleanField(),
    )


def search_text_for(
    *, name: str, organization: str, category: str, eligibility: str, regions: list[str]
) -> str:
    """The text a resource is found by, lower-cased so that one LIKE serves Hangul and Latin."""
    return " ".join([name, organization, category, eligibility, *regions]).lower()


def normalize_query(q: str | None) -> str:
    """A search query as it is matched against ``search_text``: trimmed and lower-cased the
    same way ``search_text_for`` lower-cases the text."""
    return (q or "").strip().lower()


class BigramsContain(Func):
    """``consultations_bigrams(text) @> consultations_bigrams(pattern)``, PostgreSQL only.

    True when every two-character gram of ``pattern`` is one of ``text``'s: necessary for
    ``pattern`` to be a substring of ``text``, and answered by the GIN index over
    ``consultations_bigrams(search_text)`` that migration 0004 creates. A trigram index cannot
    serve ``LIKE '%돌봄%'`` (two syllables hold no whole trigram); this one can. For a
    two-character pattern it is exact; for a longer one it is not sufficient (the grams may
    sit apart) and would need a ``LIKE`` beside it.
    """

    function = "consultations_bigrams"
    arity = 2
    output_field = BooleanField()

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        text_sql, text_params = compiler.compile(self.source_expressions[0])
        pattern_sql, pattern_params = compiler.compile(self.source_expressions[1])
        sql = f"{self.function}({text_sql}) @> {self.function}({pattern_sql})"
        return sql, (*text_params, *pattern_params)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> Any:
        raise NotSupportedError("consultations_bigrams() exists on PostgreSQL only")


def caseless(q: str) -> bool:
    """Whether lower-casing cannot matter to a match of ``q``: it is Hangul, digits and spaces
    only. No character lower-cases into one of these, so ``lower(text)`` holds ``q`` exactly
    when ``text`` does, and a test can skip ``lower()``, which costs more than the ``strpos``
    itself on each row a walk reads (measured: about half of a walk's time)."""
    return all(
        c.isspace() or "0" <= c <= "9" or "\uac00" <= c <= "\ud7a3" or "\u3131" <= c <= "\u318e"
        for c in q
    )


def search_form(queryset: QuerySet[Any], q: str) -> str:
    """How ``resource_search`` matches this (normalized) query on the queryset's database.

    - ``"bigrams"``: PostgreSQL, two characters. Such a query holds no whole trigram, so the
      trigram index cannot serve it; the bigram index can, and for exactly two characters
      "the text has the query's one bigram" is the same as "the text contains the query",
      so no ``LIKE`` is needed on top.
    - ``"trigrams"``: PostgreSQL, three characters or more: the ``LIKE`` alone, which the
      trigram index serves. The bigram condition is deliberately left out here: with both,
      the planner ANDs the two bitmaps, and every row of the lossy trigram bitmap is then
      rechecked by calling ``consultations_bigrams()`` on its text (about 70 µs a row: a
      4-syllable search over 7,000 matches took 1.2 s instead of 27 ms, measured).
    - ``"scan"``: SQLite, or a single character: the ``LIKE`` over every row.
    """
    if connections[queryset.db].vendor != "postgresql" or len(q) < INDEXED_QUERY_LENGTH:
        return "scan"
    return "bigrams" if len(q) == INDEXED_QUERY_LENGTH else "trigrams"


def search_rank(q: str) -> Case:
    """Where the (normalized) query was found, best first: the resource's own name, then its
    organization's, then its category or eligibility, then anywhere else (its regions).

    Computed for every match before the first page can be cut, so it is kept cheap: the
    organizations and categories whose names match are found once each (a hashed subquery
    over a few thousand rows), and the per-row tests are ``strpos`` rather than ``LIKE``
    (no wildcards to escape, and about half the cost on multibyte text; measured).
    """
    from consultations.models import Organization, ResourceCategory

    def holds(expression: Any) -> GreaterThan:
        return GreaterThan(StrIndex(expression, Value(q)), 0)

    def named(model: type[Any]) -> QuerySet[Any]:
        return (
            model.objects.alias(lower_name=Lower("name"))
            .filter(lower_name__contains=q)
            .values("pk")
        )

    return Case(
        When(holds(Lower("name")), then=Value(RANK_NAME)),
        When(organization__in=named(Organization), then=Value(RANK_ORGANIZATION)),
        When(category__in=named(ResourceCategory), then=Value(RANK_CATEGORY_OR_ELIGIBILITY)),
        When(holds(Lower("eligibility")), then=Value(RANK_CATEGORY_OR_ELIGIBILITY)),
        default=Value(RANK_OTHER),
        output_field=IntegerField(),
    )


def resource_search(
    queryset: QuerySet[WelfareResource], q: str | None
) -> QuerySet[WelfareResource]:
    """Resources whose search text holds ``q`` as a substring, best matches first.

    ``돌봄`` finds ``긴급돌봄지원``; ``장수`` finds the resources of 장수군 (the regions served are
    part of the search text). On PostgreSQL a query of two characters or more is answered
    through the indexes of migration 0004: a two-character query through the GIN index over
    the texts' two-character grams, a longer one through ``LIKE '%q%'`` and the trigram index
    (see ``search_form``). On SQLite, and for a single character, the same ``LIKE`` scans.
    The results are annotated ``search_rank`` (see ``search_rank``) and ordered by it, then by
    name and id. An empty query returns the queryset unchanged.
    """
    q = normalize_query(q)
    if not q:
        return queryset
    if search_form(queryset, q) == "bigrams":
        # Exact for two characters: the text holds the query's one bigram if and only if it
        # contains the query. A LIKE on top would only repeat the test, at twice the cost.
        found = queryset.filter(BigramsContain(F("search_text"), Value(q)))
    else:
        # ``contains`` is LIKE '%q%' with %, _ and \ escaped and the pattern bound as a
        # parameter; search_text is lower-cased already, so the case-sensitive LIKE is right.
        found = queryset.filter(search_text__contains=q)
    return found.annotate(search_rank=search_rank(q)).order_by("search_rank", "name", "id")


# A count past this is shown as "1,000건 이상": counting every match of a common word costs
# more than the page itself (DESIGN §6).
COUNT_CAP = 1000


@dataclass(frozen=True)
class SearchPage:
    """One page of search results. ``count`` is exact unless ``count_capped``, when it is
    ``COUNT_CAP`` and there are more."""

    results: list[WelfareResource]
    count: int
    count_capped: bool
    page: int
    per_page: int

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.count or (
            self.count_capped and len(self.results) == self.per_page
        )

    @property
    def has_previous(self) -> bool:
        return self.page > 1


SEARCH_CACHE_SECONDS = 300

# Up to this many matches (the capped count tells), ranking them all in one query
# (``resource_search``) is cheap; past it, the page is read tier by tier (``_TierReader``).
RANK_ALL_UP_TO = COUNT_CAP
# A tier's matches are first read through the tier's own index, at most PROBE_ROWS of them:
# a tier that small is sorted whole; a larger one is walked in (name, id) order.
PROBE_ROWS = 200


class AnyOf(Func):
    """``column = ANY(%s)``: the values as one array parameter.

    ``column IN (%s, %s, …)`` with the hundreds of organizations whose names hold 전주 makes
    a query text that differs with every search: the driver parses it anew each time (its
    placeholder split was about 4 ms of a 전주 search's 13, measured) and Django prepares
    each value. One array parameter keeps the text the same, and the planner still sees the
    values (client-side binding)."""

    output_field = BooleanField()
    arity = 1

    def __init__(self, expression: Any, values: list[int]) -> None:
        super().__init__(expression)
        self.values = [int(value) for value in values]

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            # The array as its text, cast: the driver adapting a list of 857 ids item by
            # item cost about 0.9 ms each time, five times per 전주 search (measured).
            literal = "{" + ",".join(map(str, self.values)) + "}"
            return f"{sql} = ANY(%s::integer[])", (*params, literal)
        if not self.values:
            return "1 = 0", ()
        placeholders = ", ".join(["%s"] * len(self.values))
        return f"{sql} IN ({placeholders})", (*params, *self.values)


class _TierReader:
    """The first ``needed`` rows of ``resource_search(queryset, q)``, read tier by tier.

    The tiers are ``search_rank``'s (the resource's own name; its organization's name; its
    category or eligibility; elsewhere), each ordered by name and id, so their concatenation
    is the reference order. A row of an earlier tier is never read again: each tier's
    condition excludes the earlier ones, with ``search_rank``'s tests, and requires the search
    text to hold the query, as ``resource_search`` does. Each tier is read in two steps:

    1. the probe: up to ``PROBE_ROWS + 1`` of the tier's rows through the tier's own index
       (the names' bigram or trigram index; the organizations whose names match, found first
       in their small table, then their resources by ``(organization_id, name, id)``; the
       search text's indexes for the last two tiers), sorted. A tier of at most
       ``PROBE_ROWS`` rows ends here, whatever the planner would have guessed of its size
       (전주 is in many organizations' names and few resources').
    2. the walk: a larger tier is read in (name, id) order (index ``welfareresource_name_id``)
       with a limit. The probe's rows bound it: the ``needed``-th of them in order is a tier
       row, so the walk never goes past it.
    """

    def __init__(self, queryset: QuerySet[WelfareResource], q: str) -> None:
        self.base = queryset.order_by().alias(lower_name=Lower("name"))
        self.q = q
        self.form = search_form(queryset, q)

    @cached_property
    def _organizations(self) -> tuple[list[int], int]:
        """The organizations whose names hold the query, and how many there are in all: a
        small table, read first (one scan for both), so that the planner sees their ids
        rather than guessing how many resources they have."""
        from django.contrib.postgres.aggregates import ArrayAgg

        from consultations.models import Organization

        found = Organization.objects.using(self.base.db).aggregate(
            ids=ArrayAgg("pk", filter=self._names_hold(), default=[]), total=Count("pk")
        )
        return found["ids"], found["total"]

    @property
    def organization_ids(self) -> list[int]:
        return self._organizations[0]

    @cached_property
    def category_ids(self) -> list[int]:
        from consultations.models import ResourceCategory

        return list(
            ResourceCategory.objects.using(self.base.db)
            .order_by()
            .filter(self._names_hold())
            .values_list("pk", flat=True)
        )

    def _names_hold(self) -> Q:
        # Without lower() for a Hangul query: it cost more than the scan of the table's few
        # thousand names (1.4 ms for 익산, of which the scan 0.3).
        return self._holds(F("name") if caseless(self.q) else Lower("name"))

    def _walk_names_for_organizations(self, needed: int) -> bool:
        """Whether tier 1's first ``needed`` rows are found sooner by walking every name in
        order than by reading the matching organizations' resources and sorting them: when
        those organizations are a large enough share of all (전주: 857 of 2,500, a walk of
        about 60 names; 전북: 7, a walk of 7,000, where reading their 300 resources is
        cheaper). Their share of the organizations stands for their share of resources."""
        ids, total = self._organizations
        return bool(ids) and needed * total / len(ids) <= WALK_BUDGET

    def _holds(self, expression: Any) -> Q:
        # strpos, not LIKE: no index serves it, so the planner keeps to the tier's own index.
        return Q(GreaterThan(StrIndex(expression, Value(self.q)), 0))

    def _condition(self, index: int, walk: bool = False) -> Q:
        """``search_rank``'s test for tier ``index`` (0 to 2; tier 3 is the rest).

        ``walk``: a test that no index serves (see ``_looked_up``). The organizations whose
        names hold 전주 are a third of them: their resources are found sooner by walking the
        names in order than by reading each organization's resources and sorting them
        (26 ms), which the planner chose when it could (it expected 49 rows, not 3,726).
        When that is the better way (``_walk_names_for_organizations``), the walk's test is
        this one.
        """
        if index == 0:
            return self._holds(F("name") if caseless(self.q) else Lower("name"))
        if index == 1:
            organization = F("organization_id") + Value(0) if walk else F("organization_id")
            return Q(AnyOf(organization, self.organization_ids))
        return Q(AnyOf(F("category_id"), self.category_ids)) | self._holds(Lower("eligibility"))

    def _tier(self, index: int, walk: bool = False) -> Q:
        """The tier's rows: its own test and none of the earlier tiers'."""
        tier = self._holds(F("search_text"))
        if index < 3:
            tier &= self._condition(index, walk)
        for earlier in range(index):
            tier &= ~self._condition(earlier)
        return tier

    def _indexed(self, index: int) -> Q:
        """A test the planner answers from the tier's own index; ``_tier`` still decides."""
        if index == 0:
            if self.form == "bigrams":
                return Q(BigramsContain(Lower("name"), Value(self.q)))
            return Q(lower_name__contains=self.q)  # the trigram index over lower(name)
        if index == 1:
            return Q()  # organization_id IN (...): the (organization_id, name, id) index
        if self.form == "bigrams":
            return Q(BigramsContain(F("search_text"), Value(self.q)))
        return Q(search_text__contains=self.q)

    def _probe(self, index: int) -> list[tuple[int, str]]:
        """Up to ``PROBE_ROWS + 1`` of the tier's rows, (id, name) in (name, id) order."""
        if index == 1:
            # The organizations' resources through (organization_id, name, id) alone, each
            # looked up after: read as one condition, the planner ANDed a bitmap of every
            # resource of hundreds of organizations with one of every active resource (85,000
            # entries) to find 201 rows (익산: 6 ms, now under 1).
            some = self._looked_up(1, Q(AnyOf(F("organization_id"), self.organization_ids)))
        else:
            some = self.base.filter(self._indexed(index)).filter(self._tier(index))
        some = some.annotate(probe_id=F("pk"), probe_name=F("name")).values(
            "probe_id", "probe_name"
        )[: PROBE_ROWS + 1]
        inner_sql, params = some.query.sql_with_params()
        # Sorted outside the LIMIT: any PROBE_ROWS + 1 rows tell the tier is large, and
        # reading them in index order would cost what the probe saves.
        sql = f"SELECT p.probe_id, p.probe_name FROM ({inner_sql}) p ORDER BY 2, 1"  # noqa: S608
        return _rows(self.base.db, sql, params)

    def _walk(self, index: int, needed: int, last: tuple[int, str] | None) -> list[int]:
        """The ids of the tier's first ``needed`` rows in (name, id) order, none past ``last``."""
        return list(self._walked(index, needed, last).values_list("pk", flat=True)[:needed])

    def first_tier_walk(
        self, needed: int, last: tuple[int, str] | None
    ) -> QuerySet[WelfareResource]:
        """The ids of tier 0's first ``needed`` rows, given a tier 0 row ``last`` with at least
        ``needed`` of the tier's rows up to it (so the walk ends there at the latest), or
        ``None`` when the tier is known to be large and dense enough to walk unbounded
        (``GramCounts.walk_length``)."""
        return self._walked(0, needed, last).values_list("pk", flat=True)[:needed]

    def _walked(
        self, index: int, needed: int, last: tuple[int, str] | None
    ) -> QuerySet[WelfareResource]:
        """The tier's rows in (name, id) order, none past ``last``, for the first ``needed``.

        The first two tiers' tests need only the name and the organization, which the index
        ``welfareresource_name_id`` holds: it is walked alone (an index-only scan, about a
        tenth of the cost of reading each row), and only the rows it passes are looked up in
        the queryset. Tier 1 of a few organizations reads their resources through
        ``(organization_id, name, id)`` instead (``_walk_names_for_organizations``). The last
        two tiers walk the queryset's rows themselves.
        """
        within = Q()
        if last is not None:
            last_id, last_name = last
            within = Q(name__lt=last_name) | Q(name=last_name, pk__lte=last_id)
        if index == 0 or (index == 1 and self._walk_names_for_organizations(needed)):
            walked = self._looked_up(index, within & self._condition(index, walk=True))
        elif index == 1:
            walked = self._looked_up(1, within & self._condition(1))
        else:
            walked = self.base.filter(within).filter(self._tier(index))
        return walked.order_by("name", "id")

    def _looked_up(self, index: int, read: Q) -> QuerySet[WelfareResource]:
        """Tier ``index``'s rows (0 or 1) among the resources ``read`` selects, read from an
        index that holds the name and the organization and each looked up in the queryset
        after, by primary key.

        The lookup tests the organization with ``organization_id + 0``, which no index
        serves: given an indexable test there, the planner read every resource of the
        organizations (a bitmap of thousands) and joined them to the walk, instead of
        looking up the walk's few rows (익산: 37 ms instead of 0.3).
        """
        from consultations.models import WelfareResource

        in_tier = self.base.filter(self._tier(index, walk=True)).filter(pk=OuterRef("pk"))
        return (
            WelfareResource.objects.using(self.base.db)
            .order_by()
            .filter(read)
            .filter(*(~self._condition(earlier) for earlier in range(index)))
            .filter(Exists(in_tier))
        )

    def first(self, needed: int) -> list[int]:
        """The ids of the first ``needed`` matches, in ``resource_search``'s order."""
        ids: list[int] = []
        for index in range(4):
            wanted = needed - len(ids)
            if wanted <= 0:
                break
            if index == 1 and not self.organization_ids:
                continue
            rows = self._probe(index)
            if len(rows) <= PROBE_ROWS:
                ids += [pk for pk, _name in rows[:wanted]]
            else:
                # A deep page may want more rows than the probe read: then no bound.
                last = rows[wanted - 1] if wanted <= len(rows) else None
                ids += self._walk(index, wanted, last)
        return ids


def search_page(
    queryset: QuerySet[WelfareResource],
    q: str | None,
    *,
    page: int = 1,
    per_page: int = 20,
    cache_key: str | None = None,
) -> SearchPage:
    """One page of ``resource_search(queryset, q)`` (the same rows in the same order) and a
    count capped at ``COUNT_CAP``: the one selector the public finder and the staff search
    share.

    The count reads at most ``COUNT_CAP + 1`` matches through the search indexes. Up to
    ``RANK_ALL_UP_TO`` matches, the page is cut from ``resource_search`` itself (ranking a
    few hundred rows is cheap); past that (a common word: 돌봄 matches a quarter of the
    directory), ranking every match would cost tens of milliseconds, so the page is read
    tier by tier, each tier in (name, id) order with a limit (``_TierReader``). SQLite, and
    a one-character query, always take the first path: there are no indexes to read.
    ``queryset`` may carry filters, annotations and prefetches: the tiers read within it.

    ``cache_key`` names what ``queryset`` holds (for the public finder: "public" and its
    filters). Given one, the page's ids and count are cached for ``SEARCH_CACHE_SECONDS``,
    so identical anonymous searches cost one primary-key read. Never pass one for a queryset
    that depends on who asks.
    """
    page = max(page, 1)
    key = None
    if cache_key is not None:
        key = (
            "search:"
            + hashlib.sha256(
                f"{cache_key}|{normalize_query(q)}|{page}|{per_page}".encode()
            ).hexdigest()
        )
        hit = cache.get(key)
        if hit is not None:
            ids, count = hit
            return _page_of(queryset, ids, count, page, per_page)
    normalized = normalize_query(q)
    found = resource_search(queryset, normalized)
    start = (page - 1) * per_page
    needed = start + per_page
    if normalized and search_form(queryset, normalized) != "scan":
        with without_parallel_workers(queryset.db):
            result, ids, count = _indexed_page(queryset, found, normalized, page, per_page)
    else:
        # SQLite, or one character: no index to read, one query ranks and pages all matches.
        count = found.order_by().values("pk")[: COUNT_CAP + 1].count()
        results = list(found[start:needed])
        ids = [row.pk for row in results]
        result = SearchPage(results, min(count, COUNT_CAP), count > COUNT_CAP, page, per_page)
    if key is not None:
        cache.set(key, (ids, count), SEARCH_CACHE_SECONDS)
    return result


def _indexed_page(
    queryset: QuerySet[WelfareResource],
    found: QuerySet[WelfareResource],
    normalized: str,
    page: int,
    per_page: int,
) -> tuple[SearchPage, list[int], int]:
    """``search_page`` through the indexes: the page, its ids and the capped count."""
    start = (page - 1) * per_page
    needed = start + per_page
    reader = _TierReader(queryset, normalized)
    counts = gram_counts(queryset, normalized) if reader.form == "bigrams" else None
    if counts is not None:
        # Two characters over the whole directory: the kept counts are exact.
        count, named = counts.texts, []
        if count > RANK_ALL_UP_TO and counts.walk_length(needed) <= WALK_BUDGET:
            return _first_tier_page(queryset, reader, None, page, per_page)
    else:
        count, named = _count_and_named(found, normalized, needed)
    if count <= RANK_ALL_UP_TO:
        results = list(found[start:needed])
        return SearchPage(results, count, False, page, per_page), [r.pk for r in results], count
    if len(named) == needed:
        # A common word's usual page: tier 0's walk and the page's rows in one query.
        return _first_tier_page(queryset, reader, named[-1], page, per_page)
    ids = reader.first(needed)[start:]
    return _page_of(queryset, ids, count, page, per_page), ids, count


def _first_tier_page(
    queryset: QuerySet[WelfareResource],
    reader: _TierReader,
    last: tuple[int, str] | None,
    page: int,
    per_page: int,
) -> tuple[SearchPage, list[int], int]:
    """A page wholly of tier 0 (of a word matching more than ``RANK_ALL_UP_TO``): its walk
    and the page's rows in one query."""
    start = (page - 1) * per_page
    walked = reader.first_tier_walk(start + per_page, last)
    results = list(queryset.filter(pk__in=walked).order_by("name", "id")[start:])
    return (
        SearchPage(results, COUNT_CAP, True, page, per_page),
        [r.pk for r in results],
        COUNT_CAP + 1,
    )


# An unbounded walk of tier 0 is taken when it is expected to read at most this many entries
# of the name index (an index-only scan: about 0.1 ms per 1,000, measured).
WALK_BUDGET = 4000


@dataclass(frozen=True)
class GramCounts:
    """``SearchGramCount``'s figures for one gram over one directory (public or all)."""

    texts: int  # resources whose search text holds the gram: a two-character search's count
    names: int  # of which the gram is in the resource's own name: search tier 0
    directory: int  # resources in the directory
    indexed: int  # resources in the name index a walk reads (all of them)

    def walk_length(self, needed: int) -> float:
        """About how many name-index entries a walk in name order reads to find ``needed`` of
        tier 0's rows: the names are spread evenly enough over the alphabet for that."""
        if self.names < needed:
            return float("inf")
        return needed * self.indexed / self.names


def gram_counts(queryset: QuerySet[WelfareResource], q: str) -> GramCounts | None:
    """The kept counts (``SearchGramCount``) of the two-character ``q`` when ``queryset`` is
    a whole directory: the public one (``WelfareResource.objects.public()``) or all
    resources, whatever it selects related or prefetches. ``None`` for any other queryset,
    whose count must be read."""
    from consultations.models import SearchGramCount, WelfareResource

    query = queryset.query
    if query.is_sliced or query.distinct or query.combinator or query.extra:
        return None
    if query.where == WelfareResource.objects.public().query.where:
        texts, names = "public_texts", "public_names"
    elif not query.where:
        texts, names = "all_texts", "all_names"
    else:
        return None
    rows = {
        gram: (in_texts, in_names, indexed)
        for gram, in_texts, in_names, indexed in SearchGramCount.objects.using(queryset.db)
        .filter(gram__in=["", q])
        .values_list("gram", texts, names, "all_texts")
    }
    directory, _names, indexed = rows.get("", (0, 0, 0))
    in_texts, in_names, _all = rows.get(q, (0, 0, 0))
    return GramCounts(texts=in_texts, names=in_names, directory=directory, indexed=indexed)


def _count_and_named(
    found: QuerySet[WelfareResource], q: str, needed: int
) -> tuple[int, list[tuple[int, str]]]:
    """The count of ``found`` capped at ``COUNT_CAP + 1``, and, of the matches it read, the
    first ``needed`` whose names hold ``q`` (tier 0's rows), as (id, name) in (name, id)
    order: one read of the search text's index, one round trip.

    The named rows are a sample of tier 0, not its first rows (the count reads in the
    table's order), but ``needed`` of them bound its walk: the tier's first ``needed`` rows
    come no later than the last of them. Fewer say nothing, and ``search_page`` reads the
    tiers one by one. Before, a common word's page read a second index for tier 0's probe,
    in a statement of its own (five statements in all; now two).
    """
    matches = found.order_by().values_list("pk", "name")[: COUNT_CAP + 1]
    name = "m.name" if caseless(q) else "lower(m.name)"
    matches_sql, matches_params = matches.query.sql_with_params()
    sql = (
        f"WITH m AS MATERIALIZED ({matches_sql}) "  # noqa: S608
        "SELECT c.n, t.pk, t.name FROM (SELECT count(*) AS n FROM m) c LEFT JOIN ("
        f"SELECT m.pk, m.name FROM m WHERE strpos({name}, %s) > 0 "
        "ORDER BY m.name, m.pk LIMIT %s) t ON TRUE ORDER BY t.name, t.pk"
    )
    rows = _rows(found.db, sql, (*matches_params, q, needed))
    return rows[0][0], [(pk, name) for _n, pk, name in rows if pk is not None]


# The statements ``without_parallel_workers`` puts around each query. Set back at the end:
# inside a caller's transaction a SET LOCAL would outlast the query.
SERIAL_BEFORE = "SET LOCAL max_parallel_workers_per_gather = 0; "
SERIAL_AFTER = "; SET LOCAL max_parallel_workers_per_gather = DEFAULT"


@contextmanager
def without_parallel_workers(using: str) -> Iterator[None]:
    """The block's queries run without parallel workers, on PostgreSQL.

    A search's queries read a few hundred rows at most, and starting workers costs more than
    that (measured: a capped count of 돌봄 2 ms alone, up to 20 ms with two workers on a busy
    server; a walk of 이동 0.3 ms alone, 17 ms in a Gather Merge). Each query carries its own
    ``SET LOCAL``, sent in the same simple query and so lasting for that query's implicit
    transaction: no BEGIN, SET and COMMIT of their own (three round trips, each as long as
    the query on a busy server). It needs client-side binding, Django's default for
    psycopg 3 (config/settings.py does not ask for ``server_side_binding``), which sends the
    three statements as one text; the cursor is then moved to the query's own result.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return

    def serial(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        if many:
            return execute(sql, params, many, context)
        result = execute(f"{SERIAL_BEFORE}{sql}{SERIAL_AFTER}", params, many, context)
        context["cursor"].nextset()
        return result

    with connection.execute_wrapper(serial):
        yield


def _rows(using: str, sql: str, params: Any) -> list[tuple[Any, ...]]:
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _page_of(
    queryset: QuerySet[WelfareResource], ids: list[int], count: int, page: int, per_page: int
) -> SearchPage:
    """The rows of ``ids`` from ``queryset`` (its annotations and prefetches), in that order."""
    by_id = {row.pk: row for row in queryset.filter(pk__in=ids)} if ids else {}
    results = [by_id[pk] for pk in ids if pk in by_id]
    return SearchPage(results, min(count, COUNT_CAP), count > COUNT_CAP, page, per_page)
