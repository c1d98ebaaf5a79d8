from django.urls import path

from care.schedule import views

app_name = "schedule"
urlpatterns = [
    path("", views.week, name="week"),
    path("attention/", views.attention, name="attention"),
    path("cover/", views.cover_day, name="cover"),
]
