"""Admin for the goal tracker: administrators add targets for later years here.

The figures printed in the source document (``reported_*``) sit in a folded section: they are
the record of what the document says, not something to retype.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from base.admin import ReadOnlyLogAdmin
from kpi.models import (
    EpisodeFirst,
    Indicator,
    LateRecord,
    ManualEntry,
    Measure,
    Measurement,
    MeasurementBreakdown,
    MeasureTarget,
    OperatingGroupProgram,
    Period,
    ReportVersion,
    RollupRun,
    ServedFirst,
    ServedPerson,
    ServedTotal,
    StrategicGoal,
    UnitProgram,
    UnitProgramTarget,
)


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ["code", "name", "sort_order"]
    show_change_link = True


@admin.register(StrategicGoal)
class StrategicGoalAdmin(admin.ModelAdmin):
    list_display = ["year", "number", "name"]
    list_display_links = ["name"]
    list_filter = ["year"]
    search_fields = ["name"]
    inlines = [IndicatorInline]


class MeasureInline(admin.TabularInline):
    model = Measure
    extra = 0
    fields = ["name", "unit", "budget_eok", "metric", "operational", "sort_order"]
    show_change_link = True


class UnitProgramInline(admin.TabularInline):
    model = UnitProgram
    extra = 0
    fields = ["group", "name", "unit", "metric", "note", "sort_order"]
    show_change_link = True


class OperatingGroupProgramInline(admin.TabularInline):
    """운영사업: which programs' visits and consultations make each 운영 group active."""

    model = OperatingGroupProgram
    extra = 0
    fields = ["group", "program"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "goal", "sort_order"]
    list_display_links = ["code", "name"]
    list_filter = ["goal__year", "goal__number"]
    search_fields = ["code", "name", "goal__name"]
    list_select_related = ["goal"]
    inlines = [MeasureInline, UnitProgramInline, OperatingGroupProgramInline]


class MeasureTargetInline(admin.TabularInline):
    model = MeasureTarget
    extra = 1
    fields = ["year", "target", "target_text", "reported_actual", "reported_rate_text"]
    ordering = ["year"]


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["indicator_code", "name", "unit", "budget_eok", "metric", "operational", "year"]
    list_display_links = ["name"]
    list_filter = [
        "indicator__goal__year",
        "operational",
        "metric",
        "unit",
        "indicator__goal__number",
    ]
    search_fields = ["name", "indicator__code", "indicator__name"]
    list_select_related = ["indicator__goal"]
    autocomplete_fields = ["indicator"]
    inlines = [MeasureTargetInline]

    @admin.display(description=_("지표 번호"), ordering="indicator__code")
    def indicator_code(self, measure: Measure) -> str:
        return measure.indicator.code

    @admin.display(description=_("기준 연도"), ordering="indicator__goal__year")
    def year(self, measure: Measure) -> int:
        return measure.indicator.goal.year


@admin.register(MeasureTarget)
class MeasureTargetAdmin(admin.ModelAdmin):
    list_display = [
        "measure",
        "year",
        "target",
        "target_text",
        "reported_actual",
        "achievement",
        "reported_rate_text",
        "prior_achievement",
        "reported_prior_rate_text",
    ]
    list_filter = ["year", "measure__indicator__goal__year", "measure__unit", "measure__metric"]
    search_fields = [
        "measure__name",
        "measure__indicator__code",
        "measure__indicator__name",
        "target_text",
    ]
    list_select_related = ["measure__indicator__goal"]
    autocomplete_fields = ["measure"]
    readonly_fields = ["achievement", "prior_achievement"]
    fieldsets = [
        (None, {"fields": ["measure", "year", "target", "target_text"]}),
        (
            _("문서에 인쇄된 수치"),
            {
                "classes": ["collapse"],
                "fields": [
                    "reported_actual",
                    "reported_actual_text",
                    "reported_rate_text",
                    "achievement",
                    "reported_prior_actual",
                    "reported_prior_target",
                    "reported_prior_text",
                    "reported_prior_rate_text",
                    "prior_achievement",
                ],
            },
        ),
    ]

    @admin.display(description=_("달성률(계산)"))
    def achievement(self, target: MeasureTarget) -> str:
        rate = target.reported_achievement_rate
        return "-" if rate is None else f"{rate}%"

    @admin.display(description=_("전년 달성률(계산)"))
    def prior_achievement(self, target: MeasureTarget) -> str:
        rate = target.prior_achievement_rate
        return "-" if rate is None else f"{rate}%"


class UnitProgramTargetInline(admin.TabularInline):
    model = UnitProgramTarget
    extra = 1
    fields = ["year", "target", "target_text", "reported_actual", "reported_actual_text"]
    ordering = ["year"]


