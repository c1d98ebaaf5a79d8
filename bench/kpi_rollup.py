"""Benchmark: the KPI rollup of a national-scale year against minimal SQL computing the same
numbers (the floor, DESIGN §6 "Rollup floor").

Generates on PostgreSQL, with set-based SQL (``INSERT … SELECT … generate_series``), a year of
operational data: recipients across Jeonbuk's 14 시·군 with mixed 읍·면·동 (rural status is the
database's generated column), corps members of every 시·군 joining and leaving, visits spread
over 2023 (stored in the order they happened, each by a corps member of the recipient's 시·군,
mostly the recipient's regular one) in programs 긴급돌봄 and 농촌 틈새돌봄 (about 2 % void), and
consultations of the two counseling programs. Then it times

- the full-year rollup of every bound measure, ``kpi.rollups.rollup_year(year=2023)``;
- the **independent floor** (``independent_floor``): minimal SQL written from the counting
  rules of DESIGN §3, not from ``kpi/metrics.py`` — the period's visits read once into a
  temporary table (one row per recipient, corps member, program, episode and month, the
  recipient's keys joined once), every figure counted from it;
- the previous floor (``floor_figures``), the same algorithm as ``kpi/metrics.py`` in bare SQL
  for the document's metrics, still reported to compare with earlier runs;
- a single month, ``kpi.rollups.rollup_month(year=2023, month=6)``, and both floors' June;
- DESIGN §6's own reference queries (recipients only, no breakdowns), to compare machines;

checks that the rollups stored exactly both floors' numbers, and prints a table (best
wall-clock seconds of ``--repeat`` runs, and CPU seconds of this process plus its PostgreSQL
backend when the server is local: steadier on a busy machine), the ratio rollup ÷ independent
floor and the single-month time. Goals: ratio ≤ 1.3, a single month under 0.3 s, and no Python
loop over rows (the rollups' query counts, printed, do not grow with the data).

Run from the project root::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/care_ops_bench \\
        .venv/bin/python bench/kpi_rollup.py [--scale 1] [--visits N] [--recipients N] \\
        [--members N] [--consultations N] [--repeat 3] [--queries 10] [--keep] [--check]

The script runs under ``tests.settings`` and creates its own test database
(``test_<NAME>_kpi_rollup``, dropped at the end), so it never touches the data of the database
``DATABASE_URL`` names; with ``--keep`` it keeps ``test_<NAME>_kpi_rollup_x<scale>`` and reuses
it next time (``--generate-only`` to prepare one). ``run()`` is the core, callable from a test
inside pytest-django's database.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._database import django_setup, own_test_database, server_version  # noqa: E402

YEAR = 2023
SINGLE_MONTH = 6
GOAL_RATIO = 1.3  # rollup_year ÷ the independent minimal SQL
GOAL_MONTH_SECONDS = 0.3
# rollup_year at 10,000,000 visits (--scale 10)
GOAL_LARGE_YEAR_SECONDS = 60
LARGE_VISITS = 10_000_000
DEFAULT_VISITS = 1_000_000
DEFAULT_RECIPIENTS = 100_000
DEFAULT_MEMBERS = 5_000
DEFAULT_CONSULTATIONS = 200_000
DEFAULT_REPEAT = 3
DEFAULT_SEED = 2023
COUNSELORS = 20
VOID_SHARE = 0.02
RURAL_GAP_SHARE = 0.5  # of a rural recipient's visits; the rest are 긴급돌봄
OUTREACH_SHARE = 0.2  # of consultations; the rest are 돌봄종합정보상담
LINKED_SHARE = 0.3  # consultations about an existing recipient
REGULAR_MEMBER_SHARE = 0.8  # visits by the recipient's regular corps member
TZ = "Asia/Seoul"

# A few real 읍·면·동 of each 시·군 (codes loaded by migration care 0003): cities are mostly 동,
# counties 읍·면; recipients go round-robin over them, so about three in four are rural.
ADMIN_UNITS: dict[str, tuple[str, ...]] = {
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
}  # fmt: skip

# (metric, month, dimension, key) → (month's value, year to date); dimension "" is the total.
Figures = dict[tuple[str, int, str, str], tuple[int, int]]
Key = tuple[str, str]  # (dimension, key)
TOTAL: Key = ("", "")


class BenchError(RuntimeError):
    """The benchmark cannot run as asked (wrong database, ids not as generated)."""


@dataclass(frozen=True)
class Dataset:
    recipients: int
    rural_recipients: int
    members: int
    visits: int
    void_visits: int
    rural_gap_visits: int
    consultations: int
    seconds: float
    # The served-person tables (kpi.served) recomputed from the visits once they were in.
    rebuild_seconds: float = 0.0


@dataclass(frozen=True)
class Timing:
    """Runs of one thing: wall-clock seconds, and CPU seconds (this process plus its
    PostgreSQL backend, when the server is local; parallel workers are not counted)."""

    seconds: list[float]
    cpu: list[float | None]

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def best_cpu(self) -> float | None:
        known = [c for c in self.cpu if c is not None]
        return min(known) if known else None


@dataclass
class BenchResult:
    vendor: str
    dataset: Dataset
    rollup: Timing
    floor: Timing
    month: Timing
    month_floor: Timing
    floor_parts: dict[str, float]
    reference: dict[str, float]
    rollup_rows: int
    rollup_queries: int
    month_queries: int
    figures: int
    mismatches: list[str] = field(default_factory=list)
    slowest: list[tuple[float, str]] = field(default_factory=list)
    # The previous floor: the same algorithm as kpi/metrics.py in bare SQL (document metrics
    # only), kept for comparison with earlier runs.
    old_floor: Timing | None = None
    old_month_floor: Timing | None = None

    @property
    def ratio(self) -> float:
        return self.rollup.best / self.floor.best if self.floor.best > 0 else float("inf")

    @property
    def cpu_ratio(self) -> float | None:
        rollup, floor = self.rollup.best_cpu, self.floor.best_cpu
        return rollup / floor if rollup is not None and floor else None

    @property
    def figures_match(self) -> bool:
        return not self.mismatches

    @property
    def meets_goal(self) -> bool:
        # The month's 0.3 s is a goal at a million visits; at ten million, the year's 60 s.
        if self.dataset.visits >= LARGE_VISITS:
            return self.ratio <= GOAL_RATIO and self.rollup.best < GOAL_LARGE_YEAR_SECONDS
        return self.ratio <= GOAL_RATIO and self.month.best < GOAL_MONTH_SECONDS


# --- data -----------------------------------------------------------------------------------


def _contiguous_ids(cursor: Any, table: str, expected: int) -> int:
    """The first id of a freshly filled table; the generator picks rows by id arithmetic."""
    low, high, count = _fetch(cursor, f"SELECT MIN(id), MAX(id), COUNT(*) FROM {table}")[0]
    if count != expected or high - low + 1 != count:
        raise BenchError(f"{table}: expected {expected} rows with contiguous ids")
    return low


def _fetch(cursor: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    cursor.execute(sql, params)
    return cursor.fetchall()


def generate(
    *,
    visits: int,
    recipients: int,
    members: int,
    consultations: int,
    seed: int = DEFAULT_SEED,
) -> Dataset:
    """Fill the (empty) operational tables with a year of data, set-based, then ANALYZE."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from base.models import Program, Region
    from kpi.served import services as served

    if connection.vendor != "postgresql":
        raise BenchError("the generator is PostgreSQL SQL (generate_series); set DATABASE_URL")
    started = time.perf_counter()
    regions = dict(Region.objects.values_list("code", "id"))
    programs = dict(Program.objects.values_list("code", "id"))
    units = [(regions[code], unit) for code, names in ADMIN_UNITS.items() for unit in names]
    region_ids = [regions[code] for code in ADMIN_UNITS]
    if members < len(region_ids):
        raise BenchError(f"need at least {len(region_ids)} corps members, one per 시·군")
    user_model = get_user_model()
    counselors = [
        user.pk
        for user in user_model.objects.bulk_create(
            user_model(username=f"bench-counselor-{n}", password="!") for n in range(COUNSELORS)
        )
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        # Recipients: round-robin over the 읍·면·동, so every 시·군 and both areas have people.
        cursor.execute(
            """
            INSERT INTO care_recipient (
                name, birth_date, sex, phone, address, region_id, admin_unit, category,
                emergency_reason, referral_source, guardian_name, guardian_relation,
                guardian_phone, risk_level, consent_date, consent_scope, status, notes,
                created_at, updated_at)
            SELECT '대상자' || g, DATE '1930-01-01' + floor(random() * 20000)::int,
                   CASE WHEN random() < 0.6 THEN 'F' ELSE 'M' END, '',
                   '전북특별자치도 ' || u.unit || ' ' || g || '번지', u.region_id, u.unit,
                   (ARRAY['elderly', 'elderly', 'elderly', 'disabled', 'child', 'other'])
                       [1 + floor(random() * 6)::int],
                   (ARRAY['carer_absent', 'sudden_illness', 'after_discharge', 'service_gap'])
                       [1 + floor(random() * 4)::int],
                   '', '', '', '', 'medium', DATE '2022-12-01', '긴급돌봄 제공을 위한 수집·이용',
                   'active', '', now(), now()
            FROM generate_series(0, %s - 1) AS g
            JOIN unnest(%s::bigint[], %s::text[]) WITH ORDINALITY AS u(region_id, unit, i)
              ON u.i = 1 + mod(g, %s)
            """,
            [recipients, [r for r, _u in units], [u for _r, u in units], len(units)],
        )
        first_recipient = _contiguous_ids(cursor, "care_recipient", recipients)
        # Corps members: round-robin over the 14 시·군 (member i serves region i mod 14); most
        # joined before 2023, some during it; about one in ten leaves.
        cursor.execute(
            """
            INSERT INTO volunteers_corpsmember (
                name, phone, region_id, available_days, availability_note, status, joined_on,
                left_on, created_at, updated_at)
            SELECT '단원' || g, '010-0000-0000', (%s::bigint[])[1 + mod(g, %s)], 31, '',
                   CASE WHEN left_on IS NOT NULL THEN 'left' ELSE 'active' END,
                   joined_on, left_on, now(), now()
            FROM (
                SELECT g, joined_on,
                       CASE WHEN random() < 0.1
                            THEN joined_on + 30 + floor(random() * 400)::int END AS left_on
                FROM (
                    SELECT g, CASE WHEN random() < 0.7
                                   THEN DATE '2019-01-01' + floor(random() * 1460)::int
                                   ELSE DATE '2023-01-01' + floor(random() * 365)::int
                              END AS joined_on
                    FROM generate_series(0, %s - 1) AS g
                ) joined
            ) members
            ORDER BY g
            """,
            [region_ids, len(region_ids), members],
        )
        first_member = _contiguous_ids(cursor, "volunteers_corpsmember", members)
        # Episodes: one active episode per recipient (referred in December 2022, running the
        # whole year): every visit belongs to an episode.
        cursor.execute(
            """
            INSERT INTO care_episode (
                recipient_id, program_id, state, referred_on, referral_source, referrer_name,
                referrer_contact, emergency_reason, referral_note, risk_level, living_situation,
                carer_situation, assessment_note, decision_reason, fee_class, copay_percent,
                fee_basis, extensions_granted, closure_reason, closure_note, created_at,
                updated_at, starts_on, planned_end_on, max_days, max_hours)
            SELECT r.id, %s, 'active', DATE '2022-12-01' + floor(random() * 19)::int, 'family',
                   '', '', r.emergency_reason, '', 'medium', '', '', '', '', 'free', 0, '', 0,
                   '', '', now(), now(), DATE '2022-12-20', DATE '2023-12-31', 377, 9999
            FROM care_recipient r
            WHERE r.id >= %s
            ORDER BY r.id
            """,
            [programs["emergency_care"], first_recipient],
        )
        # Visits: any time of 2023 in Seoul, stored in the order they happened (as tablets
        # send them), to a random recipient by a corps member of the recipient's 시·군 (mostly
        # the recipient's regular one); a rural recipient's visit is rural gap care half the time.
        # The served-person triggers would recount a million keys one by one: off for this
        # insert, and the tables rebuilt in one pass afterwards (``run``, timed).
        cursor.execute("ALTER TABLE care_visit DISABLE TRIGGER kpi_served_insert")
        cursor.execute(
            """
            INSERT INTO care_visit (
                client_uuid, recipient_id, corps_member_id, program_id, started_at, ended_at,
                notes, status, void_reason, created_at, updated_at, episode_id)
            SELECT gen_random_uuid(), t.recipient_id,
                   %(first_member)s + array_position(%(regions)s, r.region_id) - 1
                       + %(region_count)s * CASE
                           WHEN t.q < %(regular)s THEN mod(t.recipient_id * 7919, %(per_region)s)
                           ELSE floor(random() * %(per_region)s)::bigint END,
                   CASE WHEN r.is_rural AND t.p < %(rural_gap)s
                        THEN %(rural_gap_care)s ELSE %(emergency_care)s END,
                   t.started_at, t.started_at + interval '1 hour' + t.p * interval '2 hours', '',
                   t.status, CASE WHEN t.status = 'void' THEN '중복 입력' ELSE '' END,
                   t.started_at + interval '3 hours', t.started_at + interval '3 hours', e.id
            FROM (
                SELECT %(first_recipient)s + floor(random() * %(recipients)s)::bigint
                           AS recipient_id,
                       TIMESTAMPTZ '2023-01-01 00:00:00+09' + random() * interval '365 days'
                           AS started_at,
                       random() AS p, random() AS q,
                       CASE WHEN random() < %(void)s THEN 'void'
                            WHEN random() < 0.5 THEN 'verified' ELSE 'submitted' END AS status
                FROM generate_series(1, %(visits)s)
            ) t
            JOIN care_recipient r ON r.id = t.recipient_id
            JOIN care_episode e ON e.recipient_id = t.recipient_id
            ORDER BY t.started_at
            """,
            {
                "first_member": first_member,
                "regions": region_ids,
                "region_count": len(region_ids),
                "regular": REGULAR_MEMBER_SHARE,
                "per_region": members // len(region_ids),
                "rural_gap": RURAL_GAP_SHARE,
                "rural_gap_care": programs["rural_gap_care"],
                "emergency_care": programs["emergency_care"],
                "first_recipient": first_recipient,
                "recipients": recipients,
                "void": VOID_SHARE,
                "visits": visits,
            },
        )
        # Consultations of the two counseling programs over 2023, some about a recipient.
        cursor.execute(
            """
            INSERT INTO consultations_consultation (
                held_at, channel, program_id, counselor_id, recipient_id, is_anonymous,
                person_name, person_contact, region_id, summary, outcome, share_consent_scope,
                created_at, updated_at)
            SELECT held_at,
                   (ARRAY['phone', 'walk_in', 'outreach', 'online'])[1 + floor(random() * 4)::int],
                   CASE WHEN random() < %s THEN %s ELSE %s END,
                   (%s::bigint[])[1 + floor(random() * %s)::int],
                   CASE WHEN random() < %s THEN %s + floor(random() * %s)::bigint END,
                   false, '', '',
                   CASE WHEN random() < 0.95
                        THEN (%s::bigint[])[1 + floor(random() * %s)::int] END,
                   '돌봄 서비스 안내',
                   (ARRAY['informed', 'referred', 'linked'])[1 + floor(random() * 3)::int],
                   '', held_at, held_at
            FROM (
                SELECT TIMESTAMPTZ '2023-01-01 00:00:00+09' + random() * interval '365 days'
                           AS held_at
                FROM generate_series(1, %s)
            ) t
            """,
            [
                OUTREACH_SHARE,
                programs["outreach_counseling"],
                programs["care_info_counseling"],
                counselors,
                len(counselors),
                LINKED_SHARE,
                first_recipient,
                recipients,
                region_ids,
                len(region_ids),
                consultations,
            ],
        )
        # (the visits' deferred foreign-key checks first: a table with pending trigger events
        # cannot be altered)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE care_visit ENABLE TRIGGER kpi_served_insert")
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE care_recipient, volunteers_corpsmember, care_visit, care_episode, "
            "consultations_consultation, care_region, care_program"
        )
        counts = _fetch(
            cursor,
            """
            SELECT (SELECT COUNT(*) FROM care_recipient WHERE is_rural),
                   (SELECT COUNT(*) FROM care_visit WHERE status = 'void'),
                   (SELECT COUNT(*) FROM care_visit WHERE program_id = %s)
            """,
            [programs["rural_gap_care"]],
        )[0]
    # The visits went in with the served-person triggers off: the tables from scratch.
    generated_in = time.perf_counter() - started
    rebuilding = time.perf_counter()
    served.rebuild()
    return Dataset(
        rebuild_seconds=time.perf_counter() - rebuilding,
        recipients=recipients,
        rural_recipients=counts[0],
        members=members,
        visits=visits,
        void_visits=counts[1],
        rural_gap_visits=counts[2],
        consultations=consultations,
        seconds=generated_in,
    )


