"""Django-level error pages in the API's envelope, for requests no DRF view handled."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .exceptions import error_body


# Also the catch-all of every path under /api/v1/ no route takes: without the exemption a
# POST there (a trailing slash, a typo) met the CSRF check first and got Django's HTML 403.
# It reads nothing and changes nothing, so there is nothing to forge.
@csrf_exempt
def not_found(request, exception=None):
    return JsonResponse(error_body("not_found", "Not found."), status=404)


def server_error(request):
    return JsonResponse(error_body("error", "Server Error (500)", kind="server_error"), status=500)


def bad_request(request, exception=None):
    return JsonResponse(error_body("bad_request", "Bad request."), status=400)


def permission_denied(request, exception=None):
    return JsonResponse(
        error_body("permission_denied", "You do not have permission to perform this action."),
        status=403,
    )
