"""The directory's models as HSDS 3.0 objects (plain dicts, ready for JSON).

Ids: a service is its resource's ``uuid``, an organization its ``uuid``. Everything HSDS has
that the directory keeps as a column (a location, a phone, a schedule, a service area, an
attribute, a taxonomy and its terms) gets a name-based UUID (``uuid5``) under one fixed
namespace, made from the ids and codes it belongs to: the same on every request and in every
database, and never stored.

Optional fields the directory does not know are left out rather than sent empty or null: the
HSDS schemas type them as strings or numbers, never null.

Texts are published in Korean whatever language the visitor's browser asks for (the views
render under ``translation.override("ko")``): open data must not change with a request header.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from consultations.models import (
    EligibilityTag,
    Organization,
    ResourceCategory,
    TargetGroup,
    WelfareResource,
)

# The one namespace every derived id is made in. Changing it changes every published id
# except services' and organizations': never change it.
NAMESPACE = uuid.UUID("a1326ad3-8dbd-479b-8f4a-3d0dd62b4c7f")

HSDS_VERSION = "3.0"
PROVINCE = "전북특별자치도"
COUNTRY = "KR"
CURRENCY = "KRW"
# Korea has kept UTC+9 all year since 1988: HSDS schedules carry it as a number of hours.
UTC_OFFSET_HOURS = 9
LANGUAGE = "ko"

Json = dict[str, Any]


def derived_id(*parts: object) -> str:
    """A stable UUID for a thing HSDS names and the directory does not store."""
    return str(uuid.uuid5(NAMESPACE, "/".join(str(part) for part in parts)))


def timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as HSDS's ``last_modified`` asks."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _put(data: Json, key: str, value: Any) -> None:
    """Set ``key`` only when there is something to say."""
    if value is None or value == "" or value == []:
        return
    data[key] = value


# --- Taxonomies ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Taxonomy:
    key: str  # part of every id of the taxonomy and its terms: never change it
    name: str
    description: str
    link_type: str  # what an attribute with one of its terms says about a service

    @property
    def id(self) -> str:
        return derived_id("taxonomy", self.key)

    def as_json(self) -> Json:
        return {"id": self.id, "name": self.name, "description": self.description}


RESOURCE_CATEGORIES = Taxonomy(
    "resource_category",
    "전북 복지자원 분류",
    "전북특별자치도 복지자원의 분야 분류 (두 단계: 돌봄 → 긴급돌봄 …).",
    "category",
)
TARGET_GROUPS = Taxonomy(
    "target_group",
    "지원 대상",
    "복지자원이 누구를 위한 것인지 (노인, 장애인, 아동, 가족 …).",
    "intended_audience",
)
ELIGIBILITY_TAGS = Taxonomy(
    "eligibility_tag",
    "자격 요건",
    "복지자원을 받을 수 있는 상황(주 돌봄자의 갑작스런 질병, 퇴원 후 …)과 소득 기준"
    "(기초생활수급, 차상위 …).",
    "eligibility",
)
TAXONOMIES: tuple[Taxonomy, ...] = (RESOURCE_CATEGORIES, TARGET_GROUPS, ELIGIBILITY_TAGS)

Term = ResourceCategory | TargetGroup | EligibilityTag


def taxonomy_of(term: Term) -> Taxonomy:
    if isinstance(term, ResourceCategory):
        return RESOURCE_CATEGORIES
    if isinstance(term, TargetGroup):
        return TARGET_GROUPS
    return ELIGIBILITY_TAGS


def term_id(taxonomy: Taxonomy, code: str) -> str:
    return derived_id("taxonomy_term", taxonomy.key, code)


def taxonomy_term(term: Term) -> Json:
    """A category, target group or eligibility tag as an HSDS taxonomy term. A category's
    parent must be loaded (``select_related("parent")``)."""
    taxonomy = taxonomy_of(term)
    description = term.name
    if isinstance(term, EligibilityTag):
        description = f"{term.get_kind_display()}: {term.name}"
    if term.name_en:
        description = f"{description} ({term.name_en})"
    data: Json = {
        "id": term_id(taxonomy, term.code),
        "code": term.code,
        "name": term.name,
        "description": description,
    }
    if isinstance(term, ResourceCategory) and term.parent is not None:
        data["parent_id"] = term_id(taxonomy, term.parent.code)
    data.update(
        taxonomy=taxonomy.name,
        taxonomy_id=taxonomy.id,
        taxonomy_detail=taxonomy.as_json(),
        language=LANGUAGE,
    )
    return data


def _attribute(service_id: str, term: Term) -> Json:
    taxonomy = taxonomy_of(term)
    term_json = taxonomy_term(term)
    return {
        "id": derived_id("attribute", service_id, term_json["id"]),
        "link_id": service_id,
        "taxonomy_term_id": term_json["id"],
        "link_type": taxonomy.link_type,
        "link_entity": "service",
        "taxonomy_term": term_json,
    }


# --- Locations and addresses ---------------------------------------------------------------------

PROVINCE_NAMES = {"전북특별자치도", "전라북도", "전북"}


@dataclass(frozen=True)
class Place:
    """Where a service is given: its organization's address, or its own when it has a
    different one. The id follows the owner, not the text, so correcting a street number keeps
    the location's id."""

    id: str
    organization: Organization
    name: str
    address: str
    city: str


