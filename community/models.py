"""The members' network: tiers, posts with their comments, likes and reports, blocks, and
1:1 messages.

User-written text (posts, comments, messages) is stored exactly as typed and served as
plain text; nothing here is ever rendered as HTML.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.models import BaseModel

POST_TITLE_MAX_LENGTH = 200
POST_MAX_LENGTH = 5000
COMMENT_MAX_LENGTH = 2000
MESSAGE_MAX_LENGTH = 4000
CLIENT_ID_MAX_LENGTH = 64


class Tier(BaseModel):
    """A level of membership that staff define (e.g. "Founding member"). Higher ``rank``
    is more senior; the directory filters on ``slug``."""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    rank = models.PositiveSmallIntegerField(default=0, db_index=True)
    perks = models.TextField(blank=True, help_text="Plain text shown to members.")

    class Meta:
        ordering = ["-rank", "name"]

    def __str__(self) -> str:
        return self.name


class Membership(BaseModel):
    """A member's standing in the network. Only staff change ``tier`` (API or admin), and
    each change is written to the audit log."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="memberships"
    )
    tier_changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.tier or 'no tier'}"


class Post(BaseModel):
    """A public post. Authors edit within ``COMMUNITY_EDIT_WINDOW_MINUTES``; staff hide; a
    post reported by ``COMMUNITY_REPORTS_TO_HIDE`` members is hidden until reviewed."""

    class HiddenReason(models.TextChoices):
        STAFF = "staff", "hidden by staff"
        REPORTS = "reports", "hidden after reports, awaiting review"

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_posts"
    )
    title = models.CharField(max_length=POST_TITLE_MAX_LENGTH, blank=True)
    content = models.TextField(max_length=POST_MAX_LENGTH)
    edited_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(
        max_length=10, choices=HiddenReason.choices, blank=True, db_index=True
    )
    hidden_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(
        null=True, blank=True, help_text="When staff last reviewed the post's reports."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The feed: visible posts, newest first (the cursor's ordering).
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(hidden_reason=""),
                name="community_post_feed",
            ),
        ]

    @property
    def is_hidden(self) -> bool:
        return bool(self.hidden_reason)

    def __str__(self) -> str:
        return self.title or self.content[:60]


class Comment(BaseModel):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_comments"
    )
    content = models.TextField(max_length=COMMENT_MAX_LENGTH)
    edited_at = models.DateTimeField(null=True, blank=True)
    is_hidden = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["post", "created_at", "id"])]

    def __str__(self) -> str:
        return self.content[:60]


class Like(BaseModel):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_likes"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="community_like_once"),
        ]


class Report(BaseModel):
    """A member's report of a post, for the staff moderation queue."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        HARASSMENT = "harassment", "Harassment"
        HATE = "hate", "Hate speech"
        MISINFORMATION = "misinformation", "Misinformation"
        OTHER = "other", "Other"

    class Resolution(models.TextChoices):
        PENDING = "", "pending"
        KEPT = "kept", "post kept"
        REMOVED = "removed", "post hidden"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_reports"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices, default=Reason.OTHER)
    note = models.TextField(max_length=1000, blank=True)
    resolution = models.CharField(
        max_length=10, choices=Resolution.choices, blank=True, default=Resolution.PENDING
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["post", "reporter"], name="community_report_once"),
        ]


class Block(BaseModel):
    """``blocker`` receives no messages from ``blocked``, and sends none to them."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_blocks"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="community_block_once"),
            models.CheckConstraint(
                condition=~Q(blocker=F("blocked")), name="community_block_not_self"
            ),
        ]


class Conversation(BaseModel):
    """The one thread between two members. ``user_low`` holds the smaller id, so a pair has
    exactly one row whoever writes first. A member erased while ``COMMUNITY_KEEP_MESSAGES``
    is on leaves their side ``NULL`` (shown as a deleted member)."""

    user_low = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    user_high = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_message = models.ForeignKey(
        "Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user_low", "user_high"], name="community_conversation_pair"
            ),
        ]
        indexes = [
            models.Index(fields=["user_low", "-last_message_at"]),
            models.Index(fields=["user_high", "-last_message_at"]),
        ]


class Message(BaseModel):
    """One message, stored before it is pushed. ``client_id`` is the sender's own id for
    it: a resend with the same id (after a dropped socket) returns the stored message.

    Its :attr:`status` follows from two timestamps rather than a column of its own, so the
    two can never disagree: ``delivered_at`` is set when the recipient first has it (one of
    their sockets received it, or they fetched it), ``read_at`` when they read it. Reading
    implies having it, which a check constraint holds."""

    class Status(models.TextChoices):
        SENT = "sent", "sent"
        DELIVERED = "delivered", "delivered to one of the recipient's devices"
        READ = "read", "read by the recipient"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="community_messages_sent",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="community_messages_received",
    )
    content = models.TextField(max_length=MESSAGE_MAX_LENGTH)
    client_id = models.CharField(max_length=CLIENT_ID_MAX_LENGTH, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "client_id"],
                condition=~Q(client_id=""),
                name="community_message_client_id_once",
            ),
            models.CheckConstraint(
                condition=Q(read_at__isnull=True) | Q(delivered_at__isnull=False),
                name="community_message_read_was_delivered",
            ),
        ]
        indexes = [
            # History, newest first (the cursor's ordering).
            models.Index(fields=["conversation", "-created_at", "-id"]),
            # Unread counts: a recipient's unread messages.
            models.Index(
                fields=["recipient", "conversation"],
                condition=Q(read_at__isnull=True),
                name="community_message_unread",
            ),
        ]

    @property
    def status(self) -> str:
        if self.read_at is not None:
            return self.Status.READ
        if self.delivered_at is not None:
            return self.Status.DELIVERED
        return self.Status.SENT

    def __str__(self) -> str:
        return f"{self.sender_id} -> {self.recipient_id}"


class AppliedRecommendation(BaseModel):
    """A member ``viewer`` acted on from their recommendations (``is_applied`` in the list).
    It is the viewer's own note: ``member`` is never told, nor shown it in their export."""

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="community_applied_recommendations",
    )
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    applied_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["viewer", "member"], name="community_recommendation_applied_once"
            ),
            models.CheckConstraint(
                condition=~Q(viewer=F("member")), name="community_recommendation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.viewer_id} applied {self.member_id}"
