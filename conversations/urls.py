"""The conversations API (docs/API.md, "conversations"), mounted at the API's root by
config/urls.py so the list is ``/conversations`` itself, without a slash. Words (``scenarios``, ``quota``, ``skills``, ``coach``) and conversation ids
share the prefix: ids are matched as UUIDs only, so a word never reaches a detail view."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import feedback_views, views

app_name = "conversations"

router = SimpleRouter(trailing_slash=False, use_regex_path=False)
router.register("conversations/scenarios", views.ScenarioViewSet, basename="scenario")

urlpatterns = [
    path(
        "conversations/scenarios/<slug:slug>/context",
        views.ScenarioContextView.as_view(),
        name="scenario-context",
    ),
    path("conversations/quota", views.PracticeQuotaView.as_view(), name="quota"),
    *router.urls,
    # The AI coach.
    path("conversations/coach/ask", views.CoachAskView.as_view(), name="coach-ask"),
    path("conversations/coach/threads", views.ThreadListView.as_view(), name="coach-thread-list"),
    path(
        "conversations/coach/threads/<uuid:pk>",
        views.ThreadDetailView.as_view(),
        name="coach-thread-detail",
    ),
    path(
        "conversations/coach/threads/<uuid:pk>/messages",
        views.CoachMessageListView.as_view(),
        name="coach-thread-messages",
    ),
    path(
        "conversations/coach/threads/<uuid:pk>/messages/<uuid:message_id>",
        views.CoachMessageDetailView.as_view(),
        name="coach-message-detail",
    ),
    path(
        "conversations/coach/threads/<uuid:pk>/messages/<uuid:message_id>/cancel",
        views.CoachMessageCancelView.as_view(),
        name="coach-message-cancel",
    ),
    # Practice conversations.
    path("conversations", views.ConversationListView.as_view(), name="conversation-list"),
    # Ending a practice conversation, its feedback and the skill history.
    path("conversations/skills", feedback_views.SkillsView.as_view(), name="skills"),
    path(
        "conversations/<uuid:pk>/end",
        feedback_views.ConversationEndView.as_view(),
        name="conversation-end",
    ),
    path(
        "conversations/<uuid:pk>/feedback",
        feedback_views.FeedbackView.as_view(),
        name="conversation-feedback",
    ),
    path(
        "conversations/<uuid:pk>/feedback/retry",
        feedback_views.FeedbackRetryView.as_view(),
        name="conversation-feedback-retry",
    ),
    path(
        "conversations/<uuid:pk>",
        views.ConversationDetailView.as_view(),
        name="conversation-detail",
    ),
    path(
        "conversations/<uuid:pk>/messages",
        views.MessageListView.as_view(),
        name="conversation-messages",
    ),
    path(
        "conversations/<uuid:pk>/messages/<uuid:message_id>",
        views.MessageDetailView.as_view(),
        name="conversation-message-detail",
    ),
    path(
        "conversations/<uuid:pk>/messages/<uuid:message_id>/cancel",
        views.MessageCancelView.as_view(),
        name="conversation-message-cancel",
    ),
]
