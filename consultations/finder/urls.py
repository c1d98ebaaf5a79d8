"""The residents' finder, mounted at /find/ (config/urls.py)."""

from django.urls import path

from consultations.finder import views

app_name = "finder"
urlpatterns = [
    path("", views.home, name="home"),
    path("resources/<int:pk>/", views.resource, name="resource"),
    path("categories/", views.categories, name="categories"),
    path("categories/<slug:code>/", views.category, name="category"),
    path("help/", views.help_questions, name="help"),
    path("language/", views.language, name="language"),
]
