"""The community API (API.md, "community"): directory, posts, messages, blocks, AI."""

from django.urls import path

from .views import directory as directory_views
from .views import messages as message_views
from .views import posts as posts_views
from .views import recommendations as recommendation_views

app_name = "community"

urlpatterns: list = [
    # --- directory and tiers ---
    path(
        "community/members",
        directory_views.MemberViewSet.as_view({"get": "list"}),
        name="members",
    ),
    path(
        "community/members/<uuid:pk>",
        directory_views.MemberViewSet.as_view({"get": "retrieve"}),
        name="member-detail",
    ),
    path(
        "community/members/<uuid:pk>/tier",
        directory_views.MemberTierView.as_view(),
        name="member-tier",
    ),
    path("community/tiers", directory_views.TierViewSet.as_view({"get": "list"}), name="tiers"),
    # --- posts, comments, likes, reports ---
    path(
        "community/posts",
        posts_views.PostViewSet.as_view({"get": "list", "post": "create"}),
        name="posts",
    ),
    path(
        "community/posts/<uuid:pk>",
        posts_views.PostViewSet.as_view(
            {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
        ),
        name="post-detail",
    ),
    path("community/posts/<uuid:pk>/like", posts_views.PostLikeView.as_view(), name="post-like"),
    path(
        "community/posts/<uuid:pk>/comments",
        posts_views.PostCommentsView.as_view(),
        name="post-comments",
    ),
    path(
        "community/posts/<uuid:pk>/report",
        posts_views.PostReportView.as_view(),
        name="post-report",
    ),
    # --- messages and blocks ---
    path("messages", message_views.MessageSendView.as_view(), name="message-send"),
    path("messages/threads", message_views.ThreadListView.as_view(), name="message-threads"),
    path("messages/unread", message_views.UnreadView.as_view(), name="message-unread"),
    path(
        "messages/conversation/<uuid:user_id>",
        message_views.ConversationView.as_view(),
        name="message-conversation",
    ),
    path("messages/<uuid:pk>/read", message_views.MessageReadView.as_view(), name="message-read"),
    path("community/blocks", message_views.BlockListView.as_view(), name="blocks"),
    path("community/blocks/<uuid:user_id>", message_views.BlockView.as_view(), name="block"),
    # --- recommendations and profile optimisation ---
    path(
        "community/recommendations",
        recommendation_views.RecommendationsView.as_view(),
        name="recommendations",
    ),
    path(
        "community/profile/optimize",
        recommendation_views.ProfileOptimizeView.as_view(),
        name="profile-optimize",
    ),
]
