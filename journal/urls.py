from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.need_help_now, name="need_help_now"),
]
