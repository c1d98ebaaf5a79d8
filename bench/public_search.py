"""Benchmark: the finder's search selector (``consultations.resources.search_page``, tiers and
a capped count) against the naive SQL a DBA would write without the search indexes.

Builds the directory of ``bench/resource_search.py`` (100,000 resources by default, 2,500
organizations, realistic Korean names), then times 100 searches per group as the public
finder runs them (``search_page(WelfareResource.objects.public(), q, page=1, per_page=20)``:
the capped count and the first page, ranked):

- **two syllables**: 돌봄 노인 장수 주거 … (돌봄 matches about a quarter of the directory);
- **longer words**: 긴급돌봄 노인맞춤 정신건강 …;
- **organization names**: 전주 군산 익산 시니어클럽 노인복지관 보건소 … (in many
  organizations' names and few resources' names: the planner's trap of DESIGN §6).

The floor (``floor_search``) is written from the search rules, not from the code it judges:
``WHERE search_text ILIKE '%q%'`` over the published, active resources, ranked by a ``CASE``
of ``ILIKE`` tests on the resource's name, its organization's name (joined), its category's
name and its eligibility, ordered by rank, name and id, and a full ``count(*)``; index and
bitmap scans are switched off for it, as the plain scan it stands for. Each search of both
ways is checked to return the same first page.

Per group it prints the median and p95 of wall time and of SQL time (the time spent in the
database driver, summed over the search's queries), and the ratio floor / selector. Goals:
every group at least 20x faster than the floor (median), and the two-syllable median under
5 ms of SQL. Run from the project root::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/care_bench_search \\
        .venv/bin/python bench/public_search.py [--resources 100000] [--searches 100] [--check]

Like the other benchmarks it creates and drops its own test database
(``test_<NAME>_public_search``). ``run()`` is the core, callable from a test.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._database import django_setup, own_test_database  # noqa: E402
from bench.resource_search import (  # noqa: E402
    LONG_QUERIES,
    SHORT_QUERIES,
    _analyze,
    build_directory,
    indexes_disabled,
)

GOAL_RATIO = 20.0
GOAL_SHORT_SQL_MS = 5.0
DEFAULT_RESOURCES = 100_000
DEFAULT_SEARCHES = 100  # per group
DEFAULT_SEED = 2024
PER_PAGE = 20
EXPLAIN_QUERY = "돌봄"
# Words of organizations' names (bench/resource_search.py's organizations): the 시·군 most
# providers carry, and the kinds of body every 시·군 has.
ORGANIZATION_QUERIES = (
    "전주", "군산", "익산", "정읍", "남원", "김제", "시니어클럽", "노인복지관", "보건소",
    "사회복지협의회", "자활센터", "가족센터", "재가복지센터", "주간보호센터", "푸드뱅크",
    "사회서비스원", "전북",
)  # fmt: skip
TWO_SYLLABLES = tuple(q for q in SHORT_QUERIES if q not in ORGANIZATION_QUERIES)
GROUPS: dict[str, tuple[str, ...]] = {
    "two syllables": TWO_SYLLABLES,
    "longer words": LONG_QUERIES,
    "organization names": ORGANIZATION_QUERIES,
}

FLOOR_SQL = """
SELECT r.id,
       CASE WHEN r.name ILIKE %(p)s THEN 0
            WHEN o.name ILIKE %(p)s THEN 1
            WHEN c.name ILIKE %(p)s OR r.eligibility ILIKE %(p)s THEN 2
            ELSE 3 END AS rank
