"""The billing API (docs/API.md, billing), mounted under ``billing/`` by config/urls.py; Stripe's
webhook (``stripe_urlpatterns``) is mounted under ``stripe/``."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "billing"

router = SimpleRouter(trailing_slash=False, use_regex_path=False)
router.register("grants", views.GrantViewSet, basename="grant")

urlpatterns = [
    path("plans", views.PlanListView.as_view(), name="plans"),
    path("subscription", views.SubscriptionView.as_view(), name="subscription"),
    path(
        "subscription/change",
        views.SubscriptionChangeView.as_view(),
        name="subscription-change",
    ),
    path(
        "subscription/cancel",
        views.SubscriptionCancelView.as_view(),
        name="subscription-cancel",
    ),
    path("checkout-session", views.CheckoutSessionView.as_view(), name="checkout"),
    path("portal-session", views.PortalSessionView.as_view(), name="portal"),
    path("invoices", views.InvoiceListView.as_view(), name="invoices"),
    path("payments", views.PaymentListView.as_view(), name="payments"),
    path("payment-intents", views.PaymentIntentCreateView.as_view(), name="payment-intents"),
    path(
        "payment-intents/<str:pk>/confirm",
        views.PaymentIntentConfirmView.as_view(),
        name="payment-intent-confirm",
    ),
    *router.urls,
]

# Outside the billing namespace, so dj-stripe's own namespace stays "djstripe".
stripe_urlpatterns = [
    # dj-stripe's signed webhook, /api/v1/stripe/webhook/<uuid>/, behind our vetting of the
    # body (views.StripeWebhookView); dj-stripe's own route stays for reverse() only.
    path("webhook/<uuid:uuid>/", views.StripeWebhookView.as_view(), name="stripe-webhook"),
    path("", include("djstripe.urls", namespace="djstripe")),
]
