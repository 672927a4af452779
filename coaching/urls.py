"""The coaching API (docs/API.md, "coaching"), mounted under ``coaching/`` by config/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import assessment as assessment_views
from .views import plans as plan_views
from .views import progress as progress_views
from .views import projects as project_views
from .views import tools as tool_views

app_name = "coaching"

router = SimpleRouter(trailing_slash=False, use_regex_path=False)
router.register("plans", plan_views.PlanViewSet, basename="plan")
router.register("goals", progress_views.GoalViewSet, basename="goal")
router.register("progress", progress_views.ProgressViewSet, basename="progress")
router.register("projects", project_views.ProjectViewSet, basename="project")
for kind in tool_views.TOOL_KINDS:
    router.register(
        f"tools/{kind}", tool_views.ArtifactViewSet.for_kind(kind), basename=f"tool-{kind}"
    )

urlpatterns = [
    # --- assessment ---
    path("assessment", assessment_views.QuestionnaireView.as_view(), name="assessment"),
    path("assessment/submit", assessment_views.SubmitView.as_view(), name="assessment-submit"),
    path(
        "assessment/results",
        assessment_views.LatestResultView.as_view(),
        name="assessment-results",
    ),
    path(
        "assessment/results/history",
        assessment_views.ResultHistoryView.as_view(),
        name="assessment-results-history",
    ),
    path(
        "assessment/results/<uuid:pk>",
        assessment_views.ResultDetailView.as_view(),
        name="assessment-result-detail",
    ),
    # --- plans and recommendations ---
    path(
        "plans/<uuid:pk>/actions/<uuid:action_id>",
        plan_views.PlanActionView.as_view(),
        name="plan-action-detail",
    ),
    path("recommendations", plan_views.RecommendationListView.as_view(), name="recommendations"),
    path(
        "recommendations/<uuid:pk>/apply",
        plan_views.RecommendationApplyView.as_view(),
        name="recommendation-apply",
    ),
    # --- progress ---
    path("progress/summary", progress_views.ProgressSummaryView.as_view(), name="progress-summary"),
    # --- tools and projects ---
    *[
        pattern
        for kind in tool_views.TOOL_KINDS
        for pattern in (
            path(
                f"tools/{kind}/generate",
                tool_views.ToolGenerateView.as_view(kind=kind),
                name=f"tool-{kind}-generate",
            ),
            path(
                f"tools/{kind}/<uuid:pk>/versions",
                tool_views.ArtifactVersionsView.as_view(kind=kind),
                name=f"tool-{kind}-versions",
            ),
            path(
                f"tools/{kind}/<uuid:pk>/export",
                tool_views.ArtifactExportView.as_view(kind=kind),
                name=f"tool-{kind}-export",
            ),
        )
    ],
    path(
        "tools/content/<uuid:pk>/schedule",
        tool_views.ContentScheduleView.as_view(),
        name="tool-content-schedule",
    ),
    path(
        "projects/<uuid:pk>/duplicate",
        project_views.ProjectDuplicateView.as_view(),
        name="project-duplicate",
    ),
    path(
        "projects/<uuid:pk>/analytics",
        project_views.ProjectAnalyticsView.as_view(),
        name="project-analytics",
    ),
    *router.urls,
]
