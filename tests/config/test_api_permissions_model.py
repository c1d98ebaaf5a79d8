"""``RoleModelPermissions`` names its permissions after the view's class-level ``queryset``
instead of building the user's rows with ``get_queryset`` on every request: this holds only
while the two agree on the model, for every API view that uses it."""

from __future__ import annotations

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from config.api import RoleModelPermissions
from config.urls import router
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _uses_role_model_permissions(viewset: type) -> bool:
    return any(
        isinstance(cls, type) and issubclass(cls, RoleModelPermissions)
        for cls in getattr(viewset, "permission_classes", ())
    )


VIEWSETS = [
    (prefix, viewset)
    for prefix, viewset, _basename in router.registry
    if _uses_role_model_permissions(viewset)
]


def test_the_api_has_views_under_role_model_permissions() -> None:
    assert {"recipients", "assignments", "visits"} <= {prefix for prefix, _ in VIEWSETS}


@pytest.mark.parametrize(("prefix", "viewset"), VIEWSETS, ids=[p for p, _ in VIEWSETS])
def test_each_views_class_queryset_names_the_model_its_rows_come_from(
    prefix: str, viewset: type
) -> None:
    user = UserFactory(username="models-admin", roles=["administrator"], is_superuser=True)
    http = APIRequestFactory().get(f"/api/v1/{prefix}/")
    http.user = user
    request = Request(http)
    request.user = user
    view = viewset(request=request, kwargs={}, args=(), format_kwarg=None, action="list")

    assert viewset.queryset is not None
    assert viewset.queryset.model is view.get_queryset().model
    assert RoleModelPermissions()._queryset(view) is viewset.queryset