def generated() -> Dataset | None:
    """What a kept database already holds (None when it holds no visits)."""
    from django.db import connection

    from base.models import Program

    with connection.cursor() as cursor:
        counts = _fetch(
            cursor,
            """
            SELECT (SELECT COUNT(*) FROM care_recipient),
                   (SELECT COUNT(*) FROM care_recipient WHERE is_rural),
                   (SELECT COUNT(*) FROM volunteers_corpsmember),
                   (SELECT COUNT(*) FROM care_visit),
                   (SELECT COUNT(*) FROM care_visit WHERE status = 'void'),
                   (SELECT COUNT(*) FROM care_visit WHERE program_id = %s),
                   (SELECT COUNT(*) FROM consultations_consultation)
            """,
            [Program.objects.get(code="rural_gap_care").pk],
        )[0]
    if not counts[3]:
        return None
    return Dataset(*counts, seconds=0.0)


# --- the floor: bare SQL for the same numbers -----------------------------------------------
#
# Hand-written for PostgreSQL, one metric at a time, in the shapes that were fastest here:
# the rows are first reduced to one per (month, person, keys) or (person, keys) — for a
# recipient metric before the recipient is joined, since the keys are the recipient's own —
# and the total, the 시·군 and the area are then counted in one pass with GROUPING SETS.
# Keys are region ids, turned into codes on the aggregated rows.

