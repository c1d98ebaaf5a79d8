"""The users of ``bench/load.py``, as a locustfile: caregivers, coordinators and managers.

Only locust imports this file (``locust -f bench/load_users.py``), in its own process: locust
patches the standard library through gevent on import, which the orchestrating script, with
Django and psycopg loaded, must not undergo. What the users need (tokens, session keys, each
caregiver's recipients and the visit slots still free) comes from the JSON file that
``LOAD_PLAN`` names, written by ``bench/load.py``; the slots a run used go back to it through
``LOAD_USED``.

- **Caregivers** (token, as a tablet): read their recipients, and sync a batch of 20 new
  visits (fresh ``client_uuid``s) for their own recipients; every item must come back
  ``created``. Each iteration takes the next caregiver in turn, so a few locust users act
  as many tablets.
- **Coordinators** (session, as the desk's browser): the list of visits waiting for
  verification through the API, recipients, assignments, the desk's home and its page of
  visits to verify.
- **Managers** (session): the year's goal report.

``LOAD_MIX`` is how many users of each kind run (``"50,10,5"``, the first run), or
``LOAD_MIXED`` how many ``Mixed`` users, each sending every kind's requests in the first run's
shares (the steps); ``LOAD_WAIT`` is ``"5,10"`` (each user waits 5-10 s between requests, the
first run) or ``"0"`` (no waits: the steps).
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, constant, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.load import MIX as FIRST_RUN_MIX  # noqa: E402
from bench.load import SYNC_BATCH, visit_batch  # noqa: E402

PLAN: dict[str, Any] = json.loads(Path(os.environ["LOAD_PLAN"]).read_text(encoding="utf-8"))
_low, _, _high = os.environ.get("LOAD_WAIT", "0").partition(",")
WAIT = between(float(_low), float(_high)) if _high else constant(float(_low))
# How many users of each kind, "caregivers,coordinators,managers" (locust's fixed_count).
_counts = [int(n) for n in os.environ["LOAD_MIX"].split(",")]
MIX = dict(zip(("caregiver", "coordinator", "manager"), _counts, strict=True))
# The steps' users (``Mixed``), or 0 when each user is of one kind (the first run).
MIXED = int(os.environ.get("LOAD_MIXED", "0"))

_caregivers: list[dict[str, Any]] = PLAN["caregivers"]
_next_caregiver = 0
_used = {str(c["user_id"]): 0 for c in _caregivers}


def _take_caregiver() -> dict[str, Any]:
    # gevent runs one greenlet at a time and this does not yield: no lock needed.
    global _next_caregiver
    caregiver = _caregivers[_next_caregiver % len(_caregivers)]
    _next_caregiver += 1
    return caregiver


def _visits_for(caregiver: dict[str, Any], rng: random.Random) -> list[dict[str, Any]]:
    key = str(caregiver["user_id"])
    first = caregiver["first_free_slot"] + _used[key]
    _used[key] += SYNC_BATCH
    return visit_batch(PLAN, caregiver, first, SYNC_BATCH, rng)


@events.quitting.add_listener
def _write_used_slots(**_kwargs: Any) -> None:
    Path(os.environ["LOAD_USED"]).write_text(json.dumps(_used), encoding="utf-8")


def _expect_ok(response: Any) -> None:
    if response.status_code != 200:
        response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
    else:
        response.success()


def read_recipients(client: Any, caregiver: dict[str, Any]) -> None:
    headers = {"Authorization": f"Token {caregiver['token']}"}
    with client.get(
        "/api/v1/recipients/", headers=headers, name="caregiver recipients", catch_response=True
    ) as response:
        _expect_ok(response)


def sync_visits(client: Any, caregiver: dict[str, Any], rng: random.Random) -> None:
    headers = {"Authorization": f"Token {caregiver['token']}"}
    body = {"visits": _visits_for(caregiver, rng)}
    with client.post(
        "/api/v1/visits/sync/",
        json=body,
        headers=headers,
        name="caregiver sync 20",
        catch_response=True,
    ) as response:
        if response.status_code != 200:
            response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
            return
        statuses = [item["status"] for item in response.json()["results"]]
        if statuses != ["created"] * SYNC_BATCH:
            response.failure(f"not every visit was created: {statuses}")
        else:
            response.success()


def session_get(client: Any, session_key: str, path: str, name: str) -> None:
    with client.get(
        path,
        headers={"Cookie": f"sessionid={session_key}"},
        name=name,
        catch_response=True,
        allow_redirects=False,
    ) as response:
        _expect_ok(response)


# A coordinator's routes and how often each is read: the waiting visits three times as often.
COORDINATOR_ROUTES = (
    (3, "/api/v1/visits/?status=submitted", "coordinator visits?status=submitted"),
    (1, "/api/v1/recipients/", "coordinator recipients"),
    (1, "/api/v1/assignments/", "coordinator assignments"),
    (1, "/coordinator/", "desk /coordinator/"),
    (1, "/coordinator/visits/", "desk /coordinator/visits/"),
)
REPORT = (f"/api/v1/kpi/report/?year={PLAN['year']}", "manager kpi/report")


class Caregiver(FastHttpUser):
    fixed_count = MIX["caregiver"]
    abstract = MIXED > 0
    wait_time = WAIT

    def on_start(self) -> None:
        self.rng = random.Random()

    @task
    def sync_and_read_recipients(self) -> None:
        caregiver = _take_caregiver()
        read_recipients(self.client, caregiver)
        self.wait()
        sync_visits(self.client, caregiver, self.rng)


class _SessionUser(FastHttpUser):
    abstract = True
    wait_time = WAIT
    role = ""

    def on_start(self) -> None:
        self.session_key = random.choice(PLAN["sessions"][self.role])

    def get(self, path: str, name: str) -> None:
        session_get(self.client, self.session_key, path, name)


class Coordinator(_SessionUser):
    fixed_count = MIX["coordinator"]
    abstract = MIXED > 0
    role = "coordinator"
    tasks = {
        (lambda user, path=path, name=name: user.get(path, name)): weight
        for weight, path, name in COORDINATOR_ROUTES
    }


class Manager(_SessionUser):
    fixed_count = MIX["manager"]
    abstract = MIXED > 0
    role = "manager"

    @task
    def report(self) -> None:
        self.get(*REPORT)


class Mixed(FastHttpUser):
    """A user of the steps: each request is a caregiver's, a coordinator's or a manager's in
    the first run's shares of requests (50, 10 and 5 users each sending one request per
    wait), whatever the number of users. With a user per kind instead, each kind's share
    would follow how fast its routes answer: one manager alone sent most of a 3-user step's
    requests once the report was kept."""

    fixed_count = MIXED
    abstract = MIXED == 0
    wait_time = WAIT

    def on_start(self) -> None:
        self.rng = random.Random()
        self.sessions = {
            role: random.choice(PLAN["sessions"][role]) for role in ("coordinator", "manager")
        }

    @task
    def one_request(self) -> None:
        kinds = ("caregiver", "coordinator", "manager")
        (kind,) = self.rng.choices(kinds, [FIRST_RUN_MIX[k] for k in kinds])
        if kind == "caregiver":
            # A caregiver's two requests alternate: each is half of the caregivers' share.
            caregiver = _take_caregiver()
            if self.rng.random() < 0.5:
                read_recipients(self.client, caregiver)
            else:
                sync_visits(self.client, caregiver, self.rng)
        elif kind == "coordinator":
            weights = [weight for weight, _path, _name in COORDINATOR_ROUTES]
            (_weight, path, name) = self.rng.choices(COORDINATOR_ROUTES, weights)[0]
            session_get(self.client, self.sessions["coordinator"], path, name)
        else:
            session_get(self.client, self.sessions["manager"], *REPORT)
