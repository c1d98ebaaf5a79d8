"""/api/v1/kpi/: the goal tracker for managers — goals and targets, monthly actuals, the year's
report and its download, rollup runs, month close, manual measures and late records.

Views stay thin: the figures come from ``kpi.report``, the writes from ``kpi.rollups``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from base.roles import ADMINISTRATOR, MANAGER
from config.api import ERRORS, NOT_ALLOWED, NOT_FOUND, HasRole, RoleModelPermissions
from config.downloads import FileTypeNegotiation
from kpi import exports, rollups, selectors, tasks
from kpi.filters import (
    IndicatorFilter,
    LateRecordFilter,
    ManualEntryFilter,
    MeasurementFilter,
    MeasureTargetFilter,
    PeriodFilter,
    RollupRunFilter,
    UnitProgramTargetFilter,
)
from kpi.models import (
    Indicator,
    LateRecord,
    ManualEntry,
    Measurement,
    MeasureTarget,
    Period,
    RollupRun,
    UnitProgramTarget,
)
from kpi.report import year_report
from kpi.serializers import (
    DownloadQuerySerializer,
    IndicatorSerializer,
    LateRecordSerializer,
    ManualEntryCreateSerializer,
    ManualEntrySerializer,
    MeasurementSerializer,
    MeasureTargetSerializer,
    PeriodCloseSerializer,
    PeriodSerializer,
    ReportQuerySerializer,
    RollupRequestSerializer,
    RollupRunSerializer,
    UnitProgramTargetSerializer,
    YearReportSerializer,
)

logger = logging.getLogger(__name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
# Old Excel (before 2016, and Excel for Mac 2011) ignores the BOM and reads a CSV in the
# Windows code page, CP949 on Korean Windows. "windows-949" is the WHATWG label of that
# encoding (Python calls it cp949); characters outside it, rare in the report, become "?".
CSV_CP949_TYPE = "text/csv; charset=windows-949"


class IsManager(HasRole):
    """The goal tracker is the managers' (경영진) and the administrators'."""

    roles = (MANAGER, ADMINISTRATOR)


# --- goals and targets -----------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(responses={200: IndicatorSerializer(many=True), 403: NOT_ALLOWED}),
    retrieve=extend_schema(responses={200: IndicatorSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}),
)
class IndicatorViewSet(viewsets.ReadOnlyModelViewSet):
    """성과지표 with their goal, measures, unit programs and targets by year. ``year`` picks
    the goal structure that applies to that year (2024 → the 2023 plan)."""

    serializer_class = IndicatorSerializer
    permission_classes = [RoleModelPermissions]
    filterset_class = IndicatorFilter
    ordering_fields: list[str] = []
    queryset = Indicator.objects.none()  # for the schema; rows come from get_queryset

    def get_queryset(self) -> Any:
        return selectors.indicator_list()


TARGET_SCHEMA = {
    "list": {403: NOT_ALLOWED},
    "retrieve": {403: NOT_ALLOWED, 404: NOT_FOUND},
    "create": {400: ERRORS, 403: NOT_ALLOWED},
    "partial_update": {400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
}


def _target_schema(serializer: type) -> dict[str, Any]:
    ok = {"list": 200, "retrieve": 200, "create": 201, "partial_update": 200}
    return {
        name: extend_schema(
            responses={ok[name]: serializer(many=name == "list"), **errors}  # type: ignore[dict-item]
        )
        for name, errors in TARGET_SCHEMA.items()
    }


@extend_schema_view(**_target_schema(MeasureTargetSerializer))
class MeasureTargetViewSet(viewsets.ModelViewSet):
    """연도별 목표 of measures. Managers set targets for the years after the document's plan
    (2026 on); the document's years (2022–2025) are read-only (400)."""

    serializer_class = MeasureTargetSerializer
    permission_classes = [RoleModelPermissions]
    filterset_class = MeasureTargetFilter
    ordering_fields = ["year"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = MeasureTarget.objects.none()

    def get_queryset(self) -> Any:
        return selectors.measure_target_list()


@extend_schema_view(**_target_schema(UnitProgramTargetSerializer))
class UnitProgramTargetViewSet(viewsets.ModelViewSet):
    """단위사업 연도별 목표, editable like the measures' targets (2026 on)."""

    serializer_class = UnitProgramTargetSerializer
    permission_classes = [RoleModelPermissions]
    filterset_class = UnitProgramTargetFilter
    ordering_fields = ["year"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = UnitProgramTarget.objects.none()

    def get_queryset(self) -> Any:
        return selectors.unit_program_target_list()


# --- measurements ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(responses={200: MeasurementSerializer(many=True), 403: NOT_ALLOWED}),
    retrieve=extend_schema(
        responses={200: MeasurementSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
)
class MeasurementViewSet(viewsets.ReadOnlyModelViewSet):
    """실적: a month's figure and the year to date, per measure or unit program, with the
    automatic figures' breakdowns by 시·군 and by rural / urban."""

    serializer_class = MeasurementSerializer
    permission_classes = [IsManager]
    filterset_class = MeasurementFilter
    ordering_fields = ["year", "month"]
    queryset = Measurement.objects.none()

    def get_queryset(self) -> Any:
        return selectors.measurement_list()


# --- the report ------------------------------------------------------------------------------


class ReportView(APIView):
    permission_classes = [IsManager]

    @extend_schema(
        parameters=[ReportQuerySerializer],
        responses={200: YearReportSerializer, 400: ERRORS, 403: NOT_ALLOWED},
    )
    def get(self, request: Request) -> Response:
        """The year's report: per goal, indicator, measure and unit program the target, the
        year-to-date actual, the achievement rate (actual ÷ target × 100, truncated), last
        year's target and actual, and the monthly series."""
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        # Kept per process until one of the report's rows changes (kpi.selectors).
        body = selectors.year_report_body(
            year=query.validated_data["year"], language=translation.get_language()
        )
        return Response(body)


class ReportDownloadView(APIView):
    permission_classes = [IsManager]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FileTypeNegotiation

    @extend_schema(
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT, required=True, description=_("보고 연도")),
            OpenApiParameter(
                "format", OpenApiTypes.STR, enum=["xlsx", "csv"], description=_("파일 형식")
            ),
            OpenApiParameter(
                "encoding",
                OpenApiTypes.STR,
                enum=["utf-8", "cp949"],
                description=_("CSV의 문자 인코딩 (cp949: 옛 Excel용)"),
            ),
        ],
        responses={
            (200, XLSX_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("Excel 통합 문서 (A4 가로 인쇄)")
            ),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description=_("CSV (UTF-8, BOM 포함; encoding=cp949이면 BOM 없는 CP949)"),
            ),
            400: ERRORS,
            403: NOT_ALLOWED,
        },
    )
    def get(self, request: Request) -> HttpResponse:
        """The year's report as an Excel workbook (goal table + a sheet per goal) or CSV."""
        query = DownloadQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = year_report(year=query.validated_data["year"])
        extension = query.validated_data["format"]
        if extension == "xlsx":
            response = HttpResponse(exports.report_workbook(report), content_type=XLSX_TYPE)
        elif query.validated_data["encoding"] == "cp949":
            text = exports.report_csv(report).removeprefix("\ufeff")
            response = HttpResponse(
                text.encode("cp949", errors="replace"), content_type=CSV_CP949_TYPE
            )
        else:
            response = HttpResponse(exports.report_csv(report).encode(), content_type=CSV_TYPE)
        response["Content-Disposition"] = exports.attachment_header(
            *exports.report_filename(report, extension)
        )
        return response


