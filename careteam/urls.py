from django.urls import path

from . import views

app_name = "careteam"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