def organization_place(organization: Organization) -> Place | None:
    address = organization.address.strip()
    if not address:
        return None
    city = organization.region.name if organization.region_id else ""
    return Place(
        derived_id("location", "organization", organization.uuid),
        organization,
        organization.name,
        address,
        city,
    )


def service_place(resource: WelfareResource) -> Place | None:
    """The resource's own address if it has one that differs from its organization's, else its
    organization's (the service is given at the provider); None when neither is known."""
    organization = resource.organization
    own = resource.address.strip()
    if own and own != organization.address.strip():
        regions = list(resource.regions.all())
        if len(regions) == 1:
            city = regions[0].name
        else:
            city = organization.region.name if organization.region_id else ""
        return Place(
            derived_id("location", "service", resource.uuid), organization, resource.name, own, city
        )
    return organization_place(organization)


def _address_parts(text: str, city: str) -> tuple[str, str]:
    """(시·군, the rest): the province is dropped and a leading 시·군 taken as the city, so
    ``전북특별자치도 전주시 완산구 효자로 225`` → (``전주시``, ``완산구 효자로 225``)."""
    words = text.split()
    while words and words[0] in PROVINCE_NAMES:
        words.pop(0)
    if words and words[0].endswith(("시", "군")) and len(words[0]) >= 2 and len(words) > 1:
        city = words.pop(0)
    return city, " ".join(words) or text


def location(place: Place) -> Json:
    city, address_1 = _address_parts(place.address, place.city)
    return {
        "id": place.id,
        "location_type": "physical",
        "organization_id": str(place.organization.uuid),
        "name": place.name,
        "addresses": [
            {
                "id": derived_id("address", place.id),
                "location_id": place.id,
                "address_1": address_1,
                "city": city,
                "state_province": PROVINCE,
                # Required by HSDS; the directory keeps no postal codes, and an empty string
                # says "unknown" where a made-up one would mislead.
                "postal_code": "",
                "country": COUNTRY,
                "address_type": "physical",
            }
        ],
    }


# --- Schedules ---------------------------------------------------------------------------------

DAYS = {
    "월": "MO",
    "화": "TU",
    "수": "WE",
    "목": "TH",
    "금": "FR",
    "토": "SA",
    "일": "SU",
}
WEEKDAYS = "MO,TU,WE,TH,FR"
DAY_WORDS = {
    "평일": WEEKDAYS,
    "주중": WEEKDAYS,
    "월~금": WEEKDAYS,
    "월-금": WEEKDAYS,
    "매일": "MO,TU,WE,TH,FR,SA,SU",
    "주말": "SA,SU",
    "토·일": "SA,SU",
    **{f"{day}요일": code for day, code in DAYS.items()},
    **DAYS,
}
# One span: "평일 9:00-18:00", "토요일 09:00~13:00". Anything else (lunch breaks, holidays,
# "24시간", "예약제") stays a description only: a wrong opening time is worse than none.
SPAN = re.compile(
    r"^(?P<days>" + "|".join(re.escape(w) for w in sorted(DAY_WORDS, key=len, reverse=True)) + r")"
    r"\s*(?P<opens>\d{1,2}:\d{2})\s*[-~–]\s*(?P<closes>\d{1,2}:\d{2})$"
)


