"""Benchmark: the schedule (care/schedule) at provincial scale against the bare SQL.

Makes 5,000 active episodes with weekly plans (two visits every weekday, 50,000 plan entries)
served by 1,000 corps members with login accounts across Jeonbuk's 14 시·군, then times

- **generation**: ``schedule_generate`` of the next 14 days (about 100,000 scheduled visits)
  against a bare ``INSERT … SELECT`` of the same rows written here from the rules (each
  entry's first matching weekday, then every seventh day, inside the episode and the entry),
  not from the application's SQL; the two paths' rows are compared;
- **the missed pass**: ``schedule_mark_missed`` a week into the horizon (the first week's
  visits become missed, the day's late) against two bare ``UPDATE`` statements of the same
  rows; the states are compared;
- **the week view** of one 시·군 (``/coordinator/schedule/?region=…``, a coordinator) and
  **a caregiver's "today"** (``/api/v1/scheduled-visits/?date_from=&date_to=`` as that
  caregiver, by token): server time through Django's test client (no network), and the
  number of queries, which must not grow with the number of visits.

Goals: generation within 3× of the bare SQL, a caregiver's "today" under 50 ms.

Run from the project root (PostgreSQL only: the data is made with ``generate_series``)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/care_ops_bench \\
        .venv/bin/python bench/schedule.py [--episodes 5000] [--members 1000] [--repeat 3] \\
        [--check]

The script runs under ``tests.settings`` in a test database of its own
(``test_<NAME>_schedule``, dropped at the end). ``run()`` is the core, which
``tests/care/test_bench_schedule.py`` calls at a tiny size.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._database import django_setup, own_test_database  # noqa: E402

GOAL_RATIO = 3.0
GOAL_TODAY_MS = 50.0
DEFAULT_EPISODES = 5_000
DEFAULT_MEMBERS = 1_000
DEFAULT_REPEAT = 3
HORIZON = 14
VISITS_PER_DAY = 2  # on weekdays: 5,000 episodes × 2 × 10 weekdays = 100,000 rows
# A Monday, so that the horizon is two whole weeks.
FIRST_DAY = date(2025, 3, 3)
TZ = "Asia/Seoul"
PAGE_RUNS = 20

# The bare generation, from the rules: for each entry the first day of the horizon on its
# weekday, then every seventh day, kept inside the episode's period and the entry's validity.
BARE_GENERATE = """
INSERT INTO care_scheduledvisit (
    episode_id, recipient_id, plan_entry_id, occurrence_date, starts_at, planned_minutes,
    corps_member_id, state, touched, change_reason, created_at, updated_at
)
SELECT p.episode_id, ep.recipient_id, p.id, o.day,
       (o.day + p.start_time) AT TIME ZONE %(tz)s, p.planned_minutes, p.corps_member_id,
       'planned', false, '', now(), now()
FROM care_careplanentry p
JOIN care_episode ep ON ep.id = p.episode_id AND ep.state IN ('approved', 'active')
CROSS JOIN LATERAL (
    SELECT (%(first)s::date + ((p.weekday - (EXTRACT(DOW FROM %(first)s::date)::int + 6) %% 7
            + 7) %% 7) + 7 * k) AS day
    FROM generate_series(0, %(weeks)s) AS k
) o
WHERE o.day <= %(last)s::date
  AND o.day BETWEEN ep.starts_on AND COALESCE(ep.planned_end_on, o.day)
  AND o.day BETWEEN p.valid_from AND COALESCE(p.valid_until, o.day)
