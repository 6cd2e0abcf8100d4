from django.urls import path

from . import trend_views

urlpatterns = [
    path("", trend_views.trends_page, name="trends"),
]