FROM consultations_welfareresource r
JOIN consultations_organization o ON o.id = r.organization_id
JOIN consultations_resourcecategory c ON c.id = r.category_id
WHERE r.is_published AND r.status = 'active' AND r.search_text ILIKE %(p)s
ORDER BY rank, r.name, r.id
LIMIT %(limit)s
"""
FLOOR_COUNT_SQL = """
SELECT count(*) FROM consultations_welfareresource r
WHERE r.is_published AND r.status = 'active' AND r.search_text ILIKE %(p)s
"""


class BenchError(RuntimeError):
    """The benchmark could not run as planned, or the two ways disagreed."""


@dataclass(frozen=True)
class Timing:
    group: str
    query: str
    matches: int  # the floor's exact count
    selector_ms: float
    selector_sql_ms: float
    selector_queries: int
    floor_ms: float
    same_page: bool
    # CPU inside the driver's calls: this thread's, plus the database backend's (schedstat);
    # None when the backend's /proc entry cannot be read (another host).
    selector_sql_cpu_ms: float | None = None


@dataclass(frozen=True)
class GroupFigures:
    label: str
    searches: int
    median_ms: float
    p95_ms: float
    median_sql_ms: float
    p95_sql_ms: float
    floor_median_ms: float
    floor_p95_ms: float
    median_sql_cpu_ms: float | None = None

    @property
    def ratio(self) -> float:
        return self.floor_median_ms / self.median_ms if self.median_ms else float("inf")

    @property
    def p95_ratio(self) -> float:
        return self.floor_p95_ms / self.p95_ms if self.p95_ms else float("inf")

    def meets_goal(self) -> bool:
        if self.ratio < GOAL_RATIO:
            return False
        return self.label != "two syllables" or self.median_sql_ms < GOAL_SHORT_SQL_MS


@dataclass
class BenchResult:
    vendor: str
    resources: int
    organizations: int
    build_seconds: float
    timings: list[Timing]
    explain: str = ""
    index_mb: dict[str, float] = field(default_factory=dict)

    def group(self, label: str) -> GroupFigures:
        rows = [t for t in self.timings if t.group == label]
        return GroupFigures(
            label=label,
            searches=len(rows),
            median_ms=_median([t.selector_ms for t in rows]),
            p95_ms=_p95([t.selector_ms for t in rows]),
            median_sql_ms=_median([t.selector_sql_ms for t in rows]),
            p95_sql_ms=_p95([t.selector_sql_ms for t in rows]),
            median_sql_cpu_ms=_median([t.selector_sql_cpu_ms for t in rows])
            if rows and all(t.selector_sql_cpu_ms is not None for t in rows)
            else None,
            floor_median_ms=_median([t.floor_ms for t in rows]),
            floor_p95_ms=_p95([t.floor_ms for t in rows]),
        )

    @property
    def groups(self) -> list[GroupFigures]:
        return [self.group(label) for label in GROUPS]

    @property
    def same_pages(self) -> bool:
        return all(t.same_page for t in self.timings)

    @property
    def meets_goal(self) -> bool:
        return self.vendor == "postgresql" and all(g.meets_goal() for g in self.groups)


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def _p95(values: Sequence[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# --- the two ways -----------------------------------------------------------------------------


@contextmanager
def sql_meter() -> Iterator[tuple[list[float], list[float]]]:
    """Per query on the default connection: the seconds spent in the driver's call (wall
    clock), and the CPU seconds both ends spent on it: this thread's inside the call plus the
    database backend's, read from its ``/proc/<pid>/schedstat`` (nanoseconds on a CPU) when
    the server is on this machine; the second list stays empty otherwise.

    On a machine shared with other work the wall clock also counts the time both processes
    wait for a core (each round trip wakes the backend, then this process); the CPU time
    does not, so it is the steadier measure of what a search costs."""
    from django.db import connection

    spent: list[float] = []
    cpu: list[float] = []
    connection.ensure_connection()
    with connection.cursor() as cursor:
        postgresql = connection.vendor == "postgresql"
        cursor.execute("SELECT pg_backend_pid()" if postgresql else "SELECT 0")
        backend = Path(f"/proc/{cursor.fetchone()[0]}/schedstat")

    def backend_seconds() -> float | None:
        try:
            return int(backend.read_text().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            return None

    measure_cpu = postgresql and backend_seconds() is not None

    def timed(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        backend_before = backend_seconds() if measure_cpu else None
        thread_before = time.thread_time()
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent.append(time.perf_counter() - started)
            thread = time.thread_time() - thread_before
            backend_after = backend_seconds() if measure_cpu else None
            if backend_before is not None and backend_after is not None:
                cpu.append(thread + backend_after - backend_before)

    with connection.execute_wrapper(timed):
        yield spent, cpu


def selector_search(q: str) -> list[int]:
    """The finder's search: the capped count and the first page (``search_page``)."""
    from consultations.models import WelfareResource
    from consultations.resources import search_page

    result = search_page(WelfareResource.objects.public(), q, page=1, per_page=PER_PAGE)
    return [row.pk for row in result.results]


