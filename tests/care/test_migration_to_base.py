"""Moving the reference data and the logs from care to base changes no row and no table.

A database migrated before the move (care 0011) keeps its regions, service types, programs
and access-log rows, and its groups keep their permissions, now named ``base.*``, with the
same ids.

It lives in tests/care rather than a tests/base folder on purpose: transactional tests that
run before tests/browser would flush the database and re-create its content types, which the
browser tests' ``serialized_rollback`` then collides with.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from base.models import AccessLog, Program, Region, ServiceType

BEFORE_THE_MOVE = [
    ("care", "0011_roles_counselor_intake"),
    ("volunteers", "0002_qualifications"),
    ("consultations", "0004_resource_search_indexes"),
    ("kpi", "0003_rollups"),
    ("base", None),
]

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    MigrationExecutor(connection).migrate(targets)
    # A fresh executor: the first one's loader still knows the applied set of before.
    return MigrationExecutor(connection)


@pytest.fixture
def before_the_move() -> Iterator[MigrationExecutor]:
    """The database as it was before the move; migrated forward again afterwards, whatever
    the test did, so that the next tests find today's schema."""
    executor = migrate(BEFORE_THE_MOVE)
    try:
        yield executor
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_migrating_to_base_keeps_rows_and_permission_ids(
    before_the_move: MigrationExecutor,
) -> None:
    # Given a database before the move, with rows written through care's historical models
    old = before_the_move.loader.project_state(BEFORE_THE_MOVE[:4]).apps
    region = old.get_model("care", "Region").objects.create(code="moved", name="옮긴 시")
    service_type = old.get_model("care", "ServiceType").objects.create(
        code="moved_service", name="옮긴 서비스"
    )
    program = old.get_model("care", "Program").objects.create(
        code="moved_program", name="옮긴 사업", indicator_code="4-1"
    )
    log = old.get_model("care", "AccessLog").objects.create(
        username="someone", action="view", subject_id=7, subject_label="홍길순"
    )
    permission = old.get_model("auth", "Permission").objects.get(
        content_type__app_label="care", codename="view_region"
    )
    group = old.get_model("auth", "Group").objects.create(name="region readers")
    group.permissions.add(permission)

    # When it is migrated forward
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    # Then the rows are base's, untouched, and the group holds base.view_region, same id
    assert Region.objects.get(pk=region.pk).code == "moved"
    assert ServiceType.objects.get(pk=service_type.pk).name == "옮긴 서비스"
    assert Program.objects.get(pk=program.pk).indicator_code == "4-1"
    assert AccessLog.objects.get(pk=log.pk).subject_label == "홍길순"
    held = Group.objects.get(name="region readers").permissions.get()
    assert held.pk == permission.pk
    assert (held.content_type.app_label, held.codename) == ("base", "view_region")
    assert not Permission.objects.filter(content_type__app_label="care", codename="view_region")


def test_every_role_holds_its_reference_permissions_after_the_move(
    before_the_move: MigrationExecutor,
) -> None:
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    coordinator = Group.objects.get(name="coordinator")
    assert coordinator.permissions.filter(
        content_type__app_label="base", codename="view_region"
    ).exists()
    administrator = Group.objects.get(name="administrator")
    assert administrator.permissions.filter(
        content_type__app_label="base", codename="view_accesslog"
    ).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_access_log_is_still_append_only_in_the_database_after_the_move(
    before_the_move: MigrationExecutor,
) -> None:
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    log = AccessLog.objects.create(username="someone", action="view", subject_id=7)

    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute("UPDATE care_accesslog SET username = 'x' WHERE id = %s", [log.pk])
