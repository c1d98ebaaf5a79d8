from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from base.devices.services import tablet_for_credential, tablet_seen
from base.models import AccessLog
from base.services import Named, access_log_record
from base.tokens import token_expires_at, token_issue, token_revoke
from base.twofactor import services as twofactor
from care import matching, selectors, services, visits
from care.filters import (
    AssignmentFilter,
    NoVisitAlertFilter,
    RecipientFilter,
    VisitExceptionFilter,
    VisitFilter,
)
from care.models import Assignment, NoVisitAlert, Recipient, Visit, VisitException
from care.serializers import (
    AssignmentSerializer,
    CorpsMemberSuggestionSerializer,
    NoVisitAlertSerializer,
    PossibleDuplicateSerializer,
    RecipientSerializer,
    SuggestionQuerySerializer,
    VisitChangeSerializer,
    VisitExceptionResolveSerializer,
    VisitExceptionSerializer,
    VisitInputSerializer,
    VisitSerializer,
    VisitSyncRequestSerializer,
    VisitSyncResponseSerializer,
    VisitVoidSerializer,
    recipient_rows_data,
    visit_inputs_parse,
    visit_rows_data,
)
from config.api import (
    ERRORS,
    NOT_ALLOWED,
    NOT_FOUND,
    IsCoordinator,
    RoleModelPermissions,
    client_ip,
)
from config.login import device_credential, second_factor_failed
from config.viewsets import ServiceWriteViewSet
from volunteers.models import CorpsMember


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(
        required=False,
        max_length=20,
        help_text=_(
            "관리자·코디네이터·상담원: 인증 앱의 6자리 코드 또는 복구 코드 (two-factor code)"
        ),
    )
    device = serializers.CharField(
        required=False,
        max_length=200,
        help_text=_(
            "단원: 등록된 태블릿의 기기 인증정보. 태블릿의 브라우저는 쿠키로 보내므로 "
            "비워 둡니다 (an enrolled tablet's credential; a browser sends its cookie)"
        ),
    )


