"""Staff curate the practice scenarios here. Scenarios are catalogue data, not a member's,
so each save or delete writes a plain change entry (``audit_record``) naming the changed
fields, which is what the audit log keeps."""

from django.contrib import admin

from core.audit import Action, audit_record

from .models import Scenario


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
