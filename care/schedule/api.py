"""/api/v1/care-plans/ and /api/v1/scheduled-visits/: thin views over the schedule's services
and selectors. Coordinators and administrators write; a caregiver reads their own schedule
(another's is 404); managers see aggregates only (403 here)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from base.roles import has_role
from care.api import LogsRecipientReads
from care.schedule import selectors, services
from care.schedule.filters import CarePlanEntryFilter, ScheduledVisitFilter
from care.schedule.models import CarePlanEntry, ScheduledVisit
from care.schedule.serializers import (
    CarePlanEntrySerializer,
    ScheduledVisitCancelSerializer,
    ScheduledVisitMoveSerializer,
    ScheduledVisitReassignSerializer,
    ScheduledVisitSerializer,
)
from care.serializers import CorpsMemberSuggestionSerializer
from config.api import ERRORS, NOT_ALLOWED, NOT_FOUND, IsCoordinator
from config.viewsets import ServiceWriteViewSet

WRITERS = ("coordinator", "administrator")
READERS = (*WRITERS, "caregiver")


class ScheduleRoles(permissions.BasePermission):
    """Reads for coordinators, administrators and caregivers (their own rows, by the
    querysets' ``visible_to``); writes for coordinators and administrators."""

    def has_permission(self, request: Request, view: Any) -> bool:
        roles = READERS if request.method in permissions.SAFE_METHODS else WRITERS
        return has_role(request.user, *roles)


@extend_schema_view(
    list=extend_schema(responses={200: CarePlanEntrySerializer(many=True), 403: NOT_ALLOWED}),
    retrieve=extend_schema(
        responses={200: CarePlanEntrySerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
    create=extend_schema(responses={201: CarePlanEntrySerializer, 400: ERRORS, 403: NOT_ALLOWED}),
    update=extend_schema(
        responses={200: CarePlanEntrySerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
    partial_update=extend_schema(
        responses={200: CarePlanEntrySerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
    destroy=extend_schema(responses={204: None, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND}),
)
class CarePlanEntryViewSet(LogsRecipientReads, ServiceWriteViewSet):
    """서비스 계획: the weekly entries of an episode's plan. Every change regenerates the
    episode's future, untouched scheduled visits (on commit)."""

    serializer_class = CarePlanEntrySerializer
    permission_classes = [ScheduleRoles]
    filterset_class = CarePlanEntryFilter
    ordering_fields = ["weekday", "start_time", "valid_from"]
    queryset = CarePlanEntry.objects.none()

    def get_queryset(self) -> Any:
        return selectors.plan_entry_list(user=self.request.user)

    def recipient_of(self, obj: CarePlanEntry) -> Any:
        return obj.episode.recipient

    def create_object(self, data: dict[str, Any]) -> CarePlanEntry:
        return services.plan_entry_create(actor=self.request.user, **data)

    def update_object(self, instance: CarePlanEntry, data: dict[str, Any]) -> CarePlanEntry:
        return services.plan_entry_update(actor=self.request.user, entry=instance, **data)

    def delete_object(self, instance: CarePlanEntry) -> None:
        services.plan_entry_delete(actor=self.request.user, entry=instance)


@extend_schema_view(
    list=extend_schema(responses={200: ScheduledVisitSerializer(many=True), 403: NOT_ALLOWED}),
    retrieve=extend_schema(
        responses={200: ScheduledVisitSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
)
class ScheduledVisitViewSet(LogsRecipientReads, viewsets.ReadOnlyModelViewSet):
    """방문 일정: the dated visits made from the plans, 14 days ahead. A caregiver lists only
    their own; coordinators reassign (대체 방문), move and cancel one day."""

    serializer_class = ScheduledVisitSerializer
    permission_classes = [ScheduleRoles]
    filterset_class = ScheduledVisitFilter
    ordering_fields = ["starts_at", "occurrence_date"]
    queryset = ScheduledVisit.objects.none()

    def get_queryset(self) -> Any:
        return selectors.scheduled_visit_list(user=self.request.user)

    def _change(self, request: Request, body: type[Serializer], service: Any) -> Response:
        """Validate the body, call one service on this scheduled visit, answer with it."""
        serializer = body(data=request.data)
        serializer.is_valid(raise_exception=True)
        scheduled_visit = service(
            actor=request.user, scheduled_visit=self.get_object(), **serializer.validated_data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=scheduled_visit.pk)).data)

    @extend_schema(
        request=ScheduledVisitReassignSerializer,
        responses={200: ScheduledVisitSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsCoordinator])
    def reassign(self, request: Request, pk: str | None = None) -> Response:
        """Another corps member covers this one day; refused (400 on ``corps_member``) when
        they are booked then, not active, without an account, or not qualified."""
        return self._change(
            request, ScheduledVisitReassignSerializer, services.scheduled_visit_reassign
        )

    @extend_schema(
        request=ScheduledVisitMoveSerializer,
        responses={200: ScheduledVisitSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsCoordinator])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """A new time for this one day, inside the episode, where the corps member is free."""
        return self._change(request, ScheduledVisitMoveSerializer, services.scheduled_visit_move)

    @extend_schema(
        request=ScheduledVisitCancelSerializer,
        responses={200: ScheduledVisitSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsCoordinator])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel this one day, with a reason."""
        return self._change(
            request, ScheduledVisitCancelSerializer, services.scheduled_visit_cancel
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("limit", int, description=_("최대 건수 (1–50, 기본 10)")),
        ],
        responses={
            200: CorpsMemberSuggestionSerializer(many=True),
            400: ERRORS,
            403: NOT_ALLOWED,
            404: NOT_FOUND,
        },
    )
    # One ranked list, never paged (``limit`` bounds it).
    @action(detail=True, methods=["get"], permission_classes=[IsCoordinator], pagination_class=None)
    def substitutes(self, request: Request, pk: str | None = None) -> Response:
        """Who could cover this visit, best first (the ranking of the assignment board),
        among those free then, active and qualified for the plan's services."""
        try:
            limit = int(request.query_params.get("limit", 10))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 50:
            return Response(
                {"limit": [_("1에서 50 사이의 수를 주세요.")]}, status=status.HTTP_400_BAD_REQUEST
            )
        suggestions = services.substitute_suggestions(
            scheduled_visit=self.get_object(), limit=limit
        )
        return Response(CorpsMemberSuggestionSerializer(suggestions, many=True).data)
