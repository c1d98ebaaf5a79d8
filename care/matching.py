"""Matching corps members to a recipient: the ranking behind the coordinator's assignment
board and ``/api/v1/recipients/{id}/suggested-volunteers/``.

It lives in care because it reads care's assignments and recipients; volunteers knows nothing
of either.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from base.models import ServiceType
from care.models import Assignment, Recipient
from volunteers.models import WEEKDAYS, CorpsMember, weekdays_to_mask


@dataclass(frozen=True)
class Suggestion:
    """One corps member suggested for a recipient, with the figures it was ranked by."""

    corps_member: CorpsMember
    same_region: bool
    covered_needs: int
    needs_total: int
    available: bool
    current_recipients: int
    reasons: list[str] = field(default_factory=list)

    @property
    def covers_all_needs(self) -> bool:
        return self.covered_needs >= self.needs_total


def _weekday_names(codes: list[str]) -> str:
    labels = dict(WEEKDAYS)
    return "·".join(str(labels[code]) for code in codes)


def _suggestion_reasons(suggestion: Suggestion, *, weekdays: list[str]) -> list[str]:
    """Why a member is suggested, in the coordinator's words (Korean by default)."""
    member = suggestion.corps_member
    region = {"region": member.region.name}
    reasons = [
        _("같은 시·군(%(region)s)") % region
        if suggestion.same_region
        else _("다른 시·군(%(region)s)") % region
    ]
    if suggestion.needs_total:
        reasons.append(
            _("필요 서비스 %(total)d개 중 %(covered)d개 제공 가능")
            % {"total": suggestion.needs_total, "covered": suggestion.covered_needs}
        )
    else:
        reasons.append(_("등록된 필요 서비스 없음"))
    if weekdays:
        missing = [code for code in weekdays if code not in member.available_weekdays]
        if missing:
            reasons.append(_("%(days)s 활동 불가") % {"days": _weekday_names(missing)})
        else:
            reasons.append(_("%(days)s 활동 가능") % {"days": _weekday_names(weekdays)})
    elif member.available_weekdays:
        reasons.append(
            _("활동 가능 요일: %(days)s") % {"days": _weekday_names(member.available_weekdays)}
        )
    reasons.append(_("현재 담당 대상자 %(count)d명") % {"count": suggestion.current_recipients})
    return reasons


def corps_member_suggestions(
    *,
    recipient: Recipient,
    weekdays: list[str] | None = None,
    on: date | None = None,
    limit: int = 10,
    candidates: QuerySet[CorpsMember] | None = None,
    exclude_assigned: bool = True,
) -> list[Suggestion]:
    """Active corps members ranked for a recipient: the coordinator's assignment board.

    Ranked in one query, whatever the size of the corps: how many of the recipient's needs
    the member can give first (full coverage before partial, and a member who gives none of
    them after every member who gives some: a neighbour who cannot do the work is no help),
    then same 시·군, then free on every wanted weekday, then the lightest current load.
    Members already assigned to this recipient (now or from a later date) are left out: the
    board is for adding someone. ``weekdays`` are codes of ``volunteers.models.WEEKDAY_CODES``;
    an unknown one is a ``ValueError``.

    ``candidates`` narrows the members ranked (the schedule's substitutes: free at the time
    and qualified); ``exclude_assigned=False`` keeps those already assigned to the recipient,
    who make the best substitutes for one day.
    """
    on = on or timezone.localdate()
    weekdays = list(dict.fromkeys(weekdays or []))
    # recipient.needs.all() uses the caller's prefetch when there is one.
    need_ids = [service_type.pk for service_type in recipient.needs.all()]

    if need_ids:
        covered = (
            CorpsMember.service_types.through.objects.filter(
                corpsmember_id=OuterRef("pk"), servicetype_id__in=need_ids
            )
            .order_by()
            .values("corpsmember_id")
            .annotate(count=Count("servicetype_id"))
            .values("count")
        )
        covered_needs: Any = Coalesce(Subquery(covered), 0)
    else:
        covered_needs = Value(0)

    # Counted in a subquery rather than a join so that the service types above and the
    # assignments here do not multiply each other's rows.
    load = (
        Assignment.objects.active_on(on)
        .filter(corps_member_id=OuterRef("pk"))
        .order_by()
        .values("corps_member_id")
        .annotate(count=Count("recipient_id", distinct=True))
        .values("count")
    )
    already_assigned = Assignment.objects.filter(
        recipient_id=recipient.pk, corps_member_id=OuterRef("pk")
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))

    members = candidates if candidates is not None else CorpsMember.objects.all()
    members = members.active()
    if exclude_assigned:
        members = members.filter(~Exists(already_assigned))
    members = (
        members.select_related("region")
        .prefetch_related(
            Prefetch("service_types", queryset=ServiceType.objects.only("id", "code", "name"))
        )
        .annotate(
            same_region=Case(
                When(region_id=recipient.region_id, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            covered_needs=covered_needs,
            current_recipients=Coalesce(Subquery(load), 0),
        )
    )
    if weekdays:
        # One integer AND per row: free on every wanted day <=> available_days & mask = mask.
        mask = weekdays_to_mask(weekdays)
        members = members.alias(free_days=F("available_days").bitand(mask)).annotate(
            available=Case(
                When(free_days=mask, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    else:
        members = members.annotate(available=Value(True, output_field=BooleanField()))
    members = members.order_by(
        "-covered_needs", "-same_region", "-available", "current_recipients", "name", "id"
    )[:limit]

    suggestions = [
        Suggestion(
            corps_member=member,
            same_region=member.same_region,
            covered_needs=member.covered_needs,
            needs_total=len(need_ids),
            available=member.available,
            current_recipients=member.current_recipients,
        )
        for member in members
    ]
    return [
        replace(suggestion, reasons=_suggestion_reasons(suggestion, weekdays=weekdays))
        for suggestion in suggestions
    ]
