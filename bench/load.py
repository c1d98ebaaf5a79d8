"""Load run: locust against gunicorn (3 workers) with PostgreSQL and Redis, all on this machine.

Builds a demo-like corps in a database of its own (caregivers with API tokens and their
recipients, each in an active episode with an open assignment; coordinators and managers
with sessions; two months of visits, most verified, a few hundred waiting; the goal
structure and the year's rollup), starts gunicorn on 127.0.0.1 against it, and runs locust
headless (``bench/load_users.py``) twice over:

1. **The first run**: 65 users (50 caregivers, 10 coordinators, 5 managers) each waiting
   5-10 s between requests, as the first load run did.
2. **Steps without waits**: growing user counts until some route's p95 passes 300 ms; that
   step's and the previous one's figures are the saturation point. Each user sends the first
   run's mix of requests (``Mixed`` in ``bench/load_users.py``: a caregiver's request 50 times
   in 65, a coordinator's 10, a manager's 5), so that every step measures the same mix:
   with a user per kind, a cheap route's user would send most of a small step's requests.

For every run it prints requests/s and p50/p95/p99 per route, errors, the connections to the
database (``pg_stat_activity``, sampled twice a second), and the CPU the gunicorn workers and
the database's backends spent per request. Run from the project root::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/care_ops_bench \\
        REDIS_URL=redis://127.0.0.1:6379/1 .venv/bin/python bench/load.py --check

PostgreSQL only: gunicorn runs in other processes, which an in-memory SQLite database would
not reach. The script creates and drops ``test_<NAME>_load`` (``bench/_database.py``); the
servers it starts listen on 127.0.0.1 only and are stopped at the end. ``run()`` is the core,
callable from a test inside pytest-django's (transactional) database.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._database import ROOT, django_setup, own_test_database  # noqa: E402

LOCUSTFILE = Path(__file__).resolve().parent / "load_users.py"
HOST = "127.0.0.1"  # every server this script starts, and every request it sends
GOAL_P95_MS = 300
GOAL_REQUESTS_PER_SECOND = 100
DEFAULT_WORKERS = 3
DEFAULT_USERS = 65
DEFAULT_WAIT = (5.0, 10.0)
DEFAULT_FIRST_SECONDS = 120
DEFAULT_STEPS = (3, 4, 6, 8, 12, 16)
DEFAULT_STEP_SECONDS = 30
DEFAULT_CAREGIVERS = 50
DEFAULT_RECIPIENTS = 500
DEFAULT_COORDINATORS = 10
DEFAULT_MANAGERS = 5
DEFAULT_HISTORY = 3000  # visits of the last 60 days, in place before the run
DEFAULT_WAITING = 220  # of which still waiting for verification (the first run had 218)
DEFAULT_SEED = 2026
# The users' mix: 50 caregivers, 10 coordinators and 5 managers of 65 (see ``mix``).
MIX = {"caregiver": 10, "coordinator": 2, "manager": 1}
# The load's visits go back in time from a few minutes before the run over the last 71 hours,
# as a tablet sends what it just recorded: past 72 hours each visit would also get a
# late-sync exception (care.visits.LATE_SYNC_AFTER) that no working desk sees on every
# visit, and the desk's counts of open exceptions would measure that instead. 90-second slots
# (60-second visits; their length costs nothing here), less those a history visit of the
# caregiver overlaps: about 2,800 a caregiver, 140,000 in all, more than the default runs send.
SLOT_SECONDS = 90
VISIT_SECONDS = 60
SLOT_WINDOW = (timedelta(minutes=5), timedelta(hours=71))
SAMPLE_SECONDS = 0.5
SYNC_BATCH = 20
ROUTE_CPU_REQUESTS = 10  # per route, one at a time, for the CPU each costs


class LoadError(RuntimeError):
    """The load run could not run as planned (a server did not start, locust failed)."""


@dataclass(frozen=True)
class RouteFigures:
    name: str
    requests: int
    failures: int
    requests_per_second: float
    p50: float
    p95: float
    p99: float
    mean: float


@dataclass
class PhaseResult:
    label: str
    users: int
    wait: tuple[float, float] | None
    seconds: float
    routes: list[RouteFigures]
    total: RouteFigures
    connections_max: int = 0
    connections_mean: float = 0.0
    active_max: int = 0
    app_cpu_seconds: float = 0.0  # the gunicorn workers
    database_cpu_seconds: float = 0.0  # the database's backends serving them
    locust_cpu_seconds: float = 0.0
    machine_busy: float = 0.0  # share of both cores busy (everything on the machine)
    waiting_before: int = 0
    waiting_after: int = 0
    failure_samples: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return self.total.failures

    @property
    def max_p95(self) -> float:
        return max((route.p95 for route in self.routes), default=0.0)

    def cpu_ms_per_request(self, seconds: float) -> float:
        return 1000 * seconds / self.total.requests if self.total.requests else 0.0


@dataclass
class LoadResult:
    database: str
    workers: int
    caregivers: int
    recipients: int
    first: PhaseResult
    steps: list[PhaseResult]
    waiting_plans: list[str] = field(default_factory=list)
    # Route -> (application, database) CPU milliseconds per request, measured one at a time.
    route_cpu: dict[str, tuple[float, float]] = field(default_factory=dict)
    threads: int = 1  # per worker; more than one: gthread workers
    # The server's ``autovacuum`` ("on" or "off"). Off, the visits a run writes are never
    # vacuumed or analysed during it (care 0016's thresholds do not apply), and the counts
    # and sums over them read the heap: a deployment's server has it on.
    autovacuum: str = ""

    @property
    def phases(self) -> list[PhaseResult]:
        return [self.first, *self.steps]

    @property
    def errors(self) -> int:
        return sum(phase.errors for phase in self.phases)

    @property
    def within_goal(self) -> PhaseResult | None:
        """The step with the highest throughput whose every route's p95 is within 300 ms."""
        within = [step for step in self.steps if step.max_p95 <= GOAL_P95_MS]
        return max(within, key=lambda step: step.total.requests_per_second, default=None)

    @property
    def crossing(self) -> PhaseResult | None:
        """The first step at which some route's p95 passed 300 ms."""
        return next((step for step in self.steps if step.max_p95 > GOAL_P95_MS), None)

    @property
    def meets_goal(self) -> bool:
        best = self.within_goal
        return (
            self.errors == 0
            and best is not None
            and best.total.requests_per_second >= GOAL_REQUESTS_PER_SECOND
        )


