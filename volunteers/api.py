from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view

from config.api import ERRORS, NOT_ALLOWED, NOT_FOUND, RoleModelPermissions
from config.viewsets import ServiceWriteViewSet
from volunteers import selectors, services
from volunteers.filters import CorpsMemberFilter
from volunteers.models import CorpsMember
from volunteers.serializers import CorpsMemberSerializer


@extend_schema_view(
    create=extend_schema(responses={201: CorpsMemberSerializer, 400: ERRORS, 403: NOT_ALLOWED}),
    partial_update=extend_schema(
        responses={200: CorpsMemberSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
    retrieve=extend_schema(
        responses={200: CorpsMemberSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
)
class CorpsMemberViewSet(ServiceWriteViewSet):
    """긴급돌봄지원단원 (corps members). A caregiver sees only their own record."""

    serializer_class = CorpsMemberSerializer
    permission_classes = [RoleModelPermissions]
    filterset_class = CorpsMemberFilter
    search_fields = ["name", "phone", "region__name"]
    ordering_fields = ["name", "joined_on", "current_recipients"]
    queryset = CorpsMember.objects.none()
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.corps_member_list(user=self.request.user)

    def create_object(self, data: dict[str, Any]) -> CorpsMember:
        return services.corps_member_create(actor=self.request.user, **data)

    def update_object(self, instance: CorpsMember, data: dict[str, Any]) -> CorpsMember:
        return services.corps_member_update(actor=self.request.user, corps_member=instance, **data)
