"""Writes of the freshness workflow (복지자원 조사): ask a provider, take their answer, review it.

The link a provider gets is signed (``django.core.signing`` with ``TOKEN_SALT``) and carries
the invitation's id and nonce; its lifetime is the invitation's ``expires_at``, kept in the
database so that staff see it and tests can move it. Messages go through the outbox
(``notifications.services.message_enqueue``) with one dedupe key per invitation: whatever runs
twice, a provider gets one text per invitation.
"""

from __future__ import annotations

import copy
import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.freshness import selectors
from consultations.freshness.models import (
    REVIEWABLE_FIELDS,
    OrganizationContact,
    ProposedChange,
    ReviewInvitation,
    validate_phone,
)
from consultations.models import WelfareResource
from consultations.services import resource_save
from notifications.services import message_enqueue

logger = logging.getLogger(__name__)

TOKEN_SALT = "consultations.freshness.review-invitation"
# Long enough for an office that reads its texts once a week, short enough that a forwarded
# link stops working within the month the next round starts.
INVITATION_LIFETIME = timedelta(days=30)
MESSAGE_KIND = "resource_review"


class InvitationUnknown(Exception):
    """The link was altered, or names no invitation (shown as 404)."""


class InvitationExpired(Exception):
    """The link is genuine but past its date (shown as 410 with whom to call)."""


class InvitationUsed(Exception):
    """The provider already answered through this link."""


# --- the link -------------------------------------------------------------------------------


def invitation_token(invitation: ReviewInvitation) -> str:
    # No timestamp in the token: its lifetime is the invitation's expires_at, so the same
    # invitation always has the same (shorter) link.
    return signing.Signer(salt=TOKEN_SALT).sign_object({"i": invitation.pk, "n": invitation.nonce})


