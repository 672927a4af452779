"""Posts, comments, likes and reports (docs/API.md, community).

Who may do what:

- the feed lists visible posts, newest first; a hidden post (by staff or after reports)
  is left out, and is a 404 on its own to everyone but its author and staff; so are its
  likes, comments and report endpoints;
- the author edits (``PATCH title/content``) and deletes a post within
  ``COMMUNITY_EDIT_WINDOW_MINUTES``; after that: 403 ``edit_window_closed``; another
  member: 403 ``permission_denied`` (the post is public, so its existence is no secret);
- staff hide and unhide with ``PATCH {hidden}``; a member sending ``hidden``: 403.

Every write is throttled per member (``community_write`` in ``THROTTLE_RATES``).
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings

from core.pagination import CursorPagination
from core.throttles import SettingsRateThrottle

from ..selectors import posts as selectors
from ..serializers import posts as serializers
from ..services import posts as services

TAGS = ["community"]

FORBIDDEN = OpenApiResponse(
    serializers.ForbiddenErrorResponseSerializer,
    "`permission_denied`: the caller is not the author (or, for `hidden`, not "
    "staff); `edit_window_closed`: the post is older than the edit window "
    "(COMMUNITY_EDIT_WINDOW_MINUTES).",
)


class CommunityWriteThrottle(SettingsRateThrottle):
    """Per member, on every community write (posts, comments, likes, reports)."""

    scope = "community_write"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": str(request.user.pk)}


class WriteThrottledMixin:
    def get_throttles(self):
        throttles = [throttle() for throttle in api_settings.DEFAULT_THROTTLE_CLASSES]
        if self.request.method not in SAFE_METHODS:
            throttles.append(CommunityWriteThrottle())
        return throttles


class CommentPagination(CursorPagination):
    """Comments read as a conversation: oldest first."""

    ordering = ("created_at", "id")


class PostLookupMixin:
    def get_post(self):
        post = selectors.post_to_act_on(viewer=self.request.user, post_id=self.kwargs["pk"])
        if post is None:
            raise NotFound("No such post.")
        return post


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="The feed: visible posts, newest first (cursor-paginated)",
    ),
    retrieve=extend_schema(
        tags=TAGS,
        summary="One post",
        description="A hidden post is a 404 to everyone but its author and staff.",
    ),
)
class PostViewSet(
    WriteThrottledMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The feed and single posts; see the module's docstring for who may do what."""

    lookup_value_converter = "uuid"  # the router's <uuid:pk>
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.PostSerializer
    pagination_class = CursorPagination

    def get_queryset(self):
        if self.action == "list":
            return selectors.feed(viewer=self.request.user)
        return selectors.posts_visible_to(viewer=self.request.user)

    def _shown(self, post) -> dict:
        post = selectors.post_for(viewer=self.request.user, post_id=post.pk)
        return self.get_serializer(post).data

    @extend_schema(
        tags=TAGS,
        request=serializers.PostCreateSerializer,
        responses={201: serializers.PostSerializer},
        summary="Publish a post",
        description="`content` is required (at most 5000 characters), `title` optional (at "
        "most 200). Both are plain text, trimmed of surrounding whitespace and stored as "
        "typed; blank content is a 400 naming `content`.",
    )
    def create(self, request):
        serializer = serializers.PostCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = services.post_create(author=request.user, **serializer.validated_data)
        return Response(self._shown(post), status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        request=serializers.PostUpdateSerializer,
        responses={200: serializers.PostSerializer, 403: FORBIDDEN},
        summary="Edit a post (author, within the edit window) or hide/unhide it (staff)",
        description="Send only what changes. A change of `title` or `content` sets "
        "`edited_at`. `hidden` is for staff: true hides the post and resolves its pending "
        "reports as removed, false shows it again and resolves them as kept; both are "
        "written to the audit log.",
    )
    def partial_update(self, request, pk=None):
        post = self.get_object()
        serializer = serializers.PostUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = services.post_update(
            post=post, user=request.user, request=request, **serializer.validated_data
        )
        return Response(self._shown(post))

    @extend_schema(
        tags=TAGS,
        request=None,
        responses={204: None, 403: FORBIDDEN},
        summary="Delete a post (author, within the edit window)",
    )
    def destroy(self, request, pk=None):
        services.post_delete(post=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostLikeView(WriteThrottledMixin, PostLookupMixin, GenericAPIView):
    """The caller's like of a post. Both methods are idempotent."""

    permission_classes = [IsAuthenticated]
    serializer_class = serializers.LikeSerializer

    @extend_schema(
        tags=TAGS,
        request=None,
        responses={
            201: serializers.LikeSerializer,
            200: OpenApiResponse(
                serializers.LikeSerializer, "The caller had already liked the post."
            ),
        },
        summary="Like a post (idempotent)",
    )
    def post(self, request, pk):
        post = self.get_post()
        created = services.post_like(post=post, user=request.user)
        body = {"liked": True, "like_count": selectors.like_count(post)}
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        tags=TAGS,
        request=None,
        responses={204: None},
        summary="Take back a like (idempotent: 204 whether or not there was one)",
    )
    def delete(self, request, pk):
        services.post_unlike(post=self.get_post(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostCommentsView(WriteThrottledMixin, PostLookupMixin, GenericAPIView):
    """A post's comments, oldest first; comments hidden by staff are left out."""

    permission_classes = [IsAuthenticated]
    serializer_class = serializers.CommentSerializer
    pagination_class = CommentPagination
    filter_backends: list = []

    @extend_schema(
        tags=TAGS,
        responses={200: serializers.CommentSerializer(many=True)},
        summary="A post's comments, oldest first (cursor-paginated)",
    )
    def get(self, request, pk):
        page = self.paginate_queryset(selectors.comments_of(post=self.get_post()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        request=serializers.CommentCreateSerializer,
        responses={201: serializers.CommentSerializer},
        summary="Comment on a post",
        description="`content`: plain text, at most 2000 characters, trimmed, stored as "
        "typed; blank is a 400 naming `content`.",
    )
    def post(self, request, pk):
        post = self.get_post()
        serializer = serializers.CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.comment_create(
            post=post, author=request.user, content=serializer.validated_data["content"]
        )
        return Response(self.get_serializer(comment).data, status=status.HTTP_201_CREATED)


class PostReportView(WriteThrottledMixin, PostLookupMixin, GenericAPIView):
    """Report a post to staff. One report per member and post."""

    error_codes = {400: {"non_field_errors": ["own_post"]}}

    permission_classes = [IsAuthenticated]
    serializer_class = serializers.ReportSerializer

    @extend_schema(
        tags=TAGS,
        request=serializers.ReportCreateSerializer,
        responses={
            201: serializers.ReportSerializer,
            200: OpenApiResponse(
                serializers.ReportSerializer,
                "The caller had already reported the post: their first report, unchanged.",
            ),
        },
        summary="Report a post for moderation (idempotent per member)",
        description="`reason` is one of the listed choices, `note` optional (at most 1000 "
        "characters). When COMMUNITY_REPORTS_TO_HIDE members have reported the post (and "
        "staff have not reviewed those reports yet), it is hidden until staff review it. "
        "Reporting one's own post is a 400 (`own_post`).",
    )
    def post(self, request, pk):
        post = self.get_post()
        serializer = serializers.ReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report, created = services.post_report(
            post=post, reporter=request.user, **serializer.validated_data
        )
        return Response(
            self.get_serializer(report).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
