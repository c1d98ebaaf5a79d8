"""Serializers of /api/v1/kpi/. Figures are JSON numbers (92.3, not "92.30"): they feed charts
and the report, and a target is never a money amount where a float's last digit would matter.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kpi.goals import DEFAULT_PATH
from kpi.models import (
    YEAR_MAX,
    YEAR_MIN,
    Indicator,
    LateRecord,
    ManualEntry,
    Measure,
    Measurement,
    MeasurementBreakdown,
    MeasureTarget,
    Period,
    RollupRun,
    StrategicGoal,
    UnitProgram,
    UnitProgramTarget,
)
from kpi.report import ActualSource, Status
from kpi.rollups import structure_year


class FiguresModelSerializer(serializers.ModelSerializer):
    """Decimal model fields rendered as JSON numbers."""

    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[type, dict]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if issubclass(field_class, serializers.DecimalField):
            kwargs["coerce_to_string"] = False
        return field_class, kwargs


def figure(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=False, allow_null=True, **kwargs
    )


def year_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=YEAR_MIN, max_value=YEAR_MAX, **kwargs)


def month_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=12, **kwargs)


def this_month() -> tuple[int, int]:
    today = timezone.localdate()  # Asia/Seoul: periods are Seoul months (DESIGN §3.1)
    return today.year, today.month


def refuse_future_month(year: int, month: int) -> None:
    if (year, month) > this_month():
        raise serializers.ValidationError({"month": [_("아직 오지 않은 달입니다.")]})


# --- goals, indicators, measures, targets ---------------------------------------------------


@lru_cache(maxsize=1)
def document_last_year() -> int:
    """The last year the document's plan sets (2025).

    Targets of the document's years are the file's (``load_goals`` sets them back to it on the
    next load), so the API keeps them read-only: an edit there would be silently undone.
    """
    with DEFAULT_PATH.open(encoding="utf-8") as handle:
        data = json.load(handle)
    return max(
        target["year"]
        for plan in data["plans"]
        for goal in plan["goals"]
        for indicator in goal["indicators"]
        for owner in [*indicator.get("measures", []), *indicator.get("unit_programs", [])]
        for target in owner.get("targets", [])
    )


class GoalBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = StrategicGoal
        fields = ["id", "year", "number", "name"]
        extra_kwargs = {
            "id": {"help_text": _("전략목표 번호(id)")},
            "year": {"help_text": _("이 목표 체계의 기준 연도 (2022, 2023)")},
            "number": {"help_text": _("전략목표 번호 1–5")},
            "name": {"help_text": _("전략목표")},
        }


class MeasureTargetReadSerializer(FiguresModelSerializer):
    prior_achievement_rate = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("전년 실적 ÷ 전년 목표 × 100 (버림), 계산값")
    )
    reported_achievement_rate = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("문서 실적 ÷ 목표 × 100 (버림), 계산값")
    )

    class Meta:
        model = MeasureTarget
        fields = [
            "id", "year", "target", "target_text", "reported_prior_actual",
            "reported_prior_target", "reported_prior_text", "reported_prior_rate_text",
            "prior_achievement_rate", "reported_actual", "reported_actual_text",
            "reported_rate_text", "reported_achievement_rate",
        ]  # fmt: skip


class UnitProgramTargetReadSerializer(FiguresModelSerializer):
    class Meta:
        model = UnitProgramTarget
        fields = ["id", "year", "target", "target_text", "reported_actual", "reported_actual_text"]


class MeasureSerializer(FiguresModelSerializer):
    targets = MeasureTargetReadSerializer(many=True, read_only=True, help_text=_("연도별 목표"))

    class Meta:
        model = Measure
        fields = [
            "id", "name", "unit", "budget_eok", "metric", "operational", "sort_order", "targets",
        ]  # fmt: skip


class UnitProgramSerializer(serializers.ModelSerializer):
    targets = UnitProgramTargetReadSerializer(many=True, read_only=True, help_text=_("연도별 목표"))

    class Meta:
        model = UnitProgram
        fields = ["id", "group", "name", "unit", "metric", "note", "sort_order", "targets"]


class IndicatorSerializer(serializers.ModelSerializer):
    goal = GoalBriefSerializer(read_only=True, help_text=_("전략목표"))
    measures = MeasureSerializer(many=True, read_only=True, help_text=_("측정방법과 연도별 목표"))
    unit_programs = UnitProgramSerializer(
        many=True, read_only=True, help_text=_("단위사업과 연도별 목표")
    )

    class Meta:
        model = Indicator
        fields = ["id", "goal", "code", "name", "sort_order", "measures", "unit_programs"]
        extra_kwargs = {"id": {"help_text": _("성과지표 번호(id)")}}


class TargetYearRule:
    """Targets of the document's years stay as the document prints them; later years are the
    managers' to set, under the goal structure that applies to that year."""

    owner_field: str
    instance: Any

    def _refuse_document_years(self, year: int | None) -> None:
        last = document_last_year()
        if self.instance is not None and self.instance.year <= last:
            raise serializers.ValidationError(
                _("문서의 목표(%(last)d년까지)는 바꿀 수 없습니다.") % {"last": last}
            )
        if year is not None and year <= last:
            raise serializers.ValidationError(
                _("%(next)d년 이후의 목표만 입력할 수 있습니다.") % {"next": last + 1}
            )

    def validate_year(self, value: int) -> int:
        # A field check, so that it answers before the (owner, year) uniqueness check does.
        self._refuse_document_years(value)
        return value

    def check_year(self, attrs: dict[str, Any]) -> None:
        """The checks that need the whole row: a PATCH without ``year`` keeps the stored one."""
        year = attrs.get("year", self.instance.year if self.instance else None)
        try:
            self._refuse_document_years(year)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"year": exc.detail}) from exc
        owner = attrs.get(self.owner_field) or getattr(self.instance, self.owner_field, None)
        if owner is not None and year is not None:
            plan = structure_year(year)
            if plan != owner.indicator.goal.year:
                raise serializers.ValidationError(
                    {
                        self.owner_field: [
                            _("%(year)d년에는 %(plan)s년 성과목표 체계가 적용됩니다.")
                            % {"year": year, "plan": plan or "-"}
                        ]
                    }
                )


