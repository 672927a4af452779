from django.urls import include, path

from . import views

urlpatterns = [
    path("billing/plans", views.PlanListView.as_view(), name="billing-plans"),
    path("billing/subscription", views.SubscriptionView.as_view(), name="billing-subscription"),
    path(
        "billing/subscription/change",
        views.SubscriptionChangeView.as_view(),
        name="billing-subscription-change",
    ),
    path(
        "billing/subscription/cancel",
        views.SubscriptionCancelView.as_view(),
        name="billing-subscription-cancel",
    ),
    path("billing/checkout-session", views.CheckoutSessionView.as_view(), name="billing-checkout"),
    path("billing/portal-session", views.PortalSessionView.as_view(), name="billing-portal"),
    path("billing/invoices", views.InvoiceListView.as_view(), name="billing-invoices"),
    path("billing/payments", views.PaymentListView.as_view(), name="billing-payments"),
    path(
        "billing/payment-intents",
        views.PaymentIntentCreateView.as_view(),
        name="billing-payment-intents",
    ),
    path(
        "billing/payment-intents/<str:pk>/confirm",
        views.PaymentIntentConfirmView.as_view(),
        name="billing-payment-intent-confirm",
    ),
    # dj-stripe's signed webhook, /api/v1/stripe/webhook/<uuid>/, behind our vetting of the
    # body (views.StripeWebhookView); dj-stripe's own route stays for reverse() only.
    path("stripe/webhook/<uuid:uuid>/", views.StripeWebhookView.as_view(), name="stripe-webhook"),
    path("stripe/", include("djstripe.urls", namespace="djstripe")),
]
