"""The residents' request pages, mounted at /find/request/ (config/urls.py, before the finder)."""

from django.urls import path, re_path

from consultations.callbacks import views

app_name = "callbacks"
urlpatterns = [
    path("", views.request_form, name="request"),
    # Only the shape of a request number (models.NUMBER_ALPHABET); anything else is a 404.
    re_path(r"^done/(?P<number>CB-[2-9A-HJ-NP-Z]{8})/$", views.request_done, name="done"),
]