@admin.register(UnitProgram)
class UnitProgramAdmin(admin.ModelAdmin):
    list_display = ["indicator_code", "group", "name", "unit", "metric", "note"]
    list_display_links = ["name"]
    list_filter = ["indicator__goal__year", "metric", "unit", "indicator__goal__number"]
    search_fields = ["name", "group", "note", "indicator__code", "indicator__name"]
    list_select_related = ["indicator__goal"]
    autocomplete_fields = ["indicator"]
    inlines = [UnitProgramTargetInline]

    @admin.display(description=_("지표 번호"), ordering="indicator__code")
    def indicator_code(self, unit_program: UnitProgram) -> str:
        return unit_program.indicator.code


@admin.register(OperatingGroupProgram)
class OperatingGroupProgramAdmin(admin.ModelAdmin):
    list_display = ["indicator", "group", "program"]
    list_filter = ["indicator__goal__year", "group"]
    list_select_related = ["indicator__goal", "program"]


@admin.register(UnitProgramTarget)
class UnitProgramTargetAdmin(admin.ModelAdmin):
    list_display = [
        "unit_program",
        "year",
        "target",
        "target_text",
        "reported_actual",
        "reported_actual_text",
    ]
    list_filter = ["year", "unit_program__indicator__goal__year", "unit_program__metric"]
    search_fields = [
        "unit_program__name",
        "unit_program__group",
        "unit_program__indicator__code",
        "target_text",
    ]
    list_select_related = ["unit_program__indicator__goal"]
    autocomplete_fields = ["unit_program"]


class ComputedAdmin(admin.ModelAdmin):
    """Rollup results are written by the rollup service only; admin shows them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Period)
class PeriodAdmin(ComputedAdmin):
    list_display = ["__str__", "computed_at", "closed_at", "closed_by"]
    list_filter = ["year"]
    list_select_related = ["closed_by"]


@admin.register(RollupRun)
class RollupRunAdmin(ComputedAdmin):
    list_display = ["created_at", "year", "month", "trigger", "state", "rows", "finished_at"]
    list_filter = ["state", "trigger", "year"]
    search_fields = ["error"]


class MeasurementBreakdownInline(admin.TabularInline):
    model = MeasurementBreakdown
    extra = 0
    fields = readonly_fields = ["dimension", "key", "value", "ytd_value"]


@admin.register(Measurement)
class MeasurementAdmin(ComputedAdmin):
    list_display = ["year", "month", "measure", "unit_program", "value", "ytd_value", "source"]
    list_filter = ["year", "month", "source"]
    list_select_related = ["measure__indicator", "unit_program__indicator"]
    inlines = [MeasurementBreakdownInline]


@admin.register(ManualEntry)
class ManualEntryAdmin(ComputedAdmin):
    list_display = ["entered_at", "year", "month", "measure", "unit_program", "value", "entered_by"]
    list_filter = ["year", "month"]
    search_fields = ["evidence"]
    list_select_related = ["measure__indicator", "unit_program__indicator", "entered_by"]


@admin.register(LateRecord)
class LateRecordAdmin(ComputedAdmin):
    list_display = ["found_at", "period", "kind", "object_id", "happened_at", "arrived_at"]
    list_filter = ["kind"]
    list_select_related = ["period"]


@admin.register(MeasurementBreakdown)
class MeasurementBreakdownAdmin(ComputedAdmin):
    list_display = ["measurement", "dimension", "key", "value", "ytd_value"]
    list_filter = ["dimension"]
    list_select_related = ["measurement"]


# --- the served-person tables: read only, kept by the database's triggers (kpi 0011) ---------


@admin.register(ServedPerson)
class ServedPersonAdmin(ReadOnlyLogAdmin):
    """Read only: kept by triggers on the visits and recipients; ``manage.py rebuild_served``
    recomputes them. Ids only, no names."""

    list_display = ["month", "kind", "person_id", "region", "is_rural"]
    list_filter = ["kind", "month", "region", "is_rural"]
    list_select_related = ["region"]


@admin.register(ServedFirst)
class ServedFirstAdmin(ReadOnlyLogAdmin):
    """Read only (see ``ServedPersonAdmin``)."""

    list_display = ["year", "kind", "person_id", "region", "is_rural", "first_month"]
    list_filter = ["year", "kind", "region", "is_rural"]
    list_select_related = ["region"]


@admin.register(ServedTotal)
class ServedTotalAdmin(ReadOnlyLogAdmin):
    """Read only (see ``ServedPersonAdmin``)."""

    list_display = ["month", "program", "region", "is_rural", "visits", "microseconds"]
    list_filter = ["month", "program", "region", "is_rural"]
    list_select_related = ["program", "region"]


@admin.register(EpisodeFirst)
class EpisodeFirstAdmin(ReadOnlyLogAdmin):
    """Read only (see ``ServedPersonAdmin``)."""

    list_display = ["episode_id", "first_at"]
    date_hierarchy = "first_at"


@admin.register(ReportVersion)
class ReportVersionAdmin(ReadOnlyLogAdmin):
    """Read only: kept by triggers on the report's tables (kpi 0012); a changed value tells
    each process to compute the year's report again."""

    list_display = ["id", "n"]
