from django.urls import include, path

from consultations import desk_views as views

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
    path("resources/search/", views.resource_search, name="resource-search"),
    path("recipients/search/", views.recipient_search, name="recipient-search"),
    path("outreach/", include("consultations.outreach.urls")),
]
