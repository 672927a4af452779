from django.contrib import admin

from core.admin import ReadOnlyAdminMixin
from core.audit import AuditedModelAdmin

from .models import Generation, QuotaUsage


@admin.register(Generation)
class GenerationAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    """The generation log, read-only. Inputs and outputs are the member's personal data, so
    opening one is audited; the list shows only what the usage numbers need."""

    list_display = [
        "created_at",
        "user",
        "feature",
        "status",
        "provider",
        "model",
        "tokens_in",
        "tokens_out",
        "usage_estimated",
        "cost_usd",
        "latency_ms",
        "attempts",
        "error_code",
    ]
    list_filter = [
        "feature",
        "status",
        "provider",
        "model",
        "error_code",
        "streamed",
        "usage_estimated",
    ]
    list_select_related = ["user"]
    search_fields = ["user__email", "=id"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["id", "user", "feature", "streamed", "status", "error_code"]}),
        ("Model", {"fields": ["provider", "model", "prompt_version"]}),
        (
            "Usage",
            {
                "fields": [
                    "tokens_in",
                    "tokens_out",
                    "usage_estimated",
                    "cost_usd",
                    "latency_ms",
                    "time_to_first_token_ms",
                    "attempts",
                    "quota_cost",
                    "quota_day",
                ]
            },
        ),
        (
            "Content",
            {
                "fields": [
                    "input",
                    "member_context",
                    "output",
                    "error_message",
                    "content_cleared_at",
                ]
            },
        ),
        ("Times", {"fields": ["created_at", "started_at", "finished_at"]}),
    ]
    readonly_fields = [name for _, section in fieldsets for name in section["fields"]]


@admin.register(QuotaUsage)
class QuotaUsageAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ["day", "user", "feature", "used"]
    list_filter = ["feature", "day"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    date_hierarchy = "day"
    ordering = ["-day"]
    fields = readonly_fields = ["user", "feature", "day", "used", "created_at", "updated_at"]
