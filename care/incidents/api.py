"""/api/v1/incidents/ and /api/v1/reporting-lines/.

Thin: each action validates its input with a serializer, calls one service of
``care.incidents.services`` and answers with the incident as re-read through the selector.
Every read of an incident (a list page, a detail, a replayed report, an action's answer) is
written to the access log.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from base.roles import ROLES, has_role
from care.incidents import selectors, services
from care.incidents.filters import IncidentFilter, ReportingLineFilter
from care.incidents.models import STAFF_HARM_PERMISSION, Incident
from care.incidents.serializers import (
    CloseInputSerializer,
    ExternalReportInputSerializer,
    FollowUpInputSerializer,
    IncidentDetailSerializer,
    IncidentExternalReportSerializer,
    IncidentFollowUpSerializer,
    IncidentReportSerializer,
    IncidentSerializer,
    ReportingLineSerializer,
    report_input,
)
from config.api import ERRORS, NOT_ALLOWED, NOT_FOUND, HasRole, client_ip

# Who reports: caregivers from the tablet, coordinators taking a call.
REPORTERS = ("caregiver", "coordinator", "administrator")
# Who handles incidents on the desk. Which incidents each reaches is Incident.visible_to's rule.
HANDLERS = ("coordinator", "administrator")


def _handles(user: Any) -> bool:
    return has_role(user, *HANDLERS) or user.has_perm(STAFF_HARM_PERMISSION)


class IncidentAccess(permissions.BasePermission):
    """Reads for coordinators, administrators, the staff-harm permission's holders and
    caregivers (their own rows); reports for caregivers and coordinators. A manager sees
    aggregates only (the goal tracker): 403."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return has_role(request.user, "caregiver") or _handles(request.user)
        return has_role(request.user, *REPORTERS)


class HandlesIncidents(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return _handles(request.user)


class AnyStaff(HasRole):
    roles = ROLES


def _action(request_serializer: Any, ok: Any = IncidentDetailSerializer) -> Any:
    return extend_schema(
        request=request_serializer,
        responses={200: ok, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    )


@extend_schema_view(
    list=extend_schema(responses={200: IncidentSerializer(many=True), 403: NOT_ALLOWED}),
    retrieve=extend_schema(
        responses={200: IncidentDetailSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
    create=extend_schema(
        request=IncidentReportSerializer,
        responses={
            201: IncidentDetailSerializer,
            200: IncidentDetailSerializer,
            400: ERRORS,
            403: NOT_ALLOWED,
        },
        description="client_uuid가 이미 저장된 신고는 그 신고를 200으로 돌려줍니다 (멱등).",
    ),
)
class IncidentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """안전사고·학대 의심 신고. Create is a report (idempotent by ``client_uuid``); the
    actions are the desk's: acknowledge, follow-ups, report (to an outside agency), close.
    Never deleted."""

    permission_classes = [IncidentAccess]
    filterset_class = IncidentFilter
    ordering_fields = ["reported_at", "occurred_at"]
    queryset = Incident.objects.none()

    def get_queryset(self) -> Any:
        if self.action == "list":
            return selectors.incident_list(user=self.request.user)
        return selectors.incident_detail_queryset(user=self.request.user)

    def get_serializer_class(self) -> Any:
        return IncidentSerializer if self.action == "list" else IncidentDetailSerializer

    def _log(self, incidents: Any) -> None:
        services.incident_log(
            actor=self.request.user,
            incidents=incidents,
            source_ip=client_ip(self.request),
            path=self.request.path,
        )

    def _render(self, incident: Incident, status_code: int = status.HTTP_200_OK) -> Response:
        incident = selectors.incident_detail_queryset(user=self.request.user).get(pk=incident.pk)
        self._log([incident])
        data = IncidentDetailSerializer(incident, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def _input(self, serializer_class: Any) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self._log(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incident = self.get_object()
        self._log([incident])
        return Response(self.get_serializer(incident).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = report_input(self._input(IncidentReportSerializer))
        incident, created = services.incident_report(
            actor=request.user, source_ip=client_ip(request), **data
        )
        return self._render(incident, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @_action(None)
    @action(detail=True, methods=["post"], permission_classes=[HandlesIncidents])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        """확인: open → acknowledged (stops the 24-hour escalation)."""
        incident = services.incident_acknowledge(actor=request.user, incident=self.get_object())
        return self._render(incident)

    @extend_schema(
        request=FollowUpInputSerializer,
        responses={
            201: IncidentFollowUpSerializer,
            400: ERRORS,
            403: NOT_ALLOWED,
            404: NOT_FOUND,
        },
    )
    @action(
        detail=True, methods=["post"], url_path="follow-ups", permission_classes=[HandlesIncidents]
    )
    def follow_ups(self, request: Request, pk: str | None = None) -> Response:
        """후속 조치 (a dated note)."""
        data = self._input(FollowUpInputSerializer)
        follow_up = services.incident_follow_up_add(
            actor=request.user, incident=self.get_object(), **data
        )
        return Response(IncidentFollowUpSerializer(follow_up).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ExternalReportInputSerializer,
        responses={
            201: IncidentExternalReportSerializer,
            400: ERRORS,
            403: NOT_ALLOWED,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[HandlesIncidents])
    def report(self, request: Request, pk: str | None = None) -> Response:
        """외부 기관 신고: agency, time, person, 접수번호."""
        data = self._input(ExternalReportInputSerializer)
        report = services.incident_external_report_record(
            actor=request.user, incident=self.get_object(), **data
        )
        return Response(
            IncidentExternalReportSerializer(report).data, status=status.HTTP_201_CREATED
        )

    @_action(CloseInputSerializer)
    @action(detail=True, methods=["post"], permission_classes=[HandlesIncidents])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """종결, with the outcome."""
        data = self._input(CloseInputSerializer)
        incident = services.incident_close(actor=request.user, incident=self.get_object(), **data)
        return self._render(incident)


@extend_schema_view(
    list=extend_schema(responses={200: ReportingLineSerializer(many=True), 403: NOT_ALLOWED}),
)
class ReportingLineViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """신고 전화: the line to call per target group (노인·아동·장애인·기타), edited in admin."""

    serializer_class = ReportingLineSerializer
    permission_classes = [AnyStaff]
    filterset_class = ReportingLineFilter
    pagination_class = None

    def get_queryset(self) -> Any:
        return selectors.reporting_lines()
