"""The community API (docs/API.md, "community"): directory, posts, blocks and AI, mounted under
``community/`` by config/urls.py; messaging (``messages_urlpatterns``) lives at the API's
root, ``/messages...``, and is mounted there."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import admin_members as admin_member_views
from .views import directory as directory_views
from .views import messages as message_views
from .views import posts as posts_views
from .views import recommendations as recommendation_views

app_name = "community"

router = SimpleRouter(trailing_slash=False, use_regex_path=False)
router.register("members", directory_views.MemberViewSet, basename="member")
router.register("tiers", directory_views.TierViewSet, basename="tier")
router.register("posts", posts_views.PostViewSet, basename="post")

urlpatterns = [
    # --- directory and tiers ---
    path("members/<uuid:pk>/tier", directory_views.MemberTierView.as_view(), name="member-tier"),
    # --- staff's member management ---
    path("admin/members", admin_member_views.StaffMemberListView.as_view(), name="admin-members"),
    path(
        "admin/members/<uuid:pk>",
        admin_member_views.StaffMemberView.as_view(),
        name="admin-member",
    ),
    # --- posts, comments, likes, reports ---
    path("posts/<uuid:pk>/like", posts_views.PostLikeView.as_view(), name="post-like"),
    path("posts/<uuid:pk>/comments", posts_views.PostCommentsView.as_view(), name="post-comments"),
    path("posts/<uuid:pk>/report", posts_views.PostReportView.as_view(), name="post-report"),
    # --- blocks ---
    path("blocks", message_views.BlockListView.as_view(), name="blocks"),
    path("blocks/<uuid:user_id>", message_views.BlockView.as_view(), name="block"),
    # --- recommendations and profile optimisation ---
    path(
        "recommendations",
        recommendation_views.RecommendationsView.as_view(),
        name="recommendations",
    ),
    path(
        "recommendations/<uuid:member_id>/apply",
        recommendation_views.RecommendationApplyView.as_view(),
        name="recommendation-apply",
    ),
    path(
        "profile/optimize",
        recommendation_views.ProfileOptimizeView.as_view(),
        name="profile-optimize",
    ),
    *router.urls,
]

# Not under community/: config/urls.py mounts these at the API's root, namespace "messages".
messages_urlpatterns = [
    path("messages", message_views.MessageSendView.as_view(), name="send"),
    path("messages/threads", message_views.ThreadListView.as_view(), name="threads"),
    path("messages/unread", message_views.UnreadView.as_view(), name="unread"),
    path(
        "messages/conversation/<uuid:user_id>",
        message_views.ConversationView.as_view(),
        name="conversation",
    ),
    path("messages/<uuid:pk>/read", message_views.MessageReadView.as_view(), name="read"),
]
