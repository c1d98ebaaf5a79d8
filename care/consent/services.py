"""Writes of consent records, and the checks other workflows make against them.

- ``consent_record``: one item agreed (the text version shown, the day, the way, by whom);
  a child under 14 needs their legal representative (개인정보 보호법 제22조의2 ①).
- ``consent_withdraw``: the item's withdrawal, recorded on its row; it takes effect at once:
  ``consent_refuse_if_withdrawn`` is called by the workflows that need the item (a referral or
  a linkage to an outside organization needs ``third_party``, an assessment with health
  details needs ``sensitive``).
- ``consent_require_collection``: becoming active (이용 중) needs ``collection_use`` in force.

``Recipient.consent_date``/``consent_scope`` are kept for the API's older clients and for the
database's rule that an active recipient has a consent date: recording ``collection_use``
writes its day and title there; withdrawing it leaves them (the date a consent was given stays
true) and the desk flags the person instead, since withdrawal does not close care by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import AccessLog
from base.services import access_log_record
from care.consent import texts
from care.consent.models import ConsentRecord
from care.models import Recipient

# 개인정보 보호법 제22조의2 ①: a child under 14 (만 14세 미만) consents through their legal
# representative.
CHILD_AGE_LIMIT = 14

Item = ConsentRecord.Item
Method = ConsentRecord.Method

REFUSALS = {
    texts.THIRD_PARTY: _(
        "개인정보 제3자 제공 동의가 철회되어 다른 기관으로 의뢰·연계할 수 없습니다."
    ),
    texts.SENSITIVE: _(
        "민감정보(건강) 처리 동의가 철회되어 건강 정보가 담긴 사정을 기록할 수 없습니다."
    ),
    texts.COLLECTION_USE: _("개인정보 수집·이용 동의가 철회되었습니다."),
}


def age_on(birth_date: date, day: date) -> int:
    """Full years (만 나이) on ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def is_child(recipient: Recipient, day: date) -> bool:
    return age_on(recipient.birth_date, day) < CHILD_AGE_LIMIT


def _log(actor: AbstractBaseUser, recipient: Recipient, source_ip: str | None) -> None:
    access_log_record(
        actor=actor,
        action=AccessLog.Action.CHANGE,
        recipients=[recipient],
        source_ip=source_ip,
        path="consents",
    )


def _mirror_collection(recipient: Recipient, record: ConsentRecord) -> None:
    """The older fields follow the collection item (see the module's docstring)."""
    text = record.text
    Recipient.objects.filter(pk=recipient.pk).update(
        consent_date=record.given_on,
        consent_scope=(text.title if text else record.text_version)[:200],
        updated_at=timezone.now(),
    )
    recipient.consent_date = record.given_on


def _record(
    *,
    recipient: Recipient,
    item: str,
    given_on: date,
    method: str,
    text_version: str | None,
    taken_by: AbstractBaseUser | None,
    given_by: str,
    representative_name: str,
    representative_relation: str,
) -> ConsentRecord:
    """Checks and stores one item; the caller holds the recipient's lock and logs."""
    errors: dict[str, list[Any]] = {}
    if item not in texts.ITEMS:
        raise ValidationError({"item": [_("알 수 없는 동의 항목입니다.")]})
    version = text_version or texts.CURRENT[item].version
    if texts.text_for(item, version) is None:
        errors["text_version"] = [_("이 항목의 동의문 판이 아닙니다.")]
    elif version == texts.LEGACY_VERSION and method != Method.LEGACY:
        # The legacy text is only what the migration and the older API fields write.
        errors["text_version"] = [_("이전 기록용 동의문은 새 동의에 쓸 수 없습니다.")]
    if given_on > timezone.localdate():
        errors["given_on"] = [_("동의일이 오늘보다 늦을 수 없습니다.")]
    if method == Method.PHONE and taken_by is None:
        errors["taken_by"] = [_("전화로 받은 동의는 받은 직원을 기록해야 합니다.")]
    representative_name = representative_name.strip()
    representative_relation = representative_relation.strip()
    if given_by == ConsentRecord.GivenBy.REPRESENTATIVE:
        if not representative_name:
            errors["representative_name"] = [_("법정대리인 이름을 적어 주세요.")]
        if not representative_relation:
            errors["representative_relation"] = [_("법정대리인과의 관계를 적어 주세요.")]
    elif is_child(recipient, min(given_on, timezone.localdate())):
        errors["given_by"] = [
            _(
                "만 14세 미만 아동의 동의는 법정대리인에게 받아야 합니다 "
                "(개인정보 보호법 제22조의2)."
            )
        ]
    if errors:
        raise ValidationError(errors)
    if ConsentRecord.objects.filter(recipient=recipient, item=item).in_force().exists():
        raise ValidationError(
            {
                "item": [
                    _("이 항목에는 이미 유효한 동의가 있습니다. 바꾸려면 먼저 철회를 기록하세요.")
                ]
            }
        )
    record = ConsentRecord(
        recipient=recipient,
        item=item,
        text_version=version,
        given_on=given_on,
        method=method,
        taken_by=taken_by,
        given_by=given_by,
        representative_name=representative_name if given_by != "self" else "",
        representative_relation=representative_relation if given_by != "self" else "",
    )
    record.full_clean()
    record.save()
    if item == texts.COLLECTION_USE:
        _mirror_collection(recipient, record)
    return record


