"""/api/v1/consultations/, /api/v1/referrals/ and /api/v1/follow-up-alerts/: the care
information desk's records of whom it spoke to, where it sent them, and what is overdue."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from care.api import LogsRecipientReads
from care.models import Recipient
from config.api import ERRORS, NOT_ALLOWED, NOT_FOUND, RoleModelPermissions, client_ip
from config.viewsets import ServiceWriteViewSet
from consultations import consultation_selectors as selectors
from consultations import services
from consultations.consultation_filters import (
    ConsultationFilter,
    FollowUpAlertFilter,
    ReferralFilter,
)
from consultations.consultation_serializers import (
    ConsultationSerializer,
    FollowUpAlertSerializer,
    ReferralCreateSerializer,
    ReferralSerializer,
    ReferralTransitionSerializer,
)
from consultations.models import Consultation, FollowUpAlert, Referral


class ChangesByPost(RoleModelPermissions):
    """For actions that change an existing record through POST: they need the model's change
    permission, not its add permission (a coordinator who only reads may not use them)."""

    perms_map = {**RoleModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


class LogsLinkedRecipientReads(LogsRecipientReads):
    """Access-logs the reads of records that name a registered recipient.

    A consultation with someone who is not a recipient (or anonymous) shows no registered
    person's data, so it writes no 접속기록 row.
    """

    def log_reads(self, objects: Any) -> None:
        linked = [obj for obj in objects if self.recipient_of(obj) is not None]
        if linked:
            super().log_reads(linked)


@extend_schema_view(
    list=extend_schema(
        responses={200: ConsultationSerializer(many=True), 400: ERRORS, 403: NOT_ALLOWED}
    ),
    retrieve=extend_schema(
        responses={200: ConsultationSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
    create=extend_schema(responses={201: ConsultationSerializer, 400: ERRORS, 403: NOT_ALLOWED}),
    partial_update=extend_schema(
        responses={200: ConsultationSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
)
class ConsultationViewSet(LogsLinkedRecipientReads, ServiceWriteViewSet):
    """상담기록 (consultations). Counselors write, coordinators read; a consultation is never
    deleted. Reads of a consultation with a registered recipient are access-logged."""

    serializer_class = ConsultationSerializer
    permission_classes = [RoleModelPermissions]
    filterset_class = ConsultationFilter
    search_fields = ["person_name", "summary"]
    ordering_fields = ["held_at", "created_at", "follow_up_on"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = Consultation.objects.none()  # for the schema; rows come from get_queryset

    def get_queryset(self) -> Any:
        return selectors.consultation_list(user=self.request.user)

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        serializer = super().get_serializer(*args, **kwargs)
        # Only recipients the caller can see may be named in a write.
        if hasattr(serializer, "fields") and not kwargs.get("many"):
            serializer.fields["recipient"].queryset = Recipient.objects.visible_to(
                self.request.user
            )
        return serializer

    def create_object(self, data: dict[str, Any]) -> Consultation:
        return services.consultation_record(
            actor=self.request.user, source_ip=client_ip(self.request), **data
        )

    def update_object(self, instance: Consultation, data: dict[str, Any]) -> Consultation:
        return services.consultation_update(
            actor=self.request.user,
            consultation=instance,
            source_ip=client_ip(self.request),
            **data,
        )

    @extend_schema(
        request=None,
        responses={200: ConsultationSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="follow-up-done",
        permission_classes=[ChangesByPost],
    )
    def follow_up_done(self, request: Request, pk: str | None = None) -> Response:
        """The planned follow-up happened (추후 상담 완료): the desk stops listing it."""
        consultation = services.consultation_follow_up_done(
            actor=request.user, consultation=self.get_object()
        )
        return self._render(consultation, status.HTTP_200_OK)


@extend_schema_view(
    list=extend_schema(
        responses={200: ReferralSerializer(many=True), 400: ERRORS, 403: NOT_ALLOWED}
    ),
    retrieve=extend_schema(responses={200: ReferralSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}),
)
class ReferralViewSet(viewsets.ReadOnlyModelViewSet):
    """의뢰 (referrals of a consulted person to welfare resources) and their state history.

    No personal data is shown here, only the consultation's id, so reads are not logged.
    """

    serializer_class = ReferralSerializer
    permission_classes = [RoleModelPermissions]
    filterset_class = ReferralFilter
    ordering_fields = ["created_at", "follow_up_on"]
    queryset = Referral.objects.none()

    def get_queryset(self) -> Any:
        return selectors.referral_list(user=self.request.user)

    def _render(self, referral: Referral, status_code: int) -> Response:
        referral = self.get_queryset().get(pk=referral.pk)
        return Response(ReferralSerializer(referral).data, status=status_code)

    @extend_schema(
        request=ReferralCreateSerializer,
        responses={201: ReferralSerializer, 400: ERRORS, 403: NOT_ALLOWED},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Refer the person to a resource. An identified person needs recorded consent to
        share their data (400 ``{"consent": [...]}`` without it)."""
        serializer = ReferralCreateSerializer(data=request.data)
        serializer.fields["consultation"].queryset = Consultation.objects.visible_to(request.user)
        serializer.is_valid(raise_exception=True)
        referral = services.referral_create(actor=request.user, **serializer.validated_data)
        return self._render(referral, status.HTTP_201_CREATED)

    @extend_schema(
        request=ReferralTransitionSerializer,
        responses={200: ReferralSerializer, 400: ERRORS, 403: NOT_ALLOWED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], permission_classes=[ChangesByPost])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Move the referral on: referred → accepted / declined → linked, or closed. Declining
        and closing need a reason; linking marks the consultation linked."""
        referral = self.get_object()
        serializer = ReferralTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        referral = services.referral_transition(
            actor=request.user, referral=referral, **serializer.validated_data
        )
        return self._render(referral, status.HTTP_200_OK)


@extend_schema_view(
    list=extend_schema(
        responses={200: FollowUpAlertSerializer(many=True), 400: ERRORS, 403: NOT_ALLOWED}
    ),
    retrieve=extend_schema(
        responses={200: FollowUpAlertSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}
    ),
)
class FollowUpAlertViewSet(LogsLinkedRecipientReads, viewsets.ReadOnlyModelViewSet):
    """추후 관리 알림: consultations and referrals whose follow-up date passed without an
    update, as the daily task found them. Without ``as_of``, the newest day's alerts."""

    serializer_class = FollowUpAlertSerializer
    permission_classes = [RoleModelPermissions]
    filterset_class = FollowUpAlertFilter
    queryset = FollowUpAlert.objects.none()

    def get_queryset(self) -> Any:
        # With ?as_of= the filter picks the day; without it, the newest day's alerts. A detail
        # read finds any day's alert.
        latest_only = self.action == "list" and "as_of" not in self.request.query_params
        return selectors.follow_up_alert_list(user=self.request.user, latest_only=latest_only)

    def recipient_of(self, obj: FollowUpAlert) -> Recipient | None:  # type: ignore[override]
        return obj.consultation.recipient
