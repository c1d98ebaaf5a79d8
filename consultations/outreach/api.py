"""/api/v1/outreach-sessions/ and /api/v1/outreach-sites/: outreach days (찾아가는 상담 회차)
and where they are held. Counselors and administrators write, coordinators read; managers see
only the goal tracker's counts (no permission here)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view

from config.api import ERRORS, NOT_ALLOWED, NOT_FOUND, RoleModelPermissions
from config.viewsets import ServiceWriteViewSet
from consultations.outreach import selectors, services
from consultations.outreach.filters import OutreachSessionFilter, OutreachSiteFilter
from consultations.outreach.models import OutreachSession, OutreachSite
from consultations.outreach.serializers import OutreachSessionSerializer, OutreachSiteSerializer


@extend_schema_view(
    list=extend_schema(
        responses={200: OutreachSessionSerializer(many=True), 400: ERRORS, 403: NOT_ALLOWED}
    ),
    retrieve=extend_schema(
        responses={200: OutreachSessionSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
    create=extend_schema(responses={201: OutreachSessionSerializer, 400: ERRORS, 403: NOT_ALLOWED}),
    partial_update=extend_schema(
        responses={200: OutreachSessionSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
    destroy=extend_schema(responses={204: None, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND}),
)
class OutreachSessionViewSet(ServiceWriteViewSet):
    """찾아가는 상담 회차: one day at one site, with its partner, staff, attendees and the
    number of consultations recorded there (``consultation_count``). 4-1's "사회서비스연계
    상담 12회" counts these sessions. A session with consultations cannot be deleted."""

    serializer_class = OutreachSessionSerializer
    permission_classes = [RoleModelPermissions]
    filterset_class = OutreachSessionFilter
    ordering_fields = ["held_on", "created_at", "attendees"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    queryset = OutreachSession.objects.none()  # for the schema; rows come from get_queryset

    def get_queryset(self) -> Any:
        return selectors.session_list(user=self.request.user)

    def create_object(self, data: dict[str, Any]) -> OutreachSession:
        return services.session_create(actor=self.request.user, **data)

    def update_object(self, instance: OutreachSession, data: dict[str, Any]) -> OutreachSession:
        return services.session_update(actor=self.request.user, session=instance, **data)

    def delete_object(self, instance: OutreachSession) -> None:
        services.session_delete(actor=self.request.user, session=instance)


@extend_schema_view(
    list=extend_schema(
        responses={200: OutreachSiteSerializer(many=True), 400: ERRORS, 403: NOT_ALLOWED}
    ),
    retrieve=extend_schema(
        responses={200: OutreachSiteSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
    create=extend_schema(responses={201: OutreachSiteSerializer, 400: ERRORS, 403: NOT_ALLOWED}),
    partial_update=extend_schema(
        responses={200: OutreachSiteSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
)
class OutreachSiteViewSet(ServiceWriteViewSet):
    """찾아가는 상담 장소 (마을회관·경로당, LH 주거행복지원센터 단지, 협약기관 사무실 …).
    ``is_rural`` follows the 읍·면·동. A site is retired with ``is_active``, never deleted."""

    serializer_class = OutreachSiteSerializer
    permission_classes = [RoleModelPermissions]
    filterset_class = OutreachSiteFilter
    search_fields = ["name", "address"]
    ordering_fields = ["name", "created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = OutreachSite.objects.none()

    def get_queryset(self) -> Any:
        return selectors.site_list(user=self.request.user)

    def create_object(self, data: dict[str, Any]) -> OutreachSite:
        return services.site_save(**data)

    def update_object(self, instance: OutreachSite, data: dict[str, Any]) -> OutreachSite:
        return services.site_save(site=instance, **data)
