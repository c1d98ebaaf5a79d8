"""``base.permissions.OneQueryPermissions`` gives every user the permissions ModelBackend
would, in one query, and leaves logins to the other backends."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from base.permissions import OneQueryPermissions
from base.roles import role_names
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def _fresh(user):  # noqa: ANN001, ANN202
    """The user as a new request loads it: no cache of any kind."""
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("roles", [["coordinator"], ["caregiver"], ["manager", "counselor"], []])
def test_a_users_permissions_are_model_backends_in_one_query(roles: list[str]) -> None:
    user = UserFactory(username="perm-user", roles=roles)
    own = Permission.objects.get(content_type__app_label="base", codename="view_accesslog")
    user.user_permissions.add(own)

    fresh = _fresh(user)
    with CaptureQueriesContext(connection) as queries:
        found = OneQueryPermissions().get_all_permissions(fresh)

    assert len(queries) == 1
    assert found == ModelBackend().get_all_permissions(_fresh(user))
    assert "base.view_accesslog" in found
    # ModelBackend reads the same cache afterwards instead of asking again.
    with CaptureQueriesContext(connection) as queries:
        assert fresh.has_perms(sorted(found)) and not fresh.has_perm("care.nothing_such")
    assert len(queries) == 0


def test_an_inactive_user_holds_no_permission() -> None:
    user = UserFactory(username="perm-inactive", roles=["coordinator"], is_active=False)

    assert not _fresh(user).has_perm("care.view_recipient")
    assert OneQueryPermissions().get_all_permissions(_fresh(user)) == set()


def test_a_superuser_holds_every_permission_as_before() -> None:
    user = UserFactory(username="perm-super", is_superuser=True)

    assert _fresh(user).has_perm("care.view_recipient")
    assert _fresh(user).get_all_permissions() == ModelBackend().get_all_permissions(_fresh(user))


def test_the_backend_logs_no_one_in(client) -> None:  # noqa: ANN001
    user = UserFactory(username="perm-login", roles=["coordinator"])
    client.force_login(user)

    assert OneQueryPermissions().authenticate(None, username="perm-login", password="x") is None
    assert not hasattr(OneQueryPermissions, "get_user")
    assert client.session["_auth_user_backend"] == "django.contrib.auth.backends.ModelBackend"


def test_a_requests_roles_and_permissions_come_in_one_query() -> None:
    user = UserFactory(username="perm-roles", roles=["coordinator", "manager"])
    expected = ModelBackend().get_all_permissions(_fresh(user))

    fresh = _fresh(user)
    with CaptureQueriesContext(connection) as queries:
        roles = role_names(fresh)
        found = fresh.get_all_permissions()

    assert len(queries) == 1
    assert roles == frozenset({"coordinator", "manager"})
    assert found == expected


def test_a_superusers_roles_leave_every_permission_to_model_backend() -> None:
    user = UserFactory(username="perm-super-roles", is_superuser=True, roles=["caregiver"])

    fresh = _fresh(user)
    assert role_names(fresh) == frozenset({"caregiver"})
    assert fresh.get_all_permissions() == ModelBackend().get_all_permissions(_fresh(user))
