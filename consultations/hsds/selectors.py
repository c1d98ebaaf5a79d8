"""What the open data publishes, read with a fixed number of queries whatever the page size.

Services are ``WelfareResource.objects.public()`` (published and active). Organizations are
those with at least one public service: the directory also holds partners of the care network
and contractors that offer residents nothing (or nothing public yet), and publishing them would
publish the care network's relationships, which are the institute's business, not a service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Greatest

from base.models import Region
from consultations.hsds import serializers as hsds
from consultations.models import (
    EligibilityTag,
    Organization,
    ResourceCategory,
    TargetGroup,
    WelfareResource,
)
from consultations.resources import resource_search


def public_services() -> QuerySet[WelfareResource]:
    """Public resources with everything ``serializers.service_full`` reads: five queries for
    any number of rows (the rows with their organization, region and category joined, then
    regions, target groups and eligibility tags)."""
    return (
        WelfareResource.objects.public()
        .select_related("organization", "organization__region", "category", "category__parent")
        .prefetch_related(
            Prefetch("regions", queryset=Region.objects.order_by("sort_order", "code")),
            Prefetch("target_groups", queryset=TargetGroup.objects.order_by("sort_order", "code")),
            Prefetch(
                "eligibility_tags", queryset=EligibilityTag.objects.order_by("sort_order", "code")
            ),
        )
        .annotate(hsds_modified=Greatest("updated_at", "organization__updated_at"))
    )


@dataclass(frozen=True)
class ServiceFilters:
    search: str = ""
    taxonomy_term_id: str | None = None
    taxonomy_id: str | None = None
    organization_id: str | None = None
    modified_after: datetime | None = None


def service_list(filters: ServiceFilters) -> QuerySet[WelfareResource]:
    """Public services matching every filter given (HSDS filters are cumulative), ordered by
    name, or best match first with ``search`` (the directory's Korean substring search)."""
    services = public_services()
    if filters.organization_id is not None:
        services = services.filter(organization__uuid=filters.organization_id)
    if filters.modified_after is not None:
        services = services.filter(hsds_modified__gte=filters.modified_after)
    if filters.taxonomy_id is not None:
        services = services.filter(_in_taxonomy(filters.taxonomy_id))
    if filters.taxonomy_term_id is not None:
        services = services.filter(_has_term(filters.taxonomy_term_id))
    if filters.search:
        return resource_search(services, filters.search)
    return services.order_by("name", "id")


def _in_taxonomy(taxonomy_id: str) -> Q | Exists:
    if taxonomy_id == hsds.RESOURCE_CATEGORIES.id:
        return Q()  # every resource has a category
    if taxonomy_id == hsds.TARGET_GROUPS.id:
        through = WelfareResource.target_groups.through
        return Exists(through.objects.filter(welfareresource_id=OuterRef("pk")))
    if taxonomy_id == hsds.ELIGIBILITY_TAGS.id:
        through = WelfareResource.eligibility_tags.through
        return Exists(through.objects.filter(welfareresource_id=OuterRef("pk")))
    return Q(pk__in=[])


def _has_term(term_id: str) -> Q:
    term = taxonomy_catalogue().get(term_id)
    if term is None:
        return Q(pk__in=[])
    if isinstance(term, ResourceCategory):
        return Q(category_id=term.pk)
    if isinstance(term, TargetGroup):
        return Q(target_groups=term.pk)
    return Q(eligibility_tags=term.pk)


def service_by_id(service_id: str) -> WelfareResource | None:
    return public_services().filter(uuid=service_id).first()


# --- Service at locations ----------------------------------------------------------------------


def _located() -> Q:
    return ~Q(address="") | ~Q(organization__address="")


def service_at_location_list(filters: ServiceFilters) -> QuerySet[WelfareResource]:
    """Services that have a place (their own address or their organization's): each is one
    service at location, so paging the services pages these."""
    return service_list(filters).filter(_located())


def service_at_location_by_id(
    sal_id: str,
) -> tuple[WelfareResource, hsds.Place] | None:
    """The service at location with this derived id. Its id is a hash, so the candidates' ids
    are computed from one narrow read of every located public service (thousands of rows,
    milliseconds); then the one found is read in full."""
    rows = (
        WelfareResource.objects.public()
        .filter(_located())
        .values_list("pk", "uuid", "address", "organization__uuid", "organization__address")
    )
    for pk, resource_uuid, address, org_uuid, org_address in rows.iterator():
        address, org_address = address.strip(), org_address.strip()
        if address and address != org_address:
            place_id = hsds.derived_id("location", "service", resource_uuid)
        else:
            place_id = hsds.derived_id("location", "organization", org_uuid)
        if hsds.derived_id("service_at_location", resource_uuid, place_id) == sal_id:
            resource = public_services().get(pk=pk)
            place = hsds.service_place(resource)
            return (resource, place) if place is not None else None
    return None


# --- Organizations -----------------------------------------------------------------------------


def organization_list(*, search: str = "", with_services: bool = False) -> QuerySet[Organization]:
    """Organizations with at least one public service, by name; ``with_services`` loads those
    services (as ``public_services``) into ``public_resources``."""
    organizations = (
        Organization.objects.filter(
            Exists(WelfareResource.objects.public().filter(organization=OuterRef("pk")))
        )
        .select_related("region")
        .order_by("name", "id")
    )
    if search:
        organizations = organizations.filter(name__icontains=search)
    if with_services:
        organizations = organizations.prefetch_related(
            Prefetch(
                "resources",
                queryset=public_services().order_by("name", "id"),
                to_attr="public_resources",
            )
        )
    return organizations


def organization_by_id(organization_id: str) -> Organization | None:
    return organization_list(with_services=True).filter(uuid=organization_id).first()


# --- Taxonomies --------------------------------------------------------------------------------


def taxonomy_terms() -> list[hsds.Term]:
    """Every category, target group and eligibility tag, in each taxonomy's order (three
    queries). Retired ones (``is_active`` off) stay: resources may still carry them, and a
    published term must not vanish from under an attribute that points at it."""
    return [
        *ResourceCategory.objects.select_related("parent").order_by("sort_order", "code"),
        *TargetGroup.objects.order_by("sort_order", "code"),
        *EligibilityTag.objects.order_by("sort_order", "code"),
    ]


def taxonomy_catalogue() -> dict[str, hsds.Term]:
    """Every taxonomy term by its HSDS id."""
    return {hsds.term_id(hsds.taxonomy_of(term), term.code): term for term in taxonomy_terms()}
