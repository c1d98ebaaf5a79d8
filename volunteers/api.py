from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from base.api import ReferenceDataViewSet
from base.serializers import ReferenceDataSerializer
from config.api import ERRORS, NOT_ALLOWED, NOT_FOUND, RoleModelPermissions
from config.viewsets import ServiceWriteViewSet
from volunteers import selectors, services
from volunteers.compliance import services as compliance_services
from volunteers.compliance.api import ComplianceRoles, member_compliance_data
from volunteers.compliance.serializers import (
    ComplianceRecordInputSerializer,
    MemberComplianceSerializer,
)
from volunteers.filters import CorpsMemberFilter
from volunteers.models import CorpsMember, Qualification
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
        if self.action == "compliance":
            # The member only: the list's load counts are not needed here.
            return CorpsMember.objects.visible_to(self.request.user)
        return selectors.corps_member_list(user=self.request.user)

    def create_object(self, data: dict[str, Any]) -> CorpsMember:
        return services.corps_member_create(actor=self.request.user, **data)

    def update_object(self, instance: CorpsMember, data: dict[str, Any]) -> CorpsMember:
        return services.corps_member_update(actor=self.request.user, corps_member=instance, **data)

    @extend_schema(
        methods=["GET"],
        responses={200: MemberComplianceSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND},
    )
    @extend_schema(
        methods=["POST"],
        request=ComplianceRecordInputSerializer,
        responses={
            201: MemberComplianceSerializer,
            400: ERRORS,
            403: NOT_ALLOWED,
            404: NOT_FOUND,
        },
    )
    @action(
        detail=True,
        methods=["get", "post"],
        permission_classes=[ComplianceRoles],
        pagination_class=None,
        filterset_class=None,
    )
    def compliance(self, request: Request, pk: str | None = None) -> Response:
        """단원 관리: the member's standing on every requirement (ok, expiring within 30
        days, lapsed, missing, failed). POST records an item done (coordinators): the
        criminal-record check takes a result, pass or fail, and nothing else."""
        member = self.get_object()
        if request.method == "POST":
            body = ComplianceRecordInputSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            compliance_services.compliance_record_create(
                actor=request.user, corps_member=member, **body.validated_data
            )
            return Response(
                member_compliance_data(request=request, corps_member=member),
                status=status.HTTP_201_CREATED,
            )
        return Response(member_compliance_data(request=request, corps_member=member))


class QualificationViewSet(ReferenceDataViewSet):
    """자격 (qualifications of corps members): 요양보호사, 사회복지사 … by ``code``."""

    queryset = Qualification.objects.all()
    serializer_class = ReferenceDataSerializer
