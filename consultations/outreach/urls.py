from django.urls import path

from consultations.outreach import views

app_name = "outreach"
urlpatterns = [
    path("", views.session_list, name="list"),
    path("new/", views.session_new, name="new"),
    path("<int:pk>/", views.session_detail, name="detail"),
    path("<int:pk>/edit/", views.session_edit, name="edit"),
    path("sites/", views.site_list, name="sites"),
    path("sites/new/", views.site_edit, name="site-new"),
    path("sites/<int:pk>/", views.site_edit, name="site-edit"),
]
