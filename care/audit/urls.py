from django.urls import path

from care.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.review_index, name="index"),
    path("<int:year>/<int:month>/", views.review_month, name="month"),
]
