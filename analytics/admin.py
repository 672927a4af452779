from django.contrib import admin

from core.audit import AuditedModelAdmin

from .models import Event


@admin.register(Event)
class EventAdmin(AuditedModelAdmin):
    """Events are appended by ``track`` and never edited, so staff may only read them;
    opening one shows a member's properties, so that view is audited."""

    list_display = ["name", "user", "occurred_at"]
    list_filter = ["name", "occurred_at"]
    list_select_related = ["user"]
    search_fields = ["name"]
    date_hierarchy = "occurred_at"
    fields = readonly_fields = ["name", "user", "pseudonym", "properties", "occurred_at"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
