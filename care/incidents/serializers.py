"""Incidents on the API: what is read (the reporter hidden where the law protects them) and
the input of the report and of each desk action."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from base.roles import has_role
from base.validators import PERSON_NAME_MAX_LENGTH
from care.incidents.models import (
    Incident,
    IncidentExternalReport,
    IncidentFollowUp,
    ReportingLine,
)
from care.incidents.selectors import may_see_reporter
from care.models import Recipient, Visit


class ReportingLineSerializer(serializers.ModelSerializer):
    target_group_display = serializers.CharField(source="get_target_group_display", read_only=True)

    class Meta:
        model = ReportingLine
        fields = ["id", "target_group", "target_group_display", "agency", "phone", "sort_order"]
        read_only_fields = fields


class IncidentFollowUpSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = IncidentFollowUp
        fields = ["id", "at", "author", "text"]
        read_only_fields = fields


class IncidentExternalReportSerializer(serializers.ModelSerializer):
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = IncidentExternalReport
        fields = [
            "id", "agency", "reported_at", "person", "receipt_number", "recorded_by",
            "recorded_at",
        ]  # fmt: skip
        read_only_fields = fields


class IncidentSerializer(serializers.ModelSerializer):
    """An incident. On a suspected abuse or neglect report, ``reporter``, ``corps_member``,
    ``corps_member_name`` and ``visit`` (which would name the reporter) are null for everyone
    but administrators and the reporter, and ``reporter_hidden`` says so."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    recipient_name = serializers.SerializerMethodField()
    region = serializers.SerializerMethodField()
    reporter = serializers.SerializerMethodField()
    reporter_hidden = serializers.SerializerMethodField()
    corps_member = serializers.SerializerMethodField()
    corps_member_name = serializers.SerializerMethodField()
    visit = serializers.SerializerMethodField()
    acknowledged_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    closed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    reporting_line = ReportingLineSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Incident
        fields = [
            "id", "client_uuid", "kind", "kind_display", "state", "state_display",
            "recipient", "recipient_name", "region", "episode", "visit", "reporter",
            "reporter_hidden", "corps_member", "corps_member_name", "occurred_at",
            "late_reason", "place", "what_happened", "action_taken", "who_was_told",
            "reporting_line", "reported_to_line_at", "reported_at", "acknowledged_at",
            "acknowledged_by", "escalated_at", "outcome", "closed_at", "closed_by",
        ]  # fmt: skip
        read_only_fields = fields

    def _shows_reporter(self, incident: Incident) -> bool:
        request = self.context.get("request")
        if request is None:
            return False
        if "is_administrator" not in self.context:
            # Asked once per answer, not once per row (the context is the list's).
            self.context["is_administrator"] = has_role(request.user, "administrator")
        return may_see_reporter(
            request.user, incident, is_administrator=self.context["is_administrator"]
        )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_recipient_name(self, incident: Incident) -> str | None:
        return incident.recipient.name if incident.recipient_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_region(self, incident: Incident) -> str | None:
        return incident.recipient.region.code if incident.recipient_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_reporter(self, incident: Incident) -> str | None:
        return incident.reporter.get_username() if self._shows_reporter(incident) else None

    @extend_schema_field(serializers.BooleanField())
    def get_reporter_hidden(self, incident: Incident) -> bool:
        return not self._shows_reporter(incident)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_corps_member(self, incident: Incident) -> int | None:
        return incident.corps_member_id if self._shows_reporter(incident) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_corps_member_name(self, incident: Incident) -> str | None:
        if not self._shows_reporter(incident) or incident.corps_member_id is None:
            return None
        return incident.corps_member.name

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_visit(self, incident: Incident) -> int | None:
        return incident.visit_id if self._shows_reporter(incident) else None


class IncidentDetailSerializer(IncidentSerializer):
    follow_ups = IncidentFollowUpSerializer(many=True, read_only=True)
    external_reports = IncidentExternalReportSerializer(many=True, read_only=True)

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "follow_ups", "external_reports"]
        read_only_fields = fields


class IncidentReportSerializer(serializers.Serializer):
    """A report, as the tablet's outbox sends it (or a coordinator on the phone)."""

    client_uuid = serializers.UUIDField(help_text=_("태블릿이 만든 기록 ID (멱등 키)"))
    kind = serializers.ChoiceField(choices=Incident.Kind.choices)
    occurred_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=200)
    what_happened = serializers.CharField(max_length=4000)
    action_taken = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    who_was_told = serializers.CharField(max_length=500, required=False, allow_blank=True)
    late_reason = serializers.CharField(max_length=500, required=False, allow_blank=True)
    recipient = serializers.PrimaryKeyRelatedField(
        queryset=Recipient.objects.all(), required=False, allow_null=True
    )
    visit = serializers.PrimaryKeyRelatedField(
        queryset=Visit.objects.all(), required=False, allow_null=True
    )
    visit_client_uuid = serializers.UUIDField(
        required=False, allow_null=True, help_text=_("신고한 방문의 태블릿 기록 ID")
    )
    reporting_line = serializers.PrimaryKeyRelatedField(
        queryset=ReportingLine.objects.filter(is_active=True), required=False, allow_null=True
    )
    reported_to_line_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text=_("신고 전화를 했다고 확인한 일시")
    )


class FollowUpInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)


class ExternalReportInputSerializer(serializers.Serializer):
    agency = serializers.CharField(max_length=100)
    reported_at = serializers.DateTimeField()
    person = serializers.CharField(
        max_length=PERSON_NAME_MAX_LENGTH, required=False, allow_blank=True
    )
    receipt_number = serializers.CharField(max_length=50, required=False, allow_blank=True)


class CloseInputSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=4000)


def report_input(data: dict[str, Any]) -> dict[str, Any]:
    """The service's keyword arguments from a validated report."""
    return {key: value for key, value in data.items() if value is not None or key == "recipient"}
