from django.urls import path

from care import tablet_views

app_name = "tablet"
urlpatterns = [
    path("", tablet_views.home, name="home"),
    path("visit/<int:recipient_id>/", tablet_views.visit, name="visit"),
    path("visits/", tablet_views.visits, name="visits"),
    path("offline/", tablet_views.offline, name="offline"),
    # At /tablet/ and not under /static/: a worker's scope cannot reach above its own folder.
    path("sw.js", tablet_views.service_worker, name="sw"),
    path("manifest.webmanifest", tablet_views.manifest, name="manifest"),
]
