from django.urls import path

from . import views

inbox = views.NotificationViewSet.as_view

urlpatterns = [
    path("notifications", inbox({"get": "list"}), name="notifications"),
    path(
        "notifications/unread-count",
        inbox({"get": "unread_count"}),
        name="notifications-unread-count",
    ),
    path("notifications/read-all", inbox({"post": "read_all"}), name="notifications-read-all"),
    path("notifications/<uuid:pk>/read", inbox({"post": "read"}), name="notifications-read"),
    path(
        "notifications/preferences",
        views.PreferencesView.as_view(),
        name="notifications-preferences",
    ),
    path(
        "notifications/unsubscribe",
        views.UnsubscribeView.as_view(),
        name="notifications-unsubscribe",
    ),
]
