"""The community's admin: tiers and memberships, the posts' moderation queue, comments and
reports, and read-only views of blocks and messages.

Every change staff make to a member's standing or content goes through the same services
as the API and is written to the audit log; opening a member's row (a membership, a post,
a message) is audited by ``AuditedModelAdmin``. Messages are private: their content is
shown only on a message's own page, whose every opening is audited for both parties.
"""

from django.contrib import admin, messages
from django.db.models import Count, Q

from core.admin import ReadOnlyAdminMixin
from core.audit import AuditedModelAdmin, audit_record

from .models import Block, Comment, Conversation, Membership, Message, Post, Report, Tier
from .services import directory as directory_services
from .services import posts as post_services


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    """Levels of membership; staff give them to members from the memberships list or the
    API. Deleting a tier leaves its members without one."""

    list_display = ["name", "slug", "rank", "members"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "rank", "perks"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description="members", ordering="member_count")
    def members(self, obj: Tier) -> int:
        return obj.member_count


def _set_tier_action(tier: Tier | None):
    def set_tier(modeladmin, request, queryset) -> None:
        changed = 0
        for membership in queryset.select_related("user"):
            before = membership.tier_id
            updated = directory_services.membership_set_tier(
                user=membership.user, tier=tier, actor=request.user, request=request, via="admin"
            )
            changed += updated.tier_id != before
        label = tier.name if tier else "no tier"
        modeladmin.message_user(
            request, f"Set {changed} membership(s) to {label}.", messages.SUCCESS
        )

    return set_tier


