"""A member's Stripe customer, with links to their subscriptions, invoices and payments in
dj-stripe's admin, shown on the user's page of the user admin: the ``USER_ADMIN_INLINES``
setting names :class:`StripeCustomerInline` and accounts' ``UserAdmin`` adds it."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from djstripe.models import Customer

from . import selectors

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