_COUNTED_VISITS = f"""
    SELECT v.recipient_id, v.corps_member_id, v.program_id,
           EXTRACT(MONTH FROM v.started_at AT TIME ZONE '{TZ}')::int AS m,
           v.started_at >= %(month_start)s AS in_month
    FROM care_visit v
    WHERE v.status <> 'void' AND v.started_at >= %(start)s AND v.started_at < %(end)s
"""
# (person, whether the recipient is joined before reducing (False: after), extra condition)
_DISTINCT_VISIT_METRICS = {
    "recipients_served": ("recipient_id", False, "TRUE"),
    "corps_members_served": ("corps_member_id", True, "TRUE"),
    "rural_recipients_served": (
        "recipient_id",
        True,
        "v.program_id = (SELECT id FROM care_program WHERE code = 'rural_gap_care') AND r.is_rural",
    ),
}
_CONSULTATION_METRICS = {
    "outreach_consultations": "outreach_counseling",
    "care_info_consultations": "care_info_counseling",
}


def _reduced_visits(metric: str, columns: str, aggregates: str) -> str:
    """One row per (``columns``, person, 시·군, area) of a metric's counted visits."""
    person, join_first, condition = _DISTINCT_VISIT_METRICS[metric]
    group = ", ".join(c for c in (columns, "person") if c)
    if join_first:
        return f"""
            SELECT {group}, r.region_id AS region, r.is_rural AS rural{aggregates}
            FROM (SELECT *, {person} AS person FROM ({_COUNTED_VISITS}) v0) v
            JOIN care_recipient r ON r.id = v.recipient_id
            WHERE {condition}
            GROUP BY {group}, r.region_id, r.is_rural
        """
    return f"""
        SELECT p.*, r.region_id AS region, r.is_rural AS rural
        FROM (
            SELECT {group}{aggregates}
            FROM (SELECT *, {person} AS person FROM ({_COUNTED_VISITS}) v0) v
            GROUP BY {group}
        ) p
        JOIN care_recipient r ON r.id = p.person
    """


# Distinct persons per month in total, per 시·군 and per area.
_DISTINCT_MONTHLY = """
    SELECT m, GROUPING(region, rural), region, rural, COUNT(DISTINCT person)
    FROM ({rows}) d
    GROUP BY GROUPING SETS ((m), (m, region), (m, rural))
"""
# Year to date: each person counted once per key, in the month first served, summed.
_DISTINCT_YTD = """
    SELECT first_m, gs, region, rural,
           SUM(COUNT(*)) OVER (PARTITION BY gs, region, rural ORDER BY first_m)
    FROM (
        SELECT MIN(first_m) AS first_m, GROUPING(region, rural) AS gs, region, rural
        FROM ({rows}) p
        GROUP BY GROUPING SETS ((person), (person, region), (person, rural))
    ) firsts
    GROUP BY first_m, gs, region, rural
"""
# One month: persons served in it and in the year so far, in total, per 시·군 and per area.
_DISTINCT_MONTH = """
    SELECT GROUPING(region, rural), region, rural,
           COUNT(DISTINCT person) FILTER (WHERE in_month), COUNT(DISTINCT person)
    FROM ({rows}) p
    GROUP BY GROUPING SETS ((), (region), (rural))
"""
_CONSULTATIONS = f"""
    SELECT EXTRACT(MONTH FROM c.held_at AT TIME ZONE '{TZ}')::int AS m,
           c.held_at >= %(month_start)s AS in_month, c.region_id AS region
    FROM consultations_consultation c
    WHERE c.program_id = (SELECT id FROM care_program WHERE code = %(program)s)
      AND c.held_at >= %(start)s AND c.held_at < %(end)s
"""
_COUNTS_YEAR = f"""
    SELECT m, gs, region, n, SUM(n) OVER (PARTITION BY gs, region ORDER BY m)
    FROM (
        SELECT m, GROUPING(region) AS gs, region, COUNT(*) AS n
        FROM ({_CONSULTATIONS}) c
        GROUP BY GROUPING SETS ((m), (m, region))
    ) months
"""
# 4-1 사회서비스연계 상담: outreach sessions by their (Seoul) day, with the site's 시·군 and rural
# flag; grouping 3 is the total, 1 the 시·군, 2 the area (as ``_key`` reads them).
_SESSIONS = f"""
    SELECT m, GROUPING(region, rural) AS gs, region, rural, COUNT(*) AS n
    FROM (
        SELECT EXTRACT(MONTH FROM s.held_on)::int AS m, t.region_id AS region, t.is_rural AS rural
        FROM consultations_outreachsession s
        JOIN consultations_outreachsite t ON t.id = s.site_id
        WHERE s.held_on >= (%(start)s AT TIME ZONE '{TZ}')::date
          AND s.held_on < (%(end)s AT TIME ZONE '{TZ}')::date
    ) s
    GROUP BY GROUPING SETS ((m), (m, region), (m, rural))
"""


def _session_figures(cursor: Any, params: dict[str, Any], codes: dict[int, str]) -> Figures:
    """``outreach_sessions`` of months 1..``through``: counts, so the year to date runs."""
    monthly: dict[Key, dict[int, int]] = {}
    for m, gs, region, rural, n in _fetch(cursor, _SESSIONS, params):
        monthly.setdefault(_key(gs, region, rural, codes), {})[m] = n
    ytd: dict[Key, dict[int, int]] = {}
    for dim_key, months in monthly.items():
        running = 0
        for m in range(1, 13):
            running += months.get(m, 0)
            ytd.setdefault(dim_key, {})[m] = running
    return _fill("outreach_sessions", monthly, ytd, running=True)


