from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone
from django.utils.encoding import is_protected_type
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from base.models import Program, Region, ServiceType
from base.serializers import ChoiceLabelField, RecordedAtField, code_field
from care.models import Assignment, Episode, NoVisitAlert, Recipient, Visit, VisitException
from care.visits import VisitInput
from volunteers.compliance.serializers import ComplianceOverrideSerializer, override_reason_field
from volunteers.models import WEEKDAY_CODES, WEEKDAYS, CorpsMember


class RecipientSerializer(serializers.ModelSerializer):
    region = code_field(Region.objects.all(), help_text=_("시·군 코드 (/api/v1/regions/)"))
    needs = code_field(
        ServiceType.objects.all(),
        many=True,
        required=False,
        help_text=_("필요 서비스 유형 코드 목록 (/api/v1/service-types/)"),
    )
    confirm_duplicate = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text=_("같은 이름·생년월일의 대상자가 있어도 새로 등록함을 확인"),
    )

    class Meta:
        model = Recipient
        fields = [
            "id", "name", "birth_date", "sex", "phone", "address", "region", "admin_unit",
            "is_rural", "category", "emergency_reason", "referral_source", "guardian_name",
            "guardian_relation", "guardian_phone", "needs", "risk_level", "consent_date",
            "consent_scope", "status", "notes", "created_at", "updated_at", "confirm_duplicate",
        ]  # fmt: skip
        read_only_fields = ["is_rural", "created_at", "updated_at"]
        extra_kwargs = {"id": {"help_text": _("돌봄대상자 번호")}}


class DuplicateCandidateSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Recipient
        fields = ["id", "name", "birth_date", "region", "admin_unit", "status"]


class PossibleDuplicateSerializer(serializers.Serializer):
    """Body of the 409 answer to a possible duplicate recipient."""

    detail = serializers.CharField()
    confirm_duplicate = serializers.ListField(child=serializers.CharField())
    duplicate_candidates = DuplicateCandidateSerializer(many=True)


class AssignmentSerializer(serializers.ModelSerializer):
    program = code_field(Program.objects.all(), help_text=_("사업 코드 (/api/v1/programs/)"))
    episode = serializers.PrimaryKeyRelatedField(
        queryset=Episode.objects.all(),
        required=False,
        help_text=_("돌봄 회차 id (생략하면 대상자의 진행 중인 회차)"),
    )
    recipient_name = serializers.CharField(source="recipient.name", read_only=True)
    corps_member_name = serializers.CharField(source="corps_member.name", read_only=True)
    assigned_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    compliance_override_reason = override_reason_field()
    compliance_override = ComplianceOverrideSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Assignment
        fields = [
            "id", "recipient", "recipient_name", "corps_member", "corps_member_name", "program",
            "episode", "starts_on", "ends_on", "assigned_by", "created_at",
            "compliance_override_reason", "compliance_override",
        ]  # fmt: skip
        read_only_fields = ["assigned_by", "created_at"]

    def validate(self, attrs: dict) -> dict:
        starts_on = attrs.get("starts_on", getattr(self.instance, "starts_on", None))
        ends_on = attrs.get("ends_on", getattr(self.instance, "ends_on", None))
        if starts_on and ends_on and ends_on < starts_on:
            raise serializers.ValidationError(
                {"ends_on": [_("종료일은 시작일보다 빠를 수 없습니다.")]}
            )
        return attrs


class VisitExceptionBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    kind_display = ChoiceLabelField(VisitException.Kind.choices, source="kind")
    detail = serializers.CharField(read_only=True)
    resolved_at = serializers.DateTimeField(read_only=True, allow_null=True)


