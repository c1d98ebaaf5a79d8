"""/api/v1/case-conferences/: case conferences (사례회의) and their action items.

Coordinators and administrators write; counselors read the conferences they attended or own
an action item of, and mark their own items done; managers read the monthly aggregates only
(``stats``); caregivers nothing. Every read of a conference writes one 접속기록 row per
person whose episode it discussed.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from base.models import AccessLog
from base.roles import has_role
from base.services import access_log_record
from care.conferences import selectors, services
from care.conferences.filters import CaseConferenceFilter
from care.conferences.models import CaseConference
from care.conferences.serializers import (
    ActionItemDoneSerializer,
    ActionItemSerializer,
    CaseConferenceInputSerializer,
    CaseConferenceSerializer,
    ConferenceStatsQuerySerializer,
    ConferenceStatsSerializer,
    MyActionItemSerializer,
)
from config.api import ERRORS, NOT_ALLOWED, NOT_FOUND, HasRole, client_ip

READERS = ("coordinator", "administrator", "counselor")
WRITERS = services.WRITERS


class ConferenceAccess(permissions.BasePermission):
    """Reads for the desk roles (their rows by ``visible_to``); writes for coordinators."""

    def has_permission(self, request: Request, view: Any) -> bool:
        roles = READERS if request.method in permissions.SAFE_METHODS else WRITERS
        return has_role(request.user, *roles)


class ReadsConferences(HasRole):
    roles = READERS


class MayReadAggregates(HasRole):
    roles = ("manager", "coordinator", "administrator")


@extend_schema_view(
    list=extend_schema(
        responses={200: CaseConferenceSerializer(many=True), 400: ERRORS, 403: NOT_ALLOWED}
    ),
    retrieve=extend_schema(
        responses={200: CaseConferenceSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
    create=extend_schema(
        request=CaseConferenceInputSerializer,
        responses={201: CaseConferenceSerializer, 400: ERRORS, 403: NOT_ALLOWED},
    ),
    partial_update=extend_schema(
        request=CaseConferenceInputSerializer,
        responses={200: CaseConferenceSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    ),
)
class CaseConferenceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """사례회의. A PATCH replaces each list it is given (attendees, episodes, action items;
    action items are matched by ``id`` so that those done stay done)."""

    serializer_class = CaseConferenceSerializer
    permission_classes = [ConferenceAccess]
    filterset_class = CaseConferenceFilter
    ordering_fields = ["held_on"]
    queryset = CaseConference.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.conference_list(user=self.request.user)

    def _log_reads(self, conferences: Any) -> None:
        access_log_record(
            actor=self.request.user,
            action=AccessLog.Action.VIEW,
            recipients=selectors.recipients_of(conferences),
            source_ip=client_ip(self.request),
            path=self.request.path,
        )

    def _render(self, conference: CaseConference, status_code: int) -> Response:
        conference = self.get_queryset().get(pk=conference.pk)
        return Response(CaseConferenceSerializer(conference).data, status=status_code)

    def _input(self, partial: bool = False) -> dict[str, Any]:
        serializer = CaseConferenceInputSerializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        for key in ("attendees", "episodes", "action_items"):
            if key in data:
                data[key] = [dict(row) for row in data[key]]
        return data

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self._log_reads(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        conference = self.get_object()
        self._log_reads([conference])
        return Response(self.get_serializer(conference).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        conference = services.conference_create(
            actor=request.user, source_ip=client_ip(request), **self._input()
        )
        return self._render(conference, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        conference = self.get_object()
        conference = services.conference_update(
            actor=request.user,
            conference=conference,
            source_ip=client_ip(request),
            **self._input(partial=True),
        )
        return self._render(conference, status.HTTP_200_OK)

    @extend_schema(
        request=ActionItemDoneSerializer,
        responses={200: ActionItemSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"action-items/(?P<item_id>\d+)/done",
        permission_classes=[ReadsConferences],
    )
    def action_item_done(
        self, request: Request, pk: str | None = None, item_id: str | None = None
    ) -> Response:
        """Mark an action item done: its owner, or a coordinator. Repeating it changes nothing."""
        conference = self.get_object()
        item = get_object_or_404(conference.action_items.all(), pk=item_id)
        serializer = ActionItemDoneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.action_item_mark_done(
            actor=request.user, item=item, done_on=serializer.validated_data.get("done_on")
        )
        return Response(ActionItemSerializer(item).data)

    @extend_schema(
        responses={200: MyActionItemSerializer(many=True), 403: NOT_ALLOWED},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="my-action-items",
        permission_classes=[ReadsConferences],
        pagination_class=None,
        filterset_class=None,
    )
    def my_action_items(self, request: Request) -> Response:
        """The caller's own open action items due within 7 days, or overdue."""
        items = selectors.action_items_due(user=request.user)
        return Response(MyActionItemSerializer(items, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("year", int, required=True)],
        responses={200: ConferenceStatsSerializer, 400: ERRORS, 403: NOT_ALLOWED},
    )
    @action(
        detail=False,
        methods=["get"],
        permission_classes=[MayReadAggregates],
        pagination_class=None,
        filterset_class=None,
    )
    def stats(self, request: Request) -> Response:
        """Counts per month (conferences, episodes discussed, outside attendees, action items
        done and overdue): no names, for managers."""
        query = ConferenceStatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data["year"]
        months = selectors.conference_stats(year=year)
        return Response(ConferenceStatsSerializer({"year": year, "months": months}).data)
