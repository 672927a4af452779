"""The notifications API (docs/API.md, notifications). Its inbox is the prefix itself
(``/notifications``), which a mount under ``notifications/`` cannot give, so config/urls.py
mounts this module at the API's root and the router names the prefix."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "notifications"

router = SimpleRouter(trailing_slash=False, use_regex_path=False)
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = [
    path(
        "notifications/preferences",
        views.PreferencesView.as_view(),
        name="preferences",
    ),
    path(
        "notifications/unsubscribe",
        views.UnsubscribeView.as_view(),
        name="unsubscribe",
    ),
    *router.urls,
]
