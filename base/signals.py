"""What happens on every save, wherever it comes from (admin, shell, a service or a data
migration): role changes are logged, and text is cleaned and checked."""

from __future__ import annotations

import functools
from contextvars import ContextVar
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import m2m_changed, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from base.fields import MachineTokenField
from base.models import RoleChangeLog
from base.roles import forget_role_names
from base.validators import (
    EARLIEST_DATE,
    FREE_TEXT_LIMIT,
    RRN_MESSAGE,
    contains_resident_registration_number,
    normalise_text,
)

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
def forget_cached_roles(sender: Any, instance: Any, action: str, reverse: bool, **_: Any) -> None:
    """``user.groups.add(...)`` and the like: that user object's cached roles are stale. (From
    the group's side the user objects are not at hand; theirs expire with their request.)"""
    if not reverse and action in {"post_add", "post_remove", "post_clear"}:
        forget_role_names(instance)


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


def _before_1900(value: object) -> bool:
    # DateTimeField is a DateField: a datetime's date is compared, whatever its offset.
    if isinstance(value, datetime):
        return value.year < EARLIEST_DATE.year
    return isinstance(value, date) and value < EARLIEST_DATE


@functools.cache
def _is_project_app(app_label: str) -> bool:
    # The project's apps are the packages at the top of the repository: the virtualenv
    # (.venv), with Django's and django-axes' models and their hashes, may sit inside it too.
    # By label, so that the historical models of data migrations are cleaned as well.
    try:
        path = apps.get_app_config(app_label).path
    except LookupError:
        return False
    return Path(path).resolve().parent == Path(settings.BASE_DIR).resolve()


@receiver(pre_save, dispatch_uid="base.text_hygiene")
def text_fields_cleaned(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """Every text field of every model of the project, on every save of a row: stored in NFC
    without invisible characters, never holding a resident registration number, no date before
    1900, and no free text (a TextField a person types) over ``FREE_TEXT_LIMIT`` characters.

    One receiver for all models, so that a new model or field cannot forget the rule; the
    checks in forms and serializers only say it earlier, next to the field. (Bulk inserts do
    not send ``pre_save``: the visit sync, the one bulk path, validates each item's text in
    its serializer first.)
    """
    if not _is_project_app(sender._meta.app_label):
        return
    errors: dict[str, list[ValidationError]] = {}
    for field in sender._meta.concrete_fields:
        if (
            field.generated
            or isinstance(field, MachineTokenField)
            or not isinstance(field, models.DateField | models.CharField | models.TextField)
        ):
            continue
        value = getattr(instance, field.attname)
        if isinstance(field, models.DateField) and _before_1900(value):
            errors.setdefault(field.name, []).append(
                ValidationError(_("1900년 이전의 날짜는 입력할 수 없습니다."), code="too_early")
            )
            continue
        if not isinstance(field, models.CharField | models.TextField):
            continue
        if not isinstance(value, str) or not value:
            continue
        cleaned = normalise_text(value)
        if cleaned != value:
            setattr(instance, field.attname, cleaned)
        typed = field.editable and isinstance(field, models.TextField)
        if typed and len(cleaned) > FREE_TEXT_LIMIT:
            errors.setdefault(field.name, []).append(
                ValidationError(
                    _("%(limit)d자 이내로 입력하세요 (지금 %(length)d자).")
                    % {"limit": FREE_TEXT_LIMIT, "length": len(cleaned)},
                    code="max_length",
                )
            )
        if contains_resident_registration_number(cleaned):
            errors.setdefault(field.name, []).append(
                ValidationError(RRN_MESSAGE, code="resident_registration_number")
            )
    if errors:
        raise ValidationError(errors)
