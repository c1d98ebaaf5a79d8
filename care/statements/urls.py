from django.urls import path

from care.statements import views

app_name = "statements"
urlpatterns = [
    path("", views.statement_month, name="month"),
    path("download/", views.statement_download, name="download"),
]
