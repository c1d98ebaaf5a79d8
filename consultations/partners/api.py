"""/api/v1/agreements/: partner agreements (협약) and their signed copies.

Counselors, coordinators and administrators read; counselors and administrators write. All
JSON, except the one upload of the signed copy (multipart, declared in the schema); its
download goes through this API's access check, never a public media address.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from base.roles import has_role
from config.api import ERRORS, NOT_ALLOWED, NOT_FOUND
from consultations.partners import selectors, services
from consultations.partners.filters import AgreementFilter
from consultations.partners.models import Agreement
from consultations.partners.serializers import (
    AgreementInputSerializer,
    AgreementSerializer,
    AgreementUpdateSerializer,
    SignedFileUploadSerializer,
)


class AgreementAccess(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        roles = (
            selectors.READERS if request.method in permissions.SAFE_METHODS else selectors.WRITERS
        )
        return has_role(request.user, *roles)


@extend_schema_view(
    list=extend_schema(
        responses={200: AgreementSerializer(many=True), 400: ERRORS, 403: NOT_ALLOWED}
    ),
    retrieve=extend_schema(responses={200: AgreementSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}),
    create=extend_schema(
        request=AgreementInputSerializer,
        responses={201: AgreementSerializer, 400: ERRORS, 403: NOT_ALLOWED},
    ),
    partial_update=extend_schema(
        request=AgreementUpdateSerializer,
        responses={200: AgreementSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    ),
)
class AgreementViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """협약. ``status`` is derived (active, expiring: renewal due within 60 days, expired);
    ``renewal_due=true`` lists those due for renewal. An agreement ends, it is not deleted."""

    serializer_class = AgreementSerializer
    permission_classes = [AgreementAccess]
    filterset_class = AgreementFilter
    ordering_fields = ["signed_on", "starts_on", "ends_on", "renewal_due_on"]
    queryset = Agreement.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.agreement_list(user=self.request.user)

    def _render(self, agreement: Agreement, status_code: int = status.HTTP_200_OK) -> Response:
        agreement = self.get_queryset().get(pk=agreement.pk)
        return Response(AgreementSerializer(agreement).data, status=status_code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = AgreementInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agreement = services.agreement_create(actor=request.user, **serializer.validated_data)
        return self._render(agreement, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        agreement = self.get_object()
        serializer = AgreementUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        agreement = services.agreement_update(
            actor=request.user, agreement=agreement, **serializer.validated_data
        )
        return self._render(agreement)

    @extend_schema(
        request={"multipart/form-data": SignedFileUploadSerializer},
        responses={200: AgreementSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="signed-file", parser_classes=[MultiPartParser])
    def signed_file(self, request: Request, pk: str | None = None) -> Response:
        """Upload the signed copy (PDF or image, at most 10 MB; multipart, field
        ``signed_file``). A second upload replaces the first."""
        agreement = self.get_object()
        serializer = SignedFileUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agreement = services.agreement_attach_file(
            actor=request.user, agreement=agreement, upload=serializer.validated_data["signed_file"]
        )
        return self._render(agreement)

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("협약서 사본 (PDF 또는 이미지)")
            ),
            403: NOT_ALLOWED,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get"], url_path="signed-file/download")
    def signed_file_download(self, request: Request, pk: str | None = None) -> FileResponse:
        """The signed copy, to those who may read agreements."""
        agreement = self.get_object()
        if not agreement.signed_file:
            raise exceptions.NotFound(_("협약서 사본이 없습니다."))
        handle = agreement.signed_file.open("rb")
        suffix = agreement.signed_file.name.rsplit(".", 1)[-1]
        return FileResponse(
            handle,
            as_attachment=True,
            filename=agreement.signed_file_name or f"agreement-{agreement.pk}.{suffix}",
        )
