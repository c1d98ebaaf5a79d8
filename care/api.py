from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from care import selectors, services
from care.filters import AssignmentFilter, RecipientFilter
from care.models import AccessLog, Assignment, Program, Recipient, Region, ServiceType
from care.serializers import (
    AssignmentSerializer,
    PossibleDuplicateSerializer,
    ProgramSerializer,
    RecipientSerializer,
    ReferenceDataSerializer,
)
from config.api import RoleModelPermissions, client_ip
from config.viewsets import ServiceWriteViewSet

ERRORS = OpenApiResponse(description=_('입력 오류: {"필드": ["메시지"]}'))
NOT_ALLOWED = OpenApiResponse(description=_("로그인하지 않았거나 이 역할에 허용되지 않음"))
NOT_FOUND = OpenApiResponse(description=_("없거나 볼 수 없는 기록"))


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class ObtainTokenView(APIView):
    """Exchange a username and password for an API token (tablets keep it)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            400: ERRORS,
            403: OpenApiResponse(description=_("로그인 실패가 많아 잠시 잠김")),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # django-axes counts failures from the HttpRequest; a locked account raises 403 here.
        user = authenticate(
            request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": [_("아이디 또는 비밀번호가 올바르지 않습니다.")]}
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class ReferenceDataViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "code"
    pagination_class = None
    search_fields = ["code", "name", "name_en"]

    def get_queryset(self) -> Any:
        return self.queryset.filter(is_active=True)  # type: ignore[union-attr]


class RegionViewSet(ReferenceDataViewSet):
    """시·군 (regions)."""

    queryset = Region.objects.all()
    serializer_class = ReferenceDataSerializer


class ServiceTypeViewSet(ReferenceDataViewSet):
    """돌봄서비스 유형 (service types)."""

    queryset = ServiceType.objects.all()
    serializer_class = ReferenceDataSerializer


class ProgramViewSet(ReferenceDataViewSet):
    """사업 (programs)."""

    queryset = Program.objects.all()
    serializer_class = ProgramSerializer


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
class RecipientViewSet(ServiceWriteViewSet):
    """돌봄대상자 (recipients). Every read and write is written to the access log (접속기록)."""

    serializer_class = RecipientSerializer
    permission_classes = [RoleModelPermissions]
    filterset_class = RecipientFilter
    search_fields = ["name", "phone", "address", "admin_unit"]
    ordering_fields = ["name", "birth_date", "created_at"]
    queryset = Recipient.objects.none()  # for the schema; rows come from get_queryset

    def get_queryset(self) -> Any:
        return selectors.recipient_list(user=self.request.user)

    def _log(self, action: str, recipients: Any) -> None:
        services.access_log_record(
            actor=self.request.user,
            action=action,
            recipients=recipients,
            source_ip=client_ip(self.request),
            path=self.request.path,
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        self._log(AccessLog.Action.VIEW, page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        recipient = self.get_object()
        self._log(AccessLog.Action.VIEW, [recipient])
        return Response(self.get_serializer(recipient).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return super().create(request, *args, **kwargs)
        except services.PossibleDuplicate as duplicate:
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
class AssignmentViewSet(ServiceWriteViewSet):
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
        from volunteers.models import CorpsMember

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


