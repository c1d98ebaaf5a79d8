"""Writes of the care information desk: resources, consultations, referrals, follow-ups."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Min, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from base.models import AccessLog, Region
from base.services import access_log_record
from care.consent.services import consent_refuse_if_withdrawn
from care.consent.texts import THIRD_PARTY
from consultations.models import (
    Consultation,
    EligibilityTag,
    FollowUpAlert,
    Organization,
    Referral,
    ReferralStateChange,
    ResourceCategory,
    TargetGroup,
    WelfareResource,
)
from consultations.resources import search_text_for

RESOURCE_FIELDS = {
    "external_id",
    "name",
    "organization",
    "category",
    "description",
    "eligibility",
    "province_wide",
    "phone",
    "address",
    "how_to_apply",
    "fee",
    "status",
    "assured_date",
    "summary",
    "documents",
    "hours",
    "min_age",
    "max_age",
    "cost",
    "is_published",
}
CONSULTATION_FIELDS = {
    "held_at",
    "channel",
    "program",
    "recipient",
    "is_anonymous",
    "person_name",
    "person_contact",
    "region",
    "summary",
    "outcome",
    "follow_up_on",
    "share_consent_scope",
    "outreach_session",
}
COUNSELING_PROGRAMS = ("care_info_counseling", "outreach_counseling")


def resource_refresh_search_text(resource: WelfareResource) -> None:
    regions = [] if resource.province_wide else [r.name for r in resource.regions.all()]
    resource.search_text = search_text_for(
        name=resource.name,
        organization=resource.organization.name,
        category=resource.category.name,
        eligibility=resource.eligibility,
        regions=[*regions, "전북 도 전역"] if resource.province_wide else regions,
    )
    WelfareResource.objects.filter(pk=resource.pk).update(search_text=resource.search_text)


@transaction.atomic
def resource_save(
    *,
    resource: WelfareResource | None = None,
    regions: Iterable[Region] | None = None,
    target_groups: Iterable[TargetGroup] | None = None,
    eligibility_tags: Iterable[EligibilityTag] | None = None,
    **fields: Any,
) -> WelfareResource:
    """Create or change a directory entry, keeping its search text in step."""
    unknown = set(fields) - RESOURCE_FIELDS
    if unknown:
        raise ValueError(f"unknown resource fields: {sorted(unknown)}")
    resource = resource or WelfareResource()
    for name, value in fields.items():
        setattr(resource, name, value.strip() if isinstance(value, str) else value)
    resource.full_clean(exclude={"search_text"})
    resource.save()
    if regions is not None:
        resource.regions.set(regions)
    if target_groups is not None:
        resource.target_groups.set(target_groups)
    if eligibility_tags is not None:
        resource.eligibility_tags.set(eligibility_tags)
    resource_refresh_search_text(resource)
    return resource


@transaction.atomic
def organization_save(*, organization: Organization | None = None, **fields: Any) -> Organization:
    organization = organization or Organization()
    for name, value in fields.items():
        setattr(organization, name, value.strip() if isinstance(value, str) else value)
    # With agreements on record, the MOU date is the first one's signed date
    # (consultations.partners.services keeps it so); it is not typed over here.
    if organization.pk and "mou_date" in fields:
        first = organization.agreements.aggregate(first=Min("signed_on"))["first"]
        if first is not None and organization.mou_date != first:
            raise ValidationError(
                {"mou_date": [_("업무협약일은 첫 협약의 체결일(%(day)s)입니다.") % {"day": first}]}
            )
    organization.full_clean()
    organization.save()
    # The organization's name is part of each of its resources' search text.
    for resource in organization.resources.select_related("category").prefetch_related("regions"):
        resource_refresh_search_text(resource)
    return organization


def consultation_check(consultation: Consultation) -> None:
    if consultation.program.code not in COUNSELING_PROGRAMS:
        raise ValidationError(
            {"program": [_("상담 사업(돌봄종합정보상담, 찾아가는 상담)을 고르세요.")]}
        )
    if consultation.is_anonymous and (
        consultation.person_name or consultation.recipient_id or consultation.person_contact
    ):
        raise ValidationError(
            {"is_anonymous": [_("익명 상담에는 이름, 연락처, 대상자를 적지 않습니다.")]}
        )
    if consultation.outcome == Consultation.Outcome.FOLLOW_UP and not consultation.follow_up_on:
        raise ValidationError({"follow_up_on": [_("추후 상담일을 정하세요.")]})
    if consultation.follow_up_on and consultation.follow_up_on < timezone.localdate(
        consultation.held_at
    ):
        raise ValidationError({"follow_up_on": [_("추후 상담일은 상담일보다 빠를 수 없습니다.")]})
    if consultation.held_at > timezone.now() + timezone.timedelta(minutes=5):
        raise ValidationError({"held_at": [_("미래의 상담은 기록할 수 없습니다.")]})


def _log_recipient(
    actor: AbstractBaseUser, consultation: Consultation, action: str, source_ip: str | None
) -> None:
    if consultation.recipient_id:
        access_log_record(
            actor=actor, action=action, recipients=[consultation.recipient], source_ip=source_ip
        )


@transaction.atomic
def consultation_record(
    *,
    actor: AbstractBaseUser,
    topics: Iterable[ResourceCategory] = (),
    share_consent: bool = False,
    source_ip: str | None = None,
    **fields: Any,
) -> Consultation:
    """Record a consultation (상담기록). ``share_consent`` records the person's consent to pass
    their data to the organizations they are referred to."""
    unknown = set(fields) - CONSULTATION_FIELDS
    if unknown:
        raise ValueError(f"unknown consultation fields: {sorted(unknown)}")
    consultation = Consultation(counselor=actor)
    for name, value in fields.items():
        setattr(consultation, name, value.strip() if isinstance(value, str) else value)
    if consultation.recipient_id and not consultation.region_id:
        consultation.region = consultation.recipient.region
    if share_consent and not consultation.is_anonymous:
        consultation.share_consent_at = timezone.now()
    consultation_check(consultation)
    consultation.full_clean()
    consultation.save()
    consultation.topics.set(topics)
    _log_recipient(actor, consultation, AccessLog.Action.CREATE, source_ip)
    return consultation


@transaction.atomic
def consultation_update(
    *,
    actor: AbstractBaseUser,
    consultation: Consultation,
    topics: Iterable[ResourceCategory] | None = None,
    share_consent: bool | None = None,
    source_ip: str | None = None,
    **fields: Any,
) -> Consultation:
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    for name, value in fields.items():
        if name not in CONSULTATION_FIELDS:
            raise ValueError(f"unknown consultation field: {name}")
        setattr(consultation, name, value.strip() if isinstance(value, str) else value)
    if share_consent is True and not consultation.share_consent_at:
        consultation.share_consent_at = timezone.now()
    elif share_consent is False:
        consultation.share_consent_at = None
    consultation_check(consultation)
    consultation.full_clean()
    consultation.save()
    if topics is not None:
        consultation.topics.set(topics)
    _log_recipient(actor, consultation, AccessLog.Action.CHANGE, source_ip)
    return consultation


@transaction.atomic
def consultation_follow_up_done(
    *, actor: AbstractBaseUser, consultation: Consultation
) -> Consultation:
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    # Nothing was planned, so nothing can be done: a done time here would only mislead.
    if not consultation.follow_up_on:
        raise ValidationError({"follow_up_on": [_("추후 상담이 정해지지 않은 상담입니다.")]})
    consultation.follow_up_done_at = timezone.now()
    consultation.save(update_fields=["follow_up_done_at", "updated_at"])
    return consultation


@transaction.atomic
def referral_create(
    *,
    actor: AbstractBaseUser,
    consultation: Consultation,
    resource: WelfareResource,
    follow_up_on: date | None = None,
) -> Referral:
    """Refer the consulted person to a resource.

    An identified person's data goes to an outside organization only with their recorded
    consent (개인정보 보호법 제17조: 제3자 제공); an anonymous person is only told where to go.
    """
    # Locked and re-read: the consent checked is the one stored now (not withdrawn meanwhile),
    # and two quick clicks for the same resource give one referral and a 400, not a 500.
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    identified = not consultation.is_anonymous and (
        consultation.recipient_id or consultation.person_name or consultation.person_contact
    )
    if identified and not consultation.share_consent_at:
        raise ValidationError(
            {"consent": [_("기관에 의뢰하려면 먼저 개인정보 제3자 제공 동의를 받아 기록하세요.")]}
        )
    # A recipient who withdrew the third-party item is not passed on, whatever this
    # consultation recorded earlier: the withdrawal takes effect everywhere at once.
    consent_refuse_if_withdrawn(recipient_id=consultation.recipient_id, item=THIRD_PARTY)
    if resource.status != WelfareResource.Status.ACTIVE:
        raise ValidationError({"resource": [_("운영 중인 자원에만 의뢰할 수 있습니다.")]})
    if Referral.objects.filter(consultation=consultation, resource=resource).exists():
        raise ValidationError({"resource": [_("이미 이 자원에 의뢰했습니다.")]})
    referral = Referral.objects.create(
        consultation=consultation, resource=resource, follow_up_on=follow_up_on, created_by=actor
    )
    ReferralStateChange.objects.create(
        referral=referral, from_state="", to_state=Referral.State.REFERRED, changed_by=actor
    )
    if consultation.outcome == Consultation.Outcome.INFORMED:
        Consultation.objects.filter(pk=consultation.pk).update(
            outcome=Consultation.Outcome.REFERRED
        )
    return referral


@transaction.atomic
def referral_transition(
    *, actor: AbstractBaseUser, referral: Referral, state: str, reason: str = ""
) -> Referral:
    """Move a referral along referred → accepted / declined → linked, or close it with a reason."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    allowed = Referral.TRANSITIONS[referral.state]
    if state not in allowed:
        raise ValidationError(
            {
                "state": [
                    _("%(from)s 상태에서 %(to)s(으)로 바꿀 수 없습니다.")
                    % {"from": referral.get_state_display(), "to": state}
                ]
            }
        )
    if state in (Referral.State.CLOSED, Referral.State.DECLINED) and not reason.strip():
        raise ValidationError({"reason": [_("사유를 적어 주세요.")]})
    ReferralStateChange.objects.create(
        referral=referral,
        from_state=referral.state,
        to_state=state,
        reason=reason.strip(),
        changed_by=actor,
    )
    referral.state = state
    referral.reason = reason.strip()
    referral.save(update_fields=["state", "reason", "updated_at"])
    if state == Referral.State.LINKED:
        Consultation.objects.filter(pk=referral.consultation_id).update(
            outcome=Consultation.Outcome.LINKED
        )
    return referral


