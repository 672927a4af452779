from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("ai/generations", views.GenerationViewSet, basename="ai-generation")

urlpatterns = [
    path("ai/usage", views.UsageView.as_view(), name="ai-usage"),
    path("ai/summaries", views.TextSummaryView.as_view(), name="ai-summaries"),
    *router.urls,
]
