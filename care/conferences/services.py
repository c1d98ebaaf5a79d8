"""Writes of case conferences (사례회의) and their action items.

A conference is written whole: its fields, attendees, episodes discussed and action items in
one transaction, so that a refused action item leaves no conference without it. Action items
are matched by id on an update, so that an item already done keeps who did it and when.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from base.models import AccessLog
from base.roles import has_role
from base.services import access_log_record
from care.conferences.models import (
    ActionItem,
    CaseConference,
    CaseConferenceAttendee,
    ConferenceEpisode,
)
from care.episodes.models import Episode

CONFERENCE_FIELDS = ("held_on", "place", "title", "chair", "decisions")
WRITERS = ("coordinator", "administrator")
# Whose desks show "my action items due" (the coordinators' and the counselors'): an item
# given to anyone else would be seen by nobody.
OWNER_ROLES = ("coordinator", "counselor", "administrator")


def _log(
    actor: AbstractBaseUser, action: str, conference: CaseConference, source_ip: str | None
) -> None:
    """The people discussed are personal data: one 접속기록 row per recipient."""
    recipients = {
        discussion.episode.recipient_id: discussion.episode.recipient
        for discussion in conference.discussions.select_related("episode__recipient")
    }
    access_log_record(
        actor=actor,
        action=action,
        recipients=recipients.values(),
        source_ip=source_ip,
        path="case-conferences",
    )


def _row_errors(field: str, position: int, exc: ValidationError) -> ValidationError:
    """A child row's refusal, said under the parent's field with the row's number."""
    messages = (
        [f"{name}: {m}" for name, ms in exc.message_dict.items() for m in ms]
        if hasattr(exc, "error_dict")
        else exc.messages
    )
    return ValidationError(
        {field: [_("%(n)d번째 줄 — %(m)s") % {"n": position, "m": m} for m in messages]}
    )


def _check_writer(actor: AbstractBaseUser) -> None:
    if not has_role(actor, *WRITERS):
        raise PermissionDenied(_("사례회의는 코디네이터와 관리자만 기록합니다."))


def _attendees_replace(conference: CaseConference, attendees: Sequence[dict[str, Any]]) -> None:
    conference.attendees.all().delete()
    seen: set[int] = set()
    for position, data in enumerate(attendees, start=1):
        user = data.get("user")
        if user is not None and user.pk in seen:
            raise ValidationError(
                {"attendees": [_("%(n)d번째 줄 — 같은 직원이 두 번 적혔습니다.") % {"n": position}]}
            )
        if user is not None:
            seen.add(user.pk)
        attendee = CaseConferenceAttendee(
            conference=conference,
            user=user,
            name=(data.get("name") or "").strip() if user is None else "",
            role=(data.get("role") or "").strip(),
            organization=data.get("organization"),
        )
        if user is None and not attendee.name:
            raise ValidationError(
                {
                    "attendees": [
                        _("%(n)d번째 줄 — 직원을 고르거나 외부 참석자의 이름을 적으세요.")
                        % {"n": position}
                    ]
                }
            )
        try:
            attendee.full_clean(exclude={"conference"})
        except ValidationError as exc:
            raise _row_errors("attendees", position, exc) from exc
        attendee.save()


def _episodes_replace(
    actor: AbstractBaseUser, conference: CaseConference, episodes: Sequence[dict[str, Any]]
) -> None:
    conference.discussions.all().delete()
    visible = Episode.objects.visible_to(actor)
    seen: set[int] = set()
    for position, data in enumerate(episodes, start=1):
        episode = data["episode"]
        if episode.pk in seen:
            raise ValidationError(
                {"episodes": [_("%(n)d번째 줄 — 같은 회차가 두 번 적혔습니다.") % {"n": position}]}
            )
        seen.add(episode.pk)
        if not visible.filter(pk=episode.pk).exists():
            raise ValidationError(
                {"episodes": [_("%(n)d번째 줄 — 없는 돌봄 회차입니다.") % {"n": position}]}
            )
        discussion = ConferenceEpisode(
            conference=conference, episode=episode, notes=(data.get("notes") or "").strip()
        )
        try:
            discussion.full_clean(exclude={"conference", "episode"})
        except ValidationError as exc:
            raise _row_errors("episodes", position, exc) from exc
        discussion.save()


