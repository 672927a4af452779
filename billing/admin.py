"""Billing in the admin: complimentary plans (``PlanGrant``), and on the user's page of the
user admin (the ``USER_ADMIN_INLINES`` setting names :class:`PlanGrantInline` and
:class:`StripeCustomerInline`; accounts' ``UserAdmin`` adds them) the member's grants and
their Stripe customer with links to their subscriptions, invoices and payments in
dj-stripe's admin.

Grants are given and ended only through ``services.grant_create`` / ``grant_end``, which
write the audit entry and make the member's plan follow at once (cache, sockets); a grant is
never edited or deleted here, so the rows stay the record of who granted what."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from djstripe.models import Customer

from accounts import entitlements
from core.audit import AuditedModelAdmin

from . import selectors, services
from .models import PlanGrant

LINKS = (
    ("Subscriptions", "djstripe_subscription"),
    ("Invoices", "djstripe_invoice"),
    ("Payments", "djstripe_charge"),
    ("Payment intents", "djstripe_paymentintent"),
)


class StripeCustomerInline(admin.StackedInline):
    model = Customer
    fk_name = "subscriber"
    verbose_name = verbose_name_plural = "Stripe customer"
    can_delete = False
    extra = 0
    max_num = 0
    fields = readonly_fields = ["stripe_id", "livemode", "plan", "records"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="customer")
    def stripe_id(self, customer: Customer) -> str:
        url = reverse("admin:djstripe_customer_change", args=[customer.pk])
        return format_html('<a href="{}">{}</a>', url, customer.id)

    @admin.display(description="plan now")
    def plan(self, customer: Customer) -> str:
        return selectors.plan_for(customer.subscriber) if customer.subscriber else "-"

    @admin.display(description="records")
    def records(self, customer: Customer) -> str:
        return format_html_join(
            " · ",
            '<a href="{}?customer={}">{}</a>',
            ((reverse(f"admin:{name}_changelist"), customer.id, label) for label, name in LINKS),
        )


class PlanGrantForm(forms.ModelForm):
    """A new grant: which plan (one of ``BILLING_PLANS``), until when, and why."""

    plan = forms.ChoiceField(choices=())

    class Meta:
        model = PlanGrant
        fields = ["user", "plan", "ends_at", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "plan" in self.fields:  # not on a grant's read-only page
            self.fields["plan"].choices = [(name, name) for name in entitlements.plan_names()]

    def clean_ends_at(self):
        ends_at = self.cleaned_data.get("ends_at")
        if ends_at is not None and ends_at <= timezone.now():
            raise forms.ValidationError("The grant must end in the future.", code="past")
        return ends_at


def _grant_create(request, *, user, form: forms.Form) -> PlanGrant:
    return services.grant_create(
        user=user,
        plan=form.cleaned_data["plan"],
        ends_at=form.cleaned_data.get("ends_at"),
        reason=form.cleaned_data["reason"],
        granted_by=request.user,
        request=request,
    )


@admin.register(PlanGrant)
class PlanGrantAdmin(AuditedModelAdmin):
    """Give a member a plan without Stripe (Add), end grants early (the "End now" action).
    Both go through the services, which audit them; opening a grant is audited here."""

    form = PlanGrantForm
    list_display = ["user", "plan", "starts_at", "ends_at", "active", "granted_by", "created_at"]
    list_filter = ["plan", ("ended_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user", "granted_by"]
    search_fields = ["user__email"]
    autocomplete_fields = ["user"]
    actions = ["end_now"]
    readonly_fields = [
        "user",
        "plan",
        "starts_at",
        "ends_at",
        "ended_at",
        "active",
        "reason",
        "granted_by",
        "created_at",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "plan", "ends_at", "reason"]
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_changeform_initial_data(self, request):
        # The user page's "Give a plan" link names the member.
        return {"user": request.GET.get("user")} if request.GET.get("user") else {}

    @admin.display(boolean=True, description="in force")
    def active(self, grant: PlanGrant) -> bool:
        return grant.active

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if change:
            return
        grant = _grant_create(request, user=form.cleaned_data["user"], form=form)
        # The admin goes on with ``obj`` (the message, the redirect): make it the grant.
        obj.pk, obj.starts_at, obj.granted_by = grant.pk, grant.starts_at, grant.granted_by
        obj._state.adding = False

    def save_related(self, request, form, formsets, change) -> None:
        # grant_create wrote the audit entry.
        admin.ModelAdmin.save_related(self, request, form, formsets, change)

    @admin.action(description="End selected grants now", permissions=["change"])
    def end_now(self, request, queryset) -> None:
        ended = 0
        for grant in queryset.select_related("user"):
            if grant.active:
                services.grant_end(grant=grant, ended_by=request.user, request=request)
                ended += 1
        self.message_user(request, f"Ended {ended} grant(s).", messages.SUCCESS)


class PlanGrantInline(admin.TabularInline):
    """The member's grants on their user page; a new row gives them a plan (through
    ``grant_create``). Existing grants are read-only: end one from the grants list."""

    model = PlanGrant
    fk_name = "user"
    form = PlanGrantForm
    verbose_name = "complimentary plan"
    verbose_name_plural = "complimentary plans"
    extra = 0
    can_delete = False
    fields = ["plan", "ends_at", "reason", "starts_at", "ended_at", "active", "granted_by", "link"]
    readonly_fields = ["starts_at", "ended_at", "active", "granted_by", "link"]
    ordering = ["-created_at"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(boolean=True, description="in force")
    def active(self, grant: PlanGrant) -> bool | None:
        return None if grant._state.adding else grant.active

    @admin.display(description="grant")
    def link(self, grant: PlanGrant) -> str:
        if grant._state.adding:
            return "-"
        url = reverse("admin:billing_plangrant_change", args=[grant.pk])
        return format_html('<a href="{}">open</a>', url)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class GrantFormSet(formset):
            def save_new(self, form, commit=True):
                return _grant_create(request, user=self.instance, form=form)

        return GrantFormSet
