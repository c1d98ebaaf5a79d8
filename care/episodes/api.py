"""/api/v1/episodes/, /api/v1/episode-extensions/ and /api/v1/program-rules/.

Thin: each action validates its input with a serializer, calls one service of
``care.episodes.services`` and answers with the episode as re-read through the selector.
Reads of an episode are written to the access log like reads of a recipient.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from base.roles import ROLES, has_role
from care.api import LogsRecipientReads
from care.episodes import selectors, services
from care.episodes.filters import EpisodeFilter
from care.episodes.models import AfterCareCheck, Episode, ExtensionRequest, ProgramRules
from care.episodes.serializers import (
    AfterCareCheckSerializer,
    AfterCareInputSerializer,
    EpisodeAssessSerializer,
    EpisodeCaregiverSerializer,
    EpisodeCloseSerializer,
    EpisodeDecideSerializer,
    EpisodeDetailSerializer,
    EpisodeReferSerializer,
    EpisodeSerializer,
    EpisodeStartSerializer,
    ExtensionDecisionSerializer,
    ExtensionRequestInputSerializer,
    ExtensionRequestSerializer,
    ProgramRulesSerializer,
    ReasonSerializer,
)
from care.models import Recipient
from config.api import ERRORS, NOT_ALLOWED, NOT_FOUND, HasRole, IsCoordinator, client_ip

READERS = ("coordinator", "administrator", "counselor", "caregiver")
# Counselors hand people over to emergency care: they may refer, as they may take intake.
REFERRERS = ("coordinator", "administrator", "counselor")
# Who may press approve or reject; whether they may for this program is the service's rule
# (ProgramRules.extension_approver), answered 403 when not.
EXTENSION_DECIDERS = ("coordinator", "administrator", "manager")


class EpisodeAccess(permissions.BasePermission):
    """Reads for the desk roles and caregivers (their rows by ``visible_to``); a referral
    for coordinators and counselors. A manager sees aggregates only: 403."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return has_role(request.user, *READERS)
        return has_role(request.user, *REFERRERS)


class MayDecideExtensions(HasRole):
    roles = EXTENSION_DECIDERS


class AnyStaff(HasRole):
    roles = ROLES


def _is_caregiver_only(user: Any) -> bool:
    return not has_role(user, "coordinator", "administrator", "counselor")


def _episode_action(request_serializer: Any, ok: Any = EpisodeDetailSerializer) -> Any:
    return extend_schema(
        request=request_serializer,
        responses={200: ok, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    )


@extend_schema_view(
    list=extend_schema(responses={200: EpisodeSerializer(many=True), 403: NOT_ALLOWED}),
    retrieve=extend_schema(
        responses={200: EpisodeDetailSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
    create=extend_schema(
        request=EpisodeReferSerializer,
        responses={201: EpisodeDetailSerializer, 400: ERRORS, 403: NOT_ALLOWED},
    ),
)
class EpisodeViewSet(
    LogsRecipientReads,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """돌봄 회차: the caseload. Create is a referral (의뢰); the actions move the episode."""

    permission_classes = [EpisodeAccess]
    filterset_class = EpisodeFilter
    ordering_fields = ["referred_on", "starts_on", "planned_end_on"]
    queryset = Episode.objects.none()

    def get_queryset(self) -> Any:
        if self.action == "list":
            return selectors.episode_list(user=self.request.user)
        return selectors.episode_detail_queryset(user=self.request.user)

    def get_serializer_class(self) -> Any:
        if _is_caregiver_only(self.request.user):
            return EpisodeCaregiverSerializer
        return EpisodeSerializer if self.action == "list" else EpisodeDetailSerializer

    def _render(self, episode: Episode, status_code: int = status.HTTP_200_OK) -> Response:
        episode = selectors.episode_detail_queryset(user=self.request.user).get(pk=episode.pk)
        return Response(EpisodeDetailSerializer(episode).data, status=status_code)

    def _input(self, serializer_class: Any) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _common(self) -> dict[str, Any]:
        return {"actor": self.request.user, "source_ip": client_ip(self.request)}

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._input(EpisodeReferSerializer)
        if not Recipient.objects.visible_to(request.user).filter(pk=data["recipient"].pk).exists():
            raise ValidationError({"recipient": [_("없는 대상자입니다.")]})
        episode = services.episode_refer(**self._common(), **data)
        return self._render(episode, status.HTTP_201_CREATED)

    @_episode_action(EpisodeAssessSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsCoordinator])
    def assess(self, request: Request, pk: str | None = None) -> Response:
        """사정: needs, risk, living and carer situation, income, one answer per criterion."""
        data = self._input(EpisodeAssessSerializer)
        data.setdefault("needs", [])
        data.setdefault("income_bracket", None)
        data["answers"] = [dict(answer) for answer in data["answers"]]
        episode = services.episode_assess(**self._common(), episode=self.get_object(), **data)
        return self._render(episode)

    @_episode_action(EpisodeDecideSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsCoordinator])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        """선정 or 미선정; approval fixes the limits, the fee and the funding shares."""
        data = self._input(EpisodeDecideSerializer)
        episode = services.episode_decide(**self._common(), episode=self.get_object(), **data)
        return self._render(episode)

    @_episode_action(EpisodeStartSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsCoordinator])
    def start(self, request: Request, pk: str | None = None) -> Response:
        data = self._input(EpisodeStartSerializer)
        episode = services.episode_start(**self._common(), episode=self.get_object(), **data)
        return self._render(episode)

    @_episode_action(ReasonSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsCoordinator])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        data = self._input(ReasonSerializer)
        episode = services.episode_withdraw(**self._common(), episode=self.get_object(), **data)
        return self._render(episode)

    @_episode_action(EpisodeCloseSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsCoordinator])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """종결: ends the assignments, cancels the future schedule, books the after-care."""
        data = self._input(EpisodeCloseSerializer)
        episode = services.episode_close(**self._common(), episode=self.get_object(), **data)
        return self._render(episode)

    @extend_schema(
        request=ExtensionRequestInputSerializer,
        responses={201: ExtensionRequestSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsCoordinator])
    def extensions(self, request: Request, pk: str | None = None) -> Response:
        """연장 요청 (approved at /api/v1/episode-extensions/{id}/approve/)."""
        data = self._input(ExtensionRequestInputSerializer)
        extension = services.extension_request(**self._common(), episode=self.get_object(), **data)
        return Response(ExtensionRequestSerializer(extension).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=AfterCareInputSerializer,
        responses={200: AfterCareCheckSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsCoordinator])
    def aftercare(self, request: Request, pk: str | None = None) -> Response:
        """사후관리 결과."""
        data = self._input(AfterCareInputSerializer)
        check = AfterCareCheck.objects.filter(episode=self.get_object()).first()
        if check is None:
            raise ValidationError({"outcome": [_("종결된 회차에만 사후관리가 있습니다.")]})
        check = services.aftercare_record(**self._common(), check=check, **data)
        return Response(AfterCareCheckSerializer(check).data)


