from django.urls import path

app_name = "tablet"
urlpatterns: list = [
    # Filled in by the tablet pages (care/tablet_views.py).
]
