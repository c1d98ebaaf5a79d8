from django.urls import path

from care import tablet_devices, tablet_views
from care.satisfaction import views as satisfaction_views

app_name = "tablet"
urlpatterns = [
    path("", tablet_views.home, name="home"),
    path("tomorrow/", tablet_views.tomorrow, name="tomorrow"),
    path(
        "schedule/<int:scheduled_visit_id>/", tablet_views.scheduled_visit, name="scheduled_visit"
    ),
    path("schedule-state/", tablet_views.schedule_state, name="schedule_state"),
    path("month/", tablet_views.month, name="month"),
    path("visit/<int:recipient_id>/", tablet_views.visit, name="visit"),
    path("visits/", tablet_views.visits, name="visits"),
    # The closure survey (만족도 조사): online only, not kept by the service worker.
    path("satisfaction/", satisfaction_views.tablet_list, name="satisfaction"),
    path("satisfaction/<int:pk>/", satisfaction_views.tablet_survey, name="satisfaction_survey"),
    path("incident/", tablet_views.incident, name="incident"),
    path("incident/<int:recipient_id>/", tablet_views.incident, name="incident"),
    # Opened once on a new tablet with the code from the coordinator's desk (no login).
    path("enrol/", tablet_devices.tablet_enrol, name="enrol"),
    path("offline/", tablet_views.offline, name="offline"),
    # At /tablet/ and not under /static/: a worker's scope cannot reach above its own folder.
    path("sw.js", tablet_views.service_worker, name="sw"),
    path("manifest.webmanifest", tablet_views.manifest, name="manifest"),
]
