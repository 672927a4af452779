"""The AI API (docs/API.md, ai), mounted under ``ai/`` by config/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "ai"

router = SimpleRouter(trailing_slash=False)
router.register("generations", views.GenerationViewSet, basename="generation")

urlpatterns = [
    path("usage", views.UsageView.as_view(), name="usage"),
    path("summaries", views.TextSummaryView.as_view(), name="summaries"),
    *router.urls,
]
