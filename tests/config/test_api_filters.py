"""config.api.FilterBackend skips django-filter for a request without query parameters: that
is only right while every filter set of the API leaves a queryset as it is when given no data."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIRequestFactory

from config.api import FilterBackend

pytestmark = pytest.mark.django_db


def _api_views(patterns: list[Any] | None = None) -> list[type]:
    found = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            found += _api_views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "cls", None)
            if view is not None and view not in found:
                found.append(view)
    return found


def _filtered_views() -> list[type]:
    views = []
    for view in _api_views():
        backends = getattr(view, "filter_backends", [])
        if any(issubclass(b, FilterBackend) for b in backends) and (
            getattr(view, "filterset_class", None) or getattr(view, "filterset_fields", None)
        ):
            views.append(view)
    return views


def test_the_api_filters_through_the_backend_that_skips_an_empty_request() -> None:
    assert len(_filtered_views()) >= 10


@pytest.mark.parametrize("view_class", _filtered_views(), ids=lambda view: view.__name__)
def test_a_filter_set_given_no_data_leaves_the_queryset_as_it_is(view_class: type) -> None:
    view = view_class()
    view.request = APIRequestFactory().get("/")
    view.format_kwarg = None
    declared = getattr(view_class, "filterset_class", None)
    model = declared._meta.model if declared else view_class.queryset.model
    queryset = model._default_manager.all()
    filterset_class = FilterBackend().get_filterset_class(view, queryset)

    filterset = filterset_class(data={}, queryset=queryset, request=view.request)

    assert filterset.is_valid(), filterset.errors
    assert str(filterset.qs.query) == str(queryset.query)


def test_a_request_with_a_filter_is_still_filtered(coordinator_api: Any) -> None:
    from care.models import Visit
    from tests.care.visit_factories import VisitFactory

    VisitFactory(status=Visit.Status.VERIFIED)
    waiting = VisitFactory()

    body = coordinator_api.get("/api/v1/visits/", {"status": "submitted"}).json()

    assert [row["id"] for row in body["results"]] == [waiting.pk]
