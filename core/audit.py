"""The staff audit log: who looked at or changed whose personal data, from where.

Admin classes that show members' data inherit ``AuditedModelAdmin``; anything else that
acts on a member's data on a staff member's behalf (commands, actions) calls
``audit_record``. Entries name the changed fields but never their values: the log outlives
the member's erasure, so it must not become a second copy of their data.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.db import models

from .models import AuditEntry

Action = AuditEntry.Action


def _client_ip(request) -> str | None:
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model,
    subject_id=None,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    request=None,
) -> AuditEntry:
    """Append one entry. ``actor`` may be ``None`` for the system (commands, tasks);
    ``subject_id`` is the member whose data ``target`` is."""
    entry = _entry(actor, action, target, subject_id, changes, reason, request)
    entry.save(force_insert=True)
    return entry


def audit_record_many(
    *,
    actor,
    action: str,
    targets: Iterable[models.Model],
    subject_field: str = "pk",
    changes: dict[str, Any] | None = None,
    reason: str = "",
    request=None,
) -> list[AuditEntry]:
    """One entry per target, written in one INSERT: a staff list that shows members' data
    records each member shown at a cost that does not grow with the page.
    ``subject_field`` names each target's attribute holding its member (``"pk"`` for users
    themselves)."""
    return AuditEntry.objects.bulk_create(
        [
            _entry(actor, action, target, getattr(target, subject_field), changes, reason, request)
            for target in targets
        ]
    )


def _entry(actor, action, target, subject_id, changes, reason, request) -> AuditEntry:
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry(
        actor=actor,
        actor_email=getattr(actor, "email", "") or "",
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        subject_id="" if subject_id is None else str(subject_id),
        changes=changes or {},
        reason=reason[:200],
        ip_address=_client_ip(request),
    )


class AuditedModelAdmin(admin.ModelAdmin):
    """Records every view of an object's change page, every save (the changed field names,
    inlines included) and every delete. ``subject_field`` names the attribute holding the
    member the object belongs to (``"pk"`` on the user itself, ``"user_id"`` on a row with a
    user foreign key)."""

    subject_field = "user_id"

    def subject_of(self, obj) -> str:
        value = obj
        for part in self.subject_field.split("__"):
            value = getattr(value, part, None)
        return "" if value is None else str(value)

    def audit(
        self, request, obj, action: str, *, changes: dict | None = None, reason: str = ""
    ) -> AuditEntry:
        return audit_record(
            actor=request.user,
            action=action,
            target=obj,
            subject_id=self.subject_of(obj),
            changes=changes,
            reason=reason,
            request=request,
        )

    def audit_action(self, request, obj, name: str, *, reason: str = "") -> AuditEntry:
        """For admin actions: one ACTION entry per object acted on, written before acting."""
        return self.audit(request, obj, Action.ACTION, changes={"action": name}, reason=reason)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Reached only once the object is loaded and the viewer is allowed to see it.
        if change and obj is not None and request.method == "GET":
            self.audit(request, obj, Action.VIEW)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        fields = _changed_fields(form, formsets)
        if change and not fields:
            return
        self.audit(
            request,
            form.instance,
            Action.CHANGE if change else Action.ADD,
            changes={"fields": fields},
        )

    def delete_model(self, request, obj):
        self.audit(request, obj, Action.DELETE)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.audit(request, obj, Action.DELETE)
        super().delete_queryset(request, queryset)


def _changed_fields(form, formsets: Iterable) -> list[str]:
    """The form's changed field names, then ``<inline prefix>.<field>`` for each inline."""
    fields = dict.fromkeys(form.changed_data)
    for formset in formsets:
        for inline_form in formset.forms:
            if inline_form.has_changed():
                fields.update(
                    dict.fromkeys(f"{formset.prefix}.{name}" for name in inline_form.changed_data)
                )
    return list(fields)