def floor_search(q: str) -> tuple[list[int], int]:
    """The naive SQL: an ILIKE scan, ranked with CASE, ordered, and counted in full."""
    from django.db import connection

    params = {"p": f"%{_escape_like(q)}%", "limit": PER_PAGE}
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, params)
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(FLOOR_COUNT_SQL, params)
        count = cursor.fetchone()[0]
    return ids, count


def _escape_like(q: str) -> str:
    return q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_plan(searches: int, rng: random.Random) -> list[tuple[str, str]]:
    """``searches`` (group, query) pairs per group, each group's words shuffled and cycled."""
    plan = []
    for label, words in GROUPS.items():
        pool = list(words)
        rng.shuffle(pool)
        plan += [(label, pool[i % len(pool)]) for i in range(searches)]
    rng.shuffle(plan)
    return plan


def time_searches(plan: Sequence[tuple[str, str]]) -> list[Timing]:
    from django.core.cache import cache

    # One untimed round first, so that both ways meet warm caches.
    for _label, q in dict.fromkeys(plan):
        selector_search(q)
        with indexes_disabled():
            floor_search(q)
    timings = []
    for label, q in plan:
        cache.clear()  # no cache_key is passed; cleared anyway so nothing is served from it
        started = time.perf_counter()
        with sql_meter() as (spent, cpu):
            ids = selector_search(q)
        selector_ms = (time.perf_counter() - started) * 1000
        with indexes_disabled():
            started = time.perf_counter()
            floor_ids, count = floor_search(q)
            floor_ms = (time.perf_counter() - started) * 1000
        timings.append(
            Timing(
                group=label,
                query=q,
                matches=count,
                selector_ms=selector_ms,
                selector_sql_ms=sum(spent) * 1000,
                selector_sql_cpu_ms=sum(cpu) * 1000 if len(cpu) == len(spent) else None,
                selector_queries=len(spent),
                floor_ms=floor_ms,
                same_page=ids == floor_ids,
            )
        )
    return timings


def _explain(q: str) -> str:
    """EXPLAIN ANALYZE of every query one search runs (PostgreSQL)."""
    from django.db import connection, transaction

    from consultations.resources import SERIAL_AFTER, SERIAL_BEFORE

    if connection.vendor != "postgresql":
        return ""
    statements: list[tuple[str, Any]] = []

    def capture(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any):  # noqa: ANN202
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        selector_search(q)
    plans = []
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params in statements:
            # As the search runs them: without parallel workers (``without_parallel_workers``).
            cursor.execute(SERIAL_BEFORE.rstrip("; "))
            sql = sql.removeprefix(SERIAL_BEFORE).removesuffix(SERIAL_AFTER)
            cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", params)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
            cursor.execute(SERIAL_AFTER.lstrip("; "))
    return "\n\n".join(plans)


def _index_sizes() -> dict[str, float]:
    from django.db import connection

    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, pg_relation_size(indexname::regclass) FROM pg_indexes "
            "WHERE tablename = 'consultations_welfareresource' AND indexname LIKE %s",
            ["welfareresource_%"],
        )
        return {name: size / 1024 / 1024 for name, size in cursor.fetchall()}


def run(
    resources: int = DEFAULT_RESOURCES,
    searches: int = DEFAULT_SEARCHES,
    *,
    seed: int = DEFAULT_SEED,
) -> BenchResult:
    """Build the directory and time the searches on the configured (test) database."""
    from django.db import connection
    from django.utils import timezone

    if resources < 1 or searches < 1:
        raise ValueError("need at least one resource and one search per group")
    rng = random.Random(seed)
    started = time.perf_counter()
    organizations, made = build_directory(rng, resources=resources, today=timezone.localdate())
    _analyze()
    build_seconds = time.perf_counter() - started
    timings = time_searches(search_plan(searches, rng))
    return BenchResult(
        vendor=connection.vendor,
        resources=made,
        organizations=organizations,
        build_seconds=build_seconds,
        timings=timings,
        explain=_explain(EXPLAIN_QUERY),
        index_mb=_index_sizes(),
    )


# --- report and command line ------------------------------------------------------------------


