"""Staff curate the practice scenarios, read conversations (audited) and review safety events
here. Scenarios are catalogue data, not a member's, so each save or delete writes a plain
change entry (``audit_record``) naming the changed fields, which is what the audit log
keeps; conversations and safety events belong to a member and go through
``AuditedModelAdmin``, which records every view, change and delete."""

from django.contrib import admin
from django.utils import timezone

from core.audit import Action, AuditedModelAdmin, audit_record

from .models import Conversation, Message, SafetyEvent, Scenario


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "setting", "target", "premium", "active", "order"]
    list_editable = ["order"]
    list_filter = ["active", "premium", "setting", "target"]
    search_fields = ["title", "slug", "description"]
    ordering = ["order", "title"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created_at", "updated_at"]
    fields = [
        "title",
        "slug",
        "setting",
        "target",
        "description",
        "premium",
        "active",
        "order",
        "tips",
        "created_at",
        "updated_at",
    ]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=Action.CHANGE if change else Action.ADD,
            target=obj,
            changes={"fields": sorted(form.changed_data)},
            request=request,
        )

    def delete_model(self, request, obj) -> None:
        audit_record(actor=request.user, action=Action.DELETE, target=obj, request=request)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            audit_record(actor=request.user, action=Action.DELETE, target=obj, request=request)
        super().delete_queryset(request, queryset)


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    can_delete = False
    fields = ["created_at", "role", "status", "content", "error_code", "last_seq"]
    readonly_fields = fields
    ordering = ["created_at", "id"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(AuditedModelAdmin):
    """Transcripts are a member's private words: every opened conversation is audited, and
    nothing in it can be edited here (staff end or delete a conversation, or review its
    safety events)."""

    list_display = ["__str__", "user", "kind", "status", "difficulty", "member_turns", "created_at"]
    list_filter = ["kind", "status", "difficulty"]
    search_fields = ["=id", "user__email", "title"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "scenario", "character_generation"]
    inlines = [MessageInline]
    readonly_fields = [
        "user",
        "kind",
        "scenario",
        "scenario_snapshot",
        "difficulty",
        "character",
        "character_generation",
        "title",
        "title_source",
        "quota_day",
        "quota_refunded_at",
        "member_turns",
        "last_message_at",
        "started_at",
        "ended_at",
        "end_reason",
        "created_at",
    ]
    fields = ["status", *readonly_fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(SafetyEvent)
class SafetyEventAdmin(AuditedModelAdmin):
    """Blocks, retractions, resources sent and under-18 statements, for review. An
    ``underage`` event keeps its member out of practice until it is marked reviewed
    (the "Mark reviewed" action, or ``reviewed_at`` on the page)."""

    list_display = ["created_at", "user", "action", "direction", "source", "reviewed_at"]
    list_filter = ["action", "direction", "source", ("reviewed_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "=conversation__id"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "conversation", "message"]
    readonly_fields = [
        "user",
        "conversation",
        "message",
        "direction",
        "categories",
        "action",
        "source",
        "created_at",
    ]
    fields = [*readonly_fields, "reviewed_at"]
    actions = ["mark_reviewed"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Mark reviewed (lifts an under-18 block)")
    def mark_reviewed(self, request, queryset) -> None:
        now = timezone.now()
        for event in queryset.filter(reviewed_at__isnull=True):
            self.audit_action(request, event, "mark_reviewed")
            event.reviewed_at = now
            event.save(update_fields=["reviewed_at", "updated_at"])
