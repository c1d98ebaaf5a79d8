"""Writes of corps compliance (단원 관리): recording an item, the rule that keeps a member with a
lapsed required item from new work (and the override that lets a coordinator give it anyway),
and the daily reminder of items about to lapse."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Message
from notifications.services import message_enqueue
from volunteers.compliance import selectors
from volunteers.compliance.models import (
    ComplianceOverride,
    ComplianceRecord,
    ComplianceRequirement,
)
from volunteers.models import CorpsMember

OVERRIDE_FIELD = "compliance_override_reason"


@transaction.atomic
def compliance_record_create(
    *,
    actor: AbstractBaseUser,
    corps_member: CorpsMember,
    requirement: ComplianceRequirement,
    done_on: date,
    expires_on: date | None = None,
    result: str = "",
    evidence_note: str = "",
) -> ComplianceRecord:
    """Record an item a corps member has done (교육 이수, 범죄경력 조회, 건강검진, 보험 가입).

    The expiry is computed from the requirement's validity when not given. The
    criminal-record check takes a result, pass or fail, and nothing else (no note); the other
    kinds take a note of evidence and no result. An item done in the future is refused."""
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": [_("앞으로의 날짜는 기록할 수 없습니다.")]})
    record = ComplianceRecord(
        corps_member=corps_member,
        requirement=requirement,
        done_on=done_on,
        expires_on=expires_on if expires_on is not None else requirement.expiry_for(done_on),
        result=result,
        evidence_note=evidence_note.strip(),
        recorded_by=actor,
    )
    record.full_clean()
    record.save()
    return record


def compliance_check(
    *,
    actor: AbstractBaseUser,
    corps_member: CorpsMember,
    category: str | None,
    on: date | None,
    action: str,
    override_reason: str = "",
    field: str = "corps_member",
) -> ComplianceOverride | None:
    """The compliance rule of new work: call it inside the transaction that writes the work.

    A corps member whose required item for work with a recipient of ``category`` is lapsed,
    missing or failed on ``on`` is refused (``ValidationError`` on ``field``, one message per
    item) unless ``override_reason`` is given: then the override (who, when, why, and what
    was lapsed) is stored and returned for the record being written to point at. Returns
    None when nothing blocks: an unneeded reason is not recorded."""
    items = selectors.blockers(corps_member=corps_member, category=category, on=on)
    if not items:
        return None
    reason = override_reason.strip()
    if not reason:
        raise ValidationError(
            {
                field: [
                    _("%(name)s 단원의 필수 요건이 충족되지 않았습니다: %(item)s")
                    % {"name": corps_member.name, "item": item.describe()}
                    for item in items
                ]
                + [
                    _("요건을 갱신하거나, 꼭 필요하면 예외 사유(%(field)s)를 적어 진행하세요.")
                    % {"field": OVERRIDE_FIELD}
                ]
            }
        )
    override = ComplianceOverride(
        corps_member=corps_member,
        action=action,
        reason=reason,
        items="; ".join(item.describe() for item in items)[:500],
        granted_by=actor,
    )
    try:
        override.full_clean()
    except ValidationError as exc:
        # The reason is the caller's field; name it as the form and the API call it.
        raise ValidationError(
            {OVERRIDE_FIELD: exc.message_dict.get("reason", exc.messages)}
        ) from exc
    override.save()
    return override


def compliance_expiry_notify(*, today: date | None = None) -> int:
    """Tell each corps member, by text, of their required items that lapse within 30 days.

    Once per member, item and expiry (the outbox's dedupe key): the daily run tells a member
    about an item once, and again only after it was renewed and is about to lapse anew.
    Returns how many messages this run stored."""
    today = today or timezone.localdate()
    due = {
        f"compliance_expiring:{member.pk}:{item.requirement.pk}:{item.expires_on}": (member, item)
        for member, item in selectors.expiring_items(today=today)
    }
    told = set(
        Message.objects.filter(dedupe_key__in=list(due)).values_list("dedupe_key", flat=True)
    )
    stored = 0
    for key, (member, item) in due.items():
        if key in told:
            continue
        # One transaction per message: one member's bad phone number stops nobody else's.
        with transaction.atomic():
            message_enqueue(
                kind="compliance_expiring",
                to_phone=member.phone,
                to_name=member.name,
                body=_(
                    "[긴급돌봄] %(item)s 유효기간이 %(day)s에 끝납니다. 갱신하고 코디네이터에게 "
                    "알려 주세요."
                )
                % {"item": item.requirement.name, "day": item.expires_on.isoformat()},
                dedupe_key=key,
                user=member.user,
            )
        stored += 1
    return stored
