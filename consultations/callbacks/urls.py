"""The queue of call-back requests on the counselors' desk, under /consultations/requests/."""

from django.urls import path

from consultations.callbacks import views

urlpatterns = [
    path("", views.queue, name="requests"),
    path("<int:pk>/", views.detail, name="request-detail"),
    path("<int:pk>/take/", views.take, name="request-take"),
    path("<int:pk>/close/", views.close, name="request-close"),
]
