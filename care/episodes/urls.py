from django.urls import path

from care.episodes import views

app_name = "episodes"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("refer/<int:recipient_pk>/", views.referral_new, name="refer"),
    path("<int:pk>/", views.episode_detail, name="detail"),
    path("<int:pk>/<slug:step>/", views.episode_step, name="step"),
    path(
        "extensions/<int:pk>/<str:decision>/",
        views.extension_decide,
        name="extension-decide",
    ),
    path("aftercare/<int:pk>/", views.aftercare_record, name="aftercare"),
]