@transaction.atomic
def consent_record(
    *,
    actor: AbstractBaseUser,
    recipient: Recipient,
    item: str,
    given_on: date,
    method: str,
    text_version: str | None = None,
    taken_by: AbstractBaseUser | None = None,
    given_by: str = ConsentRecord.GivenBy.SELF,
    representative_name: str = "",
    representative_relation: str = "",
    source_ip: str | None = None,
) -> ConsentRecord:
    """Record that ``item`` was agreed to under ``text_version`` (the current one by default).

    ``taken_by`` is the staff member who took it, the actor unless named. Refuses a second
    record in force for the item (withdraw first: both stay as history)."""
    # The recipient's lock serializes two desks recording the same item.
    recipient = Recipient.objects.select_for_update().get(pk=recipient.pk)
    if method == Method.LEGACY:
        raise ValidationError({"method": [_("동의 방법을 고르세요.")]})
    record = _record(
        recipient=recipient,
        item=item,
        given_on=given_on,
        method=method,
        text_version=text_version,
        taken_by=taken_by or actor,
        given_by=given_by,
        representative_name=representative_name,
        representative_relation=representative_relation,
    )
    _log(actor, recipient, source_ip)
    return record


def consents_record_at_intake(
    *, actor: AbstractBaseUser, recipient: Recipient, consents: Iterable[Mapping[str, Any]]
) -> list[ConsentRecord]:
    """The items agreed at intake, inside ``recipient_create``'s transaction and lock (the
    intake's own access-log row covers them)."""
    return [
        _record(
            recipient=recipient,
            item=entry["item"],
            given_on=entry["given_on"],
            method=entry["method"],
            text_version=entry.get("text_version"),
            taken_by=entry.get("taken_by") or actor,
            given_by=entry.get("given_by") or ConsentRecord.GivenBy.SELF,
            representative_name=entry.get("representative_name", ""),
            representative_relation=entry.get("representative_relation", ""),
        )
        for entry in consents
    ]


def consent_legacy_from_recipient(*, recipient: Recipient) -> ConsentRecord | None:
    """An older client's ``consent_date`` as a ``collection_use`` record (version ``legacy``)
    when none is in force; the guardian named on the record stands as the representative of
    a child, and a child without one is refused, naming ``guardian_name``."""
    if recipient.consent_date is None:
        return None
    if (
        ConsentRecord.objects.filter(recipient=recipient, item=texts.COLLECTION_USE)
        .in_force()
        .exists()
    ):
        return None
    child = is_child(recipient, min(recipient.consent_date, timezone.localdate()))
    if child and not (recipient.guardian_name.strip() and recipient.guardian_relation.strip()):
        raise ValidationError(
            {
                "guardian_name": [
                    _("만 14세 미만 아동은 법정대리인(보호자) 이름과 관계를 적어야 동의를 "
                      "기록할 수 있습니다.")
                ]
            }
        )  # fmt: skip
    record = ConsentRecord(
        recipient=recipient,
        item=texts.COLLECTION_USE,
        text_version=texts.LEGACY_VERSION,
        given_on=recipient.consent_date,
        method=Method.LEGACY,
        given_by=ConsentRecord.GivenBy.REPRESENTATIVE if child else ConsentRecord.GivenBy.SELF,
        representative_name=recipient.guardian_name.strip() if child else "",
        representative_relation=recipient.guardian_relation.strip() if child else "",
    )
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def consent_withdraw(
    *,
    actor: AbstractBaseUser,
    record: ConsentRecord,
    withdrawn_on: date,
    method: str,
    taken_by: AbstractBaseUser | None = None,
    source_ip: str | None = None,
) -> ConsentRecord:
    """Record the withdrawal (동의 철회) of one item. It takes effect at once: workflows that
    need the item refuse from now on. Withdrawing ``collection_use`` closes nothing by itself
    (care in progress is ended by a coordinator's closure); the desk flags the person."""
    recipient = Recipient.objects.select_for_update().get(pk=record.recipient_id)
    record = ConsentRecord.objects.select_for_update().get(pk=record.pk)
    if not record.in_force:
        raise ValidationError({"withdrawn_on": [_("이미 철회된 동의입니다.")]})
    errors: dict[str, list[Any]] = {}
    if method not in (Method.IN_PERSON, Method.PHONE, Method.IN_WRITING):
        errors["method"] = [_("철회 방법을 고르세요.")]
    if withdrawn_on > timezone.localdate():
        errors["withdrawn_on"] = [_("철회일이 오늘보다 늦을 수 없습니다.")]
    elif withdrawn_on < record.given_on:
        errors["withdrawn_on"] = [_("철회일은 동의일보다 빠를 수 없습니다.")]
    if errors:
        raise ValidationError(errors)
    record.withdrawn_on = withdrawn_on
    record.withdrawal_method = method
    record.withdrawal_taken_by = taken_by or actor
    record.full_clean()
    record.save()
    _log(actor, recipient, source_ip)
    return record


def consent_withdrawn(*, recipient_id: int, item: str) -> bool:
    """True when the person withdrew ``item`` and has not agreed to it again."""
    records = ConsentRecord.objects.filter(recipient_id=recipient_id, item=item)
    return records.filter(withdrawn_on__isnull=False).exists() and not records.in_force().exists()


def consent_refuse_if_withdrawn(
    *, recipient_id: int | None, item: str, field: str = "consent"
) -> None:
    """Raise a ValidationError naming ``field`` when the person withdrew ``item``."""
    if recipient_id is not None and consent_withdrawn(recipient_id=recipient_id, item=item):
        raise ValidationError({field: [REFUSALS[item]]})


def consent_require_collection(*, recipient: Recipient, field: str = "status") -> None:
    """Becoming or staying active (이용 중) needs ``collection_use`` in force."""
    if (
        not ConsentRecord.objects.filter(recipient=recipient, item=texts.COLLECTION_USE)
        .in_force()
        .exists()
    ):
        raise ValidationError(
            {field: [_("개인정보 수집·이용 동의가 유효해야 이용 중으로 바꿀 수 있습니다.")]}
        )