def invitation_link(invitation: ReviewInvitation) -> str:
    """The absolute link for the text message (PUBLIC_BASE_URL: no request to build it from)."""
    path = reverse("provider:review", kwargs={"token": invitation_token(invitation)})
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def invitation_from_token(token: str) -> ReviewInvitation:
    """The invitation a link names; ``InvitationUnknown`` for anything altered or unknown.
    Expiry and use are the caller's to check (they are shown differently)."""
    try:
        payload = signing.Signer(salt=TOKEN_SALT).unsign_object(token)
        invitation_id, nonce = int(payload["i"]), str(payload["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InvitationUnknown from exc
    invitation = (
        ReviewInvitation.objects.select_related("resource__organization", "contact")
        .filter(pk=invitation_id, nonce=nonce)
        .first()
    )
    if invitation is None:
        raise InvitationUnknown
    return invitation


# --- asking ---------------------------------------------------------------------------------


def _message_body(invitation: ReviewInvitation, link: str) -> str:
    return _(
        "[전북사회서비스원] %(organization)s의 '%(resource)s' 안내 정보가 맞는지 확인해 "
        "주세요. 맞으면 한 번만 누르면 됩니다. %(link)s (%(day)s까지)"
    ) % {
        "organization": invitation.resource.organization.name,
        "resource": invitation.resource.name,
        "link": link,
        "day": timezone.localdate(invitation.expires_at).isoformat(),
    }


def invitation_create(
    *,
    resource: WelfareResource,
    contact: OrganizationContact,
    requested_by: AbstractBaseUser | None = None,
    now: datetime | None = None,
) -> ReviewInvitation:
    """Make one invitation and put its text in the outbox, in the caller's transaction (the
    outbox queues the sending on commit)."""
    now = now or timezone.now()
    invitation = ReviewInvitation.objects.create(
        resource=resource,
        contact=contact,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
        resource_updated_at=resource.updated_at,
        requested_by=requested_by,
    )
    invitation.message = message_enqueue(
        kind=MESSAGE_KIND,
        to_phone=contact.phone,
        to_name=contact.name,
        body=_message_body(invitation, invitation_link(invitation)),
        dedupe_key=f"{MESSAGE_KIND}:{invitation.pk}",
    )
    invitation.save(update_fields=["message"])
    return invitation


def _ask(
    resource_id: int, *, now: datetime, requested_by: AbstractBaseUser | None
) -> ReviewInvitation | None:
    """Ask about one resource unless someone is already being asked; the new invitation."""
    with transaction.atomic():
        # The row lock makes two runs at once (a re-delivered beat task, a counselor's click)
        # take turns; the second then sees the first one's open invitation.
        resource = (
            WelfareResource.objects.select_for_update(of=("self",))
            .select_related("organization")
            .filter(pk=resource_id)
            .first()
        )
        if resource is None or resource.review_invitations.open(now).exists():
            return None
        contact = selectors.contact_to_ask(resource.organization)
        if contact is None:
            return None
        return invitation_create(
            resource=resource, contact=contact, requested_by=requested_by, now=now
        )


def review_invitations_send(*, today: date | None = None, now: datetime | None = None) -> int:
    """The monthly round: ask the contact of every public resource due for review (11 months
    unconfirmed, no open invitation). How many were asked; safe to run again at any time.

    One transaction per resource: a contact with a bad number does not hold up the rest.
    Resources whose organization has no active contact are skipped (the desk lists them).
    """
    now = now or timezone.now()
    asked = 0
    due = selectors.resources_due_for_review(today=today, now=now)
    for resource_id in list(due.values_list("pk", flat=True)):
        try:
            asked += _ask(resource_id, now=now, requested_by=None) is not None
        except ValidationError:
            logger.exception("could not ask about resource %s", resource_id)
    return asked


def review_request(
    *, resource: WelfareResource, actor: AbstractBaseUser, now: datetime | None = None
) -> ReviewInvitation:
    """A counselor's "지금 확인 요청 보내기" for one resource, whatever its last check."""
    now = now or timezone.now()
    if selectors.contact_to_ask(resource.organization) is None:
        raise ValidationError(
            _("이 기관에 등록된 담당자가 없습니다. 관리 화면에서 담당자를 추가하세요.")
        )
    invitation = _ask(resource.pk, now=now, requested_by=actor)
    if invitation is None:
        raise ValidationError(_("이미 답을 기다리는 확인 요청이 있습니다."))
    return invitation


# --- the provider's answer ------------------------------------------------------------------


def proposed_values(resource: WelfareResource, submitted: dict[str, Any]) -> dict[str, str]:
    """The whitelisted fields whose submitted value differs from the entry's, stripped."""
    values = {}
    for name in REVIEWABLE_FIELDS:
        if name not in submitted:
            continue
        value = str(submitted[name] or "").strip()
        if value != (getattr(resource, name) or ""):
            values[name] = value
    return values


def proposed_values_check(resource: WelfareResource, values: dict[str, str]) -> None:
    """The resource's own rules on the proposed values (lengths, required name, RRN refusal,
    the unique name within the organization) on a copy of it: the entry is not touched."""
    candidate = copy.copy(resource)
    for name, value in values.items():
        setattr(candidate, name, value)
    exclude = {
        field.name for field in WelfareResource._meta.fields if field.name not in REVIEWABLE_FIELDS
    }
    errors: dict[str, list[ValidationError]] = {}
    try:
        candidate.full_clean(exclude=exclude)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if "phone" in values:
        try:
            validate_phone(values["phone"])
        except ValidationError as exc:
            errors.setdefault("phone", []).extend(exc.error_list)
    if errors:
        raise ValidationError(errors)


def change_submit(
    *,
    invitation: ReviewInvitation,
    confirms_unchanged: bool,
    submitted: dict[str, Any] | None = None,
    note: str = "",
    now: datetime | None = None,
) -> ProposedChange:
    """Store a provider's answer: "그대로 맞습니다", or corrections (only the fields that
    differ are kept; corrections that change nothing are a confirmation). The link is used
    up by it. Raises ``InvitationExpired``/``InvitationUsed``, or ``ValidationError`` with
    the fields' errors."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = (
            ReviewInvitation.objects.select_for_update(of=("self",))
            .select_related("resource")
            .get(pk=invitation.pk)
        )
        if invitation.used_at is not None:
            raise InvitationUsed
        if invitation.is_expired(now):
            raise InvitationExpired
        values = {} if confirms_unchanged else proposed_values(invitation.resource, submitted or {})
        proposed_values_check(invitation.resource, values)
        change = ProposedChange(
            resource=invitation.resource,
            invitation=invitation,
            submitted_at=now,
            confirms_unchanged=not values,
            values=values,
            note=note.strip(),
        )
        change.full_clean()
        change.save()
        invitation.used_at = now
        invitation.save(update_fields=["used_at"])
    return change


# --- staff review ---------------------------------------------------------------------------


def _pending_locked(change: ProposedChange) -> ProposedChange:
    locked = ProposedChange.objects.select_for_update().get(pk=change.pk)
    if locked.state != ProposedChange.State.PENDING:
        raise ValidationError(_("이미 검토한 제안입니다."))
    return locked


@transaction.atomic
def change_accept(
    *, change: ProposedChange, actor: AbstractBaseUser, now: datetime | None = None
) -> ProposedChange:
    """Apply the proposed values to the resource through ``resource_save`` and mark it
    confirmed today; a confirmation only moves its "last checked" date."""
    now = now or timezone.now()
    change = _pending_locked(change)
    resource = WelfareResource.objects.select_for_update().get(pk=change.resource_id)
    unknown = set(change.values) - set(REVIEWABLE_FIELDS)
    if unknown:
        raise ValidationError(_("검토할 수 없는 항목이 있습니다: %s") % ", ".join(sorted(unknown)))
    resource_save(resource=resource, assured_date=timezone.localdate(now), **change.values)
    change.state = ProposedChange.State.ACCEPTED
    change.reviewed_by = actor
    change.reviewed_at = now
    change.full_clean()
    change.save(update_fields=["state", "reviewed_by", "reviewed_at"])
    return change


@transaction.atomic
def change_reject(
    *,
    change: ProposedChange,
    actor: AbstractBaseUser,
    reason: str,
    now: datetime | None = None,
) -> ProposedChange:
    """Turn a proposal down with a reason; the resource stays as it is (and due for review)."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reject_reason": [_("반려 사유를 적어 주세요.")]})
    change = _pending_locked(change)
    change.state = ProposedChange.State.REJECTED
    change.reviewed_by = actor
    change.reviewed_at = now
    change.reject_reason = reason
    change.full_clean()
    change.save(update_fields=["state", "reviewed_by", "reviewed_at", "reject_reason"])
    return change
