from django.urls import include, path

from care import coordinator_views as views
from care import tablet_devices
from care.consent import views as consent_views

app_name = "coordinator"
urlpatterns = [
    path("", views.desk_home, name="home"),
    path("tablets/", tablet_devices.tablet_list, name="tablets"),
    path("tablets/<int:pk>/revoke/", tablet_devices.tablet_revoke, name="tablet-revoke"),
    path("recipients/", views.recipient_list, name="recipients"),
    path("recipients/new/", views.recipient_intake, name="recipient-new"),
    path("recipients/<int:pk>/", views.recipient_detail, name="recipient-detail"),
    path("recipients/<int:pk>/edit/", views.recipient_edit, name="recipient-edit"),
    path("recipients/<int:pk>/assign/", views.recipient_assign, name="recipient-assign"),
    path("recipients/<int:pk>/consents/", consent_views.consent_take, name="consent-take"),
    path(
        "recipients/<int:pk>/consents/<int:consent_pk>/withdraw/",
        consent_views.consent_withdraw,
        name="consent-withdraw",
    ),
    path("assignments/<int:pk>/end/", views.assignment_end, name="assignment-end"),
    path("corps-members/", views.corps_members, name="corps-members"),
    path("visits/", views.visits_to_verify, name="visits"),
    path("visits/verify/", views.visits_verify_bulk, name="visits-verify"),
    path("visits/<int:pk>/verify/", views.visit_verify, name="visit-verify"),
    path("visits/<int:pk>/void/", views.visit_void, name="visit-void"),
    path("exceptions/", views.open_exceptions, name="exceptions"),
    path("exceptions/<int:pk>/resolve/", views.exception_resolve, name="exception-resolve"),
    path("alerts/", views.no_visit_alerts, name="alerts"),
    path("episodes/", include("care.episodes.urls")),
    path("statements/", include("care.statements.urls")),
    path("schedule/", include("care.schedule.urls")),
    path("repairs/", include("care.repairs.urls")),
    path("conferences/", include("care.conferences.urls")),
    path("satisfaction/", include("care.satisfaction.urls")),
    path("incidents/", include("care.incidents.urls")),
    path("", include("volunteers.compliance.urls")),
]
