"""Load run for the residents' side: locust's anonymous visitors against gunicorn, with
PostgreSQL and Redis, all on this machine.

Builds the 100,000-resource directory of ``bench/resource_search.py`` in a database of its
own, starts gunicorn on 127.0.0.1 (a free port, DEBUG off, a SECRET_KEY of this run, the
cache in Redis through ``CACHE_URL``) and runs locust headless (``bench/public_load_users.py``)
with 100 users for 60 s, each searching (``/find/?q=<word>``, the words of
``bench/public_search.py``'s three groups) and opening resource pages
(``/find/resources/<id>/``), waiting 1-3 s between requests. It reports requests/s,
p50/p95/p99 per route and overall, and errors; goals: 0 errors and p95 under 200 ms.

The routes are options (``--route name=path`` with ``{word}``, ``{id}``, ``{uuid}``), so the
harness runs before the finder exists: when ``/find/`` is not installed the default routes
fall back to ``/`` and ``/login/`` (said in the report). Run from the project root::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/care_bench_search \\
        .venv/bin/python bench/public_load.py --cache-url redis://127.0.0.1:6379/8 --check

PostgreSQL only (gunicorn's workers are other processes). Bounded: the users, the seconds
and locust's own timeout are fixed; every server listens on 127.0.0.1 only and is stopped
at the end; the database ``test_<NAME>_public_load`` is dropped (``bench/_database.py``).
``run()`` is the core, callable from a test inside pytest-django's (transactional) database.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._database import ROOT, django_setup, own_test_database  # noqa: E402
from bench.load import (  # noqa: E402
    LoadError,
    RouteFigures,
    _failure_samples,
    _get,
    _parse_stats,
    gunicorn,
)

LOCUSTFILE = Path(__file__).resolve().parent / "public_load_users.py"
GOAL_P95_MS = 200.0
DEFAULT_RESOURCES = 100_000
DEFAULT_USERS = 100
DEFAULT_SECONDS = 60
DEFAULT_WAIT = (1.0, 3.0)
DEFAULT_WORKERS = 3
DEFAULT_SEED = 2026
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/8"
RESOURCE_SAMPLE = 2000  # resource pages the users open, drawn from the public ones
FINDER_ROUTES = (("search", "/find/?q={word}", 3), ("resource", "/find/resources/{id}/", 2))
FALLBACK_ROUTES = (("home", "/", 3), ("login", "/login/", 2))


@dataclass(frozen=True)
class Route:
    name: str
    path: str
    weight: int = 1


@dataclass
class PublicLoadResult:
    database: str
    resources: int
    users: int
    seconds: float
    workers: int
    wait: tuple[float, float] | None
    routes_used: list[Route]
    fell_back: bool
    figures: list[RouteFigures]
    total: RouteFigures
    failure_samples: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return self.total.failures

    @property
    def meets_goal(self) -> bool:
        return self.errors == 0 and self.total.requests > 0 and self.total.p95 < GOAL_P95_MS


def parse_route(text: str) -> Route:
    """``name=path`` or ``name=path=weight`` (the path may hold ``=`` itself)."""
    name, _, path = text.partition("=")
    weight = 1
    head, _, tail = path.rpartition("=")
    if head and tail.isdigit():
        path, weight = head, int(tail)
    if not name or not path.startswith("/"):
        raise argparse.ArgumentTypeError(f"expected name=/path[=weight], got {text!r}")
    return Route(name, path, weight)


def finder_installed() -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("finder:home")
    except NoReverseMatch:
        return False
    return True


def _plan(routes: Sequence[Route], rng: random.Random) -> dict[str, Any]:
    from bench.public_search import GROUPS
    from consultations.models import WelfareResource

    public = list(WelfareResource.objects.public().values_list("pk", "uuid"))
    sample = rng.sample(public, min(RESOURCE_SAMPLE, len(public)))
    return {
        "routes": [{"name": r.name, "path": r.path, "weight": r.weight} for r in routes],
        "words": sorted({word for words in GROUPS.values() for word in words}),
        "resources": [{"id": pk, "uuid": str(uuid)} for pk, uuid in sample],
    }


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Set environment variables for the servers this process starts, then put them back."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _warm_up(url: str, plan: dict[str, Any], rounds: int) -> None:
    """Each worker loads its URLconf and templates; a route that does not answer 200 stops
    the run here rather than filling the figures with errors."""
    rng = random.Random(0)
    for route in plan["routes"]:
        for _ in range(rounds):
            resource = rng.choice(plan["resources"])
            path = route["path"].format(
                word=rng.choice(plan["words"]), id=resource["id"], uuid=resource["uuid"]
            )
            status = _get(url + _quoted(path))
            if status != 200:
                raise LoadError(f"{route['name']} {path} answered {status} before the run")


def _quoted(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/?=&%")


def run_locust(
    url: str, plan_path: Path, *, users: int, seconds: int, wait: tuple[float, float] | None,
    work_dir: Path,
) -> tuple[list[RouteFigures], RouteFigures, list[str], float]:  # fmt: skip
    prefix = work_dir / "public"
    environment = {
        **os.environ,
        "PUBLIC_LOAD_PLAN": str(plan_path),
        "PUBLIC_LOAD_WAIT": f"{wait[0]},{wait[1]}" if wait else "0",
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "--host", url, "--users", str(users), "--spawn-rate", str(users),
        "--run-time", f"{seconds}s", "--stop-timeout", "5", "--csv", str(prefix),
        "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]  # fmt: skip
    started = time.monotonic()
    finished = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=seconds + 90
    )
    elapsed = time.monotonic() - started
    stats = work_dir / "public_stats.csv"
    if finished.returncode != 0 or not stats.exists():
        raise LoadError(f"locust failed ({finished.returncode}): {finished.stderr[-3000:]}")
    routes, total = _parse_stats(stats)
    return routes, total, _failure_samples(work_dir / "public_failures.csv"), elapsed


def run(
    *,
    resources: int = DEFAULT_RESOURCES,
    users: int = DEFAULT_USERS,
    seconds: int = DEFAULT_SECONDS,
    wait: tuple[float, float] | None = DEFAULT_WAIT,
    workers: int = DEFAULT_WORKERS,
    routes: Sequence[Route] | None = None,
    cache_url: str = DEFAULT_CACHE_URL,
    seed: int = DEFAULT_SEED,
) -> PublicLoadResult:
    """Build the directory in the configured (PostgreSQL) database, serve it with gunicorn
    and run locust once; returns the figures."""
    from django.db import connection
    from django.utils import timezone

    from bench.resource_search import _analyze, build_directory

    if connection.vendor != "postgresql":
        raise LoadError("the load run needs PostgreSQL: gunicorn's workers are other processes")
    if not 1 <= users <= 500 or not 1 <= seconds <= 600 or not 1 <= workers <= 8:
        raise ValueError("users 1-500, seconds 1-600 and workers 1-8: a bounded run")
    fell_back = False
    if routes is None:
        fell_back = not finder_installed()
        chosen = FALLBACK_ROUTES if fell_back else FINDER_ROUTES
        routes = [Route(*route) for route in chosen]
    rng = random.Random(seed)
    build_directory(rng, resources=resources, today=timezone.localdate())
    _analyze()
    plan = _plan(routes, rng)
    settings_dict = dict(connection.settings_dict)
    database = f"{settings_dict['NAME']}"
    connection.close()  # nothing of this process holds the database during the run
    with tempfile.TemporaryDirectory(prefix="care-public-load-") as tmp:
        work_dir = Path(tmp)
        plan_path = work_dir / "plan.json"
        plan_path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
        with (
            _environment(CACHE_URL=cache_url),
            gunicorn(settings_dict, workers=workers, var_dir=work_dir) as (url, _server),
        ):
            _warm_up(url, plan, rounds=2 * workers)
            figures, total, failures, elapsed = run_locust(
                url, plan_path, users=users, seconds=seconds, wait=wait, work_dir=work_dir
            )
    return PublicLoadResult(
        database=database,
        resources=resources,
        users=users,
        seconds=elapsed,
        workers=workers,
        wait=wait,
        routes_used=list(routes),
        fell_back=fell_back,
        figures=figures,
        total=total,
        failure_samples=failures,
    )


def report(result: PublicLoadResult) -> str:
    wait = f"waiting {result.wait[0]:g}-{result.wait[1]:g} s" if result.wait else "no waits"
    lines = [
        f"public load run: gunicorn ({result.workers} workers) on 127.0.0.1, PostgreSQL "
        f"({result.database}, {result.resources:,} resources), {result.users} anonymous users "
        f"{wait}, {result.seconds:.0f} s",
        "routes: " + ", ".join(f"{r.name} {r.path} (x{r.weight})" for r in result.routes_used),
    ]
    if result.fell_back:
        lines.append("note: /find/ is not installed here: ran the fallback routes instead")
    lines += [
        "",
        f"{'route':<16}{'requests':>10}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'p99 ms':>9}",
    ]
    for figures in [*result.figures, result.total]:
        lines.append(
            f"{figures.name[:16]:<16}{figures.requests:>10,}{figures.failures:>8}"
            f"{figures.requests_per_second:>9.1f}{figures.p50:>9.0f}{figures.p95:>9.0f}"
            f"{figures.p99:>9.0f}"
        )
    verdict = "met" if result.meets_goal else "NOT met"
    lines += ["", f"goal (0 errors, p95 < {GOAL_P95_MS:g} ms): {verdict}"]
    lines += [f"  failure: {sample}" for sample in result.failure_samples]
    return "\n".join(lines)


def exit_code(result: PublicLoadResult, *, check: bool) -> int:
    if result.errors:
        return 2
    return 1 if check and not result.meets_goal else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=DEFAULT_RESOURCES)
    parser.add_argument("--users", type=int, default=DEFAULT_USERS)
    parser.add_argument("--seconds", type=int, default=DEFAULT_SECONDS)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument(
        "--wait", default=f"{DEFAULT_WAIT[0]:g},{DEFAULT_WAIT[1]:g}", help='"1,3" or "0"'
    )
    parser.add_argument(
        "--route", action="append", type=parse_route, help="name=/path[=weight], repeatable"
    )
    parser.add_argument("--cache-url", default=DEFAULT_CACHE_URL)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--check", action="store_true", help="exit 1 unless the goals are met")
    args = parser.parse_args(argv)
    low, _, high = args.wait.partition(",")
    wait = (float(low), float(high)) if high else None
    connection = django_setup()
    with own_test_database(connection, "public_load"):
        result = run(
            resources=args.resources,
            users=args.users,
            seconds=args.seconds,
            wait=wait,
            workers=args.workers,
            routes=args.route,
            cache_url=args.cache_url,
            seed=args.seed,
        )
    print(report(result))
    return exit_code(result, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
