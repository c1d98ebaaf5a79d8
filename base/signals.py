"""Role changes are logged wherever they happen: admin, shell or a data migration."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from base.models import RoleChangeLog

# The signal does not know who made the change; the middleware below tells it for requests.
current_actor: ContextVar[Any] = ContextVar("current_actor", default=None)


class ActorMiddleware:
    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        user = getattr(request, "user", None)
        token = current_actor.set(user if user is not None and user.is_authenticated else None)
        try:
            return self.get_response(request)
        finally:
            current_actor.reset(token)


@receiver(m2m_changed, sender=get_user_model().groups.through)
def log_role_change(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **_: Any
) -> None:
    if action not in {"post_add", "pre_remove", "pre_clear"}:
        return
    change = RoleChangeLog.Change.ADDED if action == "post_add" else RoleChangeLog.Change.REMOVED
    actor = current_actor.get()
    if reverse:
        # group.user_set.add(...): instance is the group, pk_set the users.
        group_names = {instance.pk: instance.name}
        user_pks = set(pk_set or ())
        if action != "post_add":
            # Django announces a removal with the requested pks, held or not: log only real ones.
            held = instance.user_set.all()
            user_pks = set((held if action == "pre_clear" else held.filter(pk__in=user_pks))
                           .values_list("pk", flat=True))  # fmt: skip
        pairs = [(user_pk, instance.pk) for user_pk in user_pks]
    else:
        group_pks = set(pk_set or ())
        if action != "post_add":
            held = instance.groups.all()
            group_pks = set((held if action == "pre_clear" else held.filter(pk__in=group_pks))
                            .values_list("pk", flat=True))  # fmt: skip
        group_names = dict(Group.objects.filter(pk__in=group_pks).values_list("pk", "name"))
        pairs = [(instance.pk, group_pk) for group_pk in group_pks]
    RoleChangeLog.objects.bulk_create(
        RoleChangeLog(
            changed_by=actor, user_id=user_pk, role=group_names.get(group_pk, ""), change=change
        )
        for user_pk, group_pk in pairs
    )
