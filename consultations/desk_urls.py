from django.urls import include, path

from consultations import desk_views as views
from consultations.partners import views as partner_views

app_name = "consultations"
urlpatterns = [
    path("", views.desk_home, name="home"),
    path("new/", views.consultation_new, name="new"),
    path("<int:pk>/", views.consultation_detail, name="detail"),
    path("<int:pk>/follow-up-done/", views.follow_up_done, name="follow-up-done"),
    path("referrals/<int:pk>/transition/", views.referral_transition, name="referral-transition"),
    path("history/", views.history, name="history"),
    path("directory/", views.directory, name="directory"),
    path("directory/<int:pk>/", views.resource_detail, name="resource-detail"),
    path("directory/changes/", include("consultations.freshness.urls")),
    path("resources/search/", views.resource_search, name="resource-search"),
    path("recipients/search/", views.recipient_search, name="recipient-search"),
    path("partners/", partner_views.partner_list, name="partners"),
    path("partners/<int:pk>/", partner_views.partner_detail, name="partner-detail"),
    path("partners/<int:pk>/agreements/new/", partner_views.agreement_new, name="agreement-new"),
    path("agreements/<int:pk>/edit/", partner_views.agreement_edit, name="agreement-edit"),
    path("agreements/<int:pk>/file/", partner_views.agreement_file, name="agreement-file"),
    path("outreach/", include("consultations.outreach.urls")),
    path("requests/", include("consultations.callbacks.urls")),
]