# --- rollups ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(responses={200: RollupRunSerializer(many=True), 403: NOT_ALLOWED}),
    retrieve=extend_schema(responses={200: RollupRunSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}),
)
class RollupRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """집계 실행: a manager asks for a month's rollup; a worker runs it."""

    serializer_class = RollupRunSerializer
    permission_classes = [IsManager]
    filterset_class = RollupRunFilter
    ordering_fields = ["created_at"]
    queryset = RollupRun.objects.none()

    def get_queryset(self) -> Any:
        return selectors.rollup_run_list()

    @extend_schema(
        request=RollupRequestSerializer,
        responses={
            202: OpenApiResponse(RollupRunSerializer, description=_("대기열에 넣은 집계 실행")),
            400: ERRORS,
            403: NOT_ALLOWED,
        },
    )
    def create(self, request: Request) -> Response:
        """Start the rollup of a month: 202 with the run; ``GET rollups/{id}/`` shows its state."""
        query = RollupRequestSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        run = tasks.rollup_request(**query.validated_data, requested_by=request.user)
        run = self.get_queryset().get(pk=run.pk)
        location = reverse("kpi-rollup-detail", kwargs={"pk": run.pk})
        return Response(
            RollupRunSerializer(run).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": location},
        )


# --- periods, manual entries, late records ---------------------------------------------------