def _action_items_merge(conference: CaseConference, items: Sequence[dict[str, Any]]) -> None:
    """Items with an ``id`` of this conference are updated (keeping their done state), the
    others created; the conference's items not listed are removed."""
    existing = {item.pk: item for item in conference.action_items.select_for_update()}
    kept: set[int] = set()
    for position, data in enumerate(items, start=1):
        item_id = data.get("id")
        if item_id is not None and item_id not in existing:
            raise ValidationError(
                {
                    "action_items": [
                        _("%(n)d번째 줄 — 이 회의의 할 일이 아닙니다.") % {"n": position}
                    ]
                }
            )
        item = existing[item_id] if item_id is not None else ActionItem(conference=conference)
        item.text = (data.get("text") or "").strip()
        item.owner = data["owner"]
        if not has_role(item.owner, *OWNER_ROLES):
            raise ValidationError(
                {
                    "action_items": [
                        _("%(n)d번째 줄 — 담당자는 코디네이터나 상담원이어야 합니다.")
                        % {"n": position}
                    ]
                }
            )
        item.due_on = data["due_on"]
        if item.due_on and item.due_on < conference.held_on:
            raise ValidationError(
                {
                    "action_items": [
                        _("%(n)d번째 줄 — 기한은 회의일보다 빠를 수 없습니다.") % {"n": position}
                    ]
                }
            )
        try:
            item.full_clean(exclude={"conference"})
        except ValidationError as exc:
            raise _row_errors("action_items", position, exc) from exc
        item.save()
        kept.add(item.pk)
    conference.action_items.exclude(pk__in=kept).delete()


def _conference_check(conference: CaseConference) -> None:
    conference.title = conference.title.strip()
    conference.place = conference.place.strip()
    conference.decisions = conference.decisions.strip()
    conference.full_clean()


@transaction.atomic
def conference_create(
    *,
    actor: AbstractBaseUser,
    held_on: date,
    title: str,
    chair: AbstractBaseUser,
    place: str = "",
    decisions: str = "",
    attendees: Sequence[dict[str, Any]] = (),
    episodes: Sequence[dict[str, Any]] = (),
    action_items: Sequence[dict[str, Any]] = (),
    source_ip: str | None = None,
) -> CaseConference:
    """Record a conference with its attendees, episodes discussed and action items."""
    _check_writer(actor)
    conference = CaseConference(
        held_on=held_on,
        title=title,
        chair=chair,
        place=place,
        decisions=decisions,
        created_by=actor,
    )
    _conference_check(conference)
    conference.save()
    _attendees_replace(conference, attendees)
    _episodes_replace(actor, conference, episodes)
    _action_items_merge(conference, action_items)
    _log(actor, AccessLog.Action.CREATE, conference, source_ip)
    return conference


@transaction.atomic
def conference_update(
    *,
    actor: AbstractBaseUser,
    conference: CaseConference,
    attendees: Sequence[dict[str, Any]] | None = None,
    episodes: Sequence[dict[str, Any]] | None = None,
    action_items: Sequence[dict[str, Any]] | None = None,
    source_ip: str | None = None,
    **fields: Any,
) -> CaseConference:
    """Change a conference; each child list given replaces the old one (action items by id)."""
    _check_writer(actor)
    unknown = set(fields) - set(CONFERENCE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    conference = CaseConference.objects.select_for_update().get(pk=conference.pk)
    for name, value in fields.items():
        setattr(conference, name, value)
    _conference_check(conference)
    conference.save()
    if attendees is not None:
        _attendees_replace(conference, attendees)
    if episodes is not None:
        _episodes_replace(actor, conference, episodes)
    if action_items is not None:
        _action_items_merge(conference, action_items)
    elif (
        "held_on" in fields
        and conference.action_items.filter(due_on__lt=conference.held_on).exists()
    ):
        raise ValidationError({"held_on": [_("할 일의 기한보다 늦은 회의일입니다.")]})
    _log(actor, AccessLog.Action.CHANGE, conference, source_ip)
    return conference


@transaction.atomic
def action_item_mark_done(
    *, actor: AbstractBaseUser, item: ActionItem, done_on: date | None = None
) -> ActionItem:
    """Mark an action item done: by its owner, or by a coordinator. Safe to repeat: an item
    already done keeps its first date and who did it."""
    item = ActionItem.objects.select_for_update().select_related("conference").get(pk=item.pk)
    if item.owner_id != actor.pk and not has_role(actor, *WRITERS):
        raise PermissionDenied(_("담당자나 코디네이터만 완료 처리할 수 있습니다."))
    if item.done_on is not None:
        return item
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": [_("완료일이 오늘보다 늦을 수 없습니다.")]})
    if done_on < item.conference.held_on:
        raise ValidationError({"done_on": [_("완료일은 회의일보다 빠를 수 없습니다.")]})
    item.done_on = done_on
    item.done_by = actor
    item.full_clean()
    item.save(update_fields=["done_on", "done_by"])
    return item
