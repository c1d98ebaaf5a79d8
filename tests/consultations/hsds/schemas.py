"""The vendored HSDS 3.0 JSON Schemas (``consultations/hsds/schema/``) as validators.

The schema files refer to each other by file name (``"$ref": "phone.json"``) and declare no
``$schema``; HSDS's ``openapi.json`` sets ``jsonSchemaDialect`` to draft 2020-12, so every file
is loaded into one ``referencing`` registry as a 2020-12 resource under its file name.

Formats are checked, stricter than ``jsonschema`` does by default: ``uuid`` and ``email`` with
its checkers, and ``date-time`` and ``uri`` here (its own need packages this project does not
install).
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import consultations.hsds

SCHEMA_DIR = Path(consultations.hsds.__file__).resolve().parent / "schema"


def schema_files() -> list[Path]:
    return sorted(path for path in SCHEMA_DIR.glob("*.json") if path.name != "openapi.json")


@cache
def openapi() -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / "openapi.json").read_text(encoding="utf-8"))


@cache
def registry() -> Registry:
    return Registry().with_resources(
        (
            path.name,
            Resource.from_contents(
                json.loads(path.read_text(encoding="utf-8")), default_specification=DRAFT202012
            ),
        )
        for path in schema_files()
    )


format_checker = FormatChecker()


@format_checker.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return "T" in value and parsed.tzinfo is not None


@format_checker.checks("uri")
def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc)


@cache
def validator(schema_file: str) -> Draft202012Validator:
    """Validates an object against ``schema_file`` (``"service.json"`` …)."""
    return Draft202012Validator(
        {"$ref": schema_file}, registry=registry(), format_checker=format_checker
    )


def inline_validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, registry=registry(), format_checker=format_checker)


def errors(schema_file: str, instance: Any, where: str) -> list[str]:
    """Every error of ``instance`` against ``schema_file``, each saying where it was found."""
    return [
        f"{where} {'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in validator(schema_file).iter_errors(instance)
    ]
