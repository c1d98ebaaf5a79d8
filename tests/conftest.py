from __future__ import annotations

from collections.abc import Iterator

import pytest
from celery.signals import task_postrun
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from base.roles import forget_role_names
from tests.factories import AssignmentFactory, CorpsMemberFactory, UserFactory
from tests.mutation_postgres import claim_slot_database


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:  # noqa: PT004
    """`make mutation-postgres`: each mutant's run (a forked process of its own, two at a time)
    takes a test database nobody else is using; see tests/mutation_postgres.py."""
    claim_slot_database()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


class ForcedUserClient(APIClient):
    """An APIClient whose forced user's roles are read again for each request, as a server
    reads them for each (``base.roles.role_names`` caches them on the user object, which a
    server loads afresh per request but this client reuses)."""

    def request(self, **kwargs):  # noqa: ANN003, ANN201
        user = getattr(self.handler, "_force_user", None)
        if user is not None:
            forget_role_names(user)
        return super().request(**kwargs)


def client_for(user) -> APIClient:  # noqa: ANN001
    client = ForcedUserClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def coordinator(db):  # noqa: ANN001, ANN201
    return UserFactory(username="coordinator1", roles=["coordinator"])


@pytest.fixture
def coordinator_api(coordinator) -> APIClient:  # noqa: ANN001
    return client_for(coordinator)


@pytest.fixture
def manager_api(db) -> APIClient:  # noqa: ANN001
    return client_for(UserFactory(username="manager1", roles=["manager"]))


@pytest.fixture
def counselor_api(db) -> APIClient:  # noqa: ANN001
    return client_for(UserFactory(username="counselor1", roles=["counselor"]))


@pytest.fixture
def caregiver(db):  # noqa: ANN001, ANN201
    """A caregiver with a login, a corps member record and one assigned recipient."""
    user = UserFactory(username="caregiver1", roles=["caregiver"])
    member = CorpsMemberFactory(user=user)
    assignment = AssignmentFactory(corps_member=member)
    user.assigned_recipient = assignment.recipient
    user.corps_member_record = member
    return user


@pytest.fixture
def caregiver_api(caregiver) -> APIClient:  # noqa: ANN001
    return client_for(caregiver)


@pytest.fixture
def other_caregiver(db):  # noqa: ANN001, ANN201
    user = UserFactory(username="caregiver2", roles=["caregiver"])
    member = CorpsMemberFactory(user=user, name="다른단원")
    assignment = AssignmentFactory(corps_member=member)
    user.assigned_recipient = assignment.recipient
    user.corps_member_record = member
    return user


@pytest.fixture
def redis_worker() -> Iterator[None]:
    """A real Celery worker, in a thread, consuming from the Redis broker of REDIS_URL.

    CI always sets REDIS_URL (tests/config/test_ci.py checks it); only a laptop without
    Redis skips these tests.
    """
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: worker tests need Redis")
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


# Data migrations whose rows every test expects (reference data, role groups).
MIGRATED_DATA = [
    "care.migrations.0003_reference_data",
    "volunteers.migrations.0002_qualifications",
    "consultations.migrations.0002_reference_data",
    # Eligibility tags of the public questionnaire (its ``load``).
    "consultations.migrations.0010_public_directory",
    # Program rules, income brackets, fee rules and eligibility criteria (its ``load`` only).
    "care.migrations.0014_episodes_from_history",
    # The satisfaction questionnaire, version 1.
    "care.migrations.0021_satisfaction",
    # The reporting lines (신고 전화) of the incidents.
    "care.migrations.0022_incidents",
    # Corps compliance requirements (its ``load``: get_or_create, so safe to run again).
    "volunteers.migrations.0004_compliance",
]


class _TodaysLabels:
    """The registry a data migration asks for models, with today's app labels: care's
    reference data migration (0003) asks for ``care.Region``, which is ``base.Region`` now."""

    def __init__(self, apps) -> None:  # noqa: ANN001
        self.apps = apps

    def get_model(self, app_label: str, model_name: str) -> type:
        try:
            return self.apps.get_model(app_label, model_name)
        except LookupError:
            return self.apps.get_model("base", model_name)


def restore_migrated_data() -> None:
    """Put back the rows the data migrations load.

    A ``transaction=True`` test ends with a flush that empties every table, migrated
    reference data and role groups included; the next transactional test would start
    without them.
    """
    import importlib

    from django.apps import apps

    from base.roles import roles_sync

    for module in MIGRATED_DATA:
        importlib.import_module(module).load(_TodaysLabels(apps), None)
    # roles_sync is written for a migration's registry and resets ``models_module``.
    saved = {config.label: config.models_module for config in apps.get_app_configs()}
    try:
        roles_sync(apps)
    finally:
        for config in apps.get_app_configs():
            config.models_module = saved[config.label]


@pytest.fixture(autouse=True)
def _migrated_data_in_transactional_tests(request: pytest.FixtureRequest) -> None:
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and (
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    )
    if transactional or "transactional_db" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        restore_migrated_data()


@pytest.fixture
def worker_closes_its_connection() -> Iterator[None]:
    """The worker thread's database connection would outlive the test and keep the test
    database from being dropped; close it after each task, in the worker's own thread."""

    def close(**kwargs: object) -> None:
        connection.close()

    task_postrun.connect(close, weak=False)
    yield
    task_postrun.disconnect(close)


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache: cached searches and pages, and rate-limit
    counters, must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
