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

``LOAD_MIX`` is how many users of each kind run (``"50,10,5"``); ``LOAD_WAIT`` is ``"5,10"``
(each user waits 5-10 s between requests, the first run) or ``"0"`` (no waits: the steps).
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
from bench.load import SYNC_BATCH, visit_batch  # noqa: E402

PLAN: dict[str, Any] = json.loads(Path(os.environ["LOAD_PLAN"]).read_text(encoding="utf-8"))
_low, _, _high = os.environ.get("LOAD_WAIT", "0").partition(",")
WAIT = between(float(_low), float(_high)) if _high else constant(float(_low))
# How many users of each kind, "caregivers,coordinators,managers" (locust's fixed_count).
_counts = [int(n) for n in os.environ["LOAD_MIX"].split(",")]
MIX = dict(zip(("caregiver", "coordinator", "manager"), _counts, strict=True))

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


class Caregiver(FastHttpUser):
    fixed_count = MIX["caregiver"]
    wait_time = WAIT

    def on_start(self) -> None:
        self.rng = random.Random()

    @task
    def sync_and_read_recipients(self) -> None:
        caregiver = _take_caregiver()
        headers = {"Authorization": f"Token {caregiver['token']}"}
        with self.client.get(
            "/api/v1/recipients/", headers=headers, name="caregiver recipients", catch_response=True
        ) as response:
            _expect_ok(response)
        self.wait()
        body = {"visits": _visits_for(caregiver, self.rng)}
        with self.client.post(
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


class _SessionUser(FastHttpUser):
    abstract = True
    wait_time = WAIT
    role = ""

    def on_start(self) -> None:
        sessions = PLAN["sessions"][self.role]
        self.headers = {"Cookie": f"sessionid={random.choice(sessions)}"}

    def get(self, path: str, name: str) -> None:
        with self.client.get(
            path, headers=self.headers, name=name, catch_response=True, allow_redirects=False
        ) as response:
            _expect_ok(response)


class Coordinator(_SessionUser):
    fixed_count = MIX["coordinator"]
    role = "coordinator"

    @task(3)
    def visits_waiting(self) -> None:
        self.get("/api/v1/visits/?status=submitted", "coordinator visits?status=submitted")

    @task
    def recipients(self) -> None:
        self.get("/api/v1/recipients/", "coordinator recipients")

    @task
    def assignments(self) -> None:
        self.get("/api/v1/assignments/", "coordinator assignments")

    @task
    def desk_home(self) -> None:
        self.get("/coordinator/", "desk /coordinator/")

    @task
    def desk_visits(self) -> None:
        self.get("/coordinator/visits/", "desk /coordinator/visits/")


class Manager(_SessionUser):
    fixed_count = MIX["manager"]
    role = "manager"

    @task
    def report(self) -> None:
        self.get(f"/api/v1/kpi/report/?year={PLAN['year']}", "manager kpi/report")
