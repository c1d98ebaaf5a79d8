"""The bulk download: the whole open directory as HSDS JSON (``export.json``) and as HSDS's
tables, one CSV each with a header row, plus a ``datapackage.json`` describing them
(``export.zip``).

Built in one pass, in memory: one read of the public services (five queries whatever their
number: see ``selectors.public_services``) and three of the taxonomies. The directory is
thousands of rows, a few megabytes; should it grow a hundredfold, stream the zip instead.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import timezone

from consultations.hsds import selectors
from consultations.hsds import serializers as hsds
from consultations.models import Organization, WelfareResource

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"

# The HSDS tables the directory fills, as named by their schema files.
TABLES = (
    "organization",
    "service",
    "attribute",
    "service_at_location",
    "location",
    "phone",
    "address",
    "schedule",
    "service_area",
    "required_document",
    "taxonomy_term",
    "cost_option",
    "taxonomy",
)


@cache
def table_schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))


def columns(name: str) -> list[str]:
    """A table's columns: the schema's properties that hold one value (not the nested arrays
    and objects of the JSON form), in the schema's order."""
    return [
        key
        for key, spec in table_schema(name)["properties"].items()
        if "$ref" not in spec and spec.get("type") not in ("array", "object")
    ]


def export_data() -> dict[str, Any]:
    """Every published object: organizations with their phones, locations and (one-to-one)
    services; services fully nested; the taxonomies and their terms."""
    resources = list(selectors.public_services().order_by("name", "id"))
    by_organization: dict[int, list[WelfareResource]] = {}
    organizations: dict[int, Organization] = {}
    for resource in resources:
        by_organization.setdefault(resource.organization_id, []).append(resource)
        organizations.setdefault(resource.organization_id, resource.organization)
    ordered = sorted(organizations.values(), key=lambda org: (org.name, org.pk))
    data: dict[str, Any] = {"hsds_version": hsds.HSDS_VERSION}
    if resources:
        # The newest change rather than the time of the request: the same data gives the same
        # bytes (and ETag) until something is edited.
        data["last_modified"] = hsds.timestamp(max(map(hsds.last_modified, resources)))
    return {
        **data,
        "organizations": [
            hsds.organization_full(org, by_organization[org.pk], full_service=False)
            for org in ordered
        ],
        "services": [hsds.service_full(resource) for resource in resources],
        "taxonomies": [taxonomy.as_json() for taxonomy in hsds.TAXONOMIES],
        "taxonomy_terms": [hsds.taxonomy_term(term) for term in selectors.taxonomy_terms()],
    }


def tables(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """``export_data`` laid out as HSDS's tables, each row once (a location shared by several
    services is one row)."""
    rows: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in TABLES}

    def add(name: str, objects: Iterable[dict[str, Any]]) -> None:
        keep = columns(name)
        for obj in objects:
            rows[name].setdefault(obj["id"], {key: obj[key] for key in keep if key in obj})

    for org in data["organizations"]:
        add("organization", [org])
        add("phone", org["phones"])
        add("location", org["locations"])
        for place in org["locations"]:
            add("address", place["addresses"])
    for service in data["services"]:
        add("service", [service])
        for key, name in (
            ("phones", "phone"),
            ("schedules", "schedule"),
            ("service_areas", "service_area"),
            ("service_at_locations", "service_at_location"),
            ("cost_options", "cost_option"),
            ("required_documents", "required_document"),
            ("attributes", "attribute"),
        ):
            add(name, service[key])
    add("taxonomy", data["taxonomies"])
    add("taxonomy_term", data["taxonomy_terms"])
    return {name: list(by_id.values()) for name, by_id in rows.items()}


def csv_text(name: str, table: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns(name), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(table)
    return out.getvalue()


FIELD_FORMATS = {"uuid", "email", "uri"}  # the string formats Table Schema knows


def datapackage(last_modified: str | None) -> dict[str, Any]:
    """A Frictionless data package describing the CSVs, from the HSDS schemas."""
    resources = []
    for name in sorted(TABLES, key=lambda n: table_schema(n)["datapackage_metadata"]["order"]):
        schema = table_schema(name)
        required = set(schema.get("required", [])) | set(schema.get("tabular_required", []))
        fields = []
        for key in columns(name):
            spec = schema["properties"][key]
            field: dict[str, Any] = {
                "name": key,
                "type": spec.get("datapackage_type") or spec["type"],
                "description": spec.get("description", ""),
            }
            if spec.get("format") in FIELD_FORMATS:
                field["format"] = spec["format"]
            constraints = {"unique": bool(spec.get("constraints", {}).get("unique"))}
            if key in required:
                constraints["required"] = True
            if "enum" in spec:
                constraints["enum"] = spec["enum"]
            field["constraints"] = constraints
            fields.append(field)
        resources.append(
            {
                "name": schema["name"],
                "path": schema["path"],
                "description": schema.get("description", ""),
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": fields, "primaryKey": ["id"]},
            }
        )
    package: dict[str, Any] = {
        "name": "jeonbuk-welfare-resources-hsds",
        "title": "전북 복지자원 공개 데이터 (Open Referral HSDS 3.0)",
        "profile": "tabular-data-package",
    }
    if last_modified:
        package["created"] = last_modified
    return {**package, "resources": resources}


def export_zip() -> bytes:
    """The zip, the same bytes for the same data: each entry is dated by the directory's last
    change, not by the clock."""
    data = export_data()
    last_modified = data.get("last_modified")
    stamp = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry
    if last_modified:
        changed = datetime.fromisoformat(last_modified.replace("Z", "+00:00"))
        stamp = timezone.localtime(changed).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:

        def write(path: str, text: str) -> None:
            entry = zipfile.ZipInfo(path, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, text.encode("utf-8"))

        for name, table in tables(data).items():
            write(table_schema(name)["path"], csv_text(name, table))
        package = datapackage(last_modified)
        write("datapackage.json", json.dumps(package, ensure_ascii=False, indent=2))
    return buffer.getvalue()
