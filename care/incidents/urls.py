from django.urls import path

from care.incidents import views

app_name = "incidents"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("staff/", views.staff_queue, name="staff-queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:step>/", views.act, name="act"),
]
