"""The welfare resource directory over /api/v1/: resources (복지자원) and organizations (기관)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view

from base.api import ReferenceDataViewSet
from base.serializers import ReferenceDataSerializer
from config.api import ERRORS, NOT_ALLOWED, NOT_FOUND, RoleModelPermissions
from config.viewsets import ServiceWriteViewSet
from consultations import selectors, services
from consultations.filters import OrganizationFilter, WelfareResourceFilter
from consultations.models import (
    EligibilityTag,
    Organization,
    ResourceCategory,
    TargetGroup,
    WelfareResource,
)
from consultations.serializers import (
    EligibilityTagSerializer,
    OrganizationSerializer,
    ResourceCategorySerializer,
    WelfareResourceSerializer,
)


@extend_schema_view(
    list=extend_schema(
        responses={200: WelfareResourceSerializer(many=True), 400: ERRORS, 403: NOT_ALLOWED}
    ),
    retrieve=extend_schema(
        responses={200: WelfareResourceSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
    create=extend_schema(responses={201: WelfareResourceSerializer, 400: ERRORS, 403: NOT_ALLOWED}),
    partial_update=extend_schema(
        responses={200: WelfareResourceSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
)
class WelfareResourceViewSet(ServiceWriteViewSet):
    """복지자원 (welfare resources). ``search`` finds Korean substrings (``돌봄`` finds
    ``긴급돌봄지원``), best matches first; ``region`` includes province-wide resources;
    ``modified_after`` serves incremental pulls. A resource is retired through ``status``,
    never deleted (consultations refer to it)."""

    serializer_class = WelfareResourceSerializer
    permission_classes = [RoleModelPermissions]
    filterset_class = WelfareResourceFilter
    ordering_fields = ["name", "updated_at", "assured_date", "created_at", "id"]
    queryset = WelfareResource.objects.none()  # for the schema; rows come from get_queryset
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.resource_list(user=self.request.user)

    def create_object(self, data: dict[str, Any]) -> WelfareResource:
        return services.resource_save(**data)

    def update_object(self, instance: WelfareResource, data: dict[str, Any]) -> WelfareResource:
        return services.resource_save(resource=instance, **data)


@extend_schema_view(
    list=extend_schema(
        responses={200: OrganizationSerializer(many=True), 400: ERRORS, 403: NOT_ALLOWED}
    ),
    retrieve=extend_schema(
        responses={200: OrganizationSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
    create=extend_schema(responses={201: OrganizationSerializer, 400: ERRORS, 403: NOT_ALLOWED}),
    partial_update=extend_schema(
        responses={200: OrganizationSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
)
class OrganizationViewSet(ServiceWriteViewSet):
    """제공기관·협약기관 (provider and partner organizations). A partner organization
    (돌봄네트워크 협약기관) carries its MOU date."""

    serializer_class = OrganizationSerializer
    permission_classes = [RoleModelPermissions]
    filterset_class = OrganizationFilter
    ordering_fields = ["name", "mou_date", "updated_at"]
    queryset = Organization.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.organization_list(user=self.request.user)

    def create_object(self, data: dict[str, Any]) -> Organization:
        return services.organization_save(**data)

    def update_object(self, instance: Organization, data: dict[str, Any]) -> Organization:
        return services.organization_save(organization=instance, **data)


# The codes a client sends with a resource (``category``, ``target_groups``,
# ``eligibility_tags``), read-only and by ``code`` like /api/v1/regions/.


class ResourceCategoryViewSet(ReferenceDataViewSet):
    """복지자원 분류 (resource categories), two levels: ``parent`` is the upper category's
    code."""

    queryset = ResourceCategory.objects.select_related("parent")
    serializer_class = ResourceCategorySerializer


class TargetGroupViewSet(ReferenceDataViewSet):
    """지원 대상 (target groups): 노인, 장애인, 아동 …"""

    queryset = TargetGroup.objects.all()
    serializer_class = ReferenceDataSerializer


class EligibilityTagViewSet(ReferenceDataViewSet):
    """자격 요건 (eligibility tags): situations and income brackets a resource is meant for."""

    queryset = EligibilityTag.objects.all()
    serializer_class = EligibilityTagSerializer
