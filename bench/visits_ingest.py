"""Benchmark: visits through ``POST /api/v1/visits/sync/`` against a bare ``bulk_create``.

Builds a realistic corps (caregivers with logins and API tokens, recipients across Jeonbuk's
14 시·군, active assignments), plans N visits over the last 60 days, sends them through the
sync endpoint in batches with DRF's ``APIClient`` (token authentication, as a tablet does), then
deletes them and writes the same rows with a bare ``Visit.objects.bulk_create`` plus the
service-type through rows. Prints visits per second for both and the ratio (API ÷ bare).

Run from the project root::

    .venv/bin/python bench/visits_ingest.py                     # SQLite (in-memory test DB)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/care_ops_bench \\
        .venv/bin/python bench/visits_ingest.py --visits 10000 --check

The script runs under ``tests.settings`` and creates its own test database
(``test_<NAME>_visits_ingest`` on PostgreSQL, in memory on SQLite, dropped at the end), so it
never touches the data of the database ``DATABASE_URL`` names.
``run()`` is the core, callable from a test inside pytest-django's database.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._database import django_setup, own_test_database  # noqa: E402

GOAL_RATIO = 5.0
DEFAULT_VISITS = 10_000
DEFAULT_BATCH = 100
DEFAULT_CAREGIVERS = 50
DEFAULT_RECIPIENTS = 500
DEFAULT_SEED = 2024
DAYS = 60
BARE_BATCH_SIZE = 1000
SYNC_URL = "/api/v1/visits/sync/"
WARM_UP_URL = "/api/v1/service-types/"

# The 14 시·군 (codes loaded by migration care 0003), with a few real 읍·면·동 each, a rough
# centre for the tablet's GPS fix, and a weight for how many caregivers work there.
REGIONS: dict[str, tuple[tuple[str, ...], tuple[float, float], int]] = {
    "jeonju": (("효자동", "삼천동", "인후동", "송천동", "서신동", "평화동"), (35.824, 127.148), 10),
    "gunsan": (("나운동", "수송동", "조촌동", "옥구읍", "회현면", "임피면"), (35.968, 126.737), 5),
    "iksan": (("영등동", "모현동", "부송동", "함열읍", "금마면", "왕궁면"), (35.948, 126.958), 5),
    "jeongeup": (("수성동", "시기동", "신태인읍", "태인면", "고부면"), (35.570, 126.856), 3),
    "namwon": (("도통동", "향교동", "운봉읍", "인월면", "산내면"), (35.416, 127.390), 3),
    "gimje": (("요촌동", "신풍동", "만경읍", "금구면", "죽산면"), (35.804, 126.881), 3),
    "wanju": (("봉동읍", "삼례읍", "용진읍", "이서면", "고산면", "상관면"), (35.905, 127.162), 4),
    "jinan": (("진안읍", "마령면", "부귀면", "백운면"), (35.792, 127.425), 2),
    "muju": (("무주읍", "설천면", "무풍면", "적상면"), (36.007, 127.661), 2),
    "jangsu": (("장수읍", "장계면", "번암면", "산서면"), (35.647, 127.521), 2),
    "imsil": (("임실읍", "관촌면", "오수면", "강진면"), (35.618, 127.289), 3),
    "sunchang": (("순창읍", "쌍치면", "복흥면", "구림면"), (35.374, 127.137), 2),
    "gochang": (("고창읍", "흥덕면", "무장면", "해리면"), (35.436, 126.702), 3),
    "buan": (("부안읍", "변산면", "줄포면", "계화면"), (35.732, 126.733), 3),
}  # fmt: skip
ROADS = ("중앙로", "시장길", "마을길", "학교길", "신기길", "새터길", "내동길", "원촌길")
SURNAMES = ("김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신")
CAREGIVER_NAMES = ("미경", "은주", "미숙", "경희", "순희", "정숙", "영미", "현숙", "명숙", "혜숙")
ELDERLY_NAMES = ("순자", "영자", "정순", "옥순", "말순", "영수", "정수", "상철", "영호", "병철")
SERVICE_TYPE_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("housework", 30), ("daily_living", 25), ("safety_check", 20), ("meal", 20),
    ("mobility", 12), ("personal_care", 10), ("home_improvement", 3), ("other", 2),
)  # fmt: skip
NOTE_PHRASES = (
    "안부 확인, 건강 상태 양호함.",
    "점심 식사 준비 후 함께 식사함.",
    "병원 동행(정형외과 외래), 약 수령.",
    "거실과 부엌 청소, 빨래 정리.",
    "혈압 측정 결과 평소와 비슷함.",
    "보일러 점검 요청, 코디네이터에게 전달.",
    "복약 확인, 저녁 약 챙겨 드림.",
    "장보기 대행(쌀, 두부, 채소).",
    "목욕 보조, 피부 상태 이상 없음.",
    "보호자와 통화하여 다음 주 일정 공유.",
    "낙상 위험 있어 욕실 미끄럼 방지 매트 설치.",
    "기분이 좋지 않다고 하셔서 말벗 함.",
)
NEEDS_PER_RECIPIENT = (1, 2, 2, 3)
TYPES_PER_VISIT = (1, 1, 2, 2, 2, 3)


class BenchError(RuntimeError):
    """The benchmark could not run as planned (a visit was refused, rows went missing)."""


@dataclass(frozen=True)
class Caregiver:
    user_id: int
    corps_member_id: int
    token: str
    region: str
    recipient_ids: tuple[int, ...]


@dataclass(frozen=True)
class Fixtures:
    caregivers: list[Caregiver]
    program_id: int
    service_type_ids: dict[str, int]
    recipients: int
    assignments: int
    # Each recipient's episode (돌봄 회차): a visit belongs to one, whichever path writes it.
    episode_ids: dict[int, int]


@dataclass(frozen=True)
class PlannedVisit:
    client_uuid: uuid.UUID
    user_id: int
    corps_member_id: int
    recipient_id: int
    started_at: datetime
    ended_at: datetime
    service_types: tuple[str, ...]
    notes: str
    latitude: Decimal
    longitude: Decimal

    def payload(self) -> dict[str, Any]:
        """The visit as a tablet sends it (the caregiver's own visit: no corps_member)."""
        return {
            "client_uuid": str(self.client_uuid),
            "recipient": self.recipient_id,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat(),
            "service_types": list(self.service_types),
            "notes": self.notes,
            "latitude": float(self.latitude),
            "longitude": float(self.longitude),
        }


@dataclass(frozen=True)
class PathResult:
    rows: int
    links: int
    seconds: float  # wall clock, what the goal is judged on
    cpu_seconds: float = 0.0  # this process's CPU: steadier than wall clock on a busy machine

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


@dataclass
class BenchResult:
    vendor: str
    visits: int
    batch: int
    caregivers: int
    recipients: int
    api: PathResult
    bare: PathResult
    requests: int
    created: int
    rows_match: bool
    repeat: int = 1
    exceptions: dict[str, int] = field(default_factory=dict)
    access_log_rows: int = 0

    @property
    def ratio(self) -> float:
        return self.api.seconds / self.bare.seconds if self.bare.seconds > 0 else float("inf")

    @property
    def cpu_ratio(self) -> float:
        bare = self.bare.cpu_seconds
        return self.api.cpu_seconds / bare if bare > 0 else float("inf")

    @property
    def meets_goal(self) -> bool:
        return self.ratio <= GOAL_RATIO


# --- data -----------------------------------------------------------------------------------


def _weighted_sample(rng: random.Random, pairs: Sequence[tuple[str, int]], k: int) -> list[str]:
    """``k`` distinct values, drawn by weight."""
    pool = list(pairs)
    chosen: list[str] = []
    for _ in range(min(k, len(pool))):
        value = rng.choices([v for v, _w in pool], weights=[w for _v, w in pool])[0]
        chosen.append(value)
        pool = [(v, w) for v, w in pool if v != value]
    return chosen


def _caregiver_regions(rng: random.Random, count: int) -> list[str]:
    """Every 시·군 gets a caregiver first (while there are enough), the rest go by weight."""
    codes = list(REGIONS)
    regions = codes[:count]
    weights = [REGIONS[code][2] for code in codes]
    regions += rng.choices(codes, weights=weights, k=max(0, count - len(codes)))
    return regions


def build_fixtures(
    rng: random.Random, *, caregivers: int, recipients: int, tag: str, today: date
) -> Fixtures:
    """Caregivers (users in group caregiver, each with a corps member record and an API token),
    recipients spread over the 14 시·군 and their current assignments, by ``bulk_create``."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from base import roles
    from base.models import Program, Region, ServiceType
    from care.episodes.models import Episode
    from care.models import Assignment, Recipient
    from volunteers.models import CorpsMember

    User = get_user_model()
    regions = {region.code: region for region in Region.objects.filter(code__in=REGIONS)}
    missing = set(REGIONS) - set(regions)
    if missing:
        raise BenchError(f"regions missing from the database (migrations?): {sorted(missing)}")
    service_types = {st.code: st.pk for st in ServiceType.objects.all()}
    program = Program.objects.get(code="emergency_care")
    group = Group.objects.get(name=roles.CAREGIVER)

    # Caregivers: login, role, token, corps member record.
    password = make_password(None)
    users = User.objects.bulk_create(
        User(username=f"bench-{tag}-cg{index:03d}", password=password)
        for index in range(caregivers)
    )
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=user.pk, group_id=group.pk) for user in users
    )
    tokens = Token.objects.bulk_create(Token(key=Token.generate_key(), user=user) for user in users)
    member_regions = _caregiver_regions(rng, caregivers)
    members = CorpsMember.objects.bulk_create(
        CorpsMember(
            name=rng.choice(SURNAMES) + rng.choice(CAREGIVER_NAMES),
            phone=f"010-{rng.randint(2000, 9999)}-{rng.randint(0, 9999):04d}",
            region=regions[code],
            status=CorpsMember.Status.ACTIVE,
            joined_on=today - timedelta(days=rng.randint(200, 700)),
            user=user,
        )
        for user, code in zip(users, member_regions, strict=True)
    )
    CorpsMember.service_types.through.objects.bulk_create(
        CorpsMember.service_types.through(corpsmember_id=member.pk, servicetype_id=service_types[c])
        for member in members
        for c in _weighted_sample(rng, SERVICE_TYPE_WEIGHTS, rng.randint(3, 6))
    )

    # Recipients: each in the 시·군 of the caregiver who will be assigned to them.
    owners = [index % caregivers for index in range(recipients)]
    people = []
    for owner in owners:
        code = member_regions[owner]
        admin_units, _centre, _weight = REGIONS[code]
        admin_unit = rng.choice(admin_units)
        consent = today - timedelta(days=rng.randint(120, 200))
        category = rng.choices([c.value for c in Recipient.Category], weights=[80, 12, 5, 3], k=1)[
            0
        ]
        birth_year = rng.randint(2010, 2018) if category == "child" else rng.randint(1928, 1958)
        people.append(
            Recipient(
                name=rng.choice(SURNAMES) + rng.choice(ELDERLY_NAMES),
                birth_date=date(birth_year, rng.randint(1, 12), rng.randint(1, 28)),
                sex=rng.choice([Recipient.Sex.FEMALE, Recipient.Sex.FEMALE, Recipient.Sex.MALE]),
                phone=f"063-{rng.randint(200, 899)}-{rng.randint(0, 9999):04d}",
                address=(
                    f"전북특별자치도 {regions[code].name} {admin_unit} "
                    f"{rng.choice(ROADS)} {rng.randint(1, 300)}"
                ),
                region=regions[code],
                admin_unit=admin_unit,
                category=category,
                emergency_reason=rng.choice(list(Recipient.EmergencyReason)),
                referral_source="읍면동 행정복지센터",
                guardian_name=rng.choice(SURNAMES) + rng.choice(CAREGIVER_NAMES),
                guardian_relation=rng.choice(["자녀", "배우자", "이웃", "형제"]),
                guardian_phone=f"010-{rng.randint(2000, 9999)}-{rng.randint(0, 9999):04d}",
                risk_level=rng.choice(list(Recipient.RiskLevel)),
                consent_date=consent,
                consent_scope="긴급돌봄 제공을 위한 개인정보 수집·이용",
                status=Recipient.Status.ACTIVE,
            )
        )
    people = Recipient.objects.bulk_create(people)
    Recipient.needs.through.objects.bulk_create(
        Recipient.needs.through(recipient_id=person.pk, servicetype_id=service_types[c])
        for person in people
        for c in _weighted_sample(rng, SERVICE_TYPE_WEIGHTS, rng.choice(NEEDS_PER_RECIPIENT))
    )

    # Assignments: the current one (open, started 90-180 days ago, before the visit window);
    # one recipient in ten was with another caregiver before, an assignment that has ended.
    assignments = []
    for person, owner in zip(people, owners, strict=True):
        starts_on = today - timedelta(days=rng.randint(DAYS + 30, DAYS + 120))
        assignments.append(
            Assignment(
                recipient=person,
                corps_member=members[owner],
                program=program,
                starts_on=starts_on,
            )
        )
        if caregivers > 1 and rng.random() < 0.1:
            previous = (owner + rng.randint(1, caregivers - 1)) % caregivers
            assignments.append(
                Assignment(
                    recipient=person,
                    corps_member=members[previous],
                    program=program,
                    starts_on=starts_on - timedelta(days=rng.randint(30, 90)),
                    ends_on=starts_on - timedelta(days=1),
                )
            )
    # One active episode per person, from its first assignment, with limits wide enough that
    # no visit of the benchmark passes them (the hours-limit exception is not what is timed).
    first_start: dict[int, date] = {}
    for assignment in assignments:
        pk = assignment.recipient.pk
        first_start[pk] = min(first_start.get(pk, assignment.starts_on), assignment.starts_on)
    episodes = Episode.objects.bulk_create(
        Episode(
            recipient=person,
            program=program,
            state=Episode.State.ACTIVE,
            referred_on=first_start[person.pk],
            referral_source=Episode.ReferralSource.MUNICIPAL_OFFICE,
            emergency_reason=person.emergency_reason,
            starts_on=first_start[person.pk],
            planned_end_on=today + timedelta(days=30),
            max_days=(today - first_start[person.pk]).days + 31,
            max_hours=Decimal("9999"),
        )
        for person in people
    )
    episode_ids = {episode.recipient_id: episode.pk for episode in episodes}
    for assignment in assignments:
        assignment.episode_id = episode_ids[assignment.recipient.pk]
    Assignment.objects.bulk_create(assignments)

    caseloads: dict[int, list[int]] = {index: [] for index in range(caregivers)}
    for person, owner in zip(people, owners, strict=True):
        caseloads[owner].append(person.pk)
    return Fixtures(
        caregivers=[
            Caregiver(
                user_id=user.pk,
                corps_member_id=member.pk,
                token=token.key,
                region=code,
                recipient_ids=tuple(caseloads[index]),
            )
            for index, (user, member, token, code) in enumerate(
                zip(users, members, tokens, member_regions, strict=True)
            )
        ],
        program_id=program.pk,
        service_type_ids=service_types,
        recipients=len(people),
        assignments=len(assignments),
        episode_ids=episode_ids,
    )


def plan_visits(
    rng: random.Random, fixtures: Fixtures, *, visits: int, now: datetime
) -> list[list[PlannedVisit]]:
    """``visits`` visits, per caregiver in time order, over the ``DAYS`` days before today.

    A caregiver's visits never overlap: each starts 15-45 minutes after the previous one
    ended, days start between 8 and 9 o'clock, and a day's visits are as many as the
    caregiver's share needs (3-4 a day for 10,000 visits over 50 caregivers).
    """
    from django.utils import timezone

    count = len(fixtures.caregivers)
    tz = timezone.get_current_timezone()
    first_day = timezone.localdate(now) - timedelta(days=DAYS)
    codes = [code for code, _w in SERVICE_TYPE_WEIGHTS if code in fixtures.service_type_ids]
    weights = [(code, w) for code, w in SERVICE_TYPE_WEIGHTS if code in codes]
    plan: list[list[PlannedVisit]] = []
    for index, caregiver in enumerate(fixtures.caregivers):
        share = visits // count + (1 if index < visits % count else 0)
        per_day = [share // DAYS] * DAYS
        for day in rng.sample(range(DAYS), share % DAYS):
            per_day[day] += 1
        _units, (lat, lon), _weight = REGIONS[caregiver.region]
        cursor: datetime | None = None
        mine: list[PlannedVisit] = []
        for offset, n in enumerate(per_day):
            if not n:
                continue
            day = first_day + timedelta(days=offset)
            morning = datetime(day.year, day.month, day.day, 8, tzinfo=tz)
            start = morning + timedelta(minutes=5 * rng.randint(0, 12))
            if cursor is not None and start < cursor:
                start = cursor
            for _ in range(n):
                end = start + timedelta(minutes=5 * rng.randint(12, 24))  # 1-2 hours
                if end > now:
                    raise BenchError(
                        f"{share} visits per caregiver do not fit in {DAYS} days; "
                        "use more caregivers"
                    )
                k = rng.choice(TYPES_PER_VISIT)
                mine.append(
                    PlannedVisit(
                        client_uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                        user_id=caregiver.user_id,
                        corps_member_id=caregiver.corps_member_id,
                        recipient_id=rng.choice(caregiver.recipient_ids),
                        started_at=start,
                        ended_at=end,
                        service_types=tuple(_weighted_sample(rng, weights, k)),
                        notes=" ".join(rng.sample(NOTE_PHRASES, rng.randint(1, 2)))
                        if rng.random() < 0.9
                        else "",
                        latitude=Decimal(f"{lat + rng.uniform(-0.08, 0.08):.6f}"),
                        longitude=Decimal(f"{lon + rng.uniform(-0.08, 0.08):.6f}"),
                    )
                )
                cursor = end + timedelta(minutes=5 * rng.randint(3, 9))
                start = cursor
        plan.append(mine)
    return plan


# --- the two paths --------------------------------------------------------------------------


def _batches(items: Sequence[PlannedVisit], size: int) -> list[Sequence[PlannedVisit]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def time_api(
    fixtures: Fixtures,
    plan: list[list[PlannedVisit]],
    *,
    batch: int,
    profiler: cProfile.Profile | None = None,
) -> tuple[float, float, int, int]:
    """Send every caregiver's visits in batches; returns (seconds, CPU seconds, requests,
    created)."""
    from rest_framework.test import APIClient

    requests = [
        (f"Token {caregiver.token}", {"visits": [v.payload() for v in chunk]})
        for caregiver, visits in zip(fixtures.caregivers, plan, strict=True)
        for chunk in _batches(visits, batch)
    ]
    # One client, as one server process: its handler loads the middleware once. A first,
    # untimed request imports the URLconf and views, as a running server has long done.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=requests[0][0])
    warm_up = client.get(WARM_UP_URL)
    if warm_up.status_code != 200:
        raise BenchError(f"{WARM_UP_URL} answered {warm_up.status_code}")

    created = 0
    if profiler is not None:
        profiler.enable()
    cpu_started = time.process_time()
    started = time.perf_counter()
    for authorization, body in requests:
        client.credentials(HTTP_AUTHORIZATION=authorization)
        response = client.post(SYNC_URL, body, format="json")
        if response.status_code != 200:
            raise BenchError(f"sync answered {response.status_code}: {response.content[:500]!r}")
        results = response.data["results"]
        refused = [r for r in results if r["status"] != "created"]
        if refused or len(results) != len(body["visits"]):
            raise BenchError(f"not every visit was created: {refused[:3]!r}")
        created += len(results)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    if profiler is not None:
        profiler.disable()
    return seconds, cpu_seconds, len(requests), created


def time_bare(fixtures: Fixtures, plan: list[list[PlannedVisit]]) -> tuple[float, float]:
    """The same rows with ``bulk_create``: visits, then their service-type through rows."""
    from django.utils import timezone

    from care.models import Visit

    Through = Visit.service_types.through
    type_ids = fixtures.service_type_ids
    flat = [visit for visits in plan for visit in visits]
    cpu_started = time.process_time()
    started = time.perf_counter()
    now = timezone.now()
    rows = Visit.objects.bulk_create(
        (
            Visit(
                client_uuid=v.client_uuid,
                recipient_id=v.recipient_id,
                corps_member_id=v.corps_member_id,
                episode_id=fixtures.episode_ids[v.recipient_id],
                program_id=fixtures.program_id,
                started_at=v.started_at,
                ended_at=v.ended_at,
                notes=v.notes,
                latitude=v.latitude,
                longitude=v.longitude,
                recorded_by_id=v.user_id,
                created_at=now,
            )
            for v in flat
        ),
        batch_size=BARE_BATCH_SIZE,
    )
    Through.objects.bulk_create(
        (
            Through(visit_id=row.pk, servicetype_id=type_ids[code])
            for row, v in zip(rows, flat, strict=True)
            for code in v.service_types
        ),
        batch_size=BARE_BATCH_SIZE,
    )
    return time.perf_counter() - started, time.process_time() - cpu_started


def _fingerprint(member_ids: list[int]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """What both paths must have written alike (not created_at/updated_at, which differ)."""
    from care.models import Visit

    visits = list(
        Visit.objects.filter(corps_member_id__in=member_ids)
        .order_by("client_uuid")
        .values_list(
            "client_uuid",
            "recipient_id",
            "corps_member_id",
            "episode_id",
            "program_id",
            "started_at",
            "ended_at",
            "notes",
            "latitude",
            "longitude",
            "recorded_by_id",
            "status",
        )  # fmt: skip
    )
    links = list(
        Visit.service_types.through.objects.filter(visit__corps_member_id__in=member_ids)
        .order_by("visit__client_uuid", "servicetype_id")
        .values_list("visit__client_uuid", "servicetype_id")
    )
    return visits, links


def _clear_visits(member_ids: list[int]) -> None:
    """Delete the benchmark's visits, their service types and exceptions; the access log stays
    (append-only: on PostgreSQL a trigger refuses the DELETE)."""
    from care.models import Visit, VisitException

    VisitException.objects.filter(visit__corps_member_id__in=member_ids).delete()
    Visit.service_types.through.objects.filter(visit__corps_member_id__in=member_ids).delete()
    Visit.objects.filter(corps_member_id__in=member_ids).delete()


def run(
    visits: int = DEFAULT_VISITS,
    batch: int = DEFAULT_BATCH,
    *,
    caregivers: int = DEFAULT_CAREGIVERS,
    recipients: int = DEFAULT_RECIPIENTS,
    seed: int = DEFAULT_SEED,
    repeat: int = 1,
    profiler: cProfile.Profile | None = None,
) -> BenchResult:
    """Build the data, time both paths on the configured (test) database, return the figures.

    With ``repeat`` above 1 each path runs that many times and its best time is reported.
    """
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from base.models import AccessLog
    from care.models import VisitException
    from care.visits import SYNC_BATCH_LIMIT

    if visits < 1:
        raise ValueError("visits must be at least 1")
    if not 1 <= batch <= SYNC_BATCH_LIMIT:
        raise ValueError(f"batch must be between 1 and {SYNC_BATCH_LIMIT}")
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    if caregivers < 1 or recipients < caregivers:
        raise ValueError("need at least one caregiver and a recipient per caregiver")

    rng = random.Random(seed)
    now = timezone.now()
    tag = uuid.uuid4().hex[:6]
    fixtures = build_fixtures(
        rng, caregivers=caregivers, recipients=recipients, tag=tag, today=timezone.localdate(now)
    )
    plan = plan_visits(rng, fixtures, visits=visits, now=now)
    member_ids = [c.corps_member_id for c in fixtures.caregivers]
    user_ids = [c.user_id for c in fixtures.caregivers]

    # Each round sends every visit through the API, deletes them, writes them bare; the best
    # (least disturbed) time of each path is kept. The first round's rows are compared.
    api_times: list[tuple[float, float]] = []
    bare_times: list[tuple[float, float]] = []
    for round_ in range(repeat):
        if round_:
            _clear_visits(member_ids)
        api_seconds, api_cpu, requests, created = time_api(
            fixtures, plan, batch=batch, profiler=profiler if round_ == 0 else None
        )
        api_times.append((api_seconds, api_cpu))
        if round_ == 0:
            api_visits, api_links = _fingerprint(member_ids)
            exceptions = dict(
                VisitException.objects.filter(visit__corps_member_id__in=member_ids)
                .values_list("kind")
                .annotate(n=Count("id"))
                .order_by("kind")
            )
            access_log_rows = AccessLog.objects.filter(
                user_id__in=user_ids, action=AccessLog.Action.CREATE
            ).count()
        _clear_visits(member_ids)
        bare_times.append(time_bare(fixtures, plan))
        if round_ == 0:
            bare_visits, bare_links = _fingerprint(member_ids)
    api_seconds, api_cpu = min(api_times)
    bare_seconds, bare_cpu = min(bare_times)

    return BenchResult(
        vendor=connection.vendor,
        visits=visits,
        batch=batch,
        caregivers=caregivers,
        recipients=fixtures.recipients,
        api=PathResult(len(api_visits), len(api_links), api_seconds, api_cpu),
        bare=PathResult(len(bare_visits), len(bare_links), bare_seconds, bare_cpu),
        requests=requests,
        created=created,
        repeat=repeat,
        rows_match=api_visits == bare_visits and api_links == bare_links,
        exceptions=exceptions,
        access_log_rows=access_log_rows,
    )


# --- report and command line ----------------------------------------------------------------


def report(result: BenchResult, *, database: str = "") -> str:
    lines = [
        f"visits ingest on {result.vendor}{f' ({database})' if database else ''}: "
        f"{result.visits} visits, batches of {result.batch}, {result.caregivers} caregivers, "
        f"{result.recipients} recipients"
        + (f"; best of {result.repeat} rounds" if result.repeat > 1 else ""),
        "",
        f"{'path':<34}{'visits':>8}{'links':>8}{'seconds':>10}{'visits/s':>11}{'CPU s':>9}",
    ]
    for name, path in (
        (f"API  POST {SYNC_URL}", result.api),
        ("bare bulk_create", result.bare),
    ):
        lines.append(
            f"{name:<34}{path.rows:>8}{path.links:>8}{path.seconds:>10.3f}{path.rate:>11,.0f}"
            f"{path.cpu_seconds:>9.2f}"
        )
    verdict = "met" if result.meets_goal else "NOT met"
    lines += [
        "",
        f"ratio (API time / bare time): {result.ratio:.1f}x; goal <= {GOAL_RATIO:g}x: {verdict}"
        f" (CPU-time ratio {result.cpu_ratio:.1f}x)",
        f"API path: {result.requests} requests, {result.created} created; it also wrote "
        f"{sum(result.exceptions.values())} visit exceptions "
        f"({', '.join(f'{k} {n}' for k, n in result.exceptions.items()) or 'none'}) and "
        f"{result.access_log_rows} access-log rows, which the bare path does not",
        f"rows written alike by both paths: {'yes' if result.rows_match else 'NO'}",
    ]
    return "\n".join(lines)


def exit_code(result: BenchResult, *, check: bool) -> int:
    """0, or 1 when ``check`` and the goal is missed; 2 when the two paths' rows differ."""
    if not result.rows_match or result.created != result.visits:
        return 2
    return 1 if check and not result.meets_goal else 0


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=DEFAULT_VISITS, help="visits to send")
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH, help="visits per request")
    parser.add_argument("--caregivers", type=int, default=DEFAULT_CAREGIVERS)
    parser.add_argument("--recipients", type=int, default=DEFAULT_RECIPIENTS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--repeat", type=int, default=1, help="run both paths this many times, keep the best"
    )
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 when the ratio exceeds {GOAL_RATIO:g}x"
    )
    parser.add_argument(
        "--profile",
        type=int,
        metavar="LINES",
        default=0,
        help="cProfile the API path and print this many lines (times are then inflated)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    connection = django_setup()
    profiler = cProfile.Profile() if args.profile else None
    try:
        with own_test_database(connection, "visits_ingest") as database:
            result = run(
                args.visits,
                args.batch,
                caregivers=args.caregivers,
                recipients=args.recipients,
                seed=args.seed,
                repeat=args.repeat,
                profiler=profiler,
            )
    except (BenchError, ValueError) as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 2
    print(report(result, database=database))
    if profiler is not None:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        for key in ("tottime", "cumulative"):
            stats.sort_stats(key).print_stats(args.profile)
        print(out.getvalue())
    return exit_code(result, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
