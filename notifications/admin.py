from django.contrib import admin, messages

from core.admin import ReadOnlyAdminMixin
from core.audit import AuditedModelAdmin

from . import services
from .models import Notification, NotificationPreference, ScheduledNotification


class ReadFilter(admin.SimpleListFilter):
    title = "read"
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return [("yes", "Read"), ("no", "Unread")]

    def queryset(self, request, queryset):
        if self.value() in {"yes", "no"}:
            return queryset.filter(read_at__isnull=self.value() == "no")
        return queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    """What members were told and whether the email went out; read-only, since a
    notification is a record of something that happened. Opening one is audited."""

    list_display = ["title", "user", "kind", "in_app", "read", "email_status", "created_at"]
    list_filter = ["kind", ReadFilter, "email_status", "in_app", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__email", "title"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = readonly_fields = [
        "user",
        "kind",
        "title",
        "body",
        "data",
        "in_app",
        "read_at",
        "email_status",
        "email_sent_at",
        "email_attempts",
        "email_error",
        "scheduled",
        "created_at",
        "updated_at",
    ]

    @admin.display(description="read", boolean=True, ordering="read_at")
    def read(self, obj: Notification) -> bool:
        return obj.is_read


@admin.register(ScheduledNotification)
class ScheduledNotificationAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    """Notifications waiting for their time. Staff may cancel pending ones (through the same
    service the apps use), never edit them."""

    list_display = ["kind", "user", "send_at", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "send_at"]
    list_select_related = ["user"]
    search_fields = ["user__email", "kind"]
    date_hierarchy = "send_at"
    ordering = ["-send_at"]
    show_full_result_count = False
    actions = ["cancel_pending"]
    fields = readonly_fields = [
        "user",
        "kind",
        "send_at",
        "payload",
        "status",
        "sent_at",
        "attempts",
        "error",
        "cancel_reason",
        "created_at",
        "updated_at",
    ]

    def has_cancel_permission(self, request) -> bool:
        return request.user.has_perm("notifications.change_schedulednotification")

    @admin.action(description="Cancel selected pending notifications", permissions=["cancel"])
    def cancel_pending(self, request, queryset) -> None:
        cancelled = 0
        for row in queryset.filter(status=ScheduledNotification.Status.PENDING):
            self.audit_action(request, row, "cancel_pending")
            if services.cancel(scheduled=row, reason=f"Cancelled by {request.user.email}"):
                cancelled += 1
        self.message_user(
            request, f"Cancelled {cancelled} scheduled notification(s).", messages.SUCCESS
        )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    """Members' own choices: staff read them to answer "why did I (not) get this?"."""

    list_display = ["user", "kind", "in_app", "email", "updated_at"]
    list_filter = ["kind", "in_app", "email"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    fields = readonly_fields = ["user", "kind", "in_app", "email", "created_at", "updated_at"]