@extend_schema_view(
    list=extend_schema(responses={200: ExtensionRequestSerializer(many=True), 403: NOT_ALLOWED}),
    retrieve=extend_schema(
        responses={200: ExtensionRequestSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
)
class ExtensionRequestViewSet(
    LogsRecipientReads,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """연장 요청: listed for coordinators; approved or rejected by the program's approver."""

    serializer_class = ExtensionRequestSerializer
    permission_classes = [IsCoordinator]
    filterset_fields = ["state", "episode"]
    queryset = ExtensionRequest.objects.none()

    def get_queryset(self) -> Any:
        rows = ExtensionRequest.objects.select_related(
            "episode__recipient", "requested_by", "decided_by"
        )
        if self.action in ("approve", "reject"):
            return rows
        return rows.filter(episode__in=Episode.objects.visible_to(self.request.user))

    def recipient_of(self, obj: ExtensionRequest) -> Recipient:
        return obj.episode.recipient

    def _decide(self, approve: bool) -> Response:
        serializer = ExtensionDecisionSerializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        extension = services.extension_decide(
            actor=self.request.user,
            extension=self.get_object(),
            approve=approve,
            note=serializer.validated_data.get("note", ""),
            source_ip=client_ip(self.request),
        )
        return Response(ExtensionRequestSerializer(extension).data)

    @extend_schema(
        request=ExtensionDecisionSerializer,
        responses={200: ExtensionRequestSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], permission_classes=[MayDecideExtensions])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve: the episode's days, hours and planned end grow by the request."""
        return self._decide(True)

    @extend_schema(
        request=ExtensionDecisionSerializer,
        responses={200: ExtensionRequestSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], permission_classes=[MayDecideExtensions])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject, with a note saying why."""
        return self._decide(False)


@extend_schema_view(
    list=extend_schema(responses={200: ProgramRulesSerializer(many=True), 403: NOT_ALLOWED}),
    retrieve=extend_schema(
        responses={200: ProgramRulesSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
)
class ProgramRulesViewSet(viewsets.ReadOnlyModelViewSet):
    """사업 기준: each program's limits, so that a client knows them (edited in admin)."""

    serializer_class = ProgramRulesSerializer
    permission_classes = [AnyStaff]
    queryset = ProgramRules.objects.select_related("program")
    pagination_class = None