class VisitSerializer(serializers.ModelSerializer):
    """A stored visit as the API returns it."""

    recipient_name = serializers.CharField(source="recipient.name", read_only=True)
    corps_member_name = serializers.CharField(source="corps_member.name", read_only=True)
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)
    service_types = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    reviewed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    exceptions = VisitExceptionBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id", "client_uuid", "recipient", "recipient_name", "corps_member",
            "corps_member_name", "program", "started_at", "ended_at", "service_types", "notes",
            "latitude", "longitude", "status", "void_reason", "recorded_by", "reviewed_by",
            "reviewed_at", "created_at", "updated_at", "exceptions",
        ]  # fmt: skip
        read_only_fields = fields


# The row key (care.visits.VISIT_ROW_COLUMNS and VISIT_ROW_NAMES) each related field of
# VisitSerializer reads; the row holds its value as the API shows it (an id, a code, a name).
_VISIT_ROW_KEYS = {
    "recipient": "recipient_id",
    "recipient_name": "recipient__name",
    "corps_member": "corps_member_id",
    "corps_member_name": "corps_member__name",
    "program": "program__code",
    "recorded_by": "recorded_by__username",
    "reviewed_by": "reviewed_by__username",
}

Representation = Callable[[Any], Any] | None


def _row_plan(
    fields: Mapping[str, serializers.Field], keys: Mapping[str, str]
) -> list[tuple[str, str, Representation]]:
    """For each field: its name, the row key it reads, and its to_representation (None for a
    related field, whose value is in the row as shown)."""
    related = (serializers.RelatedField, serializers.ManyRelatedField, serializers.BaseSerializer)
    current = timezone.get_current_timezone() if settings.USE_TZ else None
    for field in fields.values():
        # The zone once for the answer: DRF looks the current one up for every value.
        if isinstance(field, serializers.DateTimeField) and not hasattr(field, "timezone"):
            field.timezone = current
    return [
        (name, keys.get(name, field.source), _representation(field, related))
        for name, field in fields.items()
        if not field.write_only
    ]


# The plans of the row renderers, by serializer class and time zone. A plan holds only what
# the serializer's class declares (its fields and their to_representation), so it is built
# once per process: building a ModelSerializer's fields (deep copies of the declared fields,
# the model's field mapping) was 2-3 ms of every list and sync. Labels stay lazy, so the
# request's language still applies; a test that changes the settings drops them.
_PLANS: dict[tuple[type[serializers.Serializer], Any], list[tuple[str, str, Representation]]] = {}


def serializer_row_plan(
    serializer_class: type[serializers.Serializer], keys: Mapping[str, str]
) -> list[tuple[str, str, Representation]]:
    """``_row_plan`` of ``serializer_class``'s fields, built once per process and time zone
    (``keys`` is the class's own constant mapping)."""
    zone = timezone.get_current_timezone() if settings.USE_TZ else None
    plan = _PLANS.get((serializer_class, zone))
    if plan is None:
        plan = _row_plan(serializer_class().fields, keys)
        _PLANS[(serializer_class, zone)] = plan
    return plan


def _representation(field: serializers.Field, related: tuple[type, ...]) -> Representation:
    if isinstance(field, related):
        return None
    if isinstance(field, serializers.ModelField):
        # DRF's field for a model field it has no mapping for (a generated column): it reads
        # the object, not the value; this is what it makes of the value.
        return _model_field_value
    return field.to_representation


def _model_field_value(value: Any) -> Any:
    return value if is_protected_type(value) else str(value)


def _row_data(row: Mapping[str, Any], plan: list[tuple[str, str, Representation]]) -> dict:
    shown = {}
    for name, key, represent in plan:
        value = row[key]
        # As DRF does: None is shown as None, never given to a field.
        shown[name] = value if represent is None or value is None else represent(value)
    return shown


