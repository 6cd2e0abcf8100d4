from django.urls import path

from . import views

urlpatterns = [
    path(
        "unsubscribe/<str:kind>/<str:token>/",
        views.notification_unsubscribe,
        name="notification_unsubscribe",
    ),
]
