"""Pages of the goal tracker (/kpi/, included by ``config/urls.py``)."""

from django.urls import path

from kpi import views

app_name = "kpi"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("rollups/", views.rollup_start, name="rollup-start"),
    path("periods/close/", views.month_close, name="month-close"),
    path("manual-entries/", views.manual_entry, name="manual-entry"),
]
