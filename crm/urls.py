"""The CRM API (docs/API.md, "crm"), mounted under ``crm/`` by config/urls.py."""

from django.urls import path

from .views import customers, interactions
from .views import settings as settings_views

app_name = "crm"

urlpatterns: list = [
    path("settings", settings_views.CrmSettingsView.as_view(), name="settings"),
    path(
        "customers",
        customers.CustomerViewSet.as_view({"get": "list", "post": "create"}),
        name="customers",
    ),
    path(
        "customers/search",
        customers.CustomerViewSet.as_view({"get": "search"}),
        name="customer-search",
    ),
    path(
        "customers/<uuid:pk>",
        customers.CustomerViewSet.as_view(
            {
                "get": "retrieve",
                "put": "update",
                "patch": "partial_update",
                "delete": "destroy",
            }
        ),
        name="customer",
    ),
    path(
        "customers/<uuid:pk>/interactions",
        interactions.CustomerInteractionsView.as_view(),
        name="customer-interactions",
    ),
    path(
        "interactions/<uuid:pk>",
        interactions.InteractionViewSet.as_view(
            {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
        ),
        name="interaction",
    ),
    # referrals
    # follow-ups and AI assist
    # imports, exports, dashboard and reports
    # social accounts, WhatsApp and Meta's webhook
    # scheduled posts
]
