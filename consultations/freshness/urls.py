"""The counselors' review of providers' proposed changes (/consultations/directory/changes/)."""

from django.urls import path

from consultations.freshness import views

app_name = "freshness"
urlpatterns = [
    path("", views.change_list, name="list"),
    path("<int:pk>/", views.change_detail, name="detail"),
    path("<int:pk>/accept/", views.change_accept, name="accept"),
    path("<int:pk>/reject/", views.change_reject, name="reject"),
    path("request/<int:resource_pk>/", views.review_request, name="request"),
]
