from django.urls import path

from consultations.rights import views

app_name = "rights"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_new, name="new"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/record.xlsx", views.request_record, name="record"),
]