@admin.register(Membership)
class MembershipAdmin(AuditedModelAdmin):
    """Members' tiers. Change them here (one member) or with the "Set tier" actions (many);
    both go through ``membership_set_tier``, which stamps ``tier_changed_at`` and writes
    the audit entry. Memberships are created when a member is first given a tier."""

    list_display = ["user", "tier", "tier_changed_at", "created_at"]
    list_filter = ["tier", "tier_changed_at"]
    list_select_related = ["user", "tier"]
    search_fields = ["user__email"]
    fields = ["user", "tier", "tier_changed_at", "created_at"]
    readonly_fields = ["user", "tier_changed_at", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.has_change_permission(request):
            return actions
        for tier in Tier.objects.order_by("-rank", "name"):
            name = f"set_tier_{tier.slug}"
            actions[name] = (_set_tier_action(tier), name, f"Set tier: {tier.name}")
        actions["set_tier_none"] = (_set_tier_action(None), "set_tier_none", "Remove tier")
        return actions

    def save_model(self, request, obj, form, change) -> None:
        if "tier" in form.changed_data:
            directory_services.membership_set_tier(
                user=obj.user,
                tier=form.cleaned_data["tier"],
                actor=request.user,
                request=request,
                via="admin",
            )

    def save_related(self, request, form, formsets, change) -> None:
        # The service wrote the audit entry of the only editable field.
        admin.ModelAdmin.save_related(self, request, form, formsets, change)


class AwaitingReviewFilter(admin.SimpleListFilter):
    title = "moderation"
    parameter_name = "moderation"

    def lookups(self, request, model_admin):
        return [
            ("awaiting", "Awaiting review (hidden after reports)"),
            ("reported", "Has pending reports"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "awaiting":
            return queryset.filter(hidden_reason=Post.HiddenReason.REPORTS)
        if self.value() == "reported":
            return queryset.filter(reports__resolution=Report.Resolution.PENDING).distinct()
        return queryset


class ReportInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Report
    extra = 0
    can_delete = False
    fields = readonly_fields = [
        "reporter",
        "reason",
        "note",
        "resolution",
        "created_at",
        "resolved_at",
        "resolved_by",
    ]
    ordering = ["created_at"]


@admin.register(Post)
class PostAdmin(AuditedModelAdmin):
    """Posts and the moderation queue: filter on "Awaiting review", read the reports, then
    keep (shown again, reports resolved as kept) or hide (reports resolved as removed).
    A member's words are never edited here."""

    subject_field = "author_id"
    list_display = [
        "__str__",
        "author",
        "created_at",
        "hidden_reason",
        "pending_reports",
        "reviewed_at",
    ]
    list_filter = [AwaitingReviewFilter, "hidden_reason", "created_at"]
    list_select_related = ["author"]
    search_fields = ["title", "content", "author__email"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = readonly_fields = [
        "author",
        "title",
        "content",
        "created_at",
        "edited_at",
        "hidden_reason",
        "hidden_at",
        "reviewed_at",
    ]
    inlines = [ReportInline]
    actions = ["keep_posts", "hide_posts"]

    def get_queryset(self, request):
        pending = Count("reports", filter=Q(reports__resolution=Report.Resolution.PENDING))
        return super().get_queryset(request).annotate(pending_report_count=pending)

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="pending reports", ordering="pending_report_count")
    def pending_reports(self, obj: Post) -> int:
        return obj.pending_report_count

    @admin.action(description="Keep: show again, resolve reports as kept", permissions=["change"])
    def keep_posts(self, request, queryset) -> None:
        for post in queryset:
            post_services.post_keep(post=post, moderator=request.user, request=request)
        self.message_user(request, f"Kept {len(queryset)} post(s).", messages.SUCCESS)

    @admin.action(description="Hide: resolve reports as removed", permissions=["change"])
    def hide_posts(self, request, queryset) -> None:
        for post in queryset:
            post_services.post_hide(post=post, moderator=request.user, request=request)
        self.message_user(request, f"Hid {len(queryset)} post(s).", messages.SUCCESS)


@admin.register(Comment)
class CommentAdmin(AuditedModelAdmin):
    """Comments; staff hide or show them again with the actions (audited)."""

    subject_field = "author_id"
    list_display = ["__str__", "author", "post", "is_hidden", "created_at"]
    list_filter = ["is_hidden", "created_at"]
    list_select_related = ["author", "post"]
    search_fields = ["content", "author__email"]
    show_full_result_count = False
    fields = readonly_fields = ["post", "author", "content", "created_at", "edited_at", "is_hidden"]
    actions = ["hide_comments", "show_comments"]

    def has_add_permission(self, request) -> bool:
        return False

    def _set_hidden(self, request, queryset, hidden: bool) -> int:
        for comment in queryset:
            post_services.comment_set_hidden(
                comment=comment, hidden=hidden, moderator=request.user, request=request
            )
        return len(queryset)

    @admin.action(description="Hide selected comments", permissions=["change"])
    def hide_comments(self, request, queryset) -> None:
        count = self._set_hidden(request, queryset, True)
        self.message_user(request, f"Hid {count} comment(s).", messages.SUCCESS)

    @admin.action(description="Show selected comments again", permissions=["change"])
    def show_comments(self, request, queryset) -> None:
        count = self._set_hidden(request, queryset, False)
        self.message_user(request, f"Showed {count} comment(s).", messages.SUCCESS)


@admin.register(Report)
class ReportAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    """Members' reports, read-only: they are resolved by keeping or hiding their post."""

    subject_field = "reporter_id"
    list_display = ["post", "reporter", "reason", "resolution", "created_at", "resolved_by"]
    list_filter = ["resolution", "reason", "created_at"]
    list_select_related = ["post", "reporter", "resolved_by"]
    search_fields = ["reporter__email", "post__title"]
    show_full_result_count = False
    fields = readonly_fields = [
        "post",
        "reporter",
        "reason",
        "note",
        "resolution",
        "created_at",
        "resolved_at",
        "resolved_by",
    ]


@admin.register(Block)
class BlockAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    """Who blocked whom: members' own decisions, read-only."""

    subject_field = "blocker_id"
    list_display = ["blocker", "blocked", "created_at"]
    list_select_related = ["blocker", "blocked"]
    search_fields = ["blocker__email", "blocked__email"]
    fields = readonly_fields = ["blocker", "blocked", "created_at"]


class BothPartiesAudited(ReadOnlyAdminMixin, AuditedModelAdmin):
    """Read-only, and each audit entry is written once for each party (a message is both
    members' data), so each one's trail shows that staff looked."""

    subject_fields: tuple[str, str]

    def audit(self, request, obj, action: str, *, changes=None, reason: str = ""):
        entries = [
            audit_record(
                actor=request.user,
                action=action,
                target=obj,
                subject_id=getattr(obj, field),
                changes=changes,
                reason=reason,
                request=request,
            )
            for field in self.subject_fields
            if getattr(obj, field) is not None
        ]
        return entries[0] if entries else super().audit(request, obj, action, changes=changes)


@admin.register(Conversation)
class ConversationAdmin(BothPartiesAudited):
    """Who talks with whom and when, without the messages' content."""

    subject_fields = ("user_low_id", "user_high_id")
    list_display = ["id", "user_low", "user_high", "last_message_at", "created_at"]
    list_select_related = ["user_low", "user_high"]
    search_fields = ["user_low__email", "user_high__email"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = readonly_fields = ["user_low", "user_high", "last_message_at", "created_at"]


@admin.register(Message)
class MessageAdmin(BothPartiesAudited):
    """Messages, for abuse investigations. The list shows no content; opening a message
    shows it and is audited for its sender and its recipient."""

    subject_fields = ("sender_id", "recipient_id")
    list_display = ["id", "sender", "recipient", "created_at", "delivered_at", "read_at"]
    list_filter = ["created_at"]
    list_select_related = ["sender", "recipient"]
    search_fields = ["sender__email", "recipient__email"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = readonly_fields = [
        "conversation",
        "sender",
        "recipient",
        "content",
        "client_id",
        "created_at",
        "delivered_at",
        "read_at",
    ]
