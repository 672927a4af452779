from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts import urls as accounts_urls
from billing import urls as billing_urls
from community import urls as community_urls
from core.health import HealthView
from core.views import not_found

api_v1 = [
    # Each app's prefix is mounted here, once; accounts (auth/, me/, onboarding/), the
    # notifications inbox (/notifications itself), messaging (/messages itself) and
    # conversations (/conversations itself) have no prefix to mount under and name their
    # paths in full.
    path("", include("accounts.urls")),
    path("ai/", include("ai.urls")),
    path("", include("notifications.urls")),
    path("billing/", include("billing.urls")),
    path("stripe/", include(billing_urls.stripe_urlpatterns)),
    path("community/", include("community.urls")),
    path("", include((community_urls.messages_urlpatterns, "messages"))),
    path("coaching/", include("coaching.urls")),
    path("", include("conversations.urls")),
    path("marketplace/", include("marketplace.urls")),
    path("crm/", include("crm.urls")),
    # Last: any other path under the API is a 404 in the error envelope, in DEBUG too
    # (where Django would otherwise answer with its HTML page).
    re_path(r"^.*$", not_found, name="api-not-found"),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    # The pages verification and reset emails link to when FRONTEND_URL names no front end.
    path("account/", include((accounts_urls.page_urlpatterns, "account"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("admin/", admin.site.urls),
    path("health/", HealthView.as_view(), name="health"),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
