from django.urls import path

from volunteers.compliance import views

app_name = "compliance"
urlpatterns = [
    path("corps-members/compliance/", views.warnings, name="warnings"),
    path("corps-members/<int:pk>/compliance/", views.member, name="member"),
]