class MeasureTargetSerializer(TargetYearRule, FiguresModelSerializer):
    """A measure's target for a year, editable for years after the document's plan."""

    owner_field = "measure"
    measure = serializers.PrimaryKeyRelatedField(
        queryset=Measure.objects.select_related("indicator__goal"), help_text=_("측정방법 id")
    )
    indicator_code = serializers.CharField(
        source="measure.indicator.code", read_only=True, help_text=_("성과지표 번호 (예: 4-1)")
    )
    measure_name = serializers.CharField(
        source="measure.name", read_only=True, help_text=_("측정방법")
    )
    year = year_field(help_text=_("연도 (문서의 계획 연도 이후)"))

    class Meta:
        model = MeasureTarget
        fields = [
            "id", "measure", "indicator_code", "measure_name", "year", "target", "target_text",
            "reported_prior_actual", "reported_prior_target", "reported_prior_text",
            "reported_prior_rate_text", "reported_actual", "reported_actual_text",
            "reported_rate_text",
        ]  # fmt: skip
        # The document's printed figures are the loader's, never typed through the API.
        read_only_fields = [
            "reported_prior_actual", "reported_prior_target", "reported_prior_text",
            "reported_prior_rate_text", "reported_actual", "reported_actual_text",
            "reported_rate_text",
        ]  # fmt: skip

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        self.check_year(attrs)
        return super().validate(attrs)


