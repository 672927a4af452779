"""The coaching API (API.md, "coaching")."""

from django.urls import path  # noqa: F401

from .views import assessment as assessment_views
from .views import plans as plan_views
from .views import progress as progress_views
from .views import projects as project_views
from .views import tools as tool_views

app_name = "coaching"

urlpatterns: list = [
    # --- assessment ---
    path("coaching/assessment", assessment_views.QuestionnaireView.as_view(), name="assessment"),
    path(
        "coaching/assessment/submit",
        assessment_views.SubmitView.as_view(),
        name="assessment-submit",
    ),
    path(
        "coaching/assessment/results",
        assessment_views.LatestResultView.as_view(),
        name="assessment-results",
    ),
    path(
        "coaching/assessment/results/history",
        assessment_views.ResultHistoryView.as_view(),
        name="assessment-results-history",
    ),
    path(
        "coaching/assessment/results/<uuid:pk>",
        assessment_views.ResultDetailView.as_view(),
        name="assessment-result-detail",
    ),
    # --- plans and recommendations ---
    path(
        "coaching/plans",
        plan_views.PlanViewSet.as_view({"get": "list", "post": "create"}),
        name="plans",
    ),
    path(
        "coaching/plans/<uuid:pk>",
        plan_views.PlanViewSet.as_view(
            {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
        ),
        name="plan-detail",
    ),
    path(
        "coaching/plans/<uuid:pk>/actions/<uuid:action_id>",
        plan_views.PlanActionView.as_view(),
        name="plan-action-detail",
    ),
    path(
        "coaching/recommendations",
        plan_views.RecommendationListView.as_view(),
        name="recommendations",
    ),
    path(
        "coaching/recommendations/<uuid:pk>/apply",
        plan_views.RecommendationApplyView.as_view(),
        name="recommendation-apply",
    ),
    # --- goals and progress ---
    path(
        "coaching/goals",
        progress_views.GoalViewSet.as_view({"get": "list", "post": "create"}),
        name="goals",
    ),
    path(
        "coaching/goals/<uuid:pk>",
        progress_views.GoalViewSet.as_view(
            {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
        ),
        name="goal-detail",
    ),
    path(
        "coaching/progress",
        progress_views.ProgressViewSet.as_view({"get": "list", "post": "create"}),
        name="progress",
    ),
    path(
        "coaching/progress/summary",
        progress_views.ProgressSummaryView.as_view(),
        name="progress-summary",
    ),
    # --- tools and projects ---
    # One set of paths per tool, so an unknown tool is a 404 (coaching/views/tools.py).
    *[
        pattern
        for kind in tool_views.TOOL_KINDS
        for pattern in (
            path(
                f"coaching/tools/{kind}/generate",
                tool_views.ToolGenerateView.as_view(kind=kind),
                name=f"tool-{kind}-generate",
            ),
            path(
                f"coaching/tools/{kind}",
                tool_views.ArtifactViewSet.as_view({"get": "list"}, kind=kind),
                name=f"tool-{kind}-list",
            ),
            path(
                f"coaching/tools/{kind}/<uuid:pk>",
                tool_views.ArtifactViewSet.as_view(
                    {
                        "get": "retrieve",
                        "put": "update",
                        "patch": "partial_update",
                        "delete": "destroy",
                    },
                    kind=kind,
                ),
                name=f"tool-{kind}-detail",
            ),
            path(
                f"coaching/tools/{kind}/<uuid:pk>/versions",
                tool_views.ArtifactVersionsView.as_view(kind=kind),
                name=f"tool-{kind}-versions",
            ),
            path(
                f"coaching/tools/{kind}/<uuid:pk>/export",
                tool_views.ArtifactExportView.as_view(kind=kind),
                name=f"tool-{kind}-export",
            ),
        )
    ],
    path(
        "coaching/tools/content/<uuid:pk>/schedule",
        tool_views.ContentScheduleView.as_view(),
        name="tool-content-schedule",
    ),
    path(
        "coaching/projects",
        project_views.ProjectViewSet.as_view({"get": "list", "post": "create"}),
        name="projects",
    ),
    path(
        "coaching/projects/<uuid:pk>",
        project_views.ProjectViewSet.as_view(
            {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
        ),
        name="project-detail",
    ),
    path(
        "coaching/projects/<uuid:pk>/duplicate",
        project_views.ProjectDuplicateView.as_view(),
        name="project-duplicate",
    ),
    path(
        "coaching/projects/<uuid:pk>/analytics",
        project_views.ProjectAnalyticsView.as_view(),
        name="project-analytics",
    ),
]
