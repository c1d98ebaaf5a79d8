"""A Python client generated from the OpenAPI schema by ``openapi-python-client``, as a
developer outside the project would make one: every module imports, and the client logs in,
records a visit, replays it and syncs a batch against the running server.

The generator is a dev dependency run from the virtualenv; it reads the schema from a file and
downloads nothing (its formatting hooks are switched off, so it needs no other tool either).
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from types import ModuleType
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from care.models import Visit
from tests.factories import (
    PASSWORD,
    AssignmentFactory,
    CorpsMemberFactory,
    UserFactory,
    service_type,
)
from tests.two_factor import enrolled_credential

pytestmark = pytest.mark.generated_client

PACKAGE = "care_ops_client"
GENERATOR_CONFIG = f"""\
package_name_override: {PACKAGE}
project_name_override: {PACKAGE}
post_hooks: []
"""


@pytest.fixture(scope="module")
def generated_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    folder = tmp_path_factory.mktemp("generated_client")
    schema = folder / "schema.json"
    call_command(
        "spectacular", file=str(schema), format="openapi-json", validate=True, fail_on_warn=True
    )
    config = folder / "config.yaml"
    config.write_text(GENERATOR_CONFIG)
    generated = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--config",
            str(config),
            "--output-path",
            str(folder / PACKAGE),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    # The generator warns, and leaves the piece out, for any schema part it cannot type.
    assert "warning" not in (generated.stdout + generated.stderr).lower(), generated.stdout

    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def module(generated_client: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{generated_client.__name__}.{name}")


# --- the package -----------------------------------------------------------------------------


def test_every_module_of_the_generated_client_imports(generated_client: ModuleType) -> None:
    # when every module of the package is imported
    imported, failed = [], {}
    for info in pkgutil.walk_packages(generated_client.__path__, f"{PACKAGE}."):
        try:
            importlib.import_module(info.name)
        except Exception as error:  # noqa: BLE001 - each failure is the finding
            failed[info.name] = repr(error)
        else:
            imported.append(info.name)

    # then none fails (a body declared as JSON, form and multipart at once gave NameError: Unset)
    assert failed == {}
    assert len(imported) > 300


def test_every_write_of_the_generated_client_sends_json(generated_client: ModuleType) -> None:
    visits_create = module(generated_client, "api.visits.visits_create")
    models = module(generated_client, "models")
    body = models.VisitInputRequest(
        client_uuid=uuid.uuid4(),
        recipient=1,
        started_at=timezone.now(),
        service_types=["housework"],
    )

    request = visits_create._get_kwargs(body=body)

    assert request["headers"]["Content-Type"] == "application/json"
    assert "json" in request and "files" not in request and "data" not in request


# --- against the running server ----------------------------------------------------------------


@pytest.fixture
def field_caregiver(transactional_db: None) -> Any:
    """A caregiver with a password and one recipient assigned, whose episode is active
    (committed: the live server answers from its own thread and connection)."""
    user = UserFactory(username="client-danwon", roles=["caregiver"])
    member = CorpsMemberFactory(user=user)
    user.assigned_recipient = AssignmentFactory(corps_member=member).recipient
    service_type("housework")
    return user


def visit_body(models: ModuleType, recipient_id: int, *, hours_ago: float) -> Any:
    started = timezone.now() - timedelta(hours=hours_ago)
    return models.VisitInputRequest(
        client_uuid=uuid.uuid4(),
        recipient=recipient_id,
        started_at=started,
        ended_at=started + timedelta(hours=1),
        service_types=["housework"],
    )


@pytest.mark.django_db(transaction=True)
def test_generated_client_logs_in_records_replays_and_syncs_visits(
    generated_client: ModuleType, live_server: Any, field_caregiver: Any
) -> None:
    models = module(generated_client, "models")
    token_create = module(generated_client, "api.auth.auth_token_create")
    visits_create = module(generated_client, "api.visits.visits_create")
    visits_sync = module(generated_client, "api.visits.visits_sync_create")
    recipient_id = field_caregiver.assigned_recipient.pk

    # given a token got with the caregiver's password, from an enrolled tablet
    with generated_client.Client(base_url=live_server.url) as anonymous:
        token = token_create.sync(
            client=anonymous,
            body=models.TokenRequestRequest(
                username=field_caregiver.username,
                password=PASSWORD,
                device=enrolled_credential(),
            ),
        )
    assert isinstance(token, models.TokenResponse), token
    caregiver = generated_client.AuthenticatedClient(
        base_url=live_server.url, token=token.token, prefix="Token"
    )

    with caregiver:
        # when a visit is recorded, then sent again with the same client_uuid
        body = visit_body(models, recipient_id, hours_ago=4)
        created = visits_create.sync_detailed(client=caregiver, body=body)
        replayed = visits_create.sync_detailed(client=caregiver, body=body)

        # then the first is stored (201) and the replay answers the same visit (200)
        assert created.status_code == 201, created.content
        assert isinstance(created.parsed, models.Visit)
        assert created.parsed.client_uuid == body.client_uuid
        assert created.parsed.reviewed_by is None
        assert replayed.status_code == 200, replayed.content
        assert replayed.parsed.id == created.parsed.id

        # when a batch with a new visit and the stored one is synced
        new = visit_body(models, recipient_id, hours_ago=8)
        synced = visits_sync.sync_detailed(
            client=caregiver, body=models.VisitSyncRequestRequest(visits=[new, body])
        )

    # then the new one is created, the stored one answered as existing, each with its visit
    assert synced.status_code == 200, synced.content
    answer = synced.parsed
    assert isinstance(answer, models.VisitSyncResponse)
    assert [result.status for result in answer.results] == [
        models.VisitSyncResultStatusEnum.CREATED,
        models.VisitSyncResultStatusEnum.EXISTING,
    ]
    assert [result.visit.client_uuid for result in answer.results] == [
        new.client_uuid,
        body.client_uuid,
    ]
    assert answer.results[1].visit.id == created.parsed.id
    assert (answer.summary.created, answer.summary.existing, answer.summary.error) == (1, 1, 0)
    assert Visit.objects.filter(recorded_by=field_caregiver).count() == 2


@pytest.mark.django_db(transaction=True)
def test_generated_client_reads_a_refusal_as_a_typed_error(
    generated_client: ModuleType, live_server: Any
) -> None:
    visits_list = module(generated_client, "api.visits.visits_list")

    with generated_client.AuthenticatedClient(
        base_url=live_server.url, token="not-a-token", prefix="Token"
    ) as stranger:
        response = visits_list.sync_detailed(client=stranger)

    assert response.status_code == 401
    assert isinstance(response.parsed, module(generated_client, "models").ErrorDetail)
    assert response.headers["WWW-Authenticate"] == "Token"