class UnitProgramTargetSerializer(TargetYearRule, FiguresModelSerializer):
    """A unit program's target for a year, editable for years after the document's plan."""

    owner_field = "unit_program"
    unit_program = serializers.PrimaryKeyRelatedField(
        queryset=UnitProgram.objects.select_related("indicator__goal"), help_text=_("단위사업 id")
    )
    indicator_code = serializers.CharField(
        source="unit_program.indicator.code", read_only=True, help_text=_("성과지표 번호")
    )
    unit_program_name = serializers.CharField(
        source="unit_program.name", read_only=True, help_text=_("단위사업명")
    )
    year = year_field(help_text=_("연도 (문서의 계획 연도 이후)"))

    class Meta:
        model = UnitProgramTarget
        fields = [
            "id", "unit_program", "indicator_code", "unit_program_name", "year", "target",
            "target_text", "reported_actual", "reported_actual_text",
        ]  # fmt: skip
        read_only_fields = ["reported_actual", "reported_actual_text"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        self.check_year(attrs)
        target = attrs.get("target", getattr(self.instance, "target", None))
        text = attrs.get("target_text", getattr(self.instance, "target_text", ""))
        if target is None and not text:
            raise serializers.ValidationError({"target": [_("목표를 적어 주세요.")]})
        return super().validate(attrs)


# --- measurements ----------------------------------------------------------------------------


class BreakdownSerializer(FiguresModelSerializer):
    class Meta:
        model = MeasurementBreakdown
        fields = ["dimension", "key", "value", "ytd_value"]
        extra_kwargs = {
            "key": {"help_text": _("시·군 코드, rural / urban, 또는 종결 사유 코드 (linked 등)")}
        }


class MeasurementSerializer(FiguresModelSerializer):
    indicator_code = serializers.SerializerMethodField(help_text=_("성과지표 번호 (예: 4-1)"))
    name = serializers.SerializerMethodField(help_text=_("측정방법 또는 단위사업명"))
    unit = serializers.SerializerMethodField(help_text=_("단위"))
    operational = serializers.SerializerMethodField(
        help_text=_("운영 지표 (목표 없음, 성과목표 표와 보고서에 들어가지 않음)")
    )
    breakdowns = BreakdownSerializer(
        many=True,
        read_only=True,
        help_text=_("시·군별, 농촌·도시별, (종결) 사유별 실적 (자동 집계만)"),
    )

    class Meta:
        model = Measurement
        fields = [
            "id", "measure", "unit_program", "indicator_code", "name", "unit", "operational",
            "year", "month", "value", "ytd_value", "source", "run", "computed_at", "breakdowns",
        ]  # fmt: skip

    def _owner(self, obj: Measurement) -> Measure | UnitProgram:
        return obj.measure if obj.measure_id else obj.unit_program  # type: ignore[return-value]

    def get_indicator_code(self, obj: Measurement) -> str:
        return self._owner(obj).indicator.code

    def get_name(self, obj: Measurement) -> str:
        return self._owner(obj).name

    def get_unit(self, obj: Measurement) -> str:
        return self._owner(obj).unit

    def get_operational(self, obj: Measurement) -> bool:
        return bool(obj.measure_id and obj.measure.operational)  # type: ignore[union-attr]


# --- rollups, periods, manual entries, late records -----------------------------------------


class RollupRequestSerializer(serializers.Serializer):
    year = year_field(help_text=_("연도"))
    month = month_field(help_text=_("월 1–12"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # A month that has not begun has nothing to count; its run would store zeros.
        refuse_future_month(attrs["year"], attrs["month"])
        # A closed month is frozen: its run would only end "skipped", so say so now.
        if Period.objects.filter(
            year=attrs["year"], month=attrs["month"], closed_at__isnull=False
        ).exists():
            raise serializers.ValidationError({"month": [_("마감된 달은 다시 집계하지 않습니다.")]})
        return attrs


class RollupRunSerializer(serializers.ModelSerializer):
    # A plain string in the schema: an enum named "state" collides with the referrals' one.
    state = serializers.CharField(
        read_only=True,
        help_text=_("상태: %(values)s") % {"values": ", ".join(RollupRun.State.values)},
    )
    requested_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text=_("요청한 계정")
    )

    class Meta:
        model = RollupRun
        fields = [
            "id", "year", "month", "trigger", "state", "requested_by", "created_at",
            "sent_at", "started_at", "heartbeat_at", "finished_at", "rows", "error", "retry_of",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "sent_at": {"help_text": _("작업자에게 보낸 때; null이면 브로커가 멈춰 있어 대기 중")},
            "retry_of": {"help_text": _("작업자가 멈춰 다시 실행한 경우 원래 실행의 id")},
        }


class PeriodSerializer(serializers.ModelSerializer):
    is_closed = serializers.BooleanField(read_only=True, help_text=_("마감 여부"))
    closed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text=_("마감한 계정")
    )
    late_record_count = serializers.IntegerField(
        read_only=True, default=0, help_text=_("마감 후 도착한 기록 수")
    )

    class Meta:
        model = Period
        fields = [
            "id", "year", "month", "computed_at", "is_closed", "closed_at", "closed_by",
            "late_record_count",
        ]  # fmt: skip
        read_only_fields = fields


class PeriodCloseSerializer(serializers.Serializer):
    year = year_field(help_text=_("연도"))
    month = month_field(help_text=_("월 1–12"))


class ManualEntrySerializer(FiguresModelSerializer):
    entered_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text=_("입력한 계정")
    )
    indicator_code = serializers.SerializerMethodField(help_text=_("성과지표 번호"))

    class Meta:
        model = ManualEntry
        fields = [
            "id", "measure", "unit_program", "indicator_code", "year", "month", "value",
            "evidence", "entered_by", "entered_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_indicator_code(self, obj: ManualEntry) -> str:
        owner = obj.measure if obj.measure_id else obj.unit_program
        return owner.indicator.code  # type: ignore[union-attr]


class ManualEntryCreateSerializer(serializers.Serializer):
    measure = serializers.PrimaryKeyRelatedField(
        queryset=Measure.objects.select_related("indicator__goal"),
        required=False,
        allow_null=True,
        help_text=_("수기 측정방법 id (measure와 unit_program 중 하나)"),
    )
    unit_program = serializers.PrimaryKeyRelatedField(
        queryset=UnitProgram.objects.select_related("indicator__goal"),
        required=False,
        allow_null=True,
        help_text=_("수기 단위사업 id"),
    )
    year = year_field(help_text=_("연도"))
    month = month_field(help_text=_("월 1–12"))
    value = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, help_text=_("그 달의 실적")
    )
    evidence = serializers.CharField(help_text=_("근거 (문서명, 회의록, 공문 번호 등)"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        owner = attrs.get("measure") or attrs.get("unit_program")
        if (attrs.get("measure") is None) == (attrs.get("unit_program") is None):
            raise serializers.ValidationError(
                {"measure": [_("측정방법이나 단위사업 하나를 고르세요.")]}
            )
        refuse_future_month(attrs["year"], attrs["month"])
        plan = structure_year(attrs["year"])
        if owner is not None and plan != owner.indicator.goal.year:
            field = "measure" if attrs.get("measure") else "unit_program"
            raise serializers.ValidationError(
                {field: [_("이 연도의 성과목표 체계에 없는 항목입니다.")]}
            )
        return attrs


class LateRecordSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="period.year", read_only=True, help_text=_("연도"))
    month = serializers.IntegerField(source="period.month", read_only=True, help_text=_("월"))

    class Meta:
        model = LateRecord
        fields = ["id", "year", "month", "kind", "object_id", "happened_at", "arrived_at",
                  "found_at"]  # fmt: skip
        read_only_fields = fields


# --- the report ------------------------------------------------------------------------------


class ReportQuerySerializer(serializers.Serializer):
    year = year_field(help_text=_("보고 연도"))


class DownloadQuerySerializer(ReportQuerySerializer):
    format = serializers.ChoiceField(
        choices=[("xlsx", "Excel"), ("csv", "CSV")], default="xlsx", help_text=_("파일 형식")
    )
    encoding = serializers.ChoiceField(
        choices=[("utf-8", "UTF-8"), ("cp949", "CP949")],
        default="utf-8",
        help_text=_(
            "CSV의 문자 인코딩: utf-8 (BOM 포함, Excel 2016 이후와 LibreOffice) 또는 "
            "cp949 (BOM을 읽지 못하는 옛 Excel)"
        ),
    )


class MonthPointSerializer(serializers.Serializer):
    month = serializers.IntegerField(help_text=_("월"))
    value = figure(help_text=_("그 달의 실적 (없으면 null)"))
    ytd = figure(help_text=_("그 달까지의 누적 실적"))


class PlanTargetSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text=_("연도"))
    target = figure(help_text=_("목표"))
    target_text = serializers.CharField(help_text=_("목표 (문서 표기)"))
    reported_actual = figure(help_text=_("문서의 실적"))
    reported_actual_text = serializers.CharField(help_text=_("문서의 실적 (표기)"))


class LineSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("측정방법 또는 단위사업 id"))
    name = serializers.CharField(help_text=_("이름"))
    unit = serializers.CharField(help_text=_("단위"))
    metric = serializers.CharField(help_text=_("자동 집계 지표 (비면 수기)"))
    target = figure(help_text=_("올해 목표"))
    target_text = serializers.CharField(help_text=_("목표 (문서 표기)"))
    actual = figure(help_text=_("누적 실적 (자동·수기 집계의 최근 달, 없으면 문서의 실적)"))
    actual_text = serializers.CharField(help_text=_("문서의 실적 표기 (문서 실적일 때)"))
    actual_source = serializers.ChoiceField(
        choices=[*ActualSource.CHOICES, ""], help_text=_("실적 출처: auto, manual, reported")
    )
    actual_through = serializers.IntegerField(
        allow_null=True, help_text=_("누적 실적의 기준 월 (문서 실적이면 null)")
    )
    achievement_rate = serializers.IntegerField(
        allow_null=True, help_text=_("달성률 % = 실적 ÷ 목표 × 100, 버림")
    )
    reported_rate_text = serializers.CharField(help_text=_("문서의 달성률 표기 (참고용)"))
    prior_target = figure(help_text=_("전년 목표"))
    prior_actual = figure(help_text=_("전년 실적"))
    prior_text = serializers.CharField(help_text=_("전년 실적 (문서 표기)"))
    prior_rate = serializers.IntegerField(
        allow_null=True, help_text=_("전년목표 대비 % (전년 실적 ÷ 전년 목표, 계산값)")
    )
    prior_rate_text = serializers.CharField(help_text=_("문서의 전년목표 대비 표기 (참고용)"))
    # A plain string in the schema: an enum named "status" collides with the visits' one.
    status = serializers.CharField(
        help_text=_("진척 상태: %(values)s") % {"values": ", ".join(Status.CHOICES)}
    )
    monthly = MonthPointSerializer(many=True, help_text=_("1–12월 실적"))
    plan = PlanTargetSerializer(many=True, help_text=_("연도별 목표"))


