"""The HSDS 3.0 API: the paths of HSDS's ``openapi.json`` under ``/hsds/``, anonymous and
read-only.

Plain Django views, not DRF: they take no login and no body, and their shapes are HSDS's, which
the vendored ``openapi.json`` (served at ``/hsds/openapi.json``) documents; the staff API's
schema at ``/api/v1/schema/`` does not list them. Cache headers and ETags come from the
middleware that covers every public path, not from here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from consultations.hsds import export, selectors
from consultations.hsds import serializers as hsds
from consultations.hsds.params import BadParameters, Paging, Reader, page_object, paging

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
# The base specification, no profile of it: the HSDS 3.0 documentation.
PROFILE_URL = "https://openreferral.readthedocs.io/en/3.0/"
JSON_OPTIONS = {"ensure_ascii": False}


def _json(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params=JSON_OPTIONS)


def not_found() -> JsonResponse:
    return _json({"detail": _("찾을 수 없습니다.")}, status=404)


def _uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


@method_decorator(csrf_exempt, name="dispatch")  # so that a POST is told 405, not 403
class HsdsView(View):
    http_method_names = ["get", "head", "options"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = super().dispatch(request, *args, **kwargs)
        except BadParameters as exc:
            response = _json(exc.errors, status=400)
        # Open data: any web page may read it (no cookies are involved).
        response["Access-Control-Allow-Origin"] = "*"
        return response

    def http_method_not_allowed(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        response = _json({"detail": _("읽기 전용입니다 (GET만 됩니다).")}, status=405)
        response["Allow"] = ", ".join(m.upper() for m in self._allowed_methods())
        return response


def _render(build: Callable[[], Any]) -> Any:
    """Build the published data in Korean, whatever language the visitor asked for."""
    with translation.override(hsds.LANGUAGE):
        return build()


def _listing(
    rows: Any,
    paging_: Paging,
    response_format: str,
    item: Callable[[Any], Any],
) -> HttpResponse:
    """One HSDS page of ``rows`` (a queryset or a list): a count, then the page's rows; or,
    with ``format=ndjson``, every row, one JSON object a line, without paging."""
    if response_format == "ndjson":
        lines = _render(lambda: [json.dumps(item(row), **JSON_OPTIONS) for row in rows])
        body = "".join(f"{line}\n" for line in lines)
        return HttpResponse(body, content_type="application/x-ndjson; charset=utf-8")
    total = len(rows) if isinstance(rows, list) else rows.count()
    page_rows = list(rows[paging_.offset : paging_.offset + paging_.per_page])
    contents = _render(lambda: [item(row) for row in page_rows])
    return _json(page_object(paging_, total, contents))


def _service_filters(reader: Reader) -> selectors.ServiceFilters:
    return selectors.ServiceFilters(
        search=reader.text("search"),
        taxonomy_term_id=reader.uuid("taxonomy_term_id"),
        taxonomy_id=reader.uuid("taxonomy_id"),
        organization_id=reader.uuid("organization_id"),
        modified_after=reader.instant("modified_after"),
    )


# --- /hsds/ and /hsds/openapi.json ----------------------------------------------------------------


class ApiInfo(HsdsView):
    def get(self, request: HttpRequest) -> HttpResponse:
        return _json(
            {
                "version": hsds.HSDS_VERSION,
                "profile": PROFILE_URL,
                "openapi_url": request.build_absolute_uri(reverse("hsds:openapi")),
            }
        )


@cache
def vendored_openapi() -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / "openapi.json").read_text(encoding="utf-8"))


class OpenApiDocument(HsdsView):
    """HSDS's own ``openapi.json``, its paths untouched; only the placeholders of ``info`` are
    filled in and ``servers`` points at this API, so that a tool can call it."""

    def get(self, request: HttpRequest) -> HttpResponse:
        document = dict(vendored_openapi())
        document["info"] = {
            "title": "전북 복지자원 공개 데이터 (Jeonbuk welfare resources, HSDS 3.0)",
            "version": hsds.HSDS_VERSION,
            "summary": "전북특별자치도 복지자원 디렉터리 (Open Referral HSDS 3.0, 읽기 전용)",
            "description": (
                "Published, active welfare resources of the Jeonbuk directory and the "
                "organizations that provide them, anonymous and read-only. Bulk download: "
                "export.zip (CSV + datapackage.json) and export.json."
            ),
            "license": {
                "name": "HSDS schemas CC BY-SA 4.0 (Open Referral)",
                "url": "https://creativecommons.org/licenses/by-sa/4.0/",
            },
        }
        document["servers"] = [{"url": request.build_absolute_uri(reverse("hsds:info"))}]
        return _json(document)


# --- Services ----------------------------------------------------------------------------------


class ServiceList(HsdsView):
    def get(self, request: HttpRequest) -> HttpResponse:
        reader = Reader(request.GET)
        filters = _service_filters(reader)
        minimal, full = reader.boolean("minimal"), reader.boolean("full")
        response_format, paging_ = reader.format(), paging(reader)
        reader.done()

        def item(resource: Any) -> dict[str, Any]:
            if minimal:
                return {
                    "id": hsds.service_id(resource),
                    "last_modified": hsds.service(resource)["last_modified"],
                }
            return hsds.service_full(resource) if full else hsds.service(resource)

        return _listing(selectors.service_list(filters), paging_, response_format, item)


class ServiceDetail(HsdsView):
    def get(self, request: HttpRequest, id: str) -> HttpResponse:
        service_id = _uuid(id)
        resource = selectors.service_by_id(service_id) if service_id else None
        if resource is None:
            return not_found()
        return _json(_render(lambda: hsds.service_full(resource)))


# --- Service at locations ----------------------------------------------------------------------


class ServiceAtLocationList(HsdsView):
    def get(self, request: HttpRequest) -> HttpResponse:
        reader = Reader(request.GET)
        filters = _service_filters(reader)
        full = reader.boolean("full")
        response_format, paging_ = reader.format(), paging(reader)
        no_postcodes = _("이 디렉터리는 우편번호와 좌표를 갖고 있지 않아 이 조건을 쓸 수 없습니다.")
        reader.unsupported("postcode", no_postcodes)
        reader.unsupported("proximity", no_postcodes)
        reader.done()

        def item(resource: Any) -> dict[str, Any]:
            place = hsds.service_place(resource)
            assert place is not None  # the selector keeps located services only
            return hsds.service_at_location(resource, place, nested=full)

        rows = selectors.service_at_location_list(filters)
        return _listing(rows, paging_, response_format, item)


class ServiceAtLocationDetail(HsdsView):
    def get(self, request: HttpRequest, id: str) -> HttpResponse:
        sal_id = _uuid(id)
        found = selectors.service_at_location_by_id(sal_id) if sal_id else None
        if found is None:
            return not_found()
        resource, place = found

        def build() -> dict[str, Any]:
            data = hsds.service_at_location(resource, place, nested=True)
            data["service"] = hsds.service_full(resource)
            return data

        return _json(_render(build))


# --- Organizations -----------------------------------------------------------------------------


class OrganizationList(HsdsView):
    def get(self, request: HttpRequest) -> HttpResponse:
        reader = Reader(request.GET)
        search = reader.text("search")
        full, full_service = reader.boolean("full"), reader.boolean("full_service")
        response_format, paging_ = reader.format(), paging(reader)
        reader.done()
        nested = full or full_service

        def item(org: Any) -> dict[str, Any]:
            if not nested:
                return hsds.organization(org)
            return hsds.organization_full(org, org.public_resources, full_service=full_service)

        rows = selectors.organization_list(search=search, with_services=nested)
        return _listing(rows, paging_, response_format, item)


class OrganizationDetail(HsdsView):
    def get(self, request: HttpRequest, id: str) -> HttpResponse:
        reader = Reader(request.GET)
        full_service = reader.boolean("full_service")
        reader.done()
        organization_id = _uuid(id)
        org = selectors.organization_by_id(organization_id) if organization_id else None
        if org is None:
            return not_found()
        return _json(
            _render(
                lambda: hsds.organization_full(org, org.public_resources, full_service=full_service)
            )
        )


# --- Taxonomies --------------------------------------------------------------------------------


def _matches(search: str, *texts: str) -> bool:
    needle = search.lower()
    return not needle or any(needle in text.lower() for text in texts)


class TaxonomyList(HsdsView):
    def get(self, request: HttpRequest) -> HttpResponse:
        reader = Reader(request.GET)
        search = reader.text("search")
        response_format, paging_ = reader.format(), paging(reader)
        reader.done()
        rows = [t for t in hsds.TAXONOMIES if _matches(search, t.name, t.description)]
        return _listing(rows, paging_, response_format, lambda t: t.as_json())


class TaxonomyDetail(HsdsView):
    def get(self, request: HttpRequest, id: str) -> HttpResponse:
        for taxonomy in hsds.TAXONOMIES:
            if taxonomy.id == _uuid(id):
                return _json(_render(taxonomy.as_json))
        return not_found()


class TaxonomyTermList(HsdsView):
    def get(self, request: HttpRequest) -> HttpResponse:
        reader = Reader(request.GET)
        search = reader.text("search")
        taxonomy_id = reader.uuid("taxonomy_id")
        parent_id = reader.uuid("parent_id")
        # openapi.json names it "top_only" and describes it as terms "that have not child
        # terms"; the name wins: the top of the tree, terms without a parent.
        top_only = reader.boolean("top_only")
        response_format, paging_ = reader.format(), paging(reader)
        reader.done()
        terms: Sequence[dict[str, Any]] = _render(
            lambda: [hsds.taxonomy_term(term) for term in selectors.taxonomy_terms()]
        )
        rows = [
            term
            for term in terms
            if _matches(search, term["name"], term["code"], term["description"])
            and (taxonomy_id is None or term["taxonomy_id"] == taxonomy_id)
            and (parent_id is None or term.get("parent_id") == parent_id)
            and (not top_only or "parent_id" not in term)
        ]
        return _listing(rows, paging_, response_format, lambda term: term)


class TaxonomyTermDetail(HsdsView):
    def get(self, request: HttpRequest, id: str) -> HttpResponse:
        term = selectors.taxonomy_catalogue().get(_uuid(id) or "")
        if term is None:
            return not_found()
        return _json(_render(lambda: hsds.taxonomy_term(term)))


# --- Bulk download -----------------------------------------------------------------------------


class ExportJson(HsdsView):
    def get(self, request: HttpRequest) -> HttpResponse:
        response = _json(_render(export.export_data))
        response["Content-Disposition"] = 'attachment; filename="hsds-export.json"'
        return response


class ExportZip(HsdsView):
    def get(self, request: HttpRequest) -> HttpResponse:
        body = _render(export.export_zip)
        response = HttpResponse(body, content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="hsds-export.zip"'
        return response