# 4-1 가정내 돌봄주거환경개선: households (recipients) with a job completed on a (Seoul) date of
# the month, each once a month and, in the year to date, once a year (in its first month);
# 시·군 and area are the household's.
_REPAIRS = f"""
    SELECT j.recipient_id, EXTRACT(MONTH FROM j.completed_on)::int AS m, r.region_id, r.is_rural
    FROM care_repairjob j
    JOIN care_recipient r ON r.id = j.recipient_id
    WHERE j.state = 'completed'
      AND j.completed_on >= (%(start)s AT TIME ZONE '{TZ}')::date
      AND j.completed_on < (%(end)s AT TIME ZONE '{TZ}')::date
"""
_REPAIRS_MONTHLY = f"""
    SELECT m, GROUPING(region_id, is_rural) AS gs, region_id, is_rural,
           COUNT(DISTINCT recipient_id)
    FROM ({_REPAIRS}) j
    GROUP BY GROUPING SETS ((m), (m, region_id), (m, is_rural))
"""
_REPAIRS_FIRST = f"""
    SELECT first_m, GROUPING(region_id, is_rural) AS gs, region_id, is_rural, COUNT(*)
    FROM (
        SELECT recipient_id, region_id, is_rural, MIN(m) AS first_m
        FROM ({_REPAIRS}) j
        GROUP BY recipient_id, region_id, is_rural
    ) f
    GROUP BY GROUPING SETS ((first_m), (first_m, region_id), (first_m, is_rural))
"""


def _repair_figures(cursor: Any, params: dict[str, Any], codes: dict[int, str]) -> Figures:
    """``repair_households`` of months 1..``through``: distinct households a month, and a
    running count of each household's first month for the year to date."""
    monthly: dict[Key, dict[int, int]] = {}
    for m, gs, region, rural, n in _fetch(cursor, _REPAIRS_MONTHLY, params):
        monthly.setdefault(_key(gs, region, rural, codes), {})[m] = n
    firsts: dict[Key, dict[int, int]] = {}
    for m, gs, region, rural, n in _fetch(cursor, _REPAIRS_FIRST, params):
        firsts.setdefault(_key(gs, region, rural, codes), {})[m] = n
    ytd: dict[Key, dict[int, int]] = {}
    for dim_key, months in firsts.items():
        running = 0
        for m in range(1, 13):
            running += months.get(m, 0)
            ytd.setdefault(dim_key, {})[m] = running
    return _fill("repair_households", monthly, ytd, running=True)


_COUNTS_MONTH = f"""
    SELECT GROUPING(region), region, COUNT(*) FILTER (WHERE in_month), COUNT(*)
    FROM ({_CONSULTATIONS}) c
    GROUP BY GROUPING SETS ((), (region))
"""
# 4-1 운영사업: the 운영 groups (kpi_operatinggroupprogram of the 2023 plan's indicators whose
# measure is bound to programs_operated) with a counted visit or a consultation, per month.
_GROUPS = f"""
    SELECT DISTINCT o.indicator_id, o."group", a.m
    FROM (
        SELECT v.program_id, EXTRACT(MONTH FROM v.started_at AT TIME ZONE '{TZ}')::int AS m
        FROM care_visit v
        WHERE v.status <> 'void' AND v.started_at >= %(start)s AND v.started_at < %(end)s
        UNION
        SELECT c.program_id, EXTRACT(MONTH FROM c.held_at AT TIME ZONE '{TZ}')::int
        FROM consultations_consultation c
        WHERE c.held_at >= %(start)s AND c.held_at < %(end)s
    ) a
    JOIN kpi_operatinggroupprogram o ON o.program_id = a.program_id
    JOIN kpi_indicator i ON i.id = o.indicator_id
    JOIN kpi_strategicgoal g ON g.id = i.goal_id AND g.year = %(year)s
    WHERE EXISTS (
        SELECT 1 FROM kpi_measure me
        WHERE me.indicator_id = i.id AND me.metric = 'programs_operated'
    )
"""
_GROUPS_YEAR = f"""
    SELECT m, COUNT(*), NULL FROM ({_GROUPS}) g GROUP BY m
    UNION ALL
    SELECT first_m, NULL, SUM(COUNT(*)) OVER (ORDER BY first_m)
    FROM (SELECT MIN(m) AS first_m FROM ({_GROUPS}) g GROUP BY indicator_id, "group") f
    GROUP BY first_m
"""
_GROUPS_MONTH = f"""
    SELECT COUNT(DISTINCT (indicator_id, "group")) FILTER (WHERE m = %(month)s),
           COUNT(DISTINCT (indicator_id, "group"))
    FROM ({_GROUPS}) g
"""
# The pool of corps members at each month's end (Seoul dates), in total and per 시·군.
_STOCK = """
    SELECT m, GROUPING(c.region_id), c.region_id, COUNT(*)
    FROM generate_series(%(first)s, %(through)s) AS m
    CROSS JOIN LATERAL (
        SELECT (make_date(%(year)s, m, 1) + interval '1 month' - interval '1 day')::date AS day
    ) month_end
    JOIN volunteers_corpsmember c
      ON c.joined_on <= month_end.day AND (c.left_on IS NULL OR c.left_on > month_end.day)
    GROUP BY GROUPING SETS ((m), (m, c.region_id))
"""
# DESIGN §6's own reference queries (recipients, no breakdowns), to compare the machine.
_REFERENCE = {
    "monthly counts and distinct persons, the year": f"""
        SELECT m, COUNT(*), COUNT(DISTINCT recipient_id) FROM ({_COUNTED_VISITS}) v GROUP BY m
    """,
    "year-to-date distinct persons by first-visit month": f"""
        SELECT first_m, COUNT(*) FROM (
            SELECT MIN(m) AS first_m FROM ({_COUNTED_VISITS}) v GROUP BY recipient_id
        ) firsts GROUP BY first_m
    """,
    "one month's counts and distinct persons": f"""
        SELECT COUNT(*), COUNT(DISTINCT recipient_id) FROM ({_COUNTED_VISITS}) v
    """,
}


def _key(grouping: int, region: int | None, rural: bool | None, codes: dict[int, str]) -> Key:
    """(dimension, key) of a grouping-set row over (region, rural), keyed as the rollup does."""
    if grouping == 3:
        return TOTAL
    if grouping == 1:  # grouped by region (rural rolled up)
        return "region", codes.get(region, "")  # type: ignore[arg-type]
    return "area", "rural" if rural else "urban"


def _fill(
    metric: str,
    monthly: dict[Key, dict[int, int]],
    ytd: dict[Key, dict[int, int]],
    *,
    running: bool,
) -> Figures:
    """Every month's figure per key: totals always, breakdown keys once their year to date is
    above zero (as the rollup stores them). ``ytd`` holds the months where it changed."""
    figures: Figures = {}
    for dim_key in set(monthly) | set(ytd) | {TOTAL}:
        last = 0
        for month in range(1, 13):
            value = monthly.get(dim_key, {}).get(month, 0)
            last = ytd.get(dim_key, {}).get(month, last) if running else value
            if dim_key == TOTAL or last:
                figures[(metric, month, *dim_key)] = (value, last)
    return figures


@dataclass
class _Clock:
    """Seconds spent per part of the floor."""

    parts: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(
            [
                "monthly distinct",
                "year-to-date distinct",
                "counts",
                "groups",
                "stock",
                "region codes",
            ],
            0.0,
        )
    )

    def fetch(self, part: str, cursor: Any, sql: str, params: dict[str, Any]) -> list[tuple]:
        started = time.perf_counter()
        rows = _fetch(cursor, sql, params)
        self.parts[part] = self.parts.get(part, 0.0) + time.perf_counter() - started
        return rows


def _params(year: int, through: int, month: int) -> dict[str, Any]:
    from kpi.metrics import month_start

    return {
        "start": month_start(year, 1),
        "end": month_start(year, through + 1),
        "month_start": month_start(year, month),
        "month": month,
        "year": year,
        "first": 1,
        "through": through,
    }


