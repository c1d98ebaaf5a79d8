"""A user's model permissions in one query instead of ModelBackend's two."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router

# ModelBackend's cache of every permission of a user object (one request's user).
CACHE_ATTRIBUTE = "_perm_cache"


@lru_cache
def _roles_and_permissions_sql(user_model: type, alias: str) -> str:
    """A user's group names and model permissions (their own and their groups'), as rows of
    (kind, text, text): (0, group name, NULL) and (1, app label, codename)."""
    groups = user_model._meta.get_field("groups").remote_field.through._meta
    own = user_model._meta.get_field("user_permissions").remote_field.through._meta
    granted = Group._meta.get_field("permissions").remote_field.through._meta
    q = connections[alias].ops.quote_name
    user_of_groups = q(groups.get_field("user").column)
    group_of_users = q(groups.get_field("group").column)
    # Names from the models' own metadata, the user's id as a parameter.
    return (
        f"SELECT 0, g.{q('name')}, NULL FROM {q(Group._meta.db_table)} g "  # noqa: S608
        f"JOIN {q(groups.db_table)} ug ON ug.{group_of_users} = g.{q('id')} "
        f"WHERE ug.{user_of_groups} = %s "
        "UNION ALL "
        f"SELECT 1, ct.{q('app_label')}, p.{q('codename')} FROM {q(Permission._meta.db_table)} p "
        f"JOIN {q(ContentType._meta.db_table)} ct ON ct.{q('id')} = p.{q('content_type_id')} "
        f"WHERE p.{q('id')} IN (SELECT {q(own.get_field('permission').column)} "
        f"FROM {q(own.db_table)} WHERE {q(own.get_field('user').column)} = %s) "
        f"OR p.{q('id')} IN (SELECT gp.{q(granted.get_field('permission').column)} "
        f"FROM {q(granted.db_table)} gp JOIN {q(groups.db_table)} ug "
        f"ON ug.{group_of_users} = gp.{q(granted.get_field('group').column)} "
        f"WHERE ug.{user_of_groups} = %s)"
    )


def roles_and_permissions_load(user: Any) -> None:
    """Read a signed-in user's roles (``base.roles.role_names``) and, for an active user who is
    not a superuser, their model permissions (ModelBackend's cache) in one statement.

    Every API request asks for both (the permission class, then the querysets' ``visible_to``);
    they were two queries built by the ORM, about 2 ms of CPU a request together. The
    statement is plain SQL: its text never changes, so nothing is built per request. A
    superuser's and an inactive user's permissions stay ModelBackend's to answer (all, or
    none), so their cache is left alone."""
    from base.roles import ROLE_CACHE_ATTRIBUTE

    alias = router.db_for_read(Permission)
    with connections[alias].cursor() as cursor:
        cursor.execute(_roles_and_permissions_sql(get_user_model(), alias), [user.pk] * 3)
        rows = cursor.fetchall()
    setattr(user, ROLE_CACHE_ATTRIBUTE, frozenset(name for kind, name, _ in rows if kind == 0))
    if user.is_active and not user.is_superuser:
        setattr(
            user,
            CACHE_ATTRIBUTE,
            {f"{app}.{codename}" for kind, app, codename in rows if kind == 1},
        )


class OneQueryPermissions:
    """Answers permission checks as ``ModelBackend`` does, reading the user's own and their
    groups' permissions in one statement (a UNION) into ModelBackend's own cache, which
    ModelBackend, next in ``AUTHENTICATION_BACKENDS``, then reads instead of asking twice.

    Every API request checks a model permission (``config.api.RoleModelPermissions``); the
    two queries were about 1.4 ms of CPU in the application and 0.8 ms of planning in the
    database per request. It leaves superusers, inactive and anonymous users and object
    permissions to ModelBackend, which answers those without the cache. It authenticates no
    one and has no ``get_user`` (not BaseBackend's, which returns None): a login, and the
    test client's ``force_login``, must name a backend that can find the user again.
    """

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if (
            not user_obj.is_active
            or user_obj.is_anonymous
            or obj is not None
            or user_obj.is_superuser
        ):
            return set()
        if not hasattr(user_obj, CACHE_ATTRIBUTE):
            roles_and_permissions_load(user_obj)
        return getattr(user_obj, CACHE_ATTRIBUTE)

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return bool(user_obj.is_active) and perm in self.get_all_permissions(user_obj, obj)