class ObtainTokenView(APIView):
    """Exchange a username and password for an API token (tablets keep it)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer(
                "TokenResponse",
                {
                    "token": serializers.CharField(),
                    "expires_at": serializers.DateTimeField(
                        help_text=_("이 시각 이후에는 401: 다시 로그인해 새 토큰을 받습니다")
                    ),
                },
            ),
            400: ERRORS,
            429: OpenApiResponse(description=_("로그인 실패가 많아 잠시 잠김 (Retry-After)")),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # django-axes counts failures from the HttpRequest; a locked-out login is answered 429
        # by its middleware (config.api.lockout_response).
        user = authenticate(
            request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": [_("아이디 또는 비밀번호가 올바르지 않습니다.")]}
            )
        second_factor_check(request, user, serializer.validated_data)
        token = token_issue(user)
        return Response({"token": token.key, "expires_at": token_expires_at(token)})


def second_factor_check(request: Request, user: Any, data: dict[str, Any]) -> None:
    """The API's half of config.login: a code for the two-factor roles, an enrolled tablet for
    caregivers; a wrong code counts toward the lockout like a wrong password."""
    if twofactor.needs_two_factor(user):
        if twofactor.confirmed_app_device(user) is None:
            raise serializers.ValidationError(
                {"otp": [_("먼저 웹의 로그인 화면에서 2단계 인증을 등록하세요.")]}
            )
        if not data.get("otp"):
            raise serializers.ValidationError(
                {"otp": [_("2단계 인증 코드가 필요합니다 (인증 앱의 6자리 코드).")]}
            )
        if twofactor.second_factor_verify(user, data["otp"]) is None:
            second_factor_failed(request._request, user.get_username())
            raise serializers.ValidationError({"otp": [_("2단계 인증 코드가 맞지 않습니다.")]})
    elif twofactor.needs_enrolled_device(user):
        credential = data.get("device") or device_credential(request._request)
        tablet = tablet_for_credential(credential)
        if tablet is None:
            raise serializers.ValidationError(
                {
                    "device": [
                        _("등록된 태블릿에서만 로그인할 수 있습니다. 코디네이터에게 문의하세요.")
                    ]
                }
            )
        tablet_seen(tablet)


class RevokeTokenView(APIView):
    """Log a script or tablet out: the token of the caller is deleted (401 from then on)."""

    @extend_schema(
        request=None,
        responses={
            204: OpenApiResponse(description=_("토큰을 지웠습니다")),
            401: OpenApiResponse(description=_("인증 정보가 없거나 만료됨")),
        },
    )
    def post(self, request: Request) -> Response:
        token_revoke(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogsRecipientReads:
    """Writes a 접속기록 row for every recipient whose personal data a read shows.

    ``recipient_of`` says where an object's recipient is; a list logs its page in one insert.
    """

    request: Request

    def recipient_of(self, obj: Any) -> Recipient:
        return obj.recipient

    def log_reads(self, objects: Any) -> None:
        recipients = {}
        for obj in objects:
            recipient = self.recipient_of(obj)
            recipients[recipient.pk] = recipient
        access_log_record(
            actor=self.request.user,
            action=AccessLog.Action.VIEW,
            recipients=recipients.values(),
            source_ip=client_ip(self.request),
            path=self.request.path,
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))  # type: ignore[attr-defined]
        self.log_reads(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)  # type: ignore[attr-defined]

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()  # type: ignore[attr-defined]
        self.log_reads([obj])
        return Response(self.get_serializer(obj).data)  # type: ignore[attr-defined]


@extend_schema_view(
    list=extend_schema(responses={200: RecipientSerializer(many=True), 403: NOT_ALLOWED}),
    retrieve=extend_schema(responses={200: RecipientSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}),
    create=extend_schema(
        responses={
            201: RecipientSerializer,
            400: ERRORS,
            403: NOT_ALLOWED,
            409: PossibleDuplicateSerializer,
        }
    ),
    partial_update=extend_schema(
        responses={200: RecipientSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
    update=extend_schema(
        responses={200: RecipientSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
    destroy=extend_schema(responses={204: None, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND}),
)
class RecipientViewSet(LogsRecipientReads, ServiceWriteViewSet):
    """돌봄대상자 (recipients). Every read and write is written to the access log (접속기록)."""

    serializer_class = RecipientSerializer
    permission_classes = [RoleModelPermissions]
    filterset_class = RecipientFilter
    search_fields = ["name", "phone", "address", "admin_unit"]
    ordering_fields = ["name", "birth_date", "created_at"]
    queryset = Recipient.objects.none()  # for the schema; rows come from get_queryset

    def get_queryset(self) -> Any:
        return selectors.recipient_list(user=self.request.user)

    def recipient_of(self, obj: Recipient) -> Recipient:
        return obj

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The page read as rows (``care.selectors.recipient_row_values``) and shown by
        ``recipient_rows_data``: RecipientSerializer's body without a model object per
        recipient and region, as the visits list does."""
        filtered = self.filter_queryset(self.get_queryset())
        values = self.paginator.paginate_rows(
            selectors.recipient_row_values(filtered), counted=filtered, request=request, view=self
        )
        page = selectors.recipient_rows(values)
        access_log_record(
            actor=request.user,
            action=AccessLog.Action.VIEW,
            recipients=[Named(row["id"], row["name"]) for row in page],
            source_ip=client_ip(request),
            path=request.path,
        )
        return self.get_paginated_response(recipient_rows_data(page))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return super().create(request, *args, **kwargs)
        except services.PossibleDuplicate as duplicate:
            # The candidates are personal data shown to the caller: their reading is logged.
            self.log_reads(duplicate.candidates)
            body = {
                "detail": _("같은 이름과 생년월일의 대상자가 이미 있습니다."),
                "confirm_duplicate": [
                    _("다른 사람이 맞으면 confirm_duplicate를 true로 보내 주세요.")
                ],
                "duplicate_candidates": duplicate.candidates,
            }
            return Response(PossibleDuplicateSerializer(body).data, status=status.HTTP_409_CONFLICT)

    def create_object(self, data: dict[str, Any]) -> Recipient:
        return services.recipient_create(
            actor=self.request.user, source_ip=client_ip(self.request), **data
        )

    def update_object(self, instance: Recipient, data: dict[str, Any]) -> Recipient:
        data.pop("confirm_duplicate", None)
        return services.recipient_update(
            actor=self.request.user, recipient=instance, source_ip=client_ip(self.request), **data
        )

    def delete_object(self, instance: Recipient) -> None:
        services.recipient_delete(
            actor=self.request.user, recipient=instance, source_ip=client_ip(self.request)
        )