def floor_figures(year: int = YEAR) -> tuple[Figures, dict[str, float]]:
    """The bare SQL floor of the year: the numbers ``rollup_year`` stores, and the seconds
    each part took."""
    from django.db import connection

    clock = _Clock()
    params = _params(year, 12, 12)
    figures: Figures = {}
    with connection.cursor() as cursor:
        codes = dict(clock.fetch("region codes", cursor, "SELECT id, code FROM care_region", {}))
        for metric in _DISTINCT_VISIT_METRICS:
            monthly: dict[Key, dict[int, int]] = {}
            rows = _DISTINCT_MONTHLY.format(rows=_reduced_visits(metric, "m", ""))
            for m, gs, region, rural, n in clock.fetch("monthly distinct", cursor, rows, params):
                monthly.setdefault(_key(gs, region, rural, codes), {})[m] = n
            ytd: dict[Key, dict[int, int]] = {}
            rows = _DISTINCT_YTD.format(rows=_reduced_visits(metric, "", ", MIN(m) AS first_m"))
            for m, gs, region, rural, n in clock.fetch(
                "year-to-date distinct", cursor, rows, params
            ):
                ytd.setdefault(_key(gs, region, rural, codes), {})[m] = int(n)
            figures |= _fill(metric, monthly, ytd, running=True)
        for metric, program in _CONSULTATION_METRICS.items():
            monthly, ytd = {}, {}
            sql_params = {**params, "program": program}
            for m, gs, region, n, total in clock.fetch("counts", cursor, _COUNTS_YEAR, sql_params):
                dim_key = TOTAL if gs else ("region", codes.get(region, ""))
                monthly.setdefault(dim_key, {})[m] = n
                ytd.setdefault(dim_key, {})[m] = int(total)
            figures |= _fill(metric, monthly, ytd, running=True)
        monthly, ytd = {}, {}
        for m, n, total in clock.fetch("groups", cursor, _GROUPS_YEAR, params):
            if n is not None:
                monthly.setdefault(TOTAL, {})[m] = n
            else:
                ytd.setdefault(TOTAL, {})[m] = int(total)
        figures |= _fill("programs_operated", monthly, ytd, running=True)
        monthly = {}
        for m, gs, region, n in clock.fetch("stock", cursor, _STOCK, params):
            monthly.setdefault(TOTAL if gs else ("region", codes[region]), {})[m] = n
        figures |= _fill("corps_members_active", monthly, {}, running=False)
        figures |= _session_figures(cursor, params, codes)
        figures |= _repair_figures(cursor, params, codes)
    return figures, clock.parts


def floor_month_figures(year: int = YEAR, month: int = SINGLE_MONTH) -> Figures:
    """The bare SQL of one month's figures (the numbers ``rollup_month`` stores)."""
    from django.db import connection

    params = _params(year, month, month)
    figures: Figures = {}
    with connection.cursor() as cursor:
        codes = dict(_fetch(cursor, "SELECT id, code FROM care_region"))
        for metric in _DISTINCT_VISIT_METRICS:
            aggregates = ", bool_or(in_month) AS in_month"
            sql = _DISTINCT_MONTH.format(rows=_reduced_visits(metric, "", aggregates))
            figures[(metric, month, *TOTAL)] = (0, 0)
            for gs, region, rural, value, ytd in _fetch(cursor, sql, params):
                figures[(metric, month, *_key(gs, region, rural, codes))] = (value, ytd)
        for metric, program in _CONSULTATION_METRICS.items():
            for gs, region, value, ytd in _fetch(
                cursor, _COUNTS_MONTH, {**params, "program": program}
            ):
                dim_key = TOTAL if gs else ("region", codes.get(region, ""))
                figures[(metric, month, *dim_key)] = (value, ytd)
        value, ytd = _fetch(cursor, _GROUPS_MONTH, params)[0]
        figures[("programs_operated", month, *TOTAL)] = (value, ytd)
        figures[("corps_members_active", month, *TOTAL)] = (0, 0)
        for _m, gs, region, n in _fetch(cursor, _STOCK, {**params, "first": month}):
            dim_key = TOTAL if gs else ("region", codes[region])
            figures[("corps_members_active", month, *dim_key)] = (n, n)
        sessions = _session_figures(cursor, _params(year, month, month), codes)
        figures |= {key: value for key, value in sessions.items() if key[1] == month}
        repairs = _repair_figures(cursor, _params(year, month, month), codes)
        figures |= {key: value for key, value in repairs.items() if key[1] == month}
    return figures


def reference_seconds(year: int = YEAR, month: int = SINGLE_MONTH) -> dict[str, float]:
    """DESIGN §6's reference queries, timed (to compare this machine with the design's)."""
    from django.db import connection

    from kpi.metrics import month_start

    clock = _Clock(parts={})
    one_month = {"start": month_start(year, month), "end": month_start(year, month + 1)}
    with connection.cursor() as cursor:
        for name, sql in _REFERENCE.items():
            params = _params(year, 12, month)
            clock.fetch(name, cursor, sql, {**params, **one_month} if "one" in name else params)
    return clock.parts


# --- the independent floor: minimal SQL written from the counting rules ---------------------
#
# Written from DESIGN §3 (and docs/kpi.md §3.1 for the two operational measures that read
# visits), not from kpi/metrics.py, as a DBA would write the month's and the year's job:
#
#   * a visit counts unless void, in the Seoul month it started (§3.1, §3.4);
#   * persons are distinct: a month's figure counts each person served in it once, the year to
#     date each person served in January..month once (never a sum of months, §3.3);
#   * the breakdowns are the served recipient's 시·군 and rural flag (for corps members too: a
#     member who served in two 시·군 counts once in each and once in the total);
#   * consultations are events: counted per month, running sum, by their own 시·군;
#   * the corps stock is the members joined by the month's last day and not yet left;
#   * a 운영 group ran when any of its programs had a counted visit or a consultation.
#
# The visits of the period are read once into a temporary table, one row per (recipient,
# corps member, program, episode, month) with the recipient's keys joined once, and every
# figure is counted from it; the rest reads small tables. The same session settings as the
# rollup's transaction (work_mem 64 MB, no incremental sort), so that neither side spills or
# gets a plan where the other does not.

