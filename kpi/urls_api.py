"""Routes of /api/v1/kpi/ (included by ``config/urls.py``)."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from kpi import api

# SimpleRouter: /api/v1/ already has the API root; a second one here would shadow its name.
router = SimpleRouter()
router.register("indicators", api.IndicatorViewSet, basename="kpi-indicator")
router.register("targets", api.MeasureTargetViewSet, basename="kpi-target")
router.register(
    "unit-program-targets", api.UnitProgramTargetViewSet, basename="kpi-unit-program-target"
)
router.register("measurements", api.MeasurementViewSet, basename="kpi-measurement")
router.register("rollups", api.RollupRunViewSet, basename="kpi-rollup")
router.register("periods", api.PeriodViewSet, basename="kpi-period")
router.register("manual-entries", api.ManualEntryViewSet, basename="kpi-manual-entry")
router.register("late-records", api.LateRecordViewSet, basename="kpi-late-record")

urlpatterns = [
    path("report/", api.ReportView.as_view(), name="kpi-report"),
    path("report/download/", api.ReportDownloadView.as_view(), name="kpi-report-download"),
    *router.urls,
]
