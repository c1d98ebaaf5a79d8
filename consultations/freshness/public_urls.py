"""The providers' pages, mounted at /provider/ (no account: the signed link is the key)."""

from django.urls import path

from consultations.freshness import views

app_name = "provider"
urlpatterns = [
    path("review/<str:token>/", views.provider_review, name="review"),
    path("review/<str:token>/thanks/", views.provider_thanks, name="thanks"),
]