_FLOOR_VISITS = f"""
    CREATE TEMP TABLE floor_visits ON COMMIT DROP AS
    SELECT s.*, r.region_id, r.is_rural
    FROM (
        SELECT v.recipient_id, v.corps_member_id AS member_id, v.program_id, v.episode_id,
               EXTRACT(MONTH FROM v.started_at AT TIME ZONE '{TZ}')::int AS m,
               SUM(EXTRACT(EPOCH FROM v.ended_at - v.started_at)) AS seconds,
               MIN(v.started_at) AS first_at
        FROM care_visit v
        WHERE v.status <> 'void' AND v.started_at >= %(start)s AND v.started_at < %(end)s
        GROUP BY 1, 2, 3, 4, 5
    ) s
    JOIN care_recipient r ON r.id = s.recipient_id
"""
# Persons per month, and per month the persons first served in it (the year to date is the
# running sum of those), by (region, rural) grouping sets; {who} and {which} pick the metric.
_FLOOR_PERSONS = """
    SELECT 'month', m, GROUPING(region_id, is_rural), region_id, is_rural, COUNT(*)
    FROM (SELECT DISTINCT m, {who}, region_id, is_rural FROM floor_visits WHERE {which}) p
    GROUP BY GROUPING SETS ((m), (m, region_id), (m, is_rural))
    UNION ALL
    SELECT 'first', first_m, gs, region_id, is_rural, COUNT(*)
    FROM (
        SELECT MIN(m) AS first_m, GROUPING(region_id, is_rural) AS gs, region_id, is_rural
        FROM floor_visits WHERE {which}
        GROUP BY GROUPING SETS (({who}), ({who}, region_id), ({who}, is_rural))
    ) f
    GROUP BY first_m, gs, region_id, is_rural
"""
_FLOOR_MEMBERS_MONTH = """
    SELECT 'month', m, GROUPING(region_id, is_rural), region_id, is_rural,
           COUNT(DISTINCT member_id)
    FROM floor_visits
    GROUP BY GROUPING SETS ((m), (m, region_id), (m, is_rural))
"""
_FLOOR_HOURS = """
    SELECT m, GROUPING(region_id, is_rural), region_id, is_rural, SUM(seconds)
    FROM floor_visits
    GROUP BY GROUPING SETS ((m), (m, region_id), (m, is_rural))
"""
# An episode's first counted visit ever: its first of the year, unless it had one before.
_FLOOR_MEDIAN = f"""
    WITH firsts AS (
        SELECT EXTRACT(MONTH FROM f.first_at AT TIME ZONE '{TZ}')::int AS m,
               (f.first_at AT TIME ZONE '{TZ}')::date - e.referred_on AS days
        FROM (SELECT episode_id, MIN(first_at) AS first_at FROM floor_visits GROUP BY 1) f
        JOIN care_episode e ON e.id = f.episode_id
        WHERE NOT EXISTS (
            SELECT 1 FROM care_visit p
            WHERE p.episode_id = f.episode_id AND p.status <> 'void' AND p.started_at < %(start)s
        )
    )
    SELECT t.m,
           round((percentile_cont(0.5) WITHIN GROUP (ORDER BY days)
                  FILTER (WHERE firsts.m = t.m))::numeric, 1),
           round((percentile_cont(0.5) WITHIN GROUP (ORDER BY days))::numeric, 1)
    FROM generate_series(%(first)s, %(through)s) AS t(m)
    JOIN firsts ON firsts.m <= t.m
    GROUP BY t.m
"""
_FLOOR_CONSULTATIONS = f"""
    SELECT EXTRACT(MONTH FROM c.held_at AT TIME ZONE '{TZ}')::int AS m, GROUPING(c.region_id),
           c.region_id, COUNT(*)
    FROM consultations_consultation c
    WHERE c.program_id = %(program)s AND c.held_at >= %(start)s AND c.held_at < %(end)s
    GROUP BY GROUPING SETS ((1), (1, c.region_id))
"""
_FLOOR_EPISODES = """
    SELECT EXTRACT(MONTH FROM e.referred_on)::int AS m, GROUPING(r.region_id, r.is_rural),
           r.region_id, r.is_rural, COUNT(*)
    FROM care_episode e JOIN care_recipient r ON r.id = e.recipient_id
    WHERE e.referred_on >= %(start_day)s AND e.referred_on < %(end_day)s
    GROUP BY GROUPING SETS ((1), (1, r.region_id), (1, r.is_rural))
"""
_FLOOR_PROGRAMS = f"""
    SELECT DISTINCT program_id, m FROM floor_visits
    UNION
    SELECT program_id, EXTRACT(MONTH FROM held_at AT TIME ZONE '{TZ}')::int
    FROM consultations_consultation
    WHERE held_at >= %(start)s AND held_at < %(end)s
"""
_FLOOR_GROUPS = """
    SELECT o.program_id, o.indicator_id, o."group"
    FROM kpi_operatinggroupprogram o
    JOIN kpi_indicator i ON i.id = o.indicator_id
    JOIN kpi_strategicgoal g ON g.id = i.goal_id AND g.year = %(year)s
    WHERE EXISTS (SELECT 1 FROM kpi_measure me
                  WHERE me.indicator_id = i.id AND me.metric = 'programs_operated')
"""
# Metrics the independent floor computes: every bound one whose data the benchmark generates.
# Closures, the linkage rate and schedule completion read tables the generator leaves empty
# (closed episodes, scheduled visits): the rollup's few milliseconds on them are not floored.
FLOORED = (
    "recipients_served",
    "rural_recipients_served",
    "corps_members_served",
    "corps_members_active",
    "outreach_consultations",
    "care_info_consultations",
    "programs_operated",
    "delivered_hours",
    "referral_to_first_visit_days",
    "episodes_opened",
)