def follow_up_alerts_record(*, as_of: date | None = None) -> int:
    """Record today's overdue follow-ups: consultations whose follow-up date passed without
    being done, and open referrals whose check date passed without a state change since.

    Idempotent: one alert per item and day.
    """
    as_of = as_of or timezone.localdate()
    consultations = Consultation.objects.filter(
        follow_up_on__lt=as_of, follow_up_done_at__isnull=True
    ).values_list("pk", "follow_up_on")
    referrals = (
        Referral.objects.filter(follow_up_on__lt=as_of)
        .exclude(state=Referral.State.CLOSED)
        .exclude(state=Referral.State.LINKED)
        # A state change on or after the due day counts as the follow-up having happened.
        .exclude(
            Exists(
                ReferralStateChange.objects.filter(
                    referral_id=OuterRef("pk"), changed_at__date__gte=OuterRef("follow_up_on")
                )
            )
        )
        .values_list("pk", "consultation_id", "follow_up_on")
    )
    alerts = [
        FollowUpAlert(
            kind=FollowUpAlert.Kind.CONSULTATION, consultation_id=pk, due_on=due, as_of=as_of
        )
        for pk, due in consultations
    ] + [
        FollowUpAlert(
            kind=FollowUpAlert.Kind.REFERRAL,
            consultation_id=cid,
            referral_id=pk,
            due_on=due,
            as_of=as_of,
        )
        for pk, cid, due in referrals
    ]
    # The model's two unique constraints (one partial, for alerts without a referral) hold on
    # SQLite and PostgreSQL alike: a second run, or a concurrent one, stores nothing new.
    FollowUpAlert.objects.bulk_create(alerts, ignore_conflicts=True)
    return len(alerts)
