"""The residents of ``bench/public_load.py``, as a locustfile: anonymous visitors who search
and open resource pages.

Only locust imports this file, in its own process (locust patches the standard library
through gevent on import). The routes, query words and resource ids come from the JSON file
``PUBLIC_LOAD_PLAN`` names: each route has a name (locust's statistics are per name), a path
template (``{word}``, ``{id}`` and ``{uuid}`` are filled in per request) and a weight.
``PUBLIC_LOAD_WAIT`` is ``"1,3"`` (each user waits 1-3 s between requests) or ``"0"``.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any
from urllib.parse import quote

from locust import FastHttpUser, between, constant, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["PUBLIC_LOAD_PLAN"]).read_text("utf-8"))
_low, _, _high = os.environ.get("PUBLIC_LOAD_WAIT", "0").partition(",")
ROUTES: list[dict[str, Any]] = PLAN["routes"]
WEIGHTS = [route["weight"] for route in ROUTES]


def path_for(route: dict[str, Any], rng: random.Random) -> str:
    resource = rng.choice(PLAN["resources"])
    return route["path"].format(
        word=quote(rng.choice(PLAN["words"])), id=resource["id"], uuid=resource["uuid"]
    )


class Resident(FastHttpUser):
    wait_time = between(float(_low), float(_high)) if _high else constant(float(_low))

    @task
    def visit(self) -> None:
        route = random.choices(ROUTES, weights=WEIGHTS)[0]
        with self.client.get(
            path_for(route, random), name=route["name"], catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
