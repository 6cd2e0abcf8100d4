from django.urls import path

from . import views

urlpatterns = [
    path("push/subscribe/", views.push_subscription_add, name="push_subscribe"),
    path("push/unsubscribe/", views.push_subscription_remove, name="push_unsubscribe"),
    path(
        "unsubscribe/<str:kind>/<str:token>/",
        views.notification_unsubscribe,
        name="notification_unsubscribe",
    ),
]
