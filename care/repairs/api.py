"""/api/v1/repair-jobs/: home-repair work orders (가정내 돌봄주거환경개선).

Thin: each action validates its input with a serializer, calls one service of
``care.repairs.services`` and answers with the job as re-read through the selector. Reads of
a job concern a person and are written to the access log. The API speaks JSON, except the
photo upload (``POST /{id}/photos/``), which takes multipart/form-data, on that action only.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from care.api import LogsRecipientReads
from care.models import Recipient
from care.repairs import selectors, services
from care.repairs.filters import RepairJobFilter
from care.repairs.models import RepairJob
from care.repairs.serializers import (
    RepairCancelSerializer,
    RepairCompleteSerializer,
    RepairJobCreateSerializer,
    RepairJobDetailSerializer,
    RepairJobSerializer,
    RepairJobUpdateSerializer,
    RepairPhotoSerializer,
    RepairPhotoUploadSerializer,
    RepairQuoteSerializer,
    RepairSignOffSerializer,
    RepairStartSerializer,
    RepairSummarySerializer,
    items_input,
)
from config.api import ERRORS, NOT_ALLOWED, NOT_FOUND, HasRole, IsCoordinator, client_ip


class MayReadRepairFigures(HasRole):
    """The year's counts, without a person in them: managers too."""

    roles = ("coordinator", "administrator", "manager")


def _job_action(request_serializer: Any) -> Any:
    return extend_schema(
        request=request_serializer,
        responses={200: RepairJobDetailSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    )


@extend_schema_view(
    list=extend_schema(responses={200: RepairJobSerializer(many=True), 403: NOT_ALLOWED}),
    retrieve=extend_schema(
        responses={200: RepairJobDetailSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
    create=extend_schema(
        request=RepairJobCreateSerializer,
        responses={201: RepairJobDetailSerializer, 400: ERRORS, 403: NOT_ALLOWED},
    ),
    partial_update=extend_schema(
        request=RepairJobUpdateSerializer,
        responses={200: RepairJobDetailSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    ),
)
class RepairJobViewSet(
    LogsRecipientReads,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """주거환경개선 작업. Create is the survey; the actions move the job to completion."""

    permission_classes = [IsCoordinator]
    filterset_class = RepairJobFilter
    ordering_fields = ["surveyed_on", "completed_on", "quote_amount"]
    queryset = RepairJob.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        if self.action == "list":
            return selectors.job_list(user=self.request.user)
        return selectors.job_detail_queryset(user=self.request.user)

    def get_serializer_class(self) -> Any:
        return RepairJobSerializer if self.action == "list" else RepairJobDetailSerializer

    def _render(self, job: RepairJob, status_code: int = status.HTTP_200_OK) -> Response:
        job = selectors.job_detail_queryset(user=self.request.user).get(pk=job.pk)
        return Response(RepairJobDetailSerializer(job).data, status=status_code)

    def _input(self, serializer_class: Any) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _common(self) -> dict[str, Any]:
        return {"actor": self.request.user, "source_ip": client_ip(self.request)}

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._input(RepairJobCreateSerializer)
        if not Recipient.objects.visible_to(request.user).filter(pk=data["recipient"].pk).exists():
            raise ValidationError({"recipient": [_("없는 대상자입니다.")]})
        data["items"] = items_input(data) or []
        job = services.job_survey(**self._common(), **data)
        return self._render(job, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        job = self.get_object()
        data = self._input(RepairJobUpdateSerializer)
        data["items"] = items_input(data)
        job = services.job_update(**self._common(), job=job, **data)
        return self._render(job)

    @_job_action(RepairQuoteSerializer)
    @action(detail=True, methods=["post"])
    def quote(self, request: Request, pk: str | None = None) -> Response:
        """견적: contractor, date and amount (the items' total when no amount is given)."""
        job = self.get_object()
        data = self._input(RepairQuoteSerializer)
        data["items"] = items_input(data)
        job = services.job_quote(**self._common(), job=job, **data)
        return self._render(job)

    @_job_action(RepairStartSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        """착공."""
        job = self.get_object()
        data = self._input(RepairStartSerializer)
        job = services.job_start(**self._common(), job=job, **data)
        return self._render(job)

    @_job_action(RepairCompleteSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """완료: the completion date is required; the household now counts on the tracker."""
        job = self.get_object()
        data = self._input(RepairCompleteSerializer)
        job = services.job_complete(**self._common(), job=job, **data)
        return self._render(job)

    @_job_action(RepairSignOffSerializer)
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request: Request, pk: str | None = None) -> Response:
        """가구 확인: after completion only."""
        job = self.get_object()
        data = self._input(RepairSignOffSerializer)
        job = services.job_sign_off(**self._common(), job=job, **data)
        return self._render(job)

    @_job_action(RepairCancelSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """취소, with a reason."""
        job = self.get_object()
        data = self._input(RepairCancelSerializer)
        job = services.job_cancel(**self._common(), job=job, **data)
        return self._render(job)

    @extend_schema(
        request={"multipart/form-data": RepairPhotoUploadSerializer},
        responses={201: RepairPhotoSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
        description=str(
            _(
                "사진 한 장(multipart/form-data, 파일은 image). 10MB 이하의 이미지만 받으며, "
                "긴 변 1600px 이하의 JPEG로 다시 저장하고 EXIF(GPS 위치 포함)는 모두 지웁니다."
            )
        ),
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def photos(self, request: Request, pk: str | None = None) -> Response:
        """공사 전·후 사진 올리기 (the one endpoint that is not JSON)."""
        job = self.get_object()
        services.photo_request_check(request.META.get("CONTENT_LENGTH"))
        data = self._input(RepairPhotoUploadSerializer)
        photo = services.photo_add(
            **self._common(),
            job=job,
            stage=data["stage"],
            upload=data["image"],
            taken_on=data.get("taken_on"),
            caption=data.get("caption", ""),
        )
        return Response(RepairPhotoSerializer(photo).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT, description=str(_("연도(기본: 올해)")))
        ],
        responses={200: RepairSummarySerializer, 400: ERRORS, 403: NOT_ALLOWED},
    )
    @action(detail=False, methods=["get"], permission_classes=[MayReadRepairFigures])
    def summary(self, request: Request) -> Response:
        """The year's figures without persons: jobs by state, households completed, money."""
        raw = request.query_params.get("year") or str(timezone.localdate().year)
        if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
            raise ValidationError({"year": [_("2000–2100 사이의 연도를 적으세요.")]})
        return Response(RepairSummarySerializer(selectors.jobs_summary(year=int(raw))).data)
