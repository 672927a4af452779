from django.contrib import admin

from core.admin import ReadOnlyAdminMixin
from core.audit import AuditedModelAdmin

from .models import Event


@admin.register(Event)
class EventAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    """Events are appended by ``track`` and never edited, so staff may only read them;
    opening one shows a member's properties, so that view is audited."""

    list_display = ["name", "user", "occurred_at"]
    list_filter = ["name", "occurred_at"]
    list_select_related = ["user"]
    search_fields = ["name"]
    date_hierarchy = "occurred_at"
    fields = readonly_fields = ["name", "user", "pseudonym", "properties", "occurred_at"]
    show_full_result_count = False