@extend_schema_view(
    list=extend_schema(responses={200: PeriodSerializer(many=True), 403: NOT_ALLOWED}),
    retrieve=extend_schema(responses={200: PeriodSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}),
)
class PeriodViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """집계 월: when each month was computed and whether it is closed."""

    serializer_class = PeriodSerializer
    permission_classes = [IsManager]
    filterset_class = PeriodFilter
    ordering_fields = ["year", "month"]
    queryset = Period.objects.none()

    def get_queryset(self) -> Any:
        return selectors.period_list()

    @extend_schema(
        request=PeriodCloseSerializer,
        responses={200: PeriodSerializer, 400: ERRORS, 403: NOT_ALLOWED},
    )
    @action(detail=False, methods=["post"])
    def close(self, request: Request) -> Response:
        """Close a computed month: its figures are frozen, and records that arrive for it
        later are listed as late records instead of being counted."""
        query = PeriodCloseSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        period = rollups.month_close(actor=request.user, **query.validated_data)
        return Response(PeriodSerializer(self.get_queryset().get(pk=period.pk)).data)


@extend_schema_view(
    list=extend_schema(responses={200: ManualEntrySerializer(many=True), 403: NOT_ALLOWED}),
    retrieve=extend_schema(
        responses={200: ManualEntrySerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
)
class ManualEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """수기 실적 입력: every entry is kept; the month's figure is the latest entry."""

    serializer_class = ManualEntrySerializer
    permission_classes = [IsManager]
    filterset_class = ManualEntryFilter
    ordering_fields = ["entered_at"]
    queryset = ManualEntry.objects.none()

    def get_queryset(self) -> Any:
        return selectors.manual_entry_list()

    @extend_schema(
        request=ManualEntryCreateSerializer,
        responses={201: ManualEntrySerializer, 400: ERRORS, 403: NOT_ALLOWED},
    )
    def create(self, request: Request) -> Response:
        """Enter a month's figure of a manual measure or unit program, with its evidence."""
        data = ManualEntryCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = rollups.manual_entry_record(actor=request.user, **data.validated_data)
        return Response(
            ManualEntrySerializer(self.get_queryset().get(pk=entry.pk)).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema_view(
    list=extend_schema(responses={200: LateRecordSerializer(many=True), 403: NOT_ALLOWED}),
    retrieve=extend_schema(responses={200: LateRecordSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}),
)
class LateRecordViewSet(viewsets.ReadOnlyModelViewSet):
    """마감 후 도착 기록: records that arrived for a closed month, listed, never counted."""

    serializer_class = LateRecordSerializer
    permission_classes = [IsManager]
    filterset_class = LateRecordFilter
    ordering_fields = ["found_at", "happened_at"]
    queryset = LateRecord.objects.none()

    def get_queryset(self) -> Any:
        return selectors.late_record_list()