# --- data -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Population:
    plan: dict[str, Any]
    caregiver_token: str
    coordinator_session: str
    member_ids: list[int]


def _sessions_for(users: Sequence[Any]) -> list[str]:
    """A logged-in session per user, as the login page would leave it: a load run measures
    the desk, not PBKDF2 (a login costs about 0.3 s of CPU by design)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    keys = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    return keys


def build_population(
    *,
    caregivers: int,
    recipients: int,
    coordinators: int,
    managers: int,
    history: int,
    waiting: int,
    seed: int,
) -> Population:
    """The corps, its visits, the goals and the year's rollup, committed for gunicorn to read."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from base import roles
    from bench.visits_ingest import NOTE_PHRASES, build_fixtures, plan_visits, time_bare
    from care.models import Visit
    from kpi.goals import goals_load
    from kpi.rollups import rollup_year

    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate(now)
    tag = uuid.uuid4().hex[:6]
    # Caregivers (token, corps member), recipients, one active episode and open assignment
    # each: the visits benchmark's corps.
    fixtures = build_fixtures(
        rng, caregivers=caregivers, recipients=recipients, tag=tag, today=today
    )
    User = get_user_model()
    password = make_password(None)
    staff: dict[str, list[Any]] = {}
    for role, count in ((roles.COORDINATOR, coordinators), (roles.MANAGER, managers)):
        users = User.objects.bulk_create(
            User(username=f"load-{tag}-{role}{index:02d}", password=password)
            for index in range(count)
        )
        group = Group.objects.get(name=role)
        User.groups.through.objects.bulk_create(
            User.groups.through(user_id=user.pk, group_id=group.pk) for user in users
        )
        staff[role] = users

    # Two months of visits, then all but the newest ``waiting`` verified.
    if history:
        time_bare(fixtures, plan_visits(rng, fixtures, visits=history, now=now))
        member_ids = [c.corps_member_id for c in fixtures.caregivers]
        keep = Visit.objects.filter(corps_member_id__in=member_ids).order_by("-started_at")
        waiting_ids = list(keep.values_list("pk", flat=True)[:waiting])
        keep.exclude(pk__in=waiting_ids).update(
            status=Visit.Status.VERIFIED,
            reviewed_by=staff[roles.COORDINATOR][0],
            reviewed_at=now,
        )
    goals_load()
    rollup_year(year=today.year, through=today.month)
    # Statistics as autovacuum would have them on a system that has been running: the data
    # was just written in bulk, and plans made on an empty table's statistics are not what
    # the run means to measure.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    anchor = now - SLOT_WINDOW[0]
    free_slots = _free_slots(
        anchor, [c.corps_member_id for c in fixtures.caregivers], now - SLOT_WINDOW[1]
    )
    plan = {
        "anchor": anchor.isoformat(),
        "slot_seconds": SLOT_SECONDS,
        "visit_seconds": VISIT_SECONDS,
        "year": today.year,
        "service_types": sorted(fixtures.service_type_ids),
        "notes": list(NOTE_PHRASES),
        "caregivers": [
            {
                "user_id": c.user_id,
                "token": c.token,
                "recipient_ids": list(c.recipient_ids),
                "slots": free_slots[c.corps_member_id],
                "first_free_slot": 0,
            }
            for c in fixtures.caregivers
        ],
        "sessions": {
            "coordinator": _sessions_for(staff[roles.COORDINATOR]),
            "manager": _sessions_for(staff[roles.MANAGER]),
        },
    }
    return Population(
        plan=plan,
        caregiver_token=fixtures.caregivers[0].token,
        coordinator_session=plan["sessions"]["coordinator"][0],
        member_ids=[c.corps_member_id for c in fixtures.caregivers],
    )