def report(result: BenchResult, *, database: str = "") -> str:
    lines = [
        f"public search on {result.vendor}{f' ({database})' if database else ''}: "
        f"{result.resources:,} resources of {result.organizations:,} organizations "
        f"(built in {result.build_seconds:.1f} s); each search = capped count + first page "
        f"of {PER_PAGE}, ranked, on WelfareResource.objects.public()",
    ]
    if result.index_mb:
        sizes = ", ".join(f"{n} {mb:.1f} MB" for n, mb in sorted(result.index_mb.items()))
        lines.append(f"indexes: {sizes}")
    lines += [
        "",
        f"{'group':<20}{'n':>5}{'median ms':>11}{'p95 ms':>9}{'SQL med':>9}{'SQL p95':>9}"
        f"{'SQL CPU':>9}{'floor med':>11}{'floor p95':>11}{'ratio':>8}{'p95 ratio':>10}",
    ]
    for g in result.groups:
        cpu = "-" if g.median_sql_cpu_ms is None else f"{g.median_sql_cpu_ms:.2f}"
        lines.append(
            f"{g.label:<20}{g.searches:>5}{g.median_ms:>11.2f}{g.p95_ms:>9.2f}"
            f"{g.median_sql_ms:>9.2f}{g.p95_sql_ms:>9.2f}{cpu:>9}{g.floor_median_ms:>11.2f}"
            f"{g.floor_p95_ms:>11.2f}{g.ratio:>7.1f}x{g.p95_ratio:>9.1f}x"
        )
    lines.append(
        "SQL: wall time in the driver's calls; SQL CPU: CPU both ends spent in them (this "
        "thread and the database backend), the median of the searches"
    )
    lines += ["", "per query word (medians):"]
    by_query: dict[tuple[str, str], list[Timing]] = {}
    for t in result.timings:
        by_query.setdefault((t.group, t.query), []).append(t)
    for (label, q), rows in sorted(by_query.items()):
        selector = _median([t.selector_ms for t in rows])
        sql = _median([t.selector_sql_ms for t in rows])
        floor = _median([t.floor_ms for t in rows])
        share = rows[0].matches / result.resources * 100 if result.resources else 0.0
        lines.append(
            f"  {label[:12]:<13}{q:<10}{rows[0].matches:>7,} ({share:4.1f}%)"
            f"  selector {selector:7.2f} ms (SQL {sql:6.2f}, {rows[0].selector_queries} queries)"
            f"  floor {floor:8.2f} ms  {floor / selector if selector else 0:6.1f}x"
        )
    if result.vendor == "postgresql":
        verdicts = [f"{g.label} {'met' if g.meets_goal() else 'NOT met'}" for g in result.groups]
        goal = (
            f">= {GOAL_RATIO:g}x faster than the floor, two-syllable median < "
            f"{GOAL_SHORT_SQL_MS:g} ms of SQL"
        )
        lines += ["", f"goal ({goal}): {'; '.join(verdicts)}"]
    else:
        lines += ["", "goal: judged on PostgreSQL only"]
    lines += [
        f"first pages identical in both ways: {'yes' if result.same_pages else 'NO'}",
    ]
    if result.explain:
        executed = sum(
            float(line.split(":")[1].split()[0])
            for line in result.explain.splitlines()
            if line.startswith("Execution Time:")
        )
        lines += [
            "",
            f"EXPLAIN ANALYZE of each query of one search for {EXPLAIN_QUERY!r} "
            f"(the server's execution time, without planning and round trips: "
            f"{executed:.2f} ms in all):",
            result.explain,
        ]
    return "\n".join(lines)


def exit_code(result: BenchResult, *, check: bool) -> int:
    if not result.same_pages:
        return 2
    return 1 if check and not result.meets_goal else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=DEFAULT_RESOURCES)
    parser.add_argument("--searches", type=int, default=DEFAULT_SEARCHES, help="per group")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--check", action="store_true", help="exit 1 unless every goal is met")
    args = parser.parse_args(argv)
    connection = django_setup()
    if connection.vendor != "postgresql":
        print("note: the floor's SQL and the goals are PostgreSQL's", file=sys.stderr)
    with own_test_database(connection, "public_search") as database:
        result = run(args.resources, args.searches, seed=args.seed)
    print(report(result, database=database))
    return exit_code(result, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
