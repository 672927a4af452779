from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from core.health import HealthView
from core.views import not_found

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("ai.urls")),
    path("", include("notifications.urls")),
    path("", include("billing.urls")),
    path("", include("community.urls")),
    path("", include("coaching.urls")),
    # Last: any other path under the API is a 404 in the error envelope, in DEBUG too
    # (where Django would otherwise answer with its HTML page).
    re_path(r"^.*$", not_found, name="api-not-found"),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
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