@extend_schema_view(
    create=extend_schema(responses={201: AssignmentSerializer, 400: ERRORS, 403: NOT_ALLOWED}),
    partial_update=extend_schema(
        responses={200: AssignmentSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
    retrieve=extend_schema(responses={200: AssignmentSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}),
)
class AssignmentViewSet(LogsRecipientReads, ServiceWriteViewSet):
    """배정 (assignments of recipients to corps members)."""

    serializer_class = AssignmentSerializer
    permission_classes = [RoleModelPermissions]
    filterset_class = AssignmentFilter
    ordering_fields = ["starts_on", "created_at"]
    queryset = Assignment.objects.none()

    def get_queryset(self) -> Any:
        return selectors.assignment_list(user=self.request.user)

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        serializer = super().get_serializer(*args, **kwargs)
        # Only recipients and corps members the user can see may be named in a write.
        if hasattr(serializer, "fields") and not kwargs.get("many"):
            user = self.request.user
            serializer.fields["recipient"].queryset = Recipient.objects.visible_to(user)
            serializer.fields["corps_member"].queryset = CorpsMember.objects.visible_to(user)
        return serializer

    def create_object(self, data: dict[str, Any]) -> Assignment:
        return services.assignment_create(
            actor=self.request.user, source_ip=client_ip(self.request), **data
        )

    def update_object(self, instance: Assignment, data: dict[str, Any]) -> Assignment:
        data.pop("recipient", None)
        return services.assignment_update(
            actor=self.request.user, assignment=instance, source_ip=client_ip(self.request), **data
        )

    def delete_object(self, instance: Assignment) -> None:
        services.assignment_delete(
            actor=self.request.user, assignment=instance, source_ip=client_ip(self.request)
        )


class VisitViewSet(LogsRecipientReads, viewsets.ReadOnlyModelViewSet):
    """방문기록 (visits). POST with a known ``client_uuid`` returns the stored visit, never a
    second one; a caregiver reads and writes only their own visits."""

    serializer_class = VisitSerializer
    permission_classes = [RoleModelPermissions]
    filterset_class = VisitFilter
    ordering_fields = ["started_at", "created_at"]
    queryset = Visit.objects.none()

    def get_queryset(self) -> Any:
        return selectors.visit_list(user=self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The page read as rows (``care.visits.visit_row_values``) and shown by
        ``visit_rows_data``, as the sync's answer is: the same body as VisitSerializer's,
        without a model object per visit, recipient, member, program and user. The
        coordinators' list of visits waiting for review is their most frequent request."""
        filtered = self.filter_queryset(self.get_queryset())
        rows = self.paginator.paginate_rows(
            visits.visit_row_values(filtered), counted=filtered, request=request, view=self
        )
        page = visits.visit_rows_with_related(rows)
        access_log_record(
            actor=request.user,
            action=AccessLog.Action.VIEW,
            recipients={
                row["recipient_id"]: Named(row["recipient_id"], row["recipient__name"])
                for row in page
            }.values(),
            source_ip=client_ip(request),
            path=request.path,
        )
        return self.get_paginated_response(visit_rows_data(page))

    def _render(self, visit: Visit, status_code: int) -> Response:
        visit = self.get_queryset().get(pk=visit.pk)
        return Response(VisitSerializer(visit).data, status=status_code)

    @extend_schema(
        request=VisitInputSerializer,
        responses={
            201: VisitSerializer,
            200: OpenApiResponse(VisitSerializer, description=_("같은 client_uuid의 기존 기록")),
            409: OpenApiResponse(
                VisitSerializer, description=_("같은 client_uuid에 다른 내용: 저장된 기록")
            ),
            400: ERRORS,
            403: NOT_ALLOWED,
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = VisitInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit, outcome = visits.visit_record(
            actor=request.user, item=serializer.to_input(), source_ip=client_ip(request)
        )
        status_code = {
            "created": status.HTTP_201_CREATED,
            "existing": status.HTTP_200_OK,
            "conflict": status.HTTP_409_CONFLICT,
        }[outcome]
        return self._render(visit, status_code)

    @extend_schema(
        request=VisitChangeSerializer,
        responses={200: VisitSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        visit = self.get_object()
        serializer = VisitChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit = visits.visit_update(
            actor=request.user,
            visit=visit,
            changes=serializer.to_changes(),
            source_ip=client_ip(request),
        )
        return self._render(visit, status.HTTP_200_OK)

    @extend_schema(
        request=VisitSyncRequestSerializer,
        responses={200: VisitSyncResponseSerializer, 400: ERRORS, 403: NOT_ALLOWED},
    )
    @action(detail=False, methods=["post"])
    def sync(self, request: Request) -> Response:
        """A tablet's outbox: up to 500 visits; one result per item, in input order."""
        envelope = VisitSyncRequestSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        items = visit_inputs_parse(envelope.validated_data["visits"])
        results = visits.visit_sync(actor=request.user, items=items, source_ip=client_ip(request))
        # The visits as the sync wrote or found them: reading them back was a third of its time.
        shown = iter(visit_rows_data([r.visit_row for r in results if r.visit_row is not None]))
        body = []
        for result in results:
            entry: dict[str, Any] = {
                "index": result.index,
                "client_uuid": str(result.client_uuid) if result.client_uuid else None,
                "status": result.status,
            }
            if result.visit_row is not None:
                entry["visit"] = next(shown)
            if result.errors:
                entry["errors"] = result.errors
            body.append(entry)
        summary = {key: 0 for key in ("created", "existing", "conflict", "error")}
        for result in results:
            summary[result.status] += 1
        return Response({"results": body, "summary": summary})

    @extend_schema(
        request=None,
        responses={200: VisitSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsCoordinator])
    def verify(self, request: Request, pk: str | None = None) -> Response:
        """A coordinator confirms the visit (제출 → 확인)."""
        visit = visits.visit_verify(actor=request.user, visit=self.get_object())
        return self._render(visit, status.HTTP_200_OK)

    @extend_schema(
        request=VisitVoidSerializer,
        responses={200: VisitSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsCoordinator])
    def void(self, request: Request, pk: str | None = None) -> Response:
        """A coordinator voids the visit with a reason; void visits never count."""
        serializer = VisitVoidSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit = visits.visit_void(
            actor=request.user, visit=self.get_object(), reason=serializer.validated_data["reason"]
        )
        return self._render(visit, status.HTTP_200_OK)


class VisitExceptionViewSet(LogsRecipientReads, viewsets.ReadOnlyModelViewSet):
    """방문 예외: what a coordinator must look at; resolving one needs a reason."""

    serializer_class = VisitExceptionSerializer
    permission_classes = [IsCoordinator]
    filterset_class = VisitExceptionFilter
    queryset = VisitException.objects.none()

    def get_queryset(self) -> Any:
        return selectors.visit_exception_list(user=self.request.user)

    def recipient_of(self, obj: VisitException) -> Recipient:
        return obj.visit.recipient

    @extend_schema(
        request=VisitExceptionResolveSerializer,
        responses={200: VisitExceptionSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        serializer = VisitExceptionResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        exception = visits.visit_exception_resolve(
            actor=request.user,
            exception=self.get_object(),
            resolution=serializer.validated_data["resolution"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=exception.pk)).data)


class NoVisitAlertViewSet(LogsRecipientReads, viewsets.ReadOnlyModelViewSet):
    """미방문 알림: recipients with an active assignment and no visit for 7 days (daily task)."""

    serializer_class = NoVisitAlertSerializer
    permission_classes = [IsCoordinator]
    filterset_class = NoVisitAlertFilter
    queryset = NoVisitAlert.objects.none()

    def get_queryset(self) -> Any:
        # With ?as_of= the filter picks the day; without it, the newest day's alerts.
        if "as_of" in self.request.query_params:
            return selectors.no_visit_alert_list(latest_only=False)
        return selectors.no_visit_alert_list(latest_only=True)


class SuggestedVolunteersView(APIView):
    """Corps members suggested for a recipient, best first, each with the reasons why."""

    permission_classes = [IsCoordinator]

    @extend_schema(
        operation_id="recipients_suggested_volunteers",
        parameters=[
            OpenApiParameter(
                "weekdays",
                OpenApiTypes.STR,
                description=_(
                    "이 요일에 모두 활동 가능한 단원을 앞에 둠; 쉼표로 구분한 "
                    "mon tue wed thu fri sat sun (예: mon,wed)"
                ),
            ),
            OpenApiParameter("limit", OpenApiTypes.INT, description=_("최대 건수 (1–50, 기본 10)")),
        ],
        responses={
            200: CorpsMemberSuggestionSerializer(many=True),
            400: ERRORS,
            403: NOT_ALLOWED,
            404: NOT_FOUND,
        },
        tags=["recipients"],
    )
    def get(self, request: Request, pk: int) -> Response:
        """Ranked: same 시·군, needs covered, free on the weekdays, fewest current recipients."""
        query = SuggestionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        recipient = get_object_or_404(
            Recipient.objects.visible_to(request.user).prefetch_related("needs"), pk=pk
        )
        suggestions = matching.corps_member_suggestions(
            recipient=recipient,
            weekdays=query.validated_data.get("weekdays"),
            limit=query.validated_data["limit"],
        )
        return Response(CorpsMemberSuggestionSerializer(suggestions, many=True).data)
