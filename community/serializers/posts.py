"""Shapes of posts, comments, likes and reports. Text is plain: trimmed, length-checked
and stored as typed; nothing is escaped or rendered (clients show it as text)."""

from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from rest_framework import serializers

from ..models import (
    COMMENT_MAX_LENGTH,
    POST_MAX_LENGTH,
    POST_TITLE_MAX_LENGTH,
    Comment,
    Post,
    Report,
)
from ..selectors.directory import profile_of

REPORT_NOTE_MAX_LENGTH = Report._meta.get_field("note").max_length


class AuthorSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    display_name = serializers.SerializerMethodField()

    def get_display_name(self, user) -> str:
        profile = profile_of(user)
        return profile.display_name if profile is not None else ""


class PostSerializer(serializers.ModelSerializer):
    """A post with its counts and what the caller may do with it. Needs the annotations of
    ``community.selectors.posts``."""

    author = AuthorSerializer(read_only=True)
    like_count = serializers.IntegerField(read_only=True)
    comment_count = serializers.IntegerField(read_only=True)
    liked_by_me = serializers.BooleanField(read_only=True)
    can_edit = serializers.BooleanField(
        read_only=True,
        help_text="The caller wrote the post and its edit window is still open: they may "
        "edit or delete it.",
    )
    hidden = serializers.BooleanField(
        source="is_hidden",
        read_only=True,
        help_text="Hidden by staff or after reports; only its author and staff see it.",
    )

    class Meta:
        model = Post
        fields = [
            "id",
            "author",
            "title",
            "content",
            "created_at",
            "edited_at",
            "like_count",
            "comment_count",
            "liked_by_me",
            "can_edit",
            "hidden",
        ]
        read_only_fields = fields


class PostCreateSerializer(serializers.Serializer):
    title = serializers.CharField(
        max_length=POST_TITLE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    content = serializers.CharField(max_length=POST_MAX_LENGTH)


class PostUpdateSerializer(serializers.Serializer):
    """Send only what changes. ``title`` and ``content``: the author, within the edit
    window. ``hidden``: staff only."""

    title = serializers.CharField(
        max_length=POST_TITLE_MAX_LENGTH, required=False, allow_blank=True
    )
    content = serializers.CharField(max_length=POST_MAX_LENGTH, required=False)
    hidden = serializers.BooleanField(
        required=False,
        help_text="Staff only. true hides the post (its pending reports are resolved as "
        "removed); false shows it again (pending reports resolved as kept).",
    )


class CommentSerializer(serializers.ModelSerializer):
    author = AuthorSerializer(read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "author", "content", "created_at", "edited_at"]
        read_only_fields = fields


class CommentCreateSerializer(serializers.Serializer):
    content = serializers.CharField(max_length=COMMENT_MAX_LENGTH)


class LikeSerializer(serializers.Serializer):
    liked = serializers.BooleanField(help_text="Always true: the caller likes the post.")
    like_count = serializers.IntegerField()


class ReportCreateSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    note = serializers.CharField(
        max_length=REPORT_NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class ReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = Report
        fields = ["id", "post", "reason", "note", "created_at"]
        read_only_fields = fields


# --- error bodies the schema documents beyond drf-standardized-errors' own ----------------


class ForbiddenErrorSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["permission_denied", "edit_window_closed"])
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ForbiddenErrorResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = ForbiddenErrorSerializer(many=True)
