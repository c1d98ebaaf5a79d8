"""/api/v1/recipients/{recipient_pk}/consents/ (list, create, withdraw) and
/api/v1/consent-texts/.

Thin: input through a serializer, one service or selector, the record re-read for the answer.
A list of a person's consents is a read of their record: it goes to the access log, as
recipient reads do; writes are logged by the services.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from base.models import AccessLog
from base.roles import ROLES
from base.services import access_log_record
from care.consent import selectors, services, texts
from care.consent.models import CONSENT_ROLES, ConsentRecord
from care.consent.serializers import (
    ConsentCreateSerializer,
    ConsentRecordSerializer,
    ConsentTextSerializer,
    ConsentWithdrawSerializer,
)
from care.models import Recipient
from config.api import ERRORS, NOT_ALLOWED, NOT_FOUND, HasRole, client_ip


class TakesConsent(HasRole):
    roles = CONSENT_ROLES


class AnyStaff(HasRole):
    roles = ROLES


RECIPIENT = OpenApiParameter(
    "recipient_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="돌봄대상자 id"
)


@extend_schema_view(
    list=extend_schema(
        parameters=[RECIPIENT],
        responses={200: ConsentRecordSerializer(many=True), 403: NOT_ALLOWED, 404: NOT_FOUND},
    ),
    create=extend_schema(
        parameters=[RECIPIENT],
        request=ConsentCreateSerializer,
        responses={201: ConsentRecordSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    ),
)
class RecipientConsentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """항목별 동의 of one recipient: collection_use, sensitive, third_party; each record with the
    text version shown, the day, how it was given and by whom; withdrawal on the same record."""

    permission_classes = [TakesConsent]
    serializer_class = ConsentRecordSerializer
    filter_backends: list[Any] = []  # one person's few records: no search or ordering
    queryset = ConsentRecord.objects.none()

    def recipient(self) -> Recipient:
        if not hasattr(self, "_recipient"):
            self._recipient = get_object_or_404(
                Recipient.objects.visible_to(self.request.user), pk=self.kwargs["recipient_pk"]
            )
        return self._recipient

    def get_queryset(self) -> Any:
        return selectors.consent_list(user=self.request.user, recipient=self.recipient())

    def _log_read(self) -> None:
        access_log_record(
            actor=self.request.user,
            action=AccessLog.Action.VIEW,
            recipients=[self.recipient()],
            source_ip=client_ip(self.request),
            path=self.request.path,
        )

    def _render(self, record: ConsentRecord, status_code: int) -> Response:
        record = self.get_queryset().get(pk=record.pk)
        return Response(ConsentRecordSerializer(record).data, status=status_code)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        self._log_read()
        return self.get_paginated_response(ConsentRecordSerializer(page, many=True).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        recipient = self.recipient()
        serializer = ConsentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.consent_record(
            actor=request.user, recipient=recipient, source_ip=client_ip(request),
            **serializer.validated_data,
        )  # fmt: skip
        return self._render(record, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[RECIPIENT],
        request=ConsentWithdrawSerializer,
        responses={200: ConsentRecordSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """동의 철회: takes effect at once (a referral needing the item is refused)."""
        record = self.get_object()
        serializer = ConsentWithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.consent_withdraw(
            actor=request.user, record=record, source_ip=client_ip(request),
            **serializer.validated_data,
        )  # fmt: skip
        return self._render(record, status.HTTP_200_OK)


@extend_schema_view(
    list=extend_schema(responses={200: ConsentTextSerializer(many=True), 403: NOT_ALLOWED})
)
class ConsentTextViewSet(viewsets.GenericViewSet):
    """동의문: every published version of each item (never edited; a change is a new version)
    with ``current`` marking the one shown today."""

    permission_classes = [AnyStaff]
    serializer_class = ConsentTextSerializer
    filter_backends: list[Any] = []
    # The texts are code (care/consent/texts.py), not rows: an empty queryset of the records
    # they belong to, only so that the schema generator finds a model.
    queryset = ConsentRecord.objects.none()

    def list(self, request: Request) -> Response:
        rows = [ConsentTextSerializer.row(text) for text in texts.VERSIONS.values()]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ConsentTextSerializer(page, many=True).data)
