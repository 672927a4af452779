from django.contrib import admin

from .models import AuditEntry


class ReadOnlyAdminMixin:
    """For records nobody edits by hand (logs, members' own acts): staff may look, the
    admin offers no add, change or delete, whatever the staff member's permissions."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit log, readable by staff with the view permission and writable by no one,
    superusers included: an entry that can be edited proves nothing."""

    list_display = ["at", "actor_email", "action", "target_type", "target_repr", "subject_id"]
    list_filter = ["action", "target_type", "at"]
    search_fields = ["actor_email", "target_id", "subject_id"]
    date_hierarchy = "at"
    fields = [
        "at",
        "actor_email",
        "action",
        "target_type",
        "target_id",
        "target_repr",
        "subject_id",
        "changes",
        "reason",
        "ip_address",
    ]
    readonly_fields = fields
    show_full_result_count = False