def visit_rows_data(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What ``VisitSerializer(visits, many=True).data`` gives, for visits given as rows
    (``care.visits.visit_rows``, or the rows a sync has just written): no model objects.

    Each value goes through the to_representation of VisitSerializer's own field (times in
    the current time zone, decimals to 6 places), so the answer stays the declared one; only
    DRF's work per object and attribute (lookups, callables' signatures) is left out, which
    was most of the time of a sync's answer. The sync's tests compare both."""
    visit_plan = serializer_row_plan(VisitSerializer, _VISIT_ROW_KEYS)
    exception_plan = serializer_row_plan(VisitExceptionBriefSerializer, {})
    found = []
    for row in rows:
        shown = _row_data(row, visit_plan)
        shown["exceptions"] = [_row_data(e, exception_plan) for e in row["exceptions"]]
        found.append(shown)
    return found


# The row key of RecipientSerializer's related fields (care.selectors.recipient_rows).
RECIPIENT_ROW_KEYS = {"region": "region__code", "needs": "needs"}


def recipient_rows_data(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What ``RecipientSerializer(recipients, many=True).data`` gives, for recipients given as
    rows (``care.selectors.recipient_rows``): each value through the serializer's own field,
    as ``visit_rows_data`` does for visits. The recipients list is the caregivers' most
    frequent read after the sync."""
    plan = serializer_row_plan(RecipientSerializer, RECIPIENT_ROW_KEYS)
    return [_row_data(row, plan) for row in rows]


# Ids are 64-bit; a larger number must be a 400, not an overflow inside the database driver.
MAX_ID = 2**63 - 1


def _finite(value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise serializers.ValidationError(_("숫자여야 합니다."))
    return value


class VisitInputSerializer(serializers.Serializer):
    """A visit as a tablet sends it. Checks shape only, without touching the database, so that
    a batch of 500 costs no query per item; the rules are applied by ``care.visits``."""

    client_uuid = serializers.UUIDField(help_text=_("태블릿이 만든 기록 ID (멱등 키)"))
    recipient = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text=_("돌봄대상자 id")
    )
    corps_member = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text=_("방문한 단원 id (코디네이터가 대신 기록할 때; 단원 본인은 생략)"),
    )
    program = serializers.CharField(
        required=False, allow_null=True, help_text=_("사업 코드 (생략하면 배정의 사업)")
    )
    started_at = RecordedAtField(help_text=_("체크인 시각"))
    ended_at = RecordedAtField(
        required=False, allow_null=True, help_text=_("체크아웃 시각 (없으면 예외로 표시)")
    )
    service_types = serializers.ListField(
        child=serializers.CharField(max_length=40),
        allow_empty=False,
        max_length=20,
        help_text=_("제공한 서비스 유형 코드 목록"),
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.FloatField(
        required=False, allow_null=True, min_value=-180, max_value=180
    )
    scheduled_visit = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text=_("시작한 방문 일정 id (없으면 대상자·단원·시각으로 일정을 찾음)"),
    )

    def validate_latitude(self, value: float | None) -> float | None:
        return _finite(value)

    def validate_longitude(self, value: float | None) -> float | None:
        return _finite(value)

    def to_input(self, data: dict | None = None) -> VisitInput:
        """The validated visit; ``data`` when validated with ``parse_many`` instead."""
        data = self.validated_data if data is None else data

        def coordinate(value: float | None) -> Decimal | None:
            return None if value is None else Decimal(str(round(value, 6)))

        return VisitInput(
            client_uuid=data["client_uuid"],
            recipient_id=data["recipient"],
            corps_member_id=data.get("corps_member"),
            program_code=data.get("program"),
            started_at=data["started_at"],
            ended_at=data.get("ended_at"),
            service_type_codes=tuple(dict.fromkeys(data["service_types"])),
            notes=data.get("notes", ""),
            latitude=coordinate(data.get("latitude")),
            longitude=coordinate(data.get("longitude")),
            scheduled_visit_id=data.get("scheduled_visit"),
        )

    def parse_many(self, raws: list) -> list[VisitInput | dict]:
        """Check a batch's items with this one instance: building a serializer per item
        costs more than the whole insert (its fields are rebuilt each time)."""
        parsed: list[VisitInput | dict] = []
        for raw in raws:
            try:
                parsed.append(self.to_input(self.run_validation(raw)))
            except serializers.ValidationError as exc:
                detail = exc.detail
                if not isinstance(detail, dict):
                    detail = {"non_field_errors": detail}
                parsed.append(flat_errors(detail))
        return parsed


