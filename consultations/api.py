"""The welfare resource directory over /api/v1/: resources (복지자원) and organizations (기관)."""

from __future__ import annotations

from typing import Any

from django_filters import utils as filter_utils
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from base.api import ReferenceDataViewSet
from base.serializers import ReferenceDataSerializer
from config.api import ERRORS, NOT_ALLOWED, NOT_FOUND, RoleModelPermissions, StandardPagination
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
from consultations.resources import COUNT_CAP, SearchPage, search_page
from consultations.serializers import (
    EligibilityTagSerializer,
    OrganizationSerializer,
    ResourceCategorySerializer,
    WelfareResourceSerializer,
)


class ResourcePagination(StandardPagination):
    """The standard pages plus ``count_capped``: with ``search``, ``count`` stops at
    ``COUNT_CAP`` (1,000) and ``count_capped`` is true when there are more ("1,000건 이상");
    counting every match of a common word costs more than the page (DESIGN §6)."""

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["count_capped"] = False
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["count_capped"] = {
            "type": "boolean",
            "description": f"true when count stopped at {COUNT_CAP} and there are more",
        }
        return paginated

    def search_response(self, request: Request, page: SearchPage, data: Any) -> Response:
        url = request.build_absolute_uri()
        previous = None
        if page.has_previous:
            previous = (
                remove_query_param(url, self.page_query_param)
                if page.page == 2
                else replace_query_param(url, self.page_query_param, page.page - 1)
            )
        following = (
            replace_query_param(url, self.page_query_param, page.page + 1)
            if page.has_next
            else None
        )
        return Response(
            {
                "count": page.count,
                "next": following,
                "previous": previous,
                "results": data,
                "count_capped": page.count_capped,
            }
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
    pagination_class = ResourcePagination

    def get_queryset(self) -> Any:
        return selectors.resource_list(user=self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """With ``search`` (and no ``ordering``), the page comes from ``search_page``: the same
        rows and order as ranking every match, read tier by tier, with a capped count."""
        filters = WelfareResourceFilter(
            request.query_params, queryset=self.get_queryset(), request=request
        )
        if not filters.is_valid():
            raise filter_utils.translate_validation(filters.errors)
        q = filters.search_term()
        if not q or request.query_params.get("ordering"):
            return super().list(request, *args, **kwargs)
        paginator = self.paginator
        assert isinstance(paginator, ResourcePagination)
        per_page = paginator.get_page_size(request) or paginator.page_size
        try:
            number = int(request.query_params.get(paginator.page_query_param, 1))
        except ValueError:
            raise NotFound(paginator.invalid_page_message.format(message="")) from None
        if number < 1:
            raise NotFound(paginator.invalid_page_message.format(message=""))
        page = search_page(filters.qs_without_search(), q, page=number, per_page=per_page)
        if number > 1 and not page.results:
            raise NotFound(paginator.invalid_page_message.format(message=""))
        data = self.get_serializer(page.results, many=True).data
        return paginator.search_response(request, page, data)

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
