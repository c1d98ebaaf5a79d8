"""/api/v1/questionnaires/, /api/v1/satisfaction-responses/ and /api/v1/satisfaction-results/.

Who: coordinators and administrators record and read every response (comments included);
a caregiver records the closure survey of their own recipient's episode and reads the ones
they recorded, without the comments; managers read the results only (aggregates, no text).
Reads of responses are written to the access log.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from base.roles import ROLES, has_role
from care.api import LogsRecipientReads
from care.models import Recipient
from care.satisfaction import selectors, services
from care.satisfaction.filters import SatisfactionResponseFilter
from care.satisfaction.models import Questionnaire, SatisfactionResponse
from care.satisfaction.serializers import (
    QuestionnaireSerializer,
    ResultsQuerySerializer,
    ResultsSerializer,
    SatisfactionResponseInputSerializer,
    SatisfactionResponseSerializer,
    flat_errors,
)
from config.api import ERRORS, NOT_ALLOWED, NOT_FOUND, HasRole, client_ip

RECORDERS = ("coordinator", "administrator", "caregiver")
RESULT_READERS = ("coordinator", "administrator", "manager")


class AnyStaff(HasRole):
    roles = ROLES


class MayRecordSurveys(HasRole):
    roles = RECORDERS


class MayReadResults(HasRole):
    roles = RESULT_READERS


@extend_schema_view(
    list=extend_schema(responses={200: QuestionnaireSerializer(many=True), 403: NOT_ALLOWED}),
    retrieve=extend_schema(
        responses={200: QuestionnaireSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
)
class QuestionnaireViewSet(viewsets.ReadOnlyModelViewSet):
    """만족도 설문지: the published versions with their questions and scales."""

    serializer_class = QuestionnaireSerializer
    permission_classes = [AnyStaff]
    filterset_fields = ["code", "is_active"]
    queryset = Questionnaire.objects.none()

    def get_queryset(self) -> Any:
        return selectors.questionnaire_list()


@extend_schema_view(
    list=extend_schema(
        responses={200: SatisfactionResponseSerializer(many=True), 403: NOT_ALLOWED}
    ),
    retrieve=extend_schema(
        responses={200: SatisfactionResponseSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
    create=extend_schema(
        request=SatisfactionResponseInputSerializer,
        responses={
            200: SatisfactionResponseSerializer,
            201: SatisfactionResponseSerializer,
            400: ERRORS,
            403: NOT_ALLOWED,
        },
        description=(
            "만족도 응답과 답변을 한 번에 기록합니다. 같은 client_uuid로 다시 보내면 저장된 "
            "응답을 200으로 돌려줍니다. 오류는 answers[2].score 같은 필드 이름으로 옵니다."
        ),
    ),
)
class SatisfactionResponseViewSet(
    LogsRecipientReads,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """만족도 응답: recorded at closure or at the after-care call."""

    serializer_class = SatisfactionResponseSerializer
    permission_classes = [MayRecordSurveys]
    filterset_class = SatisfactionResponseFilter
    ordering_fields = ["answered_on", "overall_score"]
    queryset = SatisfactionResponse.objects.none()

    def get_queryset(self) -> Any:
        return selectors.response_list(user=self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["comments"] = has_role(self.request.user, "coordinator", "administrator")
        return context

    def recipient_of(self, obj: SatisfactionResponse) -> Recipient:
        return obj.episode.recipient

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = SatisfactionResponseInputSerializer(data=request.data)
        if not serializer.is_valid():
            raise ValidationError(flat_errors(serializer.errors))
        data = dict(serializer.validated_data)
        data["answers"] = [dict(answer) for answer in data["answers"]]
        response, created = services.satisfaction_response_record(
            actor=request.user,  # type: ignore[arg-type]
            source_ip=client_ip(request),
            **data,
        )
        response = self.get_queryset().get(pk=response.pk)
        return Response(
            self.get_serializer(response).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class SatisfactionResultsView(APIView):
    """만족도 결과: responses and mean scores per program, 시·군 or corps member, for a month
    or a year. Aggregates only: no free text, no person."""

    permission_classes = [permissions.IsAuthenticated, MayReadResults]

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="연도 (기본: 올해)"),
            OpenApiParameter("month", int, description="월 (없으면 한 해 전체)"),
            OpenApiParameter(
                "by", str, enum=list(selectors.GROUPINGS), description="묶음 (기본: program)"
            ),
        ],
        responses={200: ResultsSerializer, 400: ERRORS, 403: NOT_ALLOWED},
    )
    def get(self, request: Request) -> Response:
        query = ResultsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        results = selectors.satisfaction_results(**query.validated_data)
        return Response(ResultsSerializer(results).data)