def _clock(text: str) -> str | None:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        return None
    return f"{hours:02d}:{minutes:02d}+09:00"


def _spans(hours: str) -> list[tuple[str, str, str, str]] | None:
    """Every comma- or slash-separated part as (text, byday, opens_at, closes_at), or None
    unless every part reads safely."""
    spans = []
    for part in re.split(r"\s*[,/]\s*", hours.strip()):
        match = SPAN.match(part)
        if match is None:
            return None
        opens, closes = _clock(match["opens"]), _clock(match["closes"])
        if opens is None or closes is None or opens >= closes:
            return None
        spans.append((part, DAY_WORDS[match["days"]], opens, closes))
    return spans


def schedules(resource: WelfareResource, service_id: str) -> list[Json]:
    hours = resource.hours.strip()
    if not hours:
        return []
    spans = _spans(hours)
    if not spans:
        return [{"id": derived_id("schedule", service_id), "service_id": service_id,
                 "description": hours}]  # fmt: skip
    return [
        {
            "id": derived_id("schedule", service_id, byday, opens, closes),
            "service_id": service_id,
            "description": text,
            "freq": "WEEKLY",
            "wkst": "MO",
            "byday": byday,
            "opens_at": opens,
            "closes_at": closes,
            "timezone": UTC_OFFSET_HOURS,
        }
        for text, byday, opens, closes in spans
    ]


# --- Services ----------------------------------------------------------------------------------

STATUS = {
    WelfareResource.Status.ACTIVE: "active",
    WelfareResource.Status.INACTIVE: "inactive",
    WelfareResource.Status.DEFUNCT: "defunct",
    WelfareResource.Status.TEMPORARILY_CLOSED: "temporarily closed",
}
BULLETS = "-•·*○◦▪ "


def service_id(resource: WelfareResource) -> str:
    return str(resource.uuid)


def last_modified(resource: WelfareResource) -> datetime:
    """A service changes with its organization (phone, address, name)."""
    return max(resource.updated_at, resource.organization.updated_at)


def _description(resource: WelfareResource) -> str:
    """HSDS 3.0 has one description and no summary: the one-line summary leads it."""
    summary, description = resource.summary.strip(), resource.description.strip()
    if summary and not description.startswith(summary):
        return f"{summary}\n\n{description}".strip()
    return description


def _documents(resource: WelfareResource) -> list[str]:
    lines = (line.strip().lstrip(BULLETS).strip() for line in resource.documents.splitlines())
    return list(dict.fromkeys(line for line in lines if line))


def service(resource: WelfareResource) -> Json:
    """The one-to-one fields: what a list of services holds."""
    sid = service_id(resource)
    data: Json = {
        "id": sid,
        "organization_id": str(resource.organization.uuid),
        "name": resource.name,
        "description": _description(resource),
        "status": STATUS[WelfareResource.Status(resource.status)],
    }
    _put(data, "application_process", resource.how_to_apply.strip())
    fees = resource.fee.strip() or (resource.get_cost_display() if resource.cost else "")
    _put(data, "fees_description", fees)
    _put(data, "eligibility_description", resource.eligibility.strip())
    _put(data, "minimum_age", resource.min_age)
    _put(data, "maximum_age", resource.max_age)
    if resource.assured_date is not None:
        data["assured_date"] = resource.assured_date.isoformat()
    data["last_modified"] = timestamp(last_modified(resource))
    return data


def _phone(owner: str, owner_id: str, number: str, description: str) -> Json:
    return {
        "id": derived_id("phone", owner, owner_id),
        f"{owner}_id": owner_id,
        "number": number,
        "type": "voice",
        "description": description,
    }


