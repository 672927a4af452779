"""The conversations API (docs/API.md, "conversations"), mounted under ``conversations/`` by
config/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "conversations"

router = SimpleRouter(trailing_slash=False, use_regex_path=False)
router.register("scenarios", views.ScenarioViewSet, basename="scenario")

urlpatterns = [
    path(
        "scenarios/<slug:slug>/context",
        views.ScenarioContextView.as_view(),
        name="scenario-context",
    ),
    path("quota", views.PracticeQuotaView.as_view(), name="quota"),
    *router.urls,
]