def _slot_start(anchor: datetime, index: int, seconds: int = SLOT_SECONDS) -> datetime:
    return anchor - (index + 1) * timedelta(seconds=seconds)


def _free_slots(
    anchor: datetime, member_ids: list[int], earliest: datetime
) -> dict[int, list[int]]:
    """Per corps member, the slots (counted back from ``anchor``, none before ``earliest``)
    that none of their stored visits overlaps."""
    from care.models import Visit

    count = int((anchor - earliest).total_seconds()) // SLOT_SECONDS
    taken: dict[int, set[int]] = {member: set() for member in member_ids}
    for member, started, ended in Visit.objects.filter(
        corps_member_id__in=member_ids, ended_at__gt=earliest
    ).values_list("corps_member_id", "started_at", "ended_at"):
        # slot i spans (anchor - (i + 1) * slot, anchor - i * slot]
        first = max(0, int((anchor - ended).total_seconds()) // SLOT_SECONDS)
        last = min(count - 1, int((anchor - started).total_seconds()) // SLOT_SECONDS)
        taken[member].update(range(first, last + 1))
    return {member: [i for i in range(count) if i not in taken[member]] for member in member_ids}


def mix(users: int) -> tuple[int, int, int]:
    """(caregivers, coordinators, managers) among the first run's ``users``, in its
    proportions (50, 10, 5 of 65) and at least one of each: 3 -> (1, 1, 1), 8 -> (6, 1, 1)."""
    whole = sum(MIX.values())
    coordinators = max(1, round(users * MIX["coordinator"] / whole))
    managers = max(1, round(users * MIX["manager"] / whole))
    return max(1, users - coordinators - managers), coordinators, managers


def visit_batch(
    plan: dict[str, Any], caregiver: dict[str, Any], first_slot: int, size: int, rng: random.Random
) -> list[dict[str, Any]]:
    """``size`` new visits of ``caregiver`` as a tablet sends them, in its free slots
    ``first_slot``... (``_free_slots``): slot i starts i + 1 slots before the plan's anchor, so
    the visits overlap neither each other nor the history (an overlap would add an exception
    and its cost), and end within the last 72 hours (no late-sync exception)."""
    slots = caregiver["slots"]
    if first_slot + size > len(slots):
        raise LoadError(f"caregiver {caregiver['user_id']} has no visit slots left: fewer steps")
    length = timedelta(seconds=plan["visit_seconds"])
    anchor = datetime.fromisoformat(plan["anchor"])
    visits = []
    for index in slots[first_slot : first_slot + size]:
        started = _slot_start(anchor, index, plan["slot_seconds"])
        visits.append(
            {
                "client_uuid": str(uuid.uuid4()),
                "recipient": rng.choice(caregiver["recipient_ids"]),
                "started_at": started.isoformat(),
                "ended_at": (started + length).isoformat(),
                "service_types": rng.sample(plan["service_types"], rng.randint(1, 3)),
                "notes": rng.choice(plan["notes"]),
                "latitude": round(35.8 + rng.uniform(-0.3, 0.3), 6),
                "longitude": round(127.1 + rng.uniform(-0.3, 0.3), 6),
            }
        )
    return visits


# --- the server -----------------------------------------------------------------------------


def _database_url(settings_dict: dict[str, Any]) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _get(url: str, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (http://127.0.0.1)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@contextmanager
def gunicorn(
    settings_dict: dict[str, Any], *, workers: int, var_dir: Path, threads: int = 1
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """gunicorn on 127.0.0.1 with the deployment's settings (DEBUG off), against the database
    of ``settings_dict``; yields its URL and process, and stops it on the way out."""
    from django.conf import settings

    port = _free_port()
    environment = {
        key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"
    }
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": _database_url(settings_dict),
            # This process's key: the sessions it made are signed with it (the auth hash).
            "SECRET_KEY": settings.SECRET_KEY,
            "DEBUG": "false",
            # Plain HTTP on 127.0.0.1: no TLS proxy in front to redirect to.
            "SECURE_SSL_REDIRECT": "false",
            "ALLOWED_HOSTS": HOST,
            "VAR_DIR": str(var_dir),
            "LOG_LEVEL": "WARNING",
        }
    )
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"{HOST}:{port}", "--workers", str(workers), "--log-level", "warning",
    ]  # fmt: skip
    if threads > 1:
        # gthread: each worker serves ``threads`` requests at once (one runs Python while the
        # others wait on PostgreSQL) and keeps connections alive between requests.
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    log = (var_dir / "gunicorn.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=log)
    url = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                log_text = (var_dir / "gunicorn.log").read_text()
                raise LoadError(f"gunicorn exited: {log_text[-2000:]}")
            try:
                if _get(f"{url}/admin/login/") == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise LoadError("gunicorn did not answer within 60 s")
            time.sleep(0.2)
        yield url, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _warm_up(url: str, population: Population, workers: int) -> None:
    """Every worker loads the URLconf, views and templates before anything is timed."""
    token = {"Authorization": f"Token {population.caregiver_token}"}
    session = {"Cookie": f"sessionid={population.coordinator_session}"}
    for _ in range(4 * workers):
        for path, headers in (
            ("/api/v1/recipients/", token),
            ("/api/v1/visits/?status=submitted", session),
            ("/coordinator/", session),
            ("/coordinator/visits/", session),
        ):
            status = _get(url + path, headers)
            if status != 200:
                raise LoadError(f"warm-up: {path} answered {status}")


# --- measuring ------------------------------------------------------------------------------


def _cpu_seconds(pids: Sequence[int]) -> dict[int, float]:
    """User + system CPU of each process still alive, from /proc (world-readable)."""
    ticks = os.sysconf("SC_CLK_TCK")
    times = {}
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            times[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return times


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/PID/stat from its state on (field 3): ppid at [1], utime [11], cutime [13]."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _postmaster(backends: set[int]) -> int | None:
    """PostgreSQL's postmaster, the parent of every backend (readable through any of them)."""
    for pid in backends:
        fields = _stat_fields(pid)
        if fields is not None:
            return int(fields[1])
    return None


def _reaped_cpu_seconds(pid: int | None) -> float:
    """The CPU of ``pid``'s children that have exited (cutime + cstime): a backend whose
    connection ends during a phase (gunicorn's are replaced every ``CONN_MAX_AGE`` seconds)
    leaves its CPU there instead of in its own /proc entry, now gone."""
    fields = _stat_fields(pid) if pid is not None else None
    if fields is None:
        return 0.0
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


class DatabaseWatch:
    """Samples pg_stat_activity for the run's database in a thread, and finds its backends'
    process ids for their CPU time."""

    def __init__(self, settings_dict: dict[str, Any]) -> None:
        self.settings_dict = settings_dict
        self.samples: list[tuple[int, int]] = []
        self.backend_pids: set[int] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _connect(self) -> Any:
        import psycopg

        s = self.settings_dict
        return psycopg.connect(
            dbname=s["NAME"],
            user=s.get("USER") or None,
            password=s.get("PASSWORD") or None,
            host=s.get("HOST") or None,
            port=s.get("PORT") or None,
            autocommit=True,
        )

    @staticmethod
    def _activity(conn: Any) -> tuple[int, int, set[int]]:
        """(connections, active, backend pids), this watcher's own connection excluded."""
        rows = conn.execute(
            "SELECT pid, state FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        return len(rows), sum(1 for _pid, state in rows if state == "active"), {r[0] for r in rows}

    def snapshot(self) -> tuple[int, int, set[int]]:
        with self._connect() as conn:
            return self._activity(conn)

    def _loop(self) -> None:
        with self._connect() as conn:
            while not self._stop.is_set():
                connections, active, pids = self._activity(conn)
                self.samples.append((connections, active))
                self.backend_pids |= pids
                self._stop.wait(SAMPLE_SECONDS)

    def __enter__(self) -> DatabaseWatch:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def _waiting_visits() -> int:
    """Visits waiting for verification; the connection is closed again so that it is not
    counted among the application's."""
    from django.db import connection

    from care.models import Visit

    count = Visit.objects.filter(status=Visit.Status.SUBMITTED).count()
    connection.close()
    return count


def _parse_stats(path: Path) -> tuple[list[RouteFigures], RouteFigures]:
    routes = []
    total = None
    with path.open(encoding="utf-8", newline="") as stats:
        for row in csv.DictReader(stats):
            figures = RouteFigures(
                name=row["Name"],
                requests=int(row["Request Count"]),
                failures=int(row["Failure Count"]),
                requests_per_second=float(row["Requests/s"]),
                p50=float(row["50%"] if row["50%"] != "N/A" else 0),
                p95=float(row["95%"] if row["95%"] != "N/A" else 0),
                p99=float(row["99%"] if row["99%"] != "N/A" else 0),
                mean=float(row["Average Response Time"]),
            )
            if row["Name"] == "Aggregated":
                total = figures
            else:
                routes.append(figures)
    if total is None:
        raise LoadError(f"locust wrote no totals to {path}")
    return routes, total


def _failure_samples(path: Path, limit: int = 5) -> list[str]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as failures:
        return [
            f"{row['Name']}: {row['Error'][:200]} ({row['Occurrences']}x)"
            for _, row in zip(range(limit), csv.DictReader(failures), strict=False)
        ]


def run_phase(
    *,
    label: str,
    url: str,
    server: subprocess.Popen[bytes],
    population: Population,
    settings_dict: dict[str, Any],
    users: int,
    wait: tuple[float, float] | None,
    seconds: int,
    work_dir: Path,
    mixed: bool = False,
) -> PhaseResult:
    """One locust run, headless, bounded in users and time; its figures and the CPU spent.
    ``mixed``: ``users`` users each sending the first run's mix of requests (the steps), else
    users of each kind in the first run's proportions (``mix``)."""
    if not mixed:
        users = sum(mix(users))
    plan_path = work_dir / "plan.json"
    used_path = work_dir / f"{label}-used.json"
    plan_path.write_text(json.dumps(population.plan), encoding="utf-8")
    prefix = work_dir / label
    environment = {
        **os.environ,
        "LOAD_PLAN": str(plan_path),
        "LOAD_USED": str(used_path),
        "LOAD_WAIT": f"{wait[0]},{wait[1]}" if wait else "0",
        "LOAD_MIX": ",".join(map(str, mix(users))),
        "LOAD_MIXED": str(users if mixed else 0),
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "--host", url, "--users", str(users), "--spawn-rate", str(users),
        "--run-time", f"{seconds}s", "--stop-timeout", "10", "--csv", str(prefix),
        "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]  # fmt: skip

    watch = DatabaseWatch(settings_dict)
    _connections, _active, backends = watch.snapshot()
    waiting_before = _waiting_visits()
    workers = _children(server.pid)
    app_before = _cpu_seconds(workers)
    db_before = _cpu_seconds(sorted(backends))
    postmaster = _postmaster(backends)
    reaped_before = _reaped_cpu_seconds(postmaster)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_before, all_before = _machine_ticks()
    started = time.monotonic()
    with watch:
        finished = subprocess.run(
            command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=seconds + 90
        )
    elapsed = time.monotonic() - started
    busy_after, all_after = _machine_ticks()
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers_now = _children(server.pid)
    app_after = _cpu_seconds(workers_now)
    pids = sorted(backends | watch.backend_pids)
    db_after = _cpu_seconds(pids)
    # Backends gone since the start: their whole CPU is now among the reaped children's, of
    # which the part spent before the phase is taken back out. (Autovacuum's workers, and any
    # other client's ended backends, count too: run on a quiet machine.)
    reaped = _reaped_cpu_seconds(postmaster) - reaped_before
    gone_before = sum(cpu for pid, cpu in db_before.items() if pid not in db_after)
    if finished.returncode != 0 or not (prefix.parent / f"{label}_stats.csv").exists():
        raise LoadError(f"locust failed ({finished.returncode}): {finished.stderr[-3000:]}")
    if set(workers_now) != set(workers):
        raise LoadError("a gunicorn worker restarted during the run (see gunicorn.log)")

    # The slots this run used are taken: the next run's visits start after them.
    used = json.loads(used_path.read_text(encoding="utf-8"))
    for caregiver in population.plan["caregivers"]:
        caregiver["first_free_slot"] += used.get(str(caregiver["user_id"]), 0)

    routes, total = _parse_stats(prefix.parent / f"{label}_stats.csv")
    samples = watch.samples or [(0, 0)]
    return PhaseResult(
        label=label,
        users=users,
        wait=wait,
        seconds=elapsed,
        routes=routes,
        total=total,
        connections_max=max(n for n, _a in samples),
        connections_mean=sum(n for n, _a in samples) / len(samples),
        active_max=max(a for _n, a in samples),
        app_cpu_seconds=sum(app_after[p] - app_before.get(p, 0.0) for p in app_after),
        database_cpu_seconds=sum(db_after[p] - db_before.get(p, 0.0) for p in db_after)
        + max(0.0, reaped - gone_before),
        locust_cpu_seconds=(children_after.ru_utime + children_after.ru_stime)
        - (children_before.ru_utime + children_before.ru_stime),
        machine_busy=(busy_after - busy_before) / max(1, all_after - all_before),
        waiting_before=waiting_before,
        waiting_after=_waiting_visits(),
        failure_samples=_failure_samples(prefix.parent / f"{label}_failures.csv"),
    )


def explain_waiting_list() -> list[str]:
    """EXPLAIN ANALYZE of the two queries of the coordinators' ``visits?status=submitted``
    whose cost can grow with the waiting visits: the paginator's count and the page."""
    from django.db import connection

    from care.models import Visit

    waiting = Visit.objects.filter(status=Visit.Status.SUBMITTED)
    with connection.cursor() as cursor:
        # The SQL Django's paginator sends for the page's "count".
        cursor.execute(
            "EXPLAIN (ANALYZE, BUFFERS) SELECT COUNT(*) FROM care_visit WHERE status = %s",
            [Visit.Status.SUBMITTED],
        )
        count_plan = [row[0] for row in cursor.fetchall()]
    page = (
        waiting.select_related("recipient", "corps_member", "program", "recorded_by", "reviewed_by")
        .order_by("-started_at", "-id")[:25]
        .explain(analyze=True, buffers=True)
    )
    connection.close()
    keep = ("Scan", "Heap Fetches", "Sort", "Execution Time", "Limit", "Aggregate")
    return [
        f"{title}: {line.strip()}"
        for title, lines in (("count", count_plan), ("page", page.splitlines()))
        for line in lines
        if any(word in line for word in keep) and "Memoize" not in line and "pkey" not in line
    ]


def measure_route_cpu(
    population: Population, requests: int = ROUTE_CPU_REQUESTS
) -> dict[str, tuple[float, float]]:
    """CPU per request of each route, in milliseconds (application, database backend): the
    routes one at a time, in this process through Django's test client (no HTTP server), the
    backend's CPU read from /proc."""
    from django.db import connection
    from django.test import Client

    plan = population.plan
    caregiver = plan["caregivers"][0]
    token = {"HTTP_AUTHORIZATION": f"Token {caregiver['token']}"}
    rng = random.Random(0)
    client = Client()
    year = plan["year"]

    def sync() -> Any:
        visits = visit_batch(plan, caregiver, caregiver["first_free_slot"], SYNC_BATCH, rng)
        caregiver["first_free_slot"] += SYNC_BATCH
        return client.post(
            "/api/v1/visits/sync/",
            json.dumps({"visits": visits}),
            content_type="application/json",
            **token,
        )

    def session(role: str, path: str) -> Any:
        client.cookies["sessionid"] = plan["sessions"][role][0]
        return client.get(path)

    routes = {
        "caregiver recipients": lambda: client.get("/api/v1/recipients/", **token),
        "caregiver sync 20": sync,
        "coordinator visits?status=submitted": lambda: session(
            "coordinator", "/api/v1/visits/?status=submitted"
        ),
        "coordinator recipients": lambda: session("coordinator", "/api/v1/recipients/"),
        "coordinator assignments": lambda: session("coordinator", "/api/v1/assignments/"),
        "desk /coordinator/": lambda: session("coordinator", "/coordinator/"),
        "desk /coordinator/visits/": lambda: session("coordinator", "/coordinator/visits/"),
        "manager kpi/report": lambda: session("manager", f"/api/v1/kpi/report/?year={year}"),
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    costs = {}
    for name, request in routes.items():
        for _ in range(2):  # warm-up: URLconf, templates, the backend's caches
            request()
        database_before = _cpu_seconds([backend]).get(backend, 0.0)
        started = time.process_time()
        for _ in range(requests):
            response = request()
            if response.status_code != 200:
                raise LoadError(f"{name} answered {response.status_code}")
        app = time.process_time() - started
        database = _cpu_seconds([backend]).get(backend, 0.0) - database_before
        costs[name] = (1000 * app / requests, 1000 * database / requests)
    connection.close()
    return costs


def _wait_for_disconnects(settings_dict: dict[str, Any], timeout: float = 15) -> None:
    """gunicorn's workers are gone; wait until their backends are too, so the database can be
    dropped."""
    watch = DatabaseWatch(settings_dict)
    deadline = time.monotonic() + timeout
    while watch.snapshot()[0] and time.monotonic() < deadline:
        time.sleep(0.2)


def run(
    *,
    users: int = DEFAULT_USERS,
    wait: tuple[float, float] = DEFAULT_WAIT,
    first_seconds: int = DEFAULT_FIRST_SECONDS,
    steps: Sequence[int] = DEFAULT_STEPS,
    step_seconds: int = DEFAULT_STEP_SECONDS,
    workers: int = DEFAULT_WORKERS,
    threads: int = 1,
    caregivers: int = DEFAULT_CAREGIVERS,
    recipients: int = DEFAULT_RECIPIENTS,
    coordinators: int = DEFAULT_COORDINATORS,
    managers: int = DEFAULT_MANAGERS,
    history: int = DEFAULT_HISTORY,
    waiting: int = DEFAULT_WAITING,
    seed: int = DEFAULT_SEED,
    stop_past_goal: bool = True,
    route_requests: int = ROUTE_CPU_REQUESTS,
    progress: bool = False,
) -> LoadResult:
    """Build the data in the configured (PostgreSQL) database, serve it with gunicorn, run the
    first run and the steps; returns the figures. With ``stop_past_goal`` the steps stop at
    the first one whose p95 passes 300 ms on some route."""
    from django.db import connection

    if connection.vendor != "postgresql":
        raise LoadError("the load run needs PostgreSQL: gunicorn's workers are other processes")
    if min(users, caregivers, coordinators, managers) < 1 or recipients < caregivers:
        raise ValueError("need users, and at least one caregiver, coordinator and manager")

    population = build_population(
        caregivers=caregivers,
        recipients=recipients,
        coordinators=coordinators,
        managers=managers,
        history=history,
        waiting=waiting,
        seed=seed,
    )
    settings_dict = dict(connection.settings_dict)
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
    connection.close()  # nothing of this process holds the database during the run
    with tempfile.TemporaryDirectory(prefix="care-load-") as tmp:
        work_dir = Path(tmp)
        try:
            with gunicorn(settings_dict, workers=workers, var_dir=work_dir, threads=threads) as (
                url,
                server,
            ):
                _warm_up(url, population, workers)

                def phase(
                    label: str, n: int, pause: tuple[float, float] | None, s: int, mixed: bool
                ) -> Any:
                    result = run_phase(
                        label=label,
                        url=url,
                        server=server,
                        population=population,
                        settings_dict=settings_dict,
                        users=n,
                        wait=pause,
                        seconds=s,
                        work_dir=work_dir,
                        mixed=mixed,
                    )
                    if progress:
                        print(phase_line(result), flush=True)
                    return result

                first = phase("first", users, wait, first_seconds, mixed=False)
                stepped = []
                for n in steps:
                    stepped.append(phase(f"step-{n:03d}", n, None, step_seconds, mixed=True))
                    if stop_past_goal and stepped[-1].max_p95 > GOAL_P95_MS:
                        break
        finally:
            _wait_for_disconnects(settings_dict)
    plans = explain_waiting_list()
    route_cpu = measure_route_cpu(population, route_requests) if route_requests else {}
    return LoadResult(
        database=settings_dict["NAME"],
        workers=workers,
        threads=threads,
        caregivers=caregivers,
        recipients=recipients,
        first=first,
        steps=stepped,
        waiting_plans=plans,
        route_cpu=route_cpu,
        autovacuum=autovacuum,
    )


# --- report and command line ----------------------------------------------------------------


def phase_line(phase: PhaseResult) -> str:
    wait = f"wait {phase.wait[0]:g}-{phase.wait[1]:g} s" if phase.wait else "no wait"
    return (
        f"{phase.label:<10} {phase.users:>3} users, {wait:<13} {phase.total.requests:>6} req "
        f"{phase.total.requests_per_second:>7.1f} req/s  p50 {phase.total.p50:>4.0f} "
        f"p95 {phase.total.p95:>5.0f} p99 {phase.total.p99:>5.0f} ms  worst route p95 "
        f"{phase.max_p95:>5.0f} ms  errors {phase.errors}  connections max "
        f"{phase.connections_max} (active {phase.active_max})  CPU/request app "
        f"{phase.cpu_ms_per_request(phase.app_cpu_seconds):.1f} ms, db "
        f"{phase.cpu_ms_per_request(phase.database_cpu_seconds):.1f} ms, locust "
        f"{phase.cpu_ms_per_request(phase.locust_cpu_seconds):.1f} ms; machine "
        f"{100 * phase.machine_busy:.0f}% busy"
    )


def phase_table(phase: PhaseResult) -> list[str]:
    lines = [
        f"{'route':<38}{'requests':>9}{'req/s':>8}{'p50':>6}{'p95':>6}{'p99':>6}{'errors':>8}",
    ]
    for route in [*sorted(phase.routes, key=lambda r: r.name), phase.total]:
        lines.append(
            f"{route.name:<38}{route.requests:>9}{route.requests_per_second:>8.1f}"
            f"{route.p50:>6.0f}{route.p95:>6.0f}{route.p99:>6.0f}{route.failures:>8}"
        )
    lines.append(
        f"waiting visits {phase.waiting_before:,} -> {phase.waiting_after:,}; connections to "
        f"the database: max {phase.connections_max}, mean {phase.connections_mean:.1f}, "
        f"active at once max {phase.active_max}"
    )
    lines.append(
        f"CPU: gunicorn workers {phase.app_cpu_seconds:.1f} s "
        f"({phase.cpu_ms_per_request(phase.app_cpu_seconds):.1f} ms/request), database "
        f"backends {phase.database_cpu_seconds:.1f} s "
        f"({phase.cpu_ms_per_request(phase.database_cpu_seconds):.1f} ms/request), locust "
        f"{phase.locust_cpu_seconds:.1f} s; the machine's two cores {100 * phase.machine_busy:.0f}%"
        f" busy over {phase.seconds:.0f} s"
    )
    lines += [f"  failure: {sample}" for sample in phase.failure_samples]
    return lines


def report(result: LoadResult) -> str:
    lines = [
        f"load run: gunicorn {result.workers} workers"
        + (f" (gthread, {result.threads} threads each)" if result.threads > 1 else " (sync)")
        + f" on {HOST}, database {result.database}, "
        f"{result.caregivers} caregivers, {result.recipients} recipients"
        + (f", the server's autovacuum {result.autovacuum}" if result.autovacuum else ""),
        "",
        f"first run ({result.first.users} users waiting "
        f"{result.first.wait[0]:g}-{result.first.wait[1]:g} s):"
        if result.first.wait
        else "first run:",
        *phase_table(result.first),
        "",
        "steps without waits:",
        *(phase_line(step) for step in result.steps),
    ]
    crossing, best = result.crossing, result.within_goal
    for title, phase in (
        (f"highest throughput with every p95 <= {GOAL_P95_MS} ms", best),
        (f"first step with a p95 over {GOAL_P95_MS} ms", crossing),
    ):
        if phase is not None:
            lines += ["", f"{title}: {phase.label}, {phase.users} users", *phase_table(phase)]
    if crossing is None:
        lines += ["", f"no step passed p95 {GOAL_P95_MS} ms: add larger steps"]
    if result.route_cpu:
        lines += [
            "",
            "CPU per request, each route alone (one request at a time, Django's test "
            "client in this process):",
            *route_cpu_table(result.route_cpu),
        ]
    if result.waiting_plans:
        lines += ["", "the coordinators' list of waiting visits after the run (EXPLAIN ANALYZE):"]
        lines += [f"  {line}" for line in result.waiting_plans]
    verdict = "met" if result.meets_goal else "NOT met"
    rate = best.total.requests_per_second if best else 0.0
    lines += [
        "",
        f"goal: 0 errors and >= {GOAL_REQUESTS_PER_SECOND} req/s with every p95 <= "
        f"{GOAL_P95_MS} ms: {verdict} (errors {result.errors}, {rate:.1f} req/s)",
    ]
    return "\n".join(lines)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=DEFAULT_USERS, help="first run's users")
    parser.add_argument(
        "--wait", type=float, nargs=2, default=DEFAULT_WAIT, metavar=("MIN", "MAX"),
        help="first run's wait between a user's requests, seconds",
    )  # fmt: skip
    parser.add_argument("--first-seconds", type=int, default=DEFAULT_FIRST_SECONDS)
    parser.add_argument(
        "--steps", default=",".join(map(str, DEFAULT_STEPS)),
        help="user counts of the runs without waits, comma-separated",
    )  # fmt: skip
    parser.add_argument("--step-seconds", type=int, default=DEFAULT_STEP_SECONDS)
    parser.add_argument(
        "--all-steps", action="store_true", help="run every step, even past p95 300 ms"
    )
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="gunicorn workers")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (more than 1: gthread workers)"
    )
    parser.add_argument("--caregivers", type=int, default=DEFAULT_CAREGIVERS)
    parser.add_argument("--recipients", type=int, default=DEFAULT_RECIPIENTS)
    parser.add_argument("--coordinators", type=int, default=DEFAULT_COORDINATORS)
    parser.add_argument("--managers", type=int, default=DEFAULT_MANAGERS)
    parser.add_argument("--history", type=int, default=DEFAULT_HISTORY)
    parser.add_argument("--waiting", type=int, default=DEFAULT_WAITING)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 unless the goal is met (errors: exit 2)"
    )
    parser.add_argument(
        "--routes-only",
        action="store_true",
        help="only each route's CPU per request, one at a time (no gunicorn, no locust)",
    )
    parser.add_argument(
        "--route-requests",
        type=int,
        default=ROUTE_CPU_REQUESTS,
        help="requests per route for the CPU per request",
    )
    return parser.parse_args(argv)


def route_cpu_table(route_cpu: dict[str, tuple[float, float]]) -> list[str]:
    return [
        f"{'route':<38}{'app ms':>8}{'db ms':>8}",
        *(f"{name:<38}{app:>8.1f}{db:>8.1f}" for name, (app, db) in route_cpu.items()),
    ]


def routes_only(args: argparse.Namespace) -> int:
    """The data, then each route's CPU per request: the quick before/after of a change."""
    population = build_population(
        caregivers=args.caregivers,
        recipients=args.recipients,
        coordinators=args.coordinators,
        managers=args.managers,
        history=args.history,
        waiting=args.waiting,
        seed=args.seed,
    )
    route_cpu = measure_route_cpu(population, args.route_requests)
    print("\n".join(route_cpu_table(route_cpu)))
    return 0


def exit_code(result: LoadResult, *, check: bool) -> int:
    if result.errors:
        return 2
    return 1 if check and not result.meets_goal else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    connection = django_setup()
    try:
        with own_test_database(connection, "load"):
            if args.routes_only:
                return routes_only(args)
            result = run(
                users=args.users,
                wait=tuple(args.wait),
                first_seconds=args.first_seconds,
                steps=[int(n) for n in args.steps.split(",") if n.strip()],
                step_seconds=args.step_seconds,
                workers=args.workers,
                threads=args.threads,
                caregivers=args.caregivers,
                recipients=args.recipients,
                coordinators=args.coordinators,
                managers=args.managers,
                history=args.history,
                waiting=args.waiting,
                seed=args.seed,
                stop_past_goal=not args.all_steps,
                route_requests=args.route_requests,
                progress=True,
            )
    except (LoadError, ValueError) as exc:
        print(f"load run failed: {exc}", file=sys.stderr)
        return 2
    print()
    print(report(result))
    return exit_code(result, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
