from django.urls import path

from care.repairs import views

app_name = "repairs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("new/", views.job_new, name="new"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/<slug:step>/", views.job_step, name="step"),
    path("items/<int:pk>/remove/", views.item_remove, name="item-remove"),
    path("photos/<int:pk>/", views.photo_file, name="photo"),
]
