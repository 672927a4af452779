"""The CRM's admin: members' customers, interactions, referrals, points and follow-ups.

All of it is members' data: ``AuditedModelAdmin`` writes every view and change to the audit
log. Contact details never appear in lists, and on a change page only for staff holding
``crm.view_contact_details``; the encrypted columns and their blind indexes are never
editable here (a change would bypass the normalisation and duplicate checks of the services).
"""

from django.contrib import admin

from core.audit import AuditedModelAdmin

from .models import (
    CrmSettings,
    Customer,
    FollowUp,
    Interaction,
    PointsEntry,
    Referral,
    RewardBalance,
    Tag,
)

MASK = "••••"
CONTACT_PERMISSION = "crm.view_contact_details"


def _contact_column(name: str, *, masked: bool):
    @admin.display(description=name.replace("_", " "))
    def column(self, obj):
        value = getattr(obj, name, "")
        if not value:
            return "-"
        return MASK if masked else value

    return column


class ContactDetailsMixin:
    """Read-only contact fields, shown in full only with ``crm.view_contact_details``.
    Subclasses get ``<field>_shown`` and ``<field>_masked`` columns from ``contact_fields``."""

    contact_fields: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls.contact_fields:
            setattr(cls, f"{name}_shown", _contact_column(name, masked=False))
            setattr(cls, f"{name}_masked", _contact_column(name, masked=True))

    def _contact_columns(self, request) -> list[str]:
        suffix = "shown" if request.user.has_perm(CONTACT_PERMISSION) else "masked"
        return [f"{name}_{suffix}" for name in self.contact_fields]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *self._contact_columns(request)]

    def get_fields(self, request, obj=None):
        hidden = {*self.contact_fields, *(f"{name}_index" for name in self.contact_fields)}
        fields = [
            f
            for f in super().get_fields(request, obj)
            if f not in hidden and not f.endswith(("_shown", "_masked"))
        ]
        return [*fields, *self._contact_columns(request)]


@admin.register(CrmSettings)
class CrmSettingsAdmin(AuditedModelAdmin):
    subject_field = "owner_id"
    list_display = ["owner", "default_phone_region", "timezone", "updated_at"]
    list_select_related = ["owner"]
    search_fields = ["owner__email"]
    raw_id_fields = ["owner"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Tag)
class TagAdmin(AuditedModelAdmin):
    subject_field = "owner_id"
    list_display = ["name", "owner", "created_at"]
    list_select_related = ["owner"]
    search_fields = ["name", "owner__email"]
    raw_id_fields = ["owner"]


@admin.register(Customer)
class CustomerAdmin(ContactDetailsMixin, AuditedModelAdmin):
    subject_field = "owner_id"
    contact_fields = ("email", "phone")
    list_display = ["name", "owner", "status", "source", "last_contacted_at", "created_at"]
    list_filter = ["status", "created_at"]
    list_select_related = ["owner"]
    search_fields = ["name", "owner__email"]
    show_full_result_count = False
    raw_id_fields = ["owner"]
    filter_horizontal = ["tags"]
    readonly_fields = ["last_contacted_at", "created_at", "updated_at"]


@admin.register(Interaction)
class InteractionAdmin(AuditedModelAdmin):
    subject_field = "owner_id"
    list_display = ["customer", "kind", "occurred_at", "amount", "currency", "owner"]
    list_filter = ["kind", "occurred_at"]
    list_select_related = ["customer", "owner"]
    search_fields = ["customer__name", "owner__email"]
    show_full_result_count = False
    raw_id_fields = ["owner", "customer"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Referral)
class ReferralAdmin(ContactDetailsMixin, AuditedModelAdmin):
    """Status moves only through the API's actions (points follow them): read-only here."""

    subject_field = "owner_id"
    contact_fields = ("referee_email", "referee_phone")
    list_display = ["referrer", "referee_name", "status", "owner", "created_at"]
    list_filter = ["status", "created_at"]
    list_select_related = ["referrer", "owner"]
    search_fields = ["referrer__name", "referee_name", "owner__email"]
    show_full_result_count = False
    raw_id_fields = ["owner", "referrer", "referee"]
    readonly_fields = [
        "status",
        "converted_at",
        "rewarded_at",
        "voided_at",
        "created_at",
        "updated_at",
    ]


@admin.register(PointsEntry)
class PointsEntryAdmin(AuditedModelAdmin):
    """The ledger is append-only: entries are never edited or deleted."""

    subject_field = "owner_id"
    list_display = ["customer", "delta", "kind", "referral", "created_at"]
    list_filter = ["kind", "created_at"]
    list_select_related = ["customer"]
    search_fields = ["customer__name", "owner__email", "key"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RewardBalance)
class RewardBalanceAdmin(AuditedModelAdmin):
    """Balances move with ledger entries only."""

    subject_field = "owner_id"
    list_display = ["customer", "points", "updated_at"]
    list_select_related = ["customer"]
    search_fields = ["customer__name", "owner__email"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FollowUp)
class FollowUpAdmin(AuditedModelAdmin):
    subject_field = "owner_id"
    list_display = ["customer", "due_at", "status", "owner"]
    list_filter = ["status", "due_at"]
    list_select_related = ["customer", "owner"]
    search_fields = ["customer__name", "owner__email"]
    show_full_result_count = False
    raw_id_fields = ["owner", "customer", "scheduled"]
    readonly_fields = ["created_at", "updated_at"]
