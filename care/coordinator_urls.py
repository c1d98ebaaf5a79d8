from django.urls import path

app_name = "coordinator"
urlpatterns: list = [
    # Filled in by the coordinator desk (care/coordinator_views.py).
]