def _hours(seconds: Any) -> Decimal:
    return (Decimal(seconds or 0) / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def independent_floor(year: int = YEAR, through: int = 12) -> Figures:
    """Every floored metric's figures for months 1..``through``, keyed as the rollup stores
    them, from the minimal SQL above (a month's job is the same with ``through`` = the month:
    only its last month is then compared)."""
    from django.db import connection, transaction

    from kpi.metrics import month_start
    from kpi.rollups import ROLLUP_SETTINGS

    start, end = month_start(year, 1), month_start(year, through + 1)
    params = {
        "start": start,
        "end": end,
        "start_day": start.date(),
        "end_day": end.date(),
        "year": year,
        "first": 1,
        "through": through,
    }
    months = range(1, through + 1)
    figures: Figures = {}
    with transaction.atomic(), connection.cursor() as cursor:
        # The rollup's own session settings (kpi.rollups.ROLLUP_SETTINGS), so that neither
        # side gets a plan the other is denied.
        for name, value in ROLLUP_SETTINGS.items():
            cursor.execute(f"SET LOCAL {name} = '{value}'")
        codes = dict(_fetch(cursor, "SELECT id, code FROM care_region"))
        programs = dict(_fetch(cursor, "SELECT code, id FROM care_program"))
        # (Inside a test's transaction the atomic block is a savepoint: no commit drops it.)
        cursor.execute("DROP TABLE IF EXISTS floor_visits")
        cursor.execute(_FLOOR_VISITS, params)
        cursor.execute("ANALYZE floor_visits")
        rural_gap = f"program_id = {int(programs['rural_gap_care'])} AND is_rural"
        for metric, who, which in (
            ("recipients_served", "recipient_id", "TRUE"),
            ("rural_recipients_served", "recipient_id", rural_gap),
            ("corps_members_served", "member_id", "TRUE"),
        ):
            sql = _FLOOR_PERSONS.format(who=who, which=which)
            if who == "member_id":
                # The recipient's keys are not the member's own: DISTINCT per grouping set.
                sql = f"{_FLOOR_MEMBERS_MONTH} UNION ALL {sql.split('UNION ALL')[1]}"
            monthly: dict[Key, dict[int, Any]] = {}
            firsts: dict[Key, dict[int, Any]] = {}
            for part, m, gs, region, rural, n in _fetch(cursor, sql, params):
                target = monthly if part == "month" else firsts
                target.setdefault(_key(gs, region, rural, codes), {})[m] = n
            figures |= _floor_fill(metric, monthly, firsts, months)
        monthly, firsts = {}, {}
        for m, gs, region, rural, seconds in _fetch(cursor, _FLOOR_HOURS, params):
            monthly.setdefault(_key(gs, region, rural, codes), {})[m] = Decimal(seconds or 0)
        figures |= _floor_fill("delivered_hours", monthly, monthly, months, _hours)
        medians = {m: (value, ytd) for m, value, ytd in _fetch(cursor, _FLOOR_MEDIAN, params)}
        for m in months:
            figures[("referral_to_first_visit_days", m, *TOTAL)] = medians.get(m, (None, None))
        for metric, program in _CONSULTATION_METRICS.items():
            monthly = {}
            for m, gs, region, n in _fetch(
                cursor, _FLOOR_CONSULTATIONS, {**params, "program": programs[program]}
            ):
                dim_key = TOTAL if gs else ("region", codes.get(region, ""))
                monthly.setdefault(dim_key, {})[m] = n
            figures |= _floor_fill(metric, monthly, monthly, months)
        monthly = {}
        for m, gs, region, rural, n in _fetch(cursor, _FLOOR_EPISODES, params):
            monthly.setdefault(_key(gs, region, rural, codes), {})[m] = n
        figures |= _floor_fill("episodes_opened", monthly, monthly, months)
        groups: dict[int, set[tuple[int, str]]] = {}
        for program, indicator, group in _fetch(cursor, _FLOOR_GROUPS, params):
            groups.setdefault(program, set()).add((indicator, group))
        ran: dict[int, set[tuple[int, str]]] = {}
        for program, m in _fetch(cursor, _FLOOR_PROGRAMS, params):
            ran.setdefault(m, set()).update(groups.get(program, ()))
        so_far: set[tuple[int, str]] = set()
        for m in months:
            so_far |= ran.get(m, set())
            figures[("programs_operated", m, *TOTAL)] = (len(ran.get(m, ())), len(so_far))
        for m, gs, region, n in _fetch(cursor, _STOCK, params):
            figures[("corps_members_active", m, *(TOTAL if gs else ("region", codes[region])))] = (
                n,
                n,
            )
        for m in months:
            figures.setdefault(("corps_members_active", m, *TOTAL), (0, 0))
        cursor.execute("DROP TABLE floor_visits")
    return figures


def _floor_fill(
    metric: str,
    monthly: dict[Key, dict[int, Any]],
    adds: dict[Key, dict[int, Any]],
    months: range,
    unit: Callable[[Any], Any] = int,
) -> Figures:
    """(month's value, year to date) per month and key: the year to date is the running sum of
    what each month adds (events, or persons first served in it); breakdown keys appear once
    their year to date is above zero, totals always."""
    figures: Figures = {}
    for dim_key in set(monthly) | set(adds) | {TOTAL}:
        running: Any = 0
        for m in months:
            running += adds.get(dim_key, {}).get(m, 0)
            if dim_key == TOTAL or running:
                value = monthly.get(dim_key, {}).get(m, 0)
                figures[(metric, m, *dim_key)] = (unit(value), unit(running))
    return figures


# --- what the rollup stored -----------------------------------------------------------------


def stored_figures(year: int = YEAR, *, floored: bool = False) -> Figures:
    """The automatic figures the rollup stored, with their breakdowns: per bound metric of the
    document (what the same-algorithm floor computes), or with ``floored`` per metric of
    ``FLOORED`` (what the independent floor computes, operational measures included; the
    others are checked by tests/kpi/test_operations.py on hand-built months)."""
    from django.db.models import Q

    from kpi.models import Measurement, MeasurementBreakdown

    figures: Figures = {}
    # The outreach consultations are an operational measure beside 4-1 since issue 12 (4-1's
    # 사회서비스연계 상담 counts sessions); the same-algorithm floor still computes them.
    document = (
        Q(measure__isnull=True)
        | Q(measure__operational=False)
        | Q(measure__metric__in=_CONSULTATION_METRICS)
    )
    if floored:
        document = Q(measure__metric__in=FLOORED) | Q(unit_program__metric__in=FLOORED)
    rows = Measurement.objects.filter(
        document, year=year, source=Measurement.Source.AUTO
    ).values_list("measure__metric", "unit_program__metric", "month", "value", "ytd_value")
    for measure_metric, program_metric, month, value, ytd in rows:
        figures[(measure_metric or program_metric, month, "", "")] = (_n(value), _n(ytd))
    details = MeasurementBreakdown.objects.filter(
        Q(measurement__measure__metric__in=FLOORED)
        | Q(measurement__unit_program__metric__in=FLOORED)
        if floored
        else Q(measurement__measure__isnull=True)
        | Q(measurement__measure__operational=False)
        | Q(measurement__measure__metric__in=_CONSULTATION_METRICS),
        measurement__year=year,
        measurement__source=Measurement.Source.AUTO,
    ).values_list(
        "measurement__measure__metric",
        "measurement__unit_program__metric",
        "measurement__month",
        "dimension",
        "key",
        "value",
        "ytd_value",
    )
    for measure_metric, program_metric, month, dimension, key, value, ytd in details:
        metric = measure_metric or program_metric
        figures[(metric, month, dimension, key)] = (_n(value), _n(ytd))
    return figures


def _n(value: Decimal | None) -> int | Decimal | None:
    """A stored figure as the floors give it: whole numbers as ints."""
    if value is None or value != value.to_integral_value():
        return value
    return int(value)


def compare(stored: Figures, floor: Figures, limit: int = 20) -> list[str]:
    """Where the rollup's numbers and the floor's differ (empty when they are the same)."""
    differences = []
    for key in sorted(set(stored) | set(floor), key=str):
        if stored.get(key) != floor.get(key):
            differences.append(f"{key}: rollup {stored.get(key)} floor {floor.get(key)}")
    return differences[:limit] + (
        [f"… {len(differences) - limit} more"] if len(differences) > limit else []
    )


# --- timing ---------------------------------------------------------------------------------


def _backend_cpu() -> Callable[[], float | None]:
    """A reader of the PostgreSQL backend's CPU seconds, when the server runs on this machine
    (``/proc/<pid>/stat`` of a ``postgres`` process); otherwise it reads ``None``."""
    from django.db import connection

    host = connection.settings_dict.get("HOST") or "localhost"
    if connection.vendor != "postgresql" or host not in {"127.0.0.1", "localhost", "::1"}:
        return lambda: None
    with connection.cursor() as cursor:
        pid = _fetch(cursor, "SELECT pg_backend_pid()")[0][0]
    proc = Path(f"/proc/{pid}")
    try:
        if proc.joinpath("comm").read_text().strip() != "postgres":
            return lambda: None
    except OSError:
        return lambda: None
    ticks = os.sysconf("SC_CLK_TCK")

    def read() -> float | None:
        try:
            fields = proc.joinpath("stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime

    return read


def _timed(call: Callable[[], Any]) -> tuple[float, float | None, Any, list[dict[str, Any]]]:
    """Run ``call``: wall seconds, CPU seconds (process + backend), its value, its queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    backend = _backend_cpu()
    with CaptureQueriesContext(connection) as queries:
        cpu_before, backend_before = time.process_time(), backend()
        started = time.perf_counter()
        value = call()
        seconds = time.perf_counter() - started
        cpu, backend_after = time.process_time() - cpu_before, backend()
    if backend_before is None or backend_after is None:
        return seconds, None, value, queries.captured_queries
    return seconds, cpu + backend_after - backend_before, value, queries.captured_queries


def run(
    *,
    visits: int = DEFAULT_VISITS,
    recipients: int = DEFAULT_RECIPIENTS,
    members: int = DEFAULT_MEMBERS,
    consultations: int = DEFAULT_CONSULTATIONS,
    repeat: int = DEFAULT_REPEAT,
    seed: int = DEFAULT_SEED,
    slowest: int = 0,
    generate_only: bool = False,
    progress: Callable[[str], None] = lambda line: None,
) -> BenchResult | None:
    """Generate the year, time the rollup, the floor and a single month, compare the numbers.

    Runs in the current database, which must hold the migrations' reference data and either
    no operational rows (a fresh test database) or a year this function generated before (a
    kept database: then it is not generated again)."""
    from django.db import connection

    from kpi import rollups
    from kpi.goals import goals_load

    goals_load()
    dataset = generated()
    if dataset is None:
        dataset = generate(
            visits=visits,
            recipients=recipients,
            members=members,
            consultations=consultations,
            seed=seed,
        )
        progress(f"generated in {dataset.seconds:.1f} s: {dataset}")
    else:
        progress(f"reusing the kept year: {dataset}")
        # A kept database may have been generated before the tables existed: recount them
        # (the generator did for a new one).
        from kpi.served import services as served

        started = time.perf_counter()
        served.rebuild()
        dataset = replace(dataset, rebuild_seconds=time.perf_counter() - started)
    progress(f"served-person tables rebuilt in {dataset.rebuild_seconds:.1f} s")
    if generate_only:
        return None
    # Warm-up, untimed: brings the tables into the cache and makes the months' periods.
    reference = reference_seconds()
    floor_figures()
    independent_floor()
    rollups.rollup_year(year=YEAR)
    progress("warm-up done")
    timings: dict[str, tuple[list[float], list[float | None]]] = {
        name: ([], [])
        for name in ("rollup", "floor", "old floor", "month", "month floor", "old month floor")
    }
    all_parts: list[dict[str, float]] = []
    rows = rollup_queries = month_queries = 0
    captured: list[dict[str, Any]] = []

    def record(name: str, seconds: float, cpu: float | None) -> None:
        timings[name][0].append(seconds)
        timings[name][1].append(cpu)

    # Alternating, so that a busy moment of the machine does not fall on one side only.
    for attempt in range(max(1, repeat)):
        seconds, cpu, rows, captured = _timed(lambda: rollups.rollup_year(year=YEAR))
        record("rollup", seconds, cpu)
        rollup_queries = len(captured)
        seconds, cpu, floor, _queries = _timed(independent_floor)
        record("floor", seconds, cpu)
        seconds, cpu, (old_floor, parts), _queries = _timed(floor_figures)
        record("old floor", seconds, cpu)
        all_parts.append(parts)
        progress(
            f"#{attempt + 1}: rollup_year {timings['rollup'][0][-1]:.2f} s "
            f"({rollup_queries} queries), independent floor {timings['floor'][0][-1]:.2f} s, "
            f"same-algorithm floor {timings['old floor'][0][-1]:.2f} s"
        )
    mismatches = compare(stored_figures(floored=True), floor)
    mismatches += compare(stored_figures(), old_floor)
    month_floor: Figures = {}
    for attempt in range(max(1, repeat)):
        seconds, cpu, _run, month_captured = _timed(
            lambda: rollups.rollup_month(year=YEAR, month=SINGLE_MONTH)
        )
        record("month", seconds, cpu)
        month_queries = len(month_captured)
        seconds, cpu, month_floor, _queries = _timed(
            lambda: independent_floor(through=SINGLE_MONTH)
        )
        record("month floor", seconds, cpu)
        seconds, cpu, old_month_floor, _queries = _timed(floor_month_figures)
        record("old month floor", seconds, cpu)
        progress(
            f"#{attempt + 1}: rollup_month {timings['month'][0][-1]:.2f} s, "
            f"independent floor {timings['month floor'][0][-1]:.2f} s, "
            f"same-algorithm floor {timings['old month floor'][0][-1]:.2f} s"
        )
    # June was rewritten by the single-month rollups: the same numbers, from the other path.
    stored = stored_figures(floored=True)
    mismatches += compare(stored, floor)
    june = {k: v for k, v in month_floor.items() if k[1] == SINGLE_MONTH}
    mismatches += compare({k: v for k, v in stored.items() if k[1] == SINGLE_MONTH}, june)
    mismatches += compare(
        {k: v for k, v in stored_figures().items() if k[1] == SINGLE_MONTH}, old_month_floor
    )
    best = min(range(len(all_parts)), key=timings["old floor"][0].__getitem__)
    return BenchResult(
        vendor=connection.vendor,
        dataset=dataset,
        rollup=Timing(*timings["rollup"]),
        floor=Timing(*timings["floor"]),
        month=Timing(*timings["month"]),
        month_floor=Timing(*timings["month floor"]),
        old_floor=Timing(*timings["old floor"]),
        old_month_floor=Timing(*timings["old month floor"]),
        floor_parts=all_parts[best],
        reference=reference,
        rollup_rows=rows,
        rollup_queries=rollup_queries,
        month_queries=month_queries,
        figures=len(floor),
        mismatches=mismatches,
        slowest=sorted(((float(q["time"]), q["sql"]) for q in captured), key=lambda pair: -pair[0])[
            :slowest
        ],
    )


# --- report and command line ----------------------------------------------------------------


def report(result: BenchResult, *, database: str = "") -> str:
    data = result.dataset
    lines = [
        f"KPI rollup of {YEAR} on {result.vendor}{f' ({database})' if database else ''}: "
        f"{data.visits:,} visits ({data.void_visits:,} void, {data.rural_gap_visits:,} rural "
        f"gap care), {data.recipients:,} recipients ({data.rural_recipients:,} rural), "
        f"{data.members:,} corps members, {data.consultations:,} consultations "
        f"(generated in {data.seconds:.1f} s)",
        "",
        f"{'what':<52}{'best s':>8}{'CPU s':>8}   runs (s)",
    ]

    def line(name: str, timing: Timing) -> str:
        cpu = f"{timing.best_cpu:8.2f}" if timing.best_cpu is not None else f"{'-':>8}"
        runs = " ".join(f"{t:.2f}" for t in timing.seconds)
        return f"{name:<52}{timing.best:>8.2f}{cpu}   {runs}"

    lines += [
        line(f"rollup_year({YEAR}): every bound measure, 12 months", result.rollup),
        line("independent minimal SQL: the same numbers", result.floor),
    ]
    if result.old_floor is not None:
        lines.append(line("same-algorithm SQL floor (document metrics)", result.old_floor))
        lines += [f"  {'floor: ' + part:<50}{s:>8.2f}" for part, s in result.floor_parts.items()]
    lines += [
        line(f"rollup_month({YEAR}, {SINGLE_MONTH})", result.month),
        line("independent minimal SQL: the same month", result.month_floor),
    ]
    if result.old_month_floor is not None:
        lines.append(line("same-algorithm SQL: the same month", result.old_month_floor))
    lines.append("DESIGN §6 reference queries (recipients, no breakdowns):")
    lines += [f"  {name:<50}{s:>8.2f}" for name, s in result.reference.items()]
    verdict = "met" if result.meets_goal else "NOT met"
    cpu_ratio = f", CPU {result.cpu_ratio:.2f}x" if result.cpu_ratio is not None else ""
    lines += [
        "",
        f"ratio rollup / independent floor: {result.ratio:.2f}x{cpu_ratio} "
        f"(goal <= {GOAL_RATIO:g}x); "
        + (
            f"rollup_year {result.rollup.best:.2f} s at {data.visits:,} visits "
            f"(goal < {GOAL_LARGE_YEAR_SECONDS} s): {verdict}"
            if data.visits >= LARGE_VISITS
            else f"single month {result.month.best:.2f} s (goal < {GOAL_MONTH_SECONDS:g} s): "
            f"{verdict}"
        ),
        f"rollup_year wrote {result.rollup_rows:,} rows in {result.rollup_queries} queries, "
        f"rollup_month in {result.month_queries}: a fixed number, whatever the number of "
        "visits (no Python loop over rows)",
        f"served-person tables rebuilt from the visits in {data.rebuild_seconds:.1f} s",
        f"numbers stored by the rollups equal both floors': "
        f"{'yes' if result.figures_match else 'NO'} ({result.figures:,} figures compared)",
    ]
    lines += [f"  mismatch {m}" for m in result.mismatches]
    if result.slowest:
        lines += ["", "slowest rollup_year queries:"]
        lines += [f"  {seconds:7.3f} s  {sql[:300]}" for seconds, sql in result.slowest]
    return "\n".join(lines)


def exit_code(result: BenchResult, *, check: bool) -> int:
    if not result.figures_match:
        return 2
    return 1 if check and not result.meets_goal else 0


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply every default size (10: 10,000,000 visits, 1,000,000 recipients)",
    )
    parser.add_argument("--visits", type=int, default=0, help=f"default {DEFAULT_VISITS}")
    parser.add_argument("--recipients", type=int, default=0, help=f"default {DEFAULT_RECIPIENTS}")
    parser.add_argument("--members", type=int, default=0, help=f"default {DEFAULT_MEMBERS}")
    parser.add_argument(
        "--consultations", type=int, default=0, help=f"default {DEFAULT_CONSULTATIONS}"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the generated database (test_<NAME>_kpi_rollup_x<scale>) and reuse it "
        "when it is there (no second generation)",
    )
    parser.add_argument(
        "--generate-only", action="store_true", help="generate (with --keep) and stop"
    )
    parser.add_argument(
        "--repeat", type=int, default=DEFAULT_REPEAT, help="timed runs of each; the best counts"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--queries", type=int, default=0, metavar="N", help="print the rollup's N slowest queries"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"exit 1 unless ratio <= {GOAL_RATIO:g}x and a month < {GOAL_MONTH_SECONDS:g} s "
        f"(at {LARGE_VISITS:,} visits and more: the year < {GOAL_LARGE_YEAR_SECONDS} s)",
    )
    return parser.parse_args(argv)


@contextmanager
def kept_database(connection: Any, suffix: str) -> Iterator[str]:
    """Like ``own_test_database``, but kept after the run and reused by the next one (its
    migrations brought up to date): a 10-million-visit year takes long to generate, and the
    timings can then be run again on the same data."""
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment(debug=False)
    real_name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = f"test_{real_name}_{suffix}"
    connection.creation.create_test_db(verbosity=0, keepdb=True, serialize=False)
    try:
        database = f"{connection.settings_dict['NAME']} (kept), {server_version(connection)}"
        print(f"database: {connection.vendor} {database}", flush=True)
        yield database
    finally:
        teardown_test_environment()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    connection = django_setup()
    if connection.vendor != "postgresql":
        print("bench/kpi_rollup.py needs PostgreSQL: set DATABASE_URL", file=sys.stderr)
        return 2
    scale = args.scale
    database_of = (
        kept_database(connection, f"kpi_rollup_x{scale:g}")
        if args.keep
        else own_test_database(connection, "kpi_rollup")
    )
    with database_of as database:
        result = run(
            visits=args.visits or int(DEFAULT_VISITS * scale),
            recipients=args.recipients or int(DEFAULT_RECIPIENTS * scale),
            members=args.members or int(DEFAULT_MEMBERS * scale),
            consultations=args.consultations or int(DEFAULT_CONSULTATIONS * scale),
            repeat=args.repeat,
            seed=args.seed,
            slowest=args.queries,
            generate_only=args.generate_only,
            progress=lambda line: print(line, flush=True),
        )
        if result is None:
            print("generated; kept for the next run with --keep")
            return 0
    print(report(result, database=database))
    return exit_code(result, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
