"""/api/v1/activity-statements/ and /api/v1/program-spend/: thin views over the selectors.

The statement is the basis of pay and names people: coordinators and administrators read
every corps member's row, a caregiver only their own, a manager none (they read the spend,
which is aggregates only).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from base.exports import PURPOSE_PARAMETERS, purpose_from_query
from base.roles import ADMINISTRATOR, CAREGIVER, COORDINATOR, MANAGER
from care.statements import selectors, services
from care.statements.serializers import (
    MonthQuerySerializer,
    ProgramSpendSerializer,
    StatementQuerySerializer,
    StatementRowSerializer,
)
from config.api import ERRORS, NOT_ALLOWED, HasRole, client_ip
from config.downloads import XLSX_TYPE, FileTypeNegotiation, attachment_header


class ReadsStatements(HasRole):
    roles = (COORDINATOR, ADMINISTRATOR, CAREGIVER)


class ReadsSpend(HasRole):
    roles = (COORDINATOR, ADMINISTRATOR, MANAGER)


class ActivityStatementView(APIView):
    """활동 실적: per corps member and Seoul month, days worked, visits, service minutes,
    recipients, straight-line travel, unscheduled and missed visits (void never counts)."""

    permission_classes = [ReadsStatements]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FileTypeNegotiation

    @extend_schema(
        operation_id="activity_statements",
        parameters=[StatementQuerySerializer, *PURPOSE_PARAMETERS],
        responses={
            200: StatementRowSerializer(many=True),
            (200, XLSX_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY,
                description=_(
                    "format=xlsx: 요약 시트 + 단원별 시트 (A4 가로 인쇄). 대상자 이름이 들어 "
                    "있어 purpose(출력 목적)가 필수이고, 대상자마다 접속기록에 출력으로 남음"
                ),
            ),
            400: ERRORS,
            403: NOT_ALLOWED,
        },
        tags=["activity-statements"],
    )
    def get(self, request: Request) -> Response | HttpResponse:
        query = StatementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year, month = query.validated_data["year"], query.validated_data["month"]
        if query.validated_data["format"] != "xlsx":
            member_ids = selectors.statement_member_ids(request.user)
            rows = selectors.activity_statement(year=year, month=month, corps_member_ids=member_ids)
            return Response(StatementRowSerializer(rows, many=True).data)
        # The workbook names every recipient visited: it is made only with a purpose.
        made = services.statement_download(
            actor=request.user,
            year=year,
            month=month,
            purpose=purpose_from_query(request.query_params),
            source_ip=client_ip(request),
            path=request.get_full_path(),
        )
        response = HttpResponse(made.body, content_type=XLSX_TYPE)
        response["Content-Disposition"] = attachment_header(made.filename, made.fallback)
        return response


class ProgramSpendView(APIView):
    """사업별 집행: delivered hours × the hourly unit cost, split into 국비/도비 by each
    episode's share, for the month and the year to date, beside the program's budget."""

    permission_classes = [ReadsSpend]

    @extend_schema(
        operation_id="program_spend",
        parameters=[MonthQuerySerializer],
        responses={200: ProgramSpendSerializer(many=True), 400: ERRORS, 403: NOT_ALLOWED},
        tags=["program-spend"],
    )
    def get(self, request: Request) -> Response:
        query = MonthQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.program_spend(**query.validated_data)
        return Response(ProgramSpendSerializer(rows, many=True).data)
