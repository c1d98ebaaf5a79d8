from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from care.api import ERRORS, NOT_ALLOWED, NOT_FOUND
from care.models import Recipient
from config.api import IsCoordinator, RoleModelPermissions
from config.viewsets import ServiceWriteViewSet
from volunteers import selectors, services
from volunteers.filters import CorpsMemberFilter
from volunteers.models import CorpsMember
from volunteers.serializers import (
    CorpsMemberSerializer,
    CorpsMemberSuggestionSerializer,
    SuggestionQuerySerializer,
)


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


class SuggestedVolunteersView(APIView):
    """Corps members suggested for a recipient, best first, each with the reasons why."""

    permission_classes = [IsCoordinator]

    @extend_schema(
        operation_id="recipients_suggested_volunteers",
        parameters=[
            OpenApiParameter(
                "weekdays",
                OpenApiTypes.STR,
                description=_(
                    "이 요일에 모두 활동 가능한 단원을 앞에 둠; 쉼표로 구분한 "
                    "mon tue wed thu fri sat sun (예: mon,wed)"
                ),
            ),
            OpenApiParameter("limit", OpenApiTypes.INT, description=_("최대 건수 (1–50, 기본 10)")),
        ],
        responses={
            200: CorpsMemberSuggestionSerializer(many=True),
            400: ERRORS,
            403: NOT_ALLOWED,
            404: NOT_FOUND,
        },
        tags=["recipients"],
    )
    def get(self, request: Request, pk: int) -> Response:
        """Ranked: same 시·군, needs covered, free on the weekdays, fewest current recipients."""
        query = SuggestionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        recipient = get_object_or_404(
            Recipient.objects.visible_to(request.user).prefetch_related("needs"), pk=pk
        )
        suggestions = selectors.corps_member_suggestions(
            recipient=recipient,
            weekdays=query.validated_data.get("weekdays"),
            limit=query.validated_data["limit"],
        )
        return Response(CorpsMemberSuggestionSerializer(suggestions, many=True).data)
