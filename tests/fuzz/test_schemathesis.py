"""A bounded schemathesis run over the API's own OpenAPI schema (issue 10, item 16).

Every operation is called with generated input as an administrator and as a coordinator, on
PostgreSQL, through the WSGI application: no answer may be a server error, and every answer
must match what the schema declares for it (status code, content type, body). The seed and
the number of examples are fixed, so the run is the same each time and bounded in time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, seed, settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis import checks

from tests.factories import UserFactory
from tests.fuzz.seed import SEED_ID, seed_records, sequences_from

# Two generated cases per operation and role (324 tests): four took 4 min on this machine, two
# keep the run under three, which is what the suite can afford on every CI run.
EXAMPLES = 2
SEED = 20261205
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


def _with_seeded_ids(raw: dict[str, Any]) -> dict[str, Any]:
    """Every ``{id}`` of a read gets the seeded records' id as its example: the explicit phase
    reads each record once for real (its answer checked against the schema), the generated
    cases try other ids. Writes keep generated ids only: one more call on each of them would
    take the run past three minutes."""
    for operations in raw["paths"].values():
        for parameter in operations.get("get", {}).get("parameters", []):
            if parameter["in"] == "path" and parameter["name"] == "id":
                parameter["schema"] = {**parameter["schema"], "example": SEED_ID}
    return raw


def _schema() -> Any:
    raw = _with_seeded_ids(SchemaGenerator().get_schema(request=None, public=True))
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = get_wsgi_application()
    return schema


schema = _schema()


@pytest.fixture(scope="module", autouse=True)
def _seeded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The records of ``tests/fuzz/seed.py``, made once for the run in a transaction of their
    own (each test's is a savepoint inside it) and rolled back at the end."""
    with django_db_blocker.unblock(), sequences_from(SEED_ID), transaction.atomic():
        seed_records()
        yield
        transaction.set_rollback(True)


@pytest.fixture(params=["administrator", "coordinator"])
def token(request: pytest.FixtureRequest, django_db_blocker: Any) -> str:
    user = UserFactory(username=f"fuzz-{request.param}", roles=[request.param])
    return Token.objects.create(user=user).key


@pytest.fixture(autouse=True)
def _connection_kept_open() -> Iterator[None]:
    """The WSGI handler closes the database connection after each request, which would end
    the test's transaction; Django's test client keeps it open in the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]


@schema.parametrize()
@seed(SEED)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_never_fails_and_always_answers_as_its_schema_says(case: Any, token: str) -> None:
    case.call_and_validate(
        base_url="http://testserver",
        headers={"Authorization": f"Token {token}"},
        checks=CHECKS,
    )


@pytest.mark.parametrize(
    ("path", "empty"),
    [
        ("/api/v1/visits/{id}/", {"reviewed_by": None}),
        ("/api/v1/visit-exceptions/{id}/", {"resolved_by": None, "resolved_at": None}),
        ("/api/v1/kpi/periods/{id}/", {"closed_by": None}),
        ("/api/v1/kpi/rollups/{id}/", {"requested_by": None}),
        ("/api/v1/organizations/{id}/", {"email": "", "website": ""}),
    ],
)
def test_the_run_meets_records_whose_optional_fields_are_empty(
    path: str, empty: dict[str, Any]
) -> None:
    administrator = APIClient()
    administrator.force_authenticate(UserFactory(roles=["administrator"]))

    response = administrator.get(path.format(id=SEED_ID))

    assert response.status_code == 200, response.content
    assert {field: response.json()[field] for field in empty} == empty