def service_at_location(resource: WelfareResource, place: Place, *, nested: bool) -> Json:
    sid = service_id(resource)
    data: Json = {
        "id": derived_id("service_at_location", sid, place.id),
        "service_id": sid,
        "location_id": place.id,
        "description": f"{resource.name} ({place.name})",
    }
    if nested:
        data["location"] = location(place)
    return data


def service_full(resource: WelfareResource) -> Json:
    """A fully nested service: phones, schedules, areas, its place, organization, costs,
    documents and the taxonomy terms it carries. Needs the organization (with its region), the
    category (with its parent), regions, target groups and eligibility tags loaded."""
    data = service(resource)
    sid = data["id"]
    phone = resource.phone.strip()
    data["phones"] = [_phone("service", sid, phone, "문의 전화")] if phone else []
    data["schedules"] = schedules(resource, sid)
    data["service_areas"] = service_areas(resource, sid)
    place = service_place(resource)
    data["service_at_locations"] = (
        [service_at_location(resource, place, nested=True)] if place else []
    )
    data["organization"] = organization(resource.organization)
    data["cost_options"] = cost_options(resource, sid)
    data["required_documents"] = [
        {"id": derived_id("required_document", sid, text), "service_id": sid, "document": text}
        for text in _documents(resource)
    ]
    terms: list[Term] = [
        resource.category,
        *resource.target_groups.all(),
        *resource.eligibility_tags.all(),
    ]
    data["attributes"] = [_attribute(sid, term) for term in terms]
    return data


def service_areas(resource: WelfareResource, sid: str) -> list[Json]:
    if resource.province_wide:
        return [
            {
                "id": derived_id("service_area", sid, "province"),
                "service_id": sid,
                "name": f"{PROVINCE} 전역",
                "description": "도 전역",
            }
        ]
    return [
        {
            "id": derived_id("service_area", sid, region.code),
            "service_id": sid,
            "name": region.name,
            "description": f"{PROVINCE} {region.name}",
        }
        for region in resource.regions.all()
    ]


def cost_options(resource: WelfareResource, sid: str) -> list[Json]:
    if not resource.cost:
        return []
    data: Json = {
        "id": derived_id("cost_option", sid, resource.cost),
        "service_id": sid,
        "option": resource.get_cost_display(),
    }
    if resource.cost == WelfareResource.Cost.FREE:
        data.update(currency=CURRENCY, amount=0)
    _put(data, "amount_description", resource.fee.strip())
    return [data]


# --- Organizations ------------------------------------------------------------------------------


def organization_description(organization: Organization) -> str:
    """Organizations keep no description of their own (their notes are the staff's), so HSDS's
    required one is said from what is public: the kind and the 시·군."""
    kind = organization.get_kind_display()
    if organization.region_id:
        return f"{organization.region.name}의 {kind}"
    return f"{PROVINCE}의 {kind}"


def organization(organization: Organization) -> Json:
    """The one-to-one fields: what a list of organizations holds. Never the partner
    agreement (``is_partner``, ``mou_date``) or the staff's ``notes``."""
    data: Json = {
        "id": str(organization.uuid),
        "name": organization.name,
        "description": organization_description(organization),
    }
    _put(data, "email", organization.email.strip())
    _put(data, "website", organization.website.strip())
    return data


def organization_full(
    org: Organization, resources: Sequence[WelfareResource], *, full_service: bool
) -> Json:
    """An organization with its phone, locations and services (``resources``: its public
    ones, loaded as ``service_full`` needs); each service is its one-to-one fields, or fully
    nested with ``full_service``."""
    data = organization(org)
    oid = data["id"]
    phone = org.phone.strip()
    data["phones"] = [_phone("organization", oid, phone, "대표 전화")] if phone else []
    places = {place.id: place for place in _places(org, resources)}
    data["locations"] = [location(place) for place in places.values()]
    data["services"] = [
        service_full(resource) if full_service else service(resource) for resource in resources
    ]
    return data


def _places(org: Organization, resources: Iterable[WelfareResource]) -> Iterable[Place]:
    own = organization_place(org)
    if own is not None:
        yield own
    for resource in resources:
        place = service_place(resource)
        if place is not None:
            yield place