# One VisitInputSerializer per thread, its fields built once: ``parse_many`` keeps no state
# on it between items (DRF's validation of a value reads the fields, never writes them), and
# its error messages stay lazy, in the language of the request that fails.
_visit_inputs = threading.local()


def visit_inputs_parse(raws: list) -> list[VisitInput | dict]:
    """``VisitInputSerializer().parse_many(raws)`` without building the serializer's fields
    again for every request."""
    serializer = getattr(_visit_inputs, "serializer", None)
    if serializer is None:
        serializer = _visit_inputs.serializer = VisitInputSerializer()
    return serializer.parse_many(raws)


@receiver(setting_changed)
def _forget_built_fields(**kwargs: Any) -> None:
    """A test changed the settings (a time zone, DRF's formats): build the fields again."""
    _PLANS.clear()
    _visit_inputs.__dict__.clear()


def flat_errors(detail: dict) -> dict[str, list[str]]:
    """An item's errors as field → messages, as the schema declares them: a list field's
    errors come from DRF keyed by position (``{"service_types": {0: [...]}}``), given here as
    ``"service_types": ["0: ..."]``."""
    flat: dict[str, list[str]] = {}
    for field, errors in detail.items():
        if isinstance(errors, dict):
            messages = [
                f"{position}: {message}"
                for position, nested in errors.items()
                for message in flat_errors({"": nested})[""]
            ]
        elif isinstance(errors, list):
            messages = [
                message
                for error in errors
                for message in (
                    flat_errors({"": error})[""] if isinstance(error, dict | list) else [str(error)]
                )
            ]
        else:
            messages = [str(errors)]
        flat[str(field)] = messages
    return flat


class VisitChangeSerializer(serializers.Serializer):
    """A correction by the visit's author (PATCH)."""

    program = serializers.CharField(required=False)
    started_at = RecordedAtField(required=False)
    ended_at = RecordedAtField(required=False, allow_null=True)
    service_types = serializers.ListField(
        child=serializers.CharField(max_length=40), allow_empty=False, required=False
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000)

    def to_changes(self) -> dict:
        data = dict(self.validated_data)
        if "program" in data:
            data["program_code"] = data.pop("program")
        if "service_types" in data:
            data["service_type_codes"] = data.pop("service_types")
        return data


@extend_schema_field(VisitInputSerializer)
class VisitItemField(serializers.JSONField):
    """One visit of a batch, kept as sent: items are checked one by one in the view, so that a
    malformed item (even a null) is that item's error, never the whole batch's. The schema
    declares what a well-formed item is, a visit as ``POST /api/v1/visits/`` takes it."""

    def validate_empty_values(self, data: object) -> tuple[bool, object]:
        if data is None:
            return True, None
        return super().validate_empty_values(data)


class VisitSyncRequestSerializer(serializers.Serializer):
    visits = serializers.ListField(
        child=VisitItemField(),
        allow_empty=False,
        max_length=500,
        help_text=_("방문 목록 (각 항목은 방문 등록과 같은 형식), 최대 500건"),
    )


class VisitSyncResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    client_uuid = serializers.UUIDField(allow_null=True)
    status = serializers.ChoiceField(choices=["created", "existing", "conflict", "error"])
    visit = VisitSerializer(required=False, help_text=_("저장된 기록 (오류가 아닐 때)"))
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_('오류일 때: {"필드": ["메시지"]}'),
    )


class VisitSyncSummarySerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text=_("새로 저장한 건수"))
    existing = serializers.IntegerField(help_text=_("같은 client_uuid로 이미 있던 건수"))
    conflict = serializers.IntegerField(help_text=_("같은 client_uuid에 다른 내용인 건수"))
    error = serializers.IntegerField(help_text=_("오류로 저장하지 않은 건수"))


class VisitSyncResponseSerializer(serializers.Serializer):
    results = VisitSyncResultSerializer(many=True)
    summary = VisitSyncSummarySerializer()


class VisitVoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text=_("무효 사유"))


class VisitExceptionSerializer(serializers.ModelSerializer):
    kind_display = ChoiceLabelField(VisitException.Kind.choices, source="kind")
    visit = VisitSerializer(read_only=True)
    resolved_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = VisitException
        fields = ["id", "kind", "kind_display", "detail", "created_at", "resolved_at",
                  "resolved_by", "resolution", "visit"]  # fmt: skip
        read_only_fields = fields


class VisitExceptionResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=300, help_text=_("처리 사유"))


class NoVisitAlertSerializer(serializers.ModelSerializer):
    recipient_name = serializers.CharField(source="recipient.name", read_only=True)
    corps_member_name = serializers.CharField(source="corps_member.name", read_only=True)

    class Meta:
        model = NoVisitAlert
        fields = ["id", "as_of", "recipient", "recipient_name", "corps_member",
                  "corps_member_name", "last_visit_at"]  # fmt: skip
        read_only_fields = fields


class SuggestedCorpsMemberSerializer(serializers.ModelSerializer):
    """The corps member of a suggestion: enough to phone them and judge the fit."""

    region = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("활동 시·군 코드")
    )
    service_types = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, help_text=_("제공 가능 서비스 코드")
    )
    available_weekdays = serializers.ListField(
        child=serializers.ChoiceField(choices=WEEKDAYS),
        read_only=True,
        help_text=_("활동 가능 요일: mon tue wed thu fri sat sun"),
    )

    class Meta:
        model = CorpsMember
        fields = ["id", "name", "region", "phone", "service_types", "available_weekdays"]
        read_only_fields = fields
        extra_kwargs = {"id": {"help_text": _("단원 번호")}}


class CorpsMemberSuggestionSerializer(serializers.Serializer):
    """One ranked suggestion (care.matching.Suggestion)."""

    corps_member = SuggestedCorpsMemberSerializer(read_only=True)
    same_region = serializers.BooleanField(read_only=True, help_text=_("대상자와 같은 시·군"))
    covered_needs = serializers.IntegerField(
        read_only=True, help_text=_("대상자의 필요 서비스 중 제공 가능한 수")
    )
    needs_total = serializers.IntegerField(read_only=True, help_text=_("대상자의 필요 서비스 수"))
    available = serializers.BooleanField(
        read_only=True, help_text=_("요청한 요일에 모두 활동 가능 (요일을 주지 않으면 참)")
    )
    current_recipients = serializers.IntegerField(
        read_only=True, help_text=_("기준일에 유효한 배정의 대상자 수")
    )
    reasons = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text=_("추천 이유")
    )


class SuggestionQuerySerializer(serializers.Serializer):
    """Query parameters of the suggestions endpoint."""

    weekdays = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("활동해야 할 요일, 쉼표로 구분 (예: mon,wed)"),
    )
    limit = serializers.IntegerField(
        required=False, default=10, min_value=1, max_value=50, help_text=_("최대 건수 (1–50)")
    )

    def validate_weekdays(self, value: str) -> list[str]:
        codes = [code.strip().lower() for code in value.split(",") if code.strip()]
        unknown = [code for code in codes if code not in WEEKDAY_CODES]
        if unknown:
            raise serializers.ValidationError(
                _("알 수 없는 요일: %(unknown)s (사용할 수 있는 값: %(codes)s)")
                % {"unknown": ", ".join(unknown), "codes": " ".join(WEEKDAY_CODES)}
            )
        return codes