"""

BARE_MISSED = [
    """UPDATE care_scheduledvisit SET state = 'missed', updated_at = %(now)s
       WHERE state IN ('planned', 'late')
         AND (starts_at AT TIME ZONE %(tz)s)::date < (%(now)s AT TIME ZONE %(tz)s)::date""",
    """UPDATE care_scheduledvisit SET state = 'late', updated_at = %(now)s
       WHERE state = 'planned' AND starts_at < %(now)s - interval '30 minutes'""",
]


class BenchError(RuntimeError):
    """The benchmark could not measure what it says (the two paths disagree)."""


@dataclass
class Timing:
    seconds: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.seconds)


@dataclass
class PageTiming:
    url: str
    status: int
    milliseconds: list[float]
    queries: int
    # Of those, the paginator's COUNT(*): sent for a full first page only (config.api).
    counts: int = 0

    @property
    def median_ms(self) -> float:
        return statistics.median(self.milliseconds)


@dataclass
class BenchResult:
    episodes: int
    members: int
    entries: int
    rows: int
    generate: Timing
    generate_bare: Timing
    missed_rows: int
    missed: Timing
    missed_bare: Timing
    week: PageTiming
    today: PageTiming
    rows_match: bool
    states_match: bool

    @property
    def generate_ratio(self) -> float:
        return self.generate.best / self.generate_bare.best

    @property
    def missed_ratio(self) -> float:
        return self.missed.best / self.missed_bare.best

    @property
    def meets_goal(self) -> bool:
        return self.generate_ratio <= GOAL_RATIO and self.today.median_ms < GOAL_TODAY_MS


def generate_data(*, episodes: int, members: int, label: str = "bench") -> tuple[Any, list[Any]]:
    """Corps members (each with a login), people, active episodes and a weekday plan each;
    returns a coordinator and the caregivers' users. Not timed."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from base.models import Program, Region, ServiceType
    from care.models import Episode, Recipient
    from care.schedule.models import CarePlanEntry
    from volunteers.models import CorpsMember

    User = get_user_model()
    regions = list(Region.objects.order_by("sort_order", "code"))
    housework = ServiceType.objects.get(code="housework")
    program = Program.objects.get(code="emergency_care")
    caregiver_group = Group.objects.get(name="caregiver")
    coordinator = User.objects.create_user(f"{label}-schedule-coordinator", password="x")
    coordinator.groups.add(Group.objects.get(name="coordinator"))
    users = User.objects.bulk_create(
        [User(username=f"{label}-caregiver-{n}", password="!") for n in range(members)]
    )
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=caregiver_group.pk) for u in users]
    )
    corps = CorpsMember.objects.bulk_create(
        [
            CorpsMember(
                name=f"단원{n}",
                phone=f"010-3{n % 1000:03d}-{n:04d}",
                region=regions[n % len(regions)],
                joined_on=date(2024, 1, 2),
                user=user,
            )
            for n, user in enumerate(users)
        ]
    )
    CorpsMember.service_types.through.objects.bulk_create(
        [
            CorpsMember.service_types.through(corpsmember_id=m.pk, servicetype_id=housework.pk)
            for m in corps
        ]
    )
    people = Recipient.objects.bulk_create(
        [
            Recipient(
                name=f"대상자{n}",
                birth_date=date(1940, 1 + n % 12, 1 + n % 28),
                sex=Recipient.Sex.FEMALE,
                phone=f"063-{200 + n % 600}-{n % 10000:04d}",
                address=f"전북특별자치도 {corps[n % members].region.name} 어느길 {n}",
                region=corps[n % members].region,
                admin_unit="중앙동",
                category=Recipient.Category.ELDERLY,
                emergency_reason=Recipient.EmergencyReason.AFTER_DISCHARGE,
                consent_date=date(2025, 2, 1),
                consent_scope="긴급돌봄 제공을 위한 수집·이용",
                status=Recipient.Status.ACTIVE,
            )
            for n in range(episodes)
        ]
    )
    runs = Episode.objects.bulk_create(
        [
            Episode(
                recipient=person,
                program=program,
                state=Episode.State.ACTIVE,
                referred_on=FIRST_DAY - timedelta(days=10),
                referral_source=Episode.ReferralSource.FAMILY,
                emergency_reason=Recipient.EmergencyReason.AFTER_DISCHARGE,
                starts_on=FIRST_DAY - timedelta(days=7),
                planned_end_on=FIRST_DAY + timedelta(days=40),
                max_days=48,
                max_hours=72,
                fee_class=Episode.FeeClass.FREE,
            )
            for person in people
        ]
    )
    # Two visits every weekday (morning and afternoon, an hour each); a corps member's five
    # people take ten 75-minute slots from 7:00, so nobody is double-booked.
    from datetime import time as clock

    entries = []
    for n, run_ in enumerate(runs):
        for visit in range(VISITS_PER_DAY):
            slot = (n // members) * VISITS_PER_DAY + visit
            minutes = 7 * 60 + slot * 75
            for weekday in range(5):
                entries.append(
                    CarePlanEntry(
                        episode=run_,
                        weekday=weekday,
                        start_time=clock(minutes // 60 % 24, minutes % 60),
                        planned_minutes=60,
                        corps_member=corps[n % members],
                        valid_from=run_.starts_on,
                    )
                )
    entries = CarePlanEntry.objects.bulk_create(entries, batch_size=5000)
    CarePlanEntry.service_types.through.objects.bulk_create(
        [
            CarePlanEntry.service_types.through(careplanentry_id=e.pk, servicetype_id=housework.pk)
            for e in entries
        ],
        batch_size=5000,
    )
    return coordinator, users


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _schedule_rows() -> set[tuple[Any, ...]]:
    from care.schedule.models import ScheduledVisit

    return set(
        ScheduledVisit.objects.values_list(
            "episode_id",
            "recipient_id",
            "plan_entry_id",
            "occurrence_date",
            "starts_at",
            "planned_minutes",
            "corps_member_id",
            "state",
        )
    )


def _clear_schedule() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM care_scheduledvisit")


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = call()
    return time.perf_counter() - started, value


def _page(client: Any, url: str, **headers: Any) -> PageTiming:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, **headers)  # warm-up: URLconf, templates
    milliseconds = []
    for _ in range(PAGE_RUNS):
        started = time.perf_counter()
        response = client.get(url, **headers)
        milliseconds.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    counts = sum(1 for q in captured.captured_queries if q["sql"].startswith("SELECT COUNT(*)"))
    return PageTiming(
        url=url,
        status=response.status_code,
        milliseconds=milliseconds,
        queries=len(captured),
        counts=counts,
    )


def run(
    *,
    episodes: int = DEFAULT_EPISODES,
    members: int = DEFAULT_MEMBERS,
    repeat: int = DEFAULT_REPEAT,
    label: str = "bench",
    progress: Callable[[str], None] = lambda line: None,
) -> BenchResult:
    """Make the data, time both paths of generation and of the missed pass, then the pages.
    ``label`` prefixes the generated usernames (a second run in one database needs another:
    users who read personal data stay, the access log keeps them)."""
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from care.schedule import services
    from care.schedule.models import CarePlanEntry, ScheduledVisit

    if connection.vendor != "postgresql":
        raise BenchError("bench/schedule.py needs PostgreSQL")
    progress(f"data: {episodes} episodes, {members} corps members")
    coordinator, caregivers = generate_data(episodes=episodes, members=members, label=label)
    _analyze()
    last = FIRST_DAY + timedelta(days=HORIZON - 1)
    params = {"tz": TZ, "first": FIRST_DAY, "last": last, "weeks": HORIZON // 7 + 1}

    generate, generate_bare = Timing(), Timing()
    app_rows: set[tuple[Any, ...]] = set()
    bare_rows: set[tuple[Any, ...]] = set()
    for round_ in range(repeat):
        _clear_schedule()
        seconds, _ = _timed(lambda: services.schedule_generate(today=FIRST_DAY))
        generate.seconds.append(seconds)
        app_rows = _schedule_rows()
        _clear_schedule()

        def bare() -> None:
            with connection.cursor() as cursor:
                cursor.execute(BARE_GENERATE, params)

        seconds, _ = _timed(bare)
        generate_bare.seconds.append(seconds)
        bare_rows = _schedule_rows()
        progress(
            f"generate round {round_ + 1}: app {generate.seconds[-1]:.2f}s, "
            f"bare {seconds:.2f}s, {len(app_rows)} rows"
        )
    rows_match = app_rows == bare_rows
    _analyze()

    # The missed pass a week into the horizon, at 10:45 Seoul: the first week's visits
    # missed, the day's visits before 10:15 late.
    now = timezone.make_aware(
        datetime.combine(FIRST_DAY + timedelta(days=7), datetime.min.time())
    ) + timedelta(hours=10, minutes=45)
    missed, missed_bare = Timing(), Timing()
    app_states: set[tuple[Any, ...]] = set()
    bare_states: set[tuple[Any, ...]] = set()
    missed_rows = 0
    for _round in range(repeat):
        ScheduledVisit.objects.update(state="planned")
        seconds, missed_rows = _timed(lambda: services.schedule_mark_missed(now=now))
        missed.seconds.append(seconds)
        app_states = set(ScheduledVisit.objects.values_list("pk", "state"))
        ScheduledVisit.objects.update(state="planned")

        def bare_missed() -> None:
            with connection.cursor() as cursor:
                for statement in BARE_MISSED:
                    cursor.execute(statement, {"tz": TZ, "now": now})

        seconds, _ = _timed(bare_missed)
        missed_bare.seconds.append(seconds)
        bare_states = set(ScheduledVisit.objects.values_list("pk", "state"))
    states_match = app_states == bare_states
    ScheduledVisit.objects.update(state="planned")
    _analyze()

    # Pages: the week of one 시·군 (a coordinator), one caregiver's "today" (by token).
    region = CarePlanEntry.objects.values_list("corps_member__region__code", flat=True).first()
    desk = Client()
    desk.force_login(coordinator)
    week = _page(desk, f"/coordinator/schedule/?week={FIRST_DAY.isoformat()}&region={region}")
    day = FIRST_DAY + timedelta(days=2)
    token = Token.objects.create(user=caregivers[0])
    today = _page(
        Client(),
        f"/api/v1/scheduled-visits/?date_from={day.isoformat()}&date_to={day.isoformat()}",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    return BenchResult(
        episodes=episodes,
        members=members,
        entries=CarePlanEntry.objects.count(),
        rows=len(app_rows),
        generate=generate,
        generate_bare=generate_bare,
        missed_rows=missed_rows,
        missed=missed,
        missed_bare=missed_bare,
        week=week,
        today=today,
        rows_match=rows_match,
        states_match=states_match,
    )


def report(result: BenchResult, *, database: str = "") -> str:
    lines = [
        f"schedule benchmark{f' on {database}' if database else ''}",
        f"  {result.episodes} active episodes, {result.members} corps members, "
        f"{result.entries} plan entries",
        f"  generate {HORIZON} days: {result.rows} rows; app {result.generate.best:.3f}s, "
        f"bare INSERT … SELECT {result.generate_bare.best:.3f}s, "
        f"ratio {result.generate_ratio:.2f}x (goal <= {GOAL_RATIO:.0f}x); "
        f"rows alike: {'yes' if result.rows_match else 'NO'}",
        f"  missed pass: {result.missed_rows} rows; app {result.missed.best:.3f}s, "
        f"bare UPDATEs {result.missed_bare.best:.3f}s, ratio {result.missed_ratio:.2f}x; "
        f"states alike: {'yes' if result.states_match else 'NO'}",
        f"  week view of one 시·군: median {result.week.median_ms:.1f} ms, "
        f"{result.week.queries} queries (HTTP {result.week.status})",
        f"  caregiver's today: median {result.today.median_ms:.1f} ms, "
        f"{result.today.queries} queries (HTTP {result.today.status}; "
        f"goal < {GOAL_TODAY_MS:.0f} ms)",
        f"  goals: {'met' if result.meets_goal else 'NOT met'}",
    ]
    return "\n".join(lines)


def exit_code(result: BenchResult, *, check: bool) -> int:
    if not (result.rows_match and result.states_match):
        return 2
    return 1 if check and not result.meets_goal else 0


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--episodes", type=int, default=DEFAULT_EPISODES)
    parser.add_argument("--members", type=int, default=DEFAULT_MEMBERS)
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT)
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    connection = django_setup()
    if connection.vendor != "postgresql":
        print("bench/schedule.py needs PostgreSQL: set DATABASE_URL", file=sys.stderr)
        return 2
    with own_test_database(connection, "schedule") as database:
        result = run(
            episodes=args.episodes,
            members=args.members,
            repeat=args.repeat,
            progress=lambda line: print(line, flush=True),
        )
    print(report(result, database=database))
    return exit_code(result, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
