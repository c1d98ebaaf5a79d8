"""A user's roles are read once per user object (one request's), and a change of that user's
own groups is seen at once."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from base.roles import has_role, role_names
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_roles_are_read_once_however_often_they_are_asked() -> None:
    user = UserFactory(username="roles-once", roles=["coordinator"])

    with CaptureQueriesContext(connection) as queries:
        asked = [has_role(user, "coordinator"), has_role(user, "caregiver"), role_names(user)]

    assert asked == [True, False, frozenset({"coordinator"})]
    assert len(queries) == 1


def test_adding_and_removing_a_group_is_seen_at_once() -> None:
    user = UserFactory(username="roles-change", roles=["caregiver"])
    assert not has_role(user, "coordinator")

    user.groups.add(Group.objects.get(name="coordinator"))
    assert has_role(user, "coordinator")

    user.groups.remove(Group.objects.get(name="coordinator"))
    assert not has_role(user, "coordinator")

    user.groups.clear()
    assert role_names(user) == frozenset()


def test_a_superuser_holds_every_role_and_a_visitor_none() -> None:
    assert has_role(UserFactory(username="roles-super", is_superuser=True), "anything")
    assert not has_role(AnonymousUser(), "coordinator")
    assert role_names(AnonymousUser()) == frozenset()
