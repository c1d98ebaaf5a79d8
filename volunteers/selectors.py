from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from base.models import ServiceType
from volunteers.models import CorpsMember, Qualification


def corps_member_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[CorpsMember]:
    today = timezone.localdate()
    return (
        CorpsMember.objects.visible_to(user)
        .select_related("region", "user")
        .prefetch_related(
            Prefetch("service_types", queryset=ServiceType.objects.only("id", "code")),
            Prefetch("qualifications", queryset=Qualification.objects.only("id", "code")),
        )
        .annotate(
            current_recipients=Count(
                "assignments__recipient",
                filter=Q(assignments__starts_on__lte=today)
                & (Q(assignments__ends_on__isnull=True) | Q(assignments__ends_on__gte=today)),
                distinct=True,
            )
        )
        # Meta.ordering is dropped from GROUP BY queries; pages need a stable order.
        .order_by("name", "id")
    )
