from django.urls import path

from care.satisfaction import views

app_name = "satisfaction"
urlpatterns = [
    path("", views.results, name="results"),
    path("episodes/<int:pk>/<slug:occasion>/", views.survey, name="survey"),
]