class MeasureLineSerializer(LineSerializer):
    budget_eok = figure(help_text=_("사업비 (억원)"))


class UnitProgramLineSerializer(LineSerializer):
    group = serializers.CharField(help_text=_("구분"))
    note = serializers.CharField(help_text=_("비고"))


class IndicatorReportSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("성과지표 id"))
    code = serializers.CharField(help_text=_("성과지표 번호"))
    name = serializers.CharField(help_text=_("성과지표"))
    measures = MeasureLineSerializer(many=True, help_text=_("측정방법"))
    unit_programs = UnitProgramLineSerializer(many=True, help_text=_("단위사업"))


class GoalReportSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text=_("전략목표 번호"))
    name = serializers.CharField(help_text=_("전략목표"))
    indicators = IndicatorReportSerializer(many=True, help_text=_("성과지표"))


class YearReportSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text=_("보고 연도"))
    plan_year = serializers.IntegerField(
        allow_null=True, help_text=_("적용되는 성과목표 체계의 기준 연도")
    )
    through_month = serializers.IntegerField(
        allow_null=True, help_text=_("실적이 있는 가장 최근 달")
    )
    # A process keeps the body until one of the report's rows changes (kpi.selectors).
    generated_at = serializers.DateTimeField(
        help_text=_("작성 시각: 지금의 자료로 보고서를 처음 계산한 때 (자료가 바뀌면 다시 계산)")
    )
    goals = GoalReportSerializer(many=True, help_text=_("전략목표"))


# --- the report's body without DRF's work per value -----------------------------------------

Render = Callable[[Any], Any]
_RENDERERS: dict[type[serializers.Serializer], Render] = {}


def _renderer(serializer: serializers.Serializer) -> Render:
    """What ``serializer.to_representation`` does for the report's dataclasses, as a plan
    made once: for each readable field its name, the attribute path it reads and how it shows
    the value (a field's own to_representation, or a nested serializer's plan, for each item
    when ``many``). As DRF does, None is shown as None and never given to a field. The
    report's dataclasses hold plain values (no callables, no managers), which is what lets
    the plan skip DRF's per-value checks."""
    entries: list[tuple[str, list[str], Render]] = []
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        if isinstance(field, serializers.ListSerializer):
            item = _renderer(field.child)
            represent: Render = lambda values, item=item: [item(value) for value in values]  # noqa: E731
        elif isinstance(field, serializers.BaseSerializer):
            represent = _renderer(field)
        else:
            represent = field.to_representation
        entries.append((name, field.source_attrs, represent))

    def render(instance: Any) -> dict[str, Any]:
        shown = {}
        for name, attrs, represent in entries:
            value = instance
            for attr in attrs:
                value = getattr(value, attr)
            shown[name] = None if value is None else represent(value)
        return shown

    return render


def year_report_data(report: Any) -> dict[str, Any]:
    """``YearReportSerializer(report).data``, with the serializers' fields built once per
    process and DRF's per-value work (attribute lookups that test for callables, a field
    list per object) left out: the report's 16,000 values were half of its request.
    ``tests/kpi/test_report_body.py`` compares both."""
    render = _RENDERERS.get(YearReportSerializer)
    if render is None:
        render = _RENDERERS[YearReportSerializer] = _renderer(YearReportSerializer())
    return render(report)


@receiver(setting_changed)
def _forget_renderers(**kwargs: Any) -> None:
    _RENDERERS.clear()
