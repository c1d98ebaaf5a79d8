"""Reads of the care information desk, with the joins lists need.

Two sections: the welfare resource directory (organizations and resources) and, below it,
consultations.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, QuerySet

from base.models import Region
from consultations.models import (
    EligibilityTag,
    Organization,
    ResourceCategory,
    TargetGroup,
    WelfareResource,
)
from consultations.resources import needs_review_expression, resource_search

# --- Welfare resource directory (복지자원·기관) ------------------------------------------------
# Who may read the directory at all is decided by the role permissions (view_welfareresource,
# view_organization); every row is then readable: the directory holds no personal data.


def resource_list(
    *, user: AbstractBaseUser | AnonymousUser, q: str | None = None
) -> QuerySet[WelfareResource]:
    """Resources with their organization, category, regions and target groups loaded, and
    ``needs_review`` annotated; with ``q``, only matches of the Korean substring search,
    best first (``consultations.resources.resource_search``)."""
    if not user.is_authenticated:
        return WelfareResource.objects.none()
    # The organization and category are prefetched for the page rather than joined: a search
    # ranks every match before cutting the first page, and joins would run for every match.
    resources = WelfareResource.objects.prefetch_related(
        Prefetch("organization", queryset=Organization.objects.only("id", "name")),
        Prefetch("category", queryset=ResourceCategory.objects.only("id", "code", "name")),
        Prefetch("regions", queryset=Region.objects.only("id", "code")),
        Prefetch("target_groups", queryset=TargetGroup.objects.only("id", "code")),
        Prefetch("eligibility_tags", queryset=EligibilityTag.objects.only("id", "code")),
    ).annotate(needs_review=needs_review_expression())
    return resource_search(resources, q) if q else resources


def organization_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.select_related("region").order_by("name", "id")


# --- Consultations ------------------------------------------------------------------------------
